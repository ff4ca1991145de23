"""The register of corrective actions as CSV or XLSX (QP-70-2: "a database of all corrective actions").

Safe to open in a spreadsheet: text that starts with = + - @ (or a tab / carriage return)
would run as a formula, so it is written with a leading apostrophe ('=…), in CSV and XLSX
alike (`core.spreadsheets.formula_safe`). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.spreadsheets import formula_safe
from maintenance.choices import ActionOutcome, ActionType
from maintenance.models import CorrectiveAction

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet will show, never run: formula-like text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return formula_safe(str(value))  # the one rule of every export (core.spreadsheets)


def action_headers() -> list[str]:
    return [
        _("ID"),
        _("Ticket"),
        _("School"),
        _("Asset"),
        _("Technician"),
        _("Action type"),
        _("Outcome"),
        _("Started"),
        _("Ended"),
        _("Parts"),
        _("Parts cost"),
        _("Notes"),
        _("Corrects"),
        _("Reason for the correction"),
        _("Recorded at"),
        _("Recorded by"),
    ]


def action_row(action: CorrectiveAction) -> list[Any]:
    parts = list(action.parts.all())
    return [
        action.pk,
        action.ticket.number,
        str(action.ticket.school) if action.ticket.school_id else "",
        action.asset.asset_tag if action.asset_id else "",
        action.technician.get_username(),
        ActionType.label(action.action_type),
        ActionOutcome.label(action.outcome),
        action.started_at,
        action.ended_at,
        "; ".join(f"{u.part.code} × {u.quantity}" for u in parts),
        sum((u.cost for u in parts), Decimal("0")),
        action.notes,
        action.corrects_id or "",
        action.correction_reason,
        action.created_at,
        action.created_by.get_username(),
    ]


def actions_csv(queryset: QuerySet[CorrectiveAction]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in action_headers()])
    for action in queryset:
        writer.writerow([safe_cell(v) for v in action_row(action)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read Arabic as UTF-8


def actions_xlsx(queryset: QuerySet[CorrectiveAction]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Corrective actions")[:31]
    sheet.append([safe_cell(h) for h in action_headers()])
    for action in queryset:
        sheet.append([safe_cell(v) for v in action_row(action)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def actions_export_response(queryset: QuerySet[CorrectiveAction], fmt: str) -> HttpResponse:
    """The register as a download; the caller scopes and filters the queryset."""
    if fmt == "csv":
        content = actions_csv(queryset)
    elif fmt == "xlsx":
        content = actions_xlsx(queryset)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"siyana-corrective-actions-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
