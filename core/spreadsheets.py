"""The one rule every CSV and XLSX export follows so a spreadsheet shows user text and never runs it.

CSV injection: Excel and LibreOffice run a cell that starts with `=`, `+`, `-` or `@` as a
formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(…)`), and a leading tab or carriage return does
not stop them. In CSV such text gets a leading apostrophe, which the spreadsheet hides and
`assets.imports` removes again, so an export re-imports unchanged. In XLSX the cell is
written as a text cell (openpyxl would store a string starting with `=` as a formula).

Used by assets.exports, maintenance.exports and reports (tables / exports); tests
(tests/assets/test_imports_bad_input.py) check each export with the same hostile cells.
"""

from __future__ import annotations

from typing import Any

#: What a spreadsheet takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """Text for a CSV cell: formula-like text gets a leading apostrophe; other text is unchanged."""
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def formula_unescape(text: str) -> str:
    """The inverse of `formula_safe`, for importers reading an exported CSV back."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


def xlsx_text_cell(cell: Any, value: Any) -> None:
    """Put `value` in an openpyxl cell; text is always a text cell (never a formula), as typed."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
