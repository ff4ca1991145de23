"""The report as tables: one structure that the dashboard, the API and every export render.

A `Table` holds finished values — counts as int, hours and percentages already rounded
(`round_value`), moments as naive local datetimes — so HTML, XLSX, CSV, PDF, JSON and the
dashboard cannot disagree: each only formats what is here (`display`), none computes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from core import spreadsheets

#: Column kinds and their decimals. "text" and "datetime" are not numbers.
DECIMALS = {"int": 0, "hours": 2, "pct": 1, "money": 3, "avg": 2}
NUMERIC = frozenset(DECIMALS)


#: A column of this kind takes each row's kind from `Table.row_kinds` (the summary's mixed figures).
ROW = "row"
#: Text that reads left to right even in an Arabic page (codes, ticket numbers, "0–1" ranges).
LTR = "ltr"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text · ltr · int · hours · pct · money · avg · datetime · row
    signed: bool = False  # a change: shown with its sign ("+3", "-1.5")


@dataclass
class Table:
    key: str
    title: str
    sheet: str  # a short title: the spreadsheet's sheet name (cut to 31 characters there)
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    section: str = "helpdesk"  # helpdesk · faults · actions
    note: str = ""
    row_kinds: list[str] = field(default_factory=list)  # for ROW columns, one kind per row
    row_keys: list[str] = field(default_factory=list)  # names of the rows, where rows are fixed (the summary)

    def __post_init__(self) -> None:
        # a spreadsheet refuses these in a sheet's name (the XLSX writer also cuts it to 31 characters)
        self.sheet = "".join(" " if c in "[]:*?/\\" else c for c in self.sheet).strip()

    def column(self, key: str) -> int:
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def kind(self, row: int, column: int) -> str:
        kind = self.columns[column].kind
        return self.row_kinds[row] if kind == ROW else kind

    def cells(self) -> list[list[tuple[Any, str, bool]]]:
        """Every row as (value, kind, signed) per cell: what each format needs to show a cell."""
        return [
            [(value, self.kind(r, c), self.columns[c].signed) for c, value in enumerate(row)]
            for r, row in enumerate(self.rows)
        ]

    def by_row_key(self, column: str = "value") -> dict[str, Any]:
        """{row key: value of `column`} for a table of named rows (the summary, the budget)."""
        i = self.column(column)
        return {key: row[i] for key, row in zip(self.row_keys, self.rows, strict=True)}

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [dict(zip(keys, (json_value(v) for v in row), strict=True)) for row in self.rows]


def round_value(value: Any, kind: str) -> Any:
    """The value as every format shows it: None for missing, ints for counts, rounded floats."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "int":
        return int(value)
    if kind in DECIMALS:
        return round(float(value), DECIMALS[kind])
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0)
    return value


def round_column(values: list, kind: str) -> list:
    """`round_value` over a whole column (the same results, without a call per cell)."""
    if kind in ("text", LTR):
        return values
    if kind == "int":
        return [None if v is None or v != v else int(v) for v in values]
    if kind in DECIMALS:
        d = DECIMALS[kind]
        return [None if v is None or v != v else round(float(v), d) for v in values]
    if kind == "datetime":
        return [v if v is None or not (v.second or v.microsecond) else v.replace(second=0, microsecond=0)
                for v in values]  # fmt: skip
    return [round_value(v, kind) for v in values]


def display(value: Any, kind: str, signed: bool = False) -> str:
    """Text of a value, the same in HTML, PDF, CSV and on the dashboard: Latin digits, "." before the
    decimals and no thousands separator, so a figure reads (and parses) the same everywhere."""
    if value is None:
        return "—" if kind != "text" else ""
    if kind in DECIMALS:
        decimals = DECIMALS[kind]
        text = f"{value:.{decimals}f}" if decimals else str(int(value))
        return ("+" + text) if signed and value > 0 else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_value(value: Any, kind: str) -> str:
    """A CSV cell: numbers plain (no thousands separator), text safe from spreadsheet formulas."""
    if value is None:
        return ""
    if kind in DECIMALS:  # a plain number: no "+" on a change, which a spreadsheet could take for a formula
        decimals = DECIMALS[kind]
        return f"{value:.{decimals}f}" if decimals else str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return display(value, kind)
    return formula_safe(str(value))


formula_safe = spreadsheets.formula_safe  # the one rule of every export (kept here for reports.exports)
