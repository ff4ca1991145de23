"""Export of the inventory in the columns `assets.imports` reads, so an export re-imports unchanged.

`export_rows` gives plain values (text, numbers, dates, None); CSV renders them as UTF-8
with a BOM (Excel then reads Arabic correctly), XLSX keeps numbers and dates typed. The
header row always holds the machine keys (`asset_tag`, …): the importer also accepts
titles, but keys never change with the language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.utils import timezone, translation

from assets.imports import COLUMNS, ORDER, SHEET_TITLES, format_days, format_time
from assets.models import Asset, Circuit, FiberSite, Location, School
from core.spreadsheets import formula_safe, xlsx_text_cell

KINDS: dict[str, type[Model]] = {
    "schools": School,
    "locations": Location,
    "fiber_sites": FiberSite,
    "assets": Asset,
    "circuits": Circuit,
}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _tags(obj: Model) -> str:
    # Sorted in Python from the prefetched rows: .order_by() here would cost a query per row.
    return ";".join(sorted((tag.name for tag in obj.tags.all()), key=str.casefold))


def _school_row(s: School) -> list[Any]:
    return [
        s.code, s.name_ar, s.name_en, s.directorate.code, s.address, s.phone, s.email, s.latitude, s.longitude,
        format_days(s.working_days or []), format_time(s.day_start), format_time(s.day_end), s.comments,
    ]  # fmt: skip


def _location_row(loc: Location) -> list[Any]:
    return [loc.school.code, loc.name_ar, loc.name_en, loc.kind, loc.room, loc.comments]


def _fiber_site_row(f: FiberSite) -> list[Any]:
    return [
        f.code, f.name_ar, f.name_en, f.kind, f.directorate.code, f.school.code if f.school else "", f.status,
        f.commissioned_on, f.address, f.comments,
    ]  # fmt: skip


def _asset_row(a: Asset) -> list[Any]:
    model = a.asset_model
    return [
        a.asset_tag, a.name, model.manufacturer.name, model.name, model.category, a.serial, a.school.code,
        a.location.name_ar if a.location else "", a.status, a.custodian, a.purchase_date, a.purchase_cost,
        a.supplier, a.funding, a.warranty_end, a.management_ip or "", a.disposed_on, _tags(a), a.comments,
    ]  # fmt: skip


def _circuit_row(c: Circuit) -> list[Any]:
    return [
        c.cid, c.provider.name, c.type, c.status, c.bandwidth_mbps, c.install_date, c.termination_a.code, c.port_a,
        c.termination_z.code if c.termination_z else "", c.port_z, c.provider_contact, c.description, _tags(c),
        c.comments,
    ]  # fmt: skip


_ROWS: dict[str, tuple[Callable[[Any], list[Any]], tuple[str, ...], tuple[str, ...]]] = {
    # kind: (row function, select_related, prefetch_related)
    "schools": (_school_row, ("directorate",), ()),
    "locations": (_location_row, ("school",), ()),
    "fiber_sites": (_fiber_site_row, ("directorate", "school"), ()),
    "assets": (_asset_row, ("asset_model__manufacturer", "school", "location"), ("tags",)),
    "circuits": (_circuit_row, ("provider", "termination_a", "termination_z"), ("tags",)),
}


def column_keys(kind: str) -> list[str]:
    return [column.key for column in COLUMNS[kind]]


def export_rows(kind: str, queryset: QuerySet) -> tuple[list[str], list[list[Any]]]:
    """(column keys, rows) of `queryset`, in a handful of queries whatever its size."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}; expected one of {', '.join(KINDS)}")
    row, select, prefetch = _ROWS[kind]
    queryset = queryset.select_related(*select)
    if prefetch:
        queryset = queryset.prefetch_related(*prefetch)
    return column_keys(kind), [row(obj) for obj in queryset]


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)
    # Text that a spreadsheet would run as a formula is written as '=…; the importer removes the quote.
    return formula_safe(str(value))


def export_csv(kind: str, queryset: QuerySet) -> bytes:
    keys, rows = export_rows(kind, queryset)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(keys)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sheet_title(kind: str) -> str:
    """The sheet's name: Arabic when the UI speaks Arabic, else the kind (the importer reads both)."""
    return SHEET_TITLES[kind][1] if translation.get_language_bidi() else kind


def _add_sheet(workbook, kind: str, queryset: QuerySet) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    keys, rows = export_rows(kind, queryset)
    worksheet = workbook.create_sheet(sheet_title(kind))
    worksheet.sheet_view.rightToLeft = bool(translation.get_language_bidi())
    worksheet.append(keys)
    arabic = translation.get_language() == "ar"
    bold = Font(bold=True)
    for column, cell in zip(COLUMNS[kind], worksheet[1], strict=True):
        cell.font = bold
        # The header holds machine keys; a comment says what each is, in the reader's language
        # (the fixed Arabic title, which the importer also accepts as a header).
        cell.comment = Comment(column.title_ar if arabic else str(column.title), "Siyana")
    widths = [len(key) for key in keys]
    for row in rows:
        values = [None if v == "" else v for v in row]
        worksheet.append(values)
        for position, value in enumerate(values):
            if value is None:
                continue
            cell = worksheet.cell(row=worksheet.max_row, column=position + 1)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
                widths[position] = max(widths[position], 10)
                continue
            xlsx_text_cell(cell, value)  # text stays text, never a formula
            widths[position] = max(widths[position], len(str(value)))
    for position, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(position)].width = min(max(width + 2, 8), 50)
    worksheet.freeze_panes = "A2"


def export_workbook(querysets: dict[str, QuerySet]) -> bytes:
    """Several kinds in one workbook, one sheet each, in the order the importer reads them."""
    import openpyxl

    unknown = set(querysets) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown export kind(s) {', '.join(sorted(unknown))}")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for kind in ORDER:
        if kind in querysets:
            _add_sheet(workbook, kind, querysets[kind])
    if not workbook.worksheets:
        workbook.create_sheet("empty")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(kind: str, fmt: str) -> str:
    return f"siyana-{kind.replace('_', '-')}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def export_response(kind: str, queryset: QuerySet, fmt: str) -> HttpResponse:
    """`queryset` as a CSV or XLSX download. The caller scopes the queryset to what the user may see."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    if fmt == "csv":
        content = export_csv(kind, queryset)
    elif fmt == "xlsx":
        content = export_workbook({kind: queryset})
    else:
        raise ValueError(f"unknown export format {fmt!r}; expected csv or xlsx")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind, fmt)}"'
    return response
