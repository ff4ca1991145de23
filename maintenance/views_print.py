"""Form QF75-11 printed: a ticket as the ministry's "maintenance request (devices, network) –
technical report", as a printable page (`ticket_print`) and as a PDF (`ticket_pdf`).

Both are in Arabic unless `?lang=en` asks for English — whatever language the UI speaks: the
form is an Arabic record of the department. They show the ticket only to who may see it on the
ticket page (the same permission and scope: another school's ticket is a 404), and only what
that page shows them: school staff get their public photos only, and no part costs (the
directorate's stock and budget are not theirs to see — they cannot open the spare parts).
Photos are scaled down and embedded as data: URIs (core.pdf never fetches a URL).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from PIL import Image, ImageOps

from core.roles import VIEW, can
from maintenance import selectors
from maintenance.choices import AttachmentKind, FeedbackKind
from maintenance.models import CorrectiveAction, SparePart, TechnicalReport, Ticket
from maintenance.printing import PrintedFormView
from maintenance.records import FORMS, QF75_11
from maintenance.views import is_school_staff

logger = logging.getLogger(__name__)

TEMPLATE = "maintenance/print/qf75_11.html"
#: At most this many photos go into one printed form, each scaled to fit this many pixels.
MAX_PHOTOS = 8
PHOTO_MAX_PX = 1200


def duration_text(seconds: float | None) -> str:
    """Hours and minutes, "2:05" (the form's duration column); "" when unknown."""
    if seconds is None:
        return ""
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass
class PrintedAction:
    """One current corrective action as the form lists it."""

    number: int
    action: CorrectiveAction
    seconds: float | None
    duration: str
    parts: list
    cost: Decimal


def _printed_actions(ticket: Ticket) -> tuple[list[PrintedAction], dict[str, Any]]:
    rows = []
    total_seconds, total_cost, total_parts = 0.0, Decimal("0"), 0
    for number, action in enumerate(selectors.ticket_actions(ticket), start=1):
        seconds = (action.ended_at - action.started_at).total_seconds() if action.ended_at else None
        parts = list(action.parts.all())
        cost = sum((usage.cost for usage in parts), Decimal("0"))
        rows.append(PrintedAction(number, action, seconds, duration_text(seconds), parts, cost))
        total_seconds += seconds or 0
        total_cost += cost
        total_parts += sum(usage.quantity for usage in parts)
    totals = {"duration": duration_text(total_seconds), "cost": total_cost, "parts": total_parts}
    return rows, totals


def photo_data_uri(fieldfile) -> str | None:
    """A stored photo scaled down (turned upright by its EXIF tag) as a JPEG data: URI; None if unreadable."""
    from core.pdf import data_uri  # core.pdf imports WeasyPrint: load it when a form is printed, not with the URLs

    try:
        with fieldfile.open("rb") as handle, Image.open(handle) as image:
            if image.format not in ("JPEG", "PNG", "WEBP"):
                return None
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((PHOTO_MAX_PX, PHOTO_MAX_PX))
            buffer = io.BytesIO()
            upright.convert("RGB").save(buffer, format="JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        logger.warning("QF75-11: photo %s left out of the printed form: %s", fieldfile.name, exc)
        return None
    return data_uri(buffer.getvalue(), "image/jpeg")


def _photos(ticket: Ticket, actions: list[PrintedAction], user) -> list[dict[str, Any]]:
    """The ticket's photos the reader may see on the ticket page, then the actions' photos."""
    attachments = selectors.ticket_attachments(ticket).filter(kind=AttachmentKind.PHOTO)
    if is_school_staff(user):
        attachments = attachments.filter(public=True)
    candidates = [(a.file, a.name, a.at) for a in attachments[:MAX_PHOTOS]]
    if can(user, VIEW, CorrectiveAction):
        candidates += [
            (row.action.photo, gettext("Corrective action %(number)s") % {"number": row.number}, row.action.started_at)
            for row in actions
            if row.action.photo
        ]
    photos = []
    for fieldfile, caption, at in candidates[:MAX_PHOTOS]:
        uri = photo_data_uri(fieldfile)
        if uri is not None:
            photos.append({"uri": uri, "caption": caption, "at": at})
    return photos


def qf75_11_context(ticket: Ticket, user) -> dict[str, Any]:
    """What the QF75-11 template shows of `ticket` to `user` (call it in the language of the page)."""
    actions, totals = _printed_actions(ticket)
    assets = ticket.assets.select_related("asset_model__manufacturer", "location").order_by("asset_tag")
    report = TechnicalReport.objects.filter(ticket=ticket).select_related("technician").first()
    feedback = list(ticket.feedback.order_by("at", "pk"))
    answers = [f for f in feedback if f.kind in (FeedbackKind.ACCEPTED, FeedbackKind.OBJECTED)]
    ratings = [f for f in feedback if f.rating is not None]
    return {
        "form": FORMS[QF75_11],
        "ticket": ticket,
        "assets": list(assets),
        "report": report,
        "actions": actions,
        "totals": totals,
        "show_costs": can(user, VIEW, SparePart),
        "answers": answers,
        "rating": ratings[-1] if ratings else None,
        "photos": _photos(ticket, actions, user),
        "technician": report.technician if report else ticket.assigned_to,
    }


class _TicketForm(PrintedFormView):
    """The ticket through the ticket page's permission and scope (another school's ticket: 404)."""

    model = Ticket
    template = TEMPLATE
    url_name = "ticket"

    def base_queryset(self) -> QuerySet:
        return selectors.ticket_detail()

    def form_context(self, obj: Ticket) -> dict[str, Any]:
        return qf75_11_context(obj, self.request.user)

    def filename(self, obj: Ticket) -> str:
        return f"{QF75_11}-{obj.number}.pdf"


class TicketPrintView(_TicketForm):
    """The QF75-11 page for the browser's Print (Arabic unless ?lang=en)."""


class TicketPdfView(_TicketForm):
    """The QF75-11 PDF, shown in the browser (Arabic unless ?lang=en)."""

    pdf = True
