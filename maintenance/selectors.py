"""Reads of tickets for the pages and the API. List selectors return unscoped querysets."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from core.roles import scope_queryset
from maintenance.models import Ticket, TicketEntry


def ticket_list() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("school", "assigned_to")


def ticket_detail() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("school__directorate", "location", "assigned_to").prefetch_related(
        "assets__asset_model"
    )


def ticket_api_list() -> QuerySet[Ticket]:
    entries = TicketEntry.objects.select_related("author").order_by("at", "pk")
    return ticket_list().prefetch_related("assets", Prefetch("entries", queryset=entries))


def ticket_entries(ticket: Ticket) -> QuerySet[TicketEntry]:
    return ticket.entries.select_related("author").order_by("at", "pk")


def ticket_outages(ticket: Ticket, user) -> QuerySet:
    """The outages that opened or repeated this ticket (netmon's rows, reached through the relation)."""
    return scope_queryset(ticket.outages.select_related("target__asset").order_by("-start", "-pk"), user)
