"""The ticket pages: list and detail (the forms for the full QF75-11 work come later)."""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.views import EMPTY, Column, ObjectDetailView, ObjectListView, badge
from maintenance import filtersets, selectors
from maintenance.choices import EntryKind, TicketCategory, TicketPriority, TicketSource, TicketStatus, TicketType
from maintenance.models import Ticket, TicketEntry

#: Why a ticket was closed, as the services record it.
CLOSE_REASONS = {"self_recovered": gettext_lazy("The fault cleared by itself soon after it began.")}


def _close_reason(ticket: Ticket) -> str:
    if not ticket.close_reason:
        return EMPTY
    return str(CLOSE_REASONS.get(ticket.close_reason, ticket.close_reason))


class TicketListView(ObjectListView):
    model = Ticket
    queryset_function = selectors.ticket_list
    filterset_class = filtersets.TicketFilterSet
    columns = [
        Column(
            "number",
            sort="number",
            render_fn=lambda t: format_html('<a href="{}" dir="ltr">{}</a>', t.get_absolute_url(), t.number),
        ),
        Column("title", sort="title"),
        Column("school", sort="school__code", link="value"),
        Column("category", sort="category", choices=TicketCategory),
        Column("priority", sort="priority", choices=TicketPriority),
        Column("status", sort="status", choices=TicketStatus),
        Column("source", sort="source", choices=TicketSource),
        Column("opened_at", sort="opened_at"),
    ]


class TicketDetailView(ObjectDetailView):
    model = Ticket
    queryset_function = selectors.ticket_detail
    fields = [
        Column("number"),
        Column("title"),
        Column("status", choices=TicketStatus),
        Column("priority", choices=TicketPriority),
        Column("category", choices=TicketCategory),
        Column("type", choices=TicketType),
        Column("source", choices=TicketSource),
        Column("school", link="value"),
        Column("location", link="value"),
        Column("requester_name"),
        Column("requester_phone"),
        Column("requester_email"),
        Column("assigned_to"),
        Column("opened_at"),
        Column("resolved_at"),
        Column("closed_at"),
        Column("close_reason", render_fn=_close_reason),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        ticket = self.object
        entries = list(selectors.ticket_entries(ticket))
        for entry in entries:
            entry.kind_badge = badge(EntryKind, entry.kind)
            entry.summary = entry_summary(entry)
        return {
            "status_badge": badge(TicketStatus, ticket.status),
            "entries": entries,
            "assets": list(ticket.assets.all()),
            "outages": list(selectors.ticket_outages(ticket, self.request.user)),
        }


def entry_summary(entry: TicketEntry) -> str:
    """One line on what a status entry's data says; the template shows an outage's length."""
    data = entry.data or {}
    if entry.kind == EntryKind.STATUS and "to" in data:
        return _("Status: %(old)s → %(new)s") % {
            "old": TicketStatus.label(data.get("from", "")) or EMPTY,
            "new": TicketStatus.label(data["to"]),
        }
    return ""
