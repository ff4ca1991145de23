"""Helpers of the requester-side tests (notifications, public look-up, answer links)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.utils import timezone

from maintenance import services
from maintenance.choices import TicketStatus
from maintenance.models import Ticket
from notifications.models import Message

S = TicketStatus


def work_and_resolve(ticket: Ticket, tech, *, at: datetime | None = None, reply: str = "") -> Ticket:
    """Assign (to `tech`, by `tech`), start, report and resolve; returns the fresh ticket."""
    at = at or timezone.now() - timedelta(hours=2)
    ticket.refresh_from_db()
    if ticket.status in (S.NEW, S.REOPENED):
        services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version, at=at)
        ticket.refresh_from_db()
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version, at=at)
    ticket.refresh_from_db()
    services.report_save(
        ticket=ticket,
        by=tech,
        expected_version=ticket.version,
        diagnosis="Loose power cable",
        actions_taken="Reseated the cable",
        result="fixed",
        at=at,
    )
    ticket.refresh_from_db()
    services.ticket_resolve(
        ticket=ticket, by=tech, expected_version=ticket.version, reason=reply, at=at + timedelta(minutes=30)
    )
    ticket.refresh_from_db()
    return ticket


def messages(ticket: Ticket, **filters) -> list[Message]:
    return list(
        Message.objects.filter(ref_model="maintenance.ticket", ref_object_id=ticket.pk, **filters).order_by("pk")
    )


def path_of(url: str) -> str:
    """The path of an absolute link in a message (NOTIFY_SITE_URL + path)."""
    return re.sub(r"^https?://[^/]+", "", url)
