"""Reads of tickets, corrective actions and parts for the pages, the API and the reports.

List selectors return unscoped querysets: the caller passes them through
`core.roles.scope_queryset` (the views and the API do).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.roles import scope_queryset
from maintenance.choices import FeedbackKind, TicketStatus
from maintenance.models import (
    CorrectiveAction,
    PartBudget,
    PartUsage,
    SparePart,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketFeedback,
)


def ticket_list() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("school", "assigned_to")


def ticket_detail() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(
        "school__directorate", "location", "assigned_to", "merged_into", "duplicate_of_suspect", "sla_policy"
    ).prefetch_related("assets__asset_model")


#: What the API reads of a ticket's school: its calendar (maintenance.sla_calendar.work_calendar).
_SCHOOL_CALENDAR = ("school__id", "school__directorate_id", "school__working_days", "school__day_start",
                    "school__day_end")  # fmt: skip


def ticket_api_list() -> QuerySet[Ticket]:
    """Tickets as the API reads them: every column, the school's calendar for the SLA clocks, the assignee's user
    name (a join, not an annotation: a count leaves a join out); `with_api_relations` adds the assets and timeline
    of the ones it returns."""
    columns = [field.attname for field in Ticket._meta.concrete_fields]
    return Ticket.objects.select_related("school", "assigned_to").only(
        *columns, *_SCHOOL_CALENDAR, "assigned_to__id", "assigned_to__username"
    )


class EntryRow(NamedTuple):
    """A timeline entry as the API shows it: `author` is the author's user name (`str()` of the user)."""

    id: int
    kind: str
    at: datetime
    author: str | None
    text: str
    data: Any
    public: bool


def with_api_relations(tickets: Sequence[Ticket], *, public_only: bool = False) -> Sequence[Ticket]:
    """Give each ticket `api_asset_ids` (its assets' pks, by asset tag) and `api_entries` (its timeline as
    `EntryRow`s, oldest first; `public_only` leaves internal notes out, for school staff) in two queries of
    plain rows. A page of 50 tickets has some 300 entries: model instances for them and their authors were
    most of the ticket API's time (bench/web.py)."""
    by_pk = {ticket.pk: ticket for ticket in tickets}
    for ticket in tickets:
        ticket.api_asset_ids, ticket.api_entries = [], []
    if not by_pk:
        return tickets
    links = Ticket.assets.through.objects.filter(ticket_id__in=by_pk).order_by("asset__asset_tag", "asset_id")
    for ticket_id, asset_id in links.values_list("ticket_id", "asset_id"):
        by_pk[ticket_id].api_asset_ids.append(asset_id)
    entries = TicketEntry.objects.filter(ticket_id__in=by_pk).order_by("at", "pk")
    if public_only:
        entries = entries.filter(public=True)
    columns = ("ticket_id", "id", "kind", "at", "author__username", "text", "data", "public")
    for ticket_id, *values in entries.values_list(*columns):
        by_pk[ticket_id].api_entries.append(EntryRow(*values))
    return tickets


def ticket_entries(ticket: Ticket, *, public_only: bool = False) -> QuerySet[TicketEntry]:
    """The timeline; `public_only` keeps what the requester may read (no internal notes)."""
    qs = ticket.entries.select_related("author").order_by("at", "pk")
    return qs.filter(public=True) if public_only else qs


def ticket_outages(ticket: Ticket, user) -> QuerySet:
    """The outages that opened or repeated this ticket (netmon's rows, reached through the relation)."""
    return scope_queryset(ticket.outages.select_related("target__asset").order_by("-start", "-pk"), user)


# --------------------------------------------------------------------------- queues

#: The queues of the ticket list (`?queue=`).
QUEUE_MINE, QUEUE_SCHOOL, QUEUE_OPEN = "mine", "school", "open"


def open_tickets() -> QuerySet[Ticket]:
    """Every open ticket, the most urgent first: due time (none last), then priority, then age."""
    return (
        ticket_list()
        .exclude(status=TicketStatus.CLOSED)
        .order_by(F("resolve_due_at").asc(nulls_last=True), "opened_at", "pk")
    )


def my_open_tickets(user) -> QuerySet[Ticket]:
    """The open tickets assigned to `user`."""
    return open_tickets().filter(assigned_to=user)


def school_tickets(school) -> QuerySet[Ticket]:
    """A school's tickets, open and closed, newest first (what its staff follow)."""
    return ticket_list().filter(school=school).order_by("-opened_at", "-pk")


def ticket_hold_periods(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    """When the ticket was on hold: [(start, end or None while still on hold)], from its timeline.

    The SLA clock pauses during these periods.
    """
    periods: list[tuple[datetime, datetime | None]] = []
    start: datetime | None = None
    for at, data in ticket.entries.filter(data__has_key="to").order_by("at", "pk").values_list("at", "data"):
        if data.get("to") == TicketStatus.ON_HOLD and start is None:
            start = at
        elif data.get("from") == TicketStatus.ON_HOLD and start is not None:
            periods.append((start, at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


# --------------------------------------------------------------------------- corrective actions


def _is_corrected() -> Exists:
    return Exists(CorrectiveAction.objects.filter(corrects=OuterRef("pk")))


def action_register() -> QuerySet[CorrectiveAction]:
    """Every corrective action with what the register shows; `is_corrected` marks superseded rows."""
    return (
        CorrectiveAction.objects.select_related("ticket__school", "asset", "technician", "created_by", "corrects")
        .prefetch_related(Prefetch("parts", queryset=PartUsage.objects.select_related("part")))
        .annotate(is_corrected=_is_corrected())
    )


def current_actions() -> QuerySet[CorrectiveAction]:
    """The latest version of every action (corrections replace the rows they correct)."""
    return action_register().filter(is_corrected=False)


def ticket_actions(ticket: Ticket) -> list[CorrectiveAction]:
    """The ticket's actions, oldest first, each with `versions`: the rows it replaced, newest first.

    Only current actions are listed at the top level; their corrected versions hang below.
    """
    rows = list(action_register().filter(ticket=ticket).order_by("started_at", "pk"))
    by_pk = {a.pk: a for a in rows}
    current = []
    for action in rows:
        if action.is_corrected:
            continue
        versions = []
        previous = by_pk.get(action.corrects_id) if action.corrects_id else None
        while previous is not None:
            versions.append(previous)
            previous = by_pk.get(previous.corrects_id) if previous.corrects_id else None
        action.versions = versions
        current.append(action)
    return current


def action_chain(action: CorrectiveAction) -> list[CorrectiveAction]:
    """The action and every earlier version it corrects, newest first."""
    chain = [action]
    while chain[-1].corrects_id is not None:
        chain.append(CorrectiveAction.objects.get(pk=chain[-1].corrects_id))
    return chain


# --------------------------------------------------------------------------- parts and budget


def spare_parts() -> QuerySet[SparePart]:
    return SparePart.objects.all()


def _cost() -> ExpressionWrapper:
    return ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=16, decimal_places=3))


def parts_spent(year: int) -> Decimal:
    """What the current (uncorrected) actions begun in `year` used in parts, at their recorded unit costs."""
    total = (
        PartUsage.objects.filter(action__started_at__year=year)
        .exclude(action__corrections__isnull=False)
        .aggregate(total=Coalesce(Sum(_cost()), Decimal("0"), output_field=DecimalField()))["total"]
    )
    return Decimal(total).quantize(Decimal("0.001"))


def part_budget(year: int) -> PartBudget | None:
    return PartBudget.objects.filter(year=year).first()


def ticket_attachments(ticket: Ticket) -> QuerySet[TicketAttachment]:
    return ticket.attachments.select_related("uploaded_by").order_by("at", "pk")


# --------------------------------------------------------------------------- feedback (for the reports)


def feedback_rows() -> QuerySet[TicketFeedback]:
    return TicketFeedback.objects.select_related("ticket__school", "by")


def objections_between(start: datetime, end: datetime) -> QuerySet[TicketFeedback]:
    """Objections made in [start, end): one row each, so a quarter's count is `.count()`."""
    return feedback_rows().filter(kind=FeedbackKind.OBJECTED, at__gte=start, at__lt=end)


def ratings_between(start: datetime, end: datetime) -> QuerySet[TicketFeedback]:
    """Ratings given in [start, end) (with an acceptance or on their own)."""
    return feedback_rows().filter(rating__isnull=False, at__gte=start, at__lt=end)
