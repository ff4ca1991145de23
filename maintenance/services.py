"""Writes to tickets. Views, the API and the poller call these; nothing else saves a ticket.

The poller's side (issue 3): `automatic_ticket_open` and `automatic_ticket_recover` keep
one open automatic ticket per monitored problem. The database enforces it (a partial
unique constraint), so two pollers, a retry or a restart after a crash reuse the ticket
instead of opening a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from maintenance.choices import EntryKind, TicketSource, TicketStatus, TicketType
from maintenance.models import Ticket, TicketCounter, TicketEntry

#: Why the poller closed a ticket by itself.
SELF_RECOVERED = "self_recovered"


def next_ticket_number(year: int) -> tuple[int, str]:
    """The next gap-free number of `year`, e.g. (123, "2026-000123"). Call inside a transaction:
    the counter row stays locked until it commits, so a rolled-back ticket gives its number back."""
    TicketCounter.objects.get_or_create(year=year)
    updated = TicketCounter.objects.filter(year=year).update(last=F("last") + 1)
    assert updated == 1
    seq = TicketCounter.objects.select_for_update().values_list("last", flat=True).get(year=year)
    return seq, f"{year}-{seq:06d}"


def ticket_entry_add(
    ticket: Ticket, *, kind: str, at: datetime, text: str = "", data: dict[str, Any] | None = None, author=None
) -> TicketEntry:
    return TicketEntry.objects.create(ticket=ticket, kind=kind, at=at, text=text, data=data or {}, author=author)


@transaction.atomic
def ticket_create(
    *, opened_at: datetime, assets=(), author=None, entry_data: dict[str, Any] | None = None, **fields: Any
) -> Ticket:
    """Number and save a new ticket with its first timeline entry."""
    local_year = timezone.localtime(opened_at).year
    seq, number = next_ticket_number(local_year)
    ticket = Ticket(number=number, year=local_year, seq=seq, opened_at=opened_at, **fields)
    ticket.full_clean(exclude=["number", "year", "seq"], validate_constraints=False)
    ticket.save()
    if assets:
        ticket.assets.set(assets)
    ticket_entry_add(
        ticket, kind=EntryKind.CREATED, at=opened_at, text=ticket.description, data=entry_data, author=author
    )
    return ticket


@dataclass(frozen=True)
class AutomaticTicket:
    """What the poller knows about a fault, in the ticket's terms."""

    key: str  # the monitored target, e.g. "netmon.target:42"
    problem: str  # the check, e.g. "icmp", "interface:3"
    title: str
    description: str
    category: str
    priority: str
    school_id: int | None = None
    location_id: int | None = None
    asset_ids: tuple[int, ...] = ()


def find_open_automatic_ticket(key: str, problem: str, *, lock: bool = False) -> Ticket | None:
    qs = Ticket.objects.select_for_update() if lock else Ticket.objects.all()
    return (
        qs.filter(source=TicketSource.MONITORING, monitor_key=key, monitor_problem=problem)
        .exclude(status=TicketStatus.CLOSED)
        .first()
    )


@transaction.atomic
def automatic_ticket_open(
    fault: AutomaticTicket, *, at: datetime, data: dict[str, Any] | None = None
) -> tuple[Ticket, bool]:
    """Open the automatic ticket for this fault, or reuse the open one. Returns (ticket, created).

    A reused ticket gets a "fault seen again" entry; if a technician had resolved it, it
    is reopened. Safe against a concurrent poller: the loser of the race on the unique
    constraint reuses the winner's ticket.
    """
    for _attempt in range(3):
        existing = find_open_automatic_ticket(fault.key, fault.problem, lock=True)
        if existing is not None:
            _repeat(existing, at=at, data=data)
            return existing, False
        try:
            with transaction.atomic():
                ticket = ticket_create(
                    opened_at=at,
                    assets=fault.asset_ids,
                    title=fault.title[:200],
                    description=fault.description,
                    school_id=fault.school_id,
                    location_id=fault.location_id,
                    category=fault.category,
                    type=TicketType.FAULT,
                    source=TicketSource.MONITORING,
                    priority=fault.priority,
                    monitor_key=fault.key,
                    monitor_problem=fault.problem,
                    entry_data=data,
                )
            return ticket, True
        except IntegrityError:
            continue  # another poller opened it between our look and our insert: reuse it
    raise RuntimeError(f"could not open or find the automatic ticket for {fault.key} {fault.problem}")


def _repeat(ticket: Ticket, *, at: datetime, data: dict[str, Any] | None) -> None:
    ticket_entry_add(ticket, kind=EntryKind.FAULT_REPEATED, at=at, data=data or {})
    if ticket.status == TicketStatus.RESOLVED:
        ticket.status, ticket.resolved_at = TicketStatus.REOPENED, None
        ticket.save(update_fields=["status", "resolved_at", "last_updated"])
        ticket_entry_add(
            ticket,
            kind=EntryKind.STATUS,
            at=at,
            data={"from": TicketStatus.RESOLVED, "to": TicketStatus.REOPENED, "why": "fault_repeated"},
        )


def ticket_touched(ticket: Ticket) -> bool:
    """Has a person acted on it: assigned, moved it on, or written in it?"""
    if ticket.status != TicketStatus.NEW or ticket.assigned_to_id is not None:
        return True
    return ticket.entries.filter(author__isnull=False).exists()


@transaction.atomic
def automatic_ticket_recover(
    *,
    key: str,
    problem: str,
    at: datetime,
    outage: timedelta | None,
    self_close_within: timedelta | None,
    data: dict[str, Any] | None = None,
) -> Ticket | None:
    """The monitored problem cleared: append a recovery entry to its open ticket (if any).

    A ticket nobody touched whose outage lasted at most `self_close_within` is closed as
    self-recovered (None: never). Returns the ticket, or None when there was none open.
    """
    ticket = find_open_automatic_ticket(key, problem, lock=True)
    if ticket is None:
        return None
    seconds = None if outage is None else outage.total_seconds()
    ticket_entry_add(ticket, kind=EntryKind.RECOVERED, at=at, data={**(data or {}), "outage_s": seconds})
    if (
        self_close_within is not None
        and outage is not None
        and outage <= self_close_within
        and not ticket_touched(ticket)
    ):
        old = ticket.status
        ticket.status, ticket.closed_at, ticket.resolved_at, ticket.close_reason = (
            TicketStatus.CLOSED,
            at,
            at,
            SELF_RECOVERED,
        )
        ticket.save(update_fields=["status", "closed_at", "resolved_at", "close_reason", "last_updated"])
        ticket_entry_add(
            ticket, kind=EntryKind.STATUS, at=at, data={"from": old, "to": TicketStatus.CLOSED, "why": SELF_RECOVERED}
        )
    return ticket
