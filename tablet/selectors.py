"""Reads of the tablet's pages: the technician's work queue, a ticket with its asset's history,
the poller's outage timeline of an automatic ticket, and what a scanned code names.

Everything that takes a `user` scopes by itself (core.roles.scope_queryset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db.models import Prefetch, Q, QuerySet
from django.urls import Resolver404, resolve

from assets.models import Asset, School
from core.roles import scope_queryset
from maintenance import selectors as maintenance_selectors
from maintenance.choices import TicketPriority, TicketSource, TicketStatus
from maintenance.models import CorrectiveAction, Ticket
from maintenance.sla_services import SlaReader

#: Most urgent first.
PRIORITY_RANK = {TicketPriority.URGENT: 0, TicketPriority.HIGH: 1, TicketPriority.NORMAL: 2, TicketPriority.LOW: 3}

#: How many rows of history the ticket and asset pages show.
HISTORY_LIMIT = 20


# --------------------------------------------------------------------------- the queue


def queue_tickets(user) -> QuerySet[Ticket]:
    """The technician's open work: assigned to `user`, not closed and not resolved (a resolved ticket
    waits for the requester, not for the technician)."""
    qs = (
        maintenance_selectors.my_open_tickets(user)
        .exclude(status=TicketStatus.RESOLVED)
        .select_related("location", "school")
        .prefetch_related("assets")
    )
    return scope_queryset(qs, user)


def work_queue(user, *, school_id: int | None = None, now: datetime | None = None) -> list[Ticket]:
    """My open tickets, the most pressing first: the due time of the SLA clock that runs now (first
    response until answered, then resolution; on hold: when it would fall due if resumed now), then
    priority, then age. Each ticket carries `sla_clock` (a ClockReading) for the page."""
    qs = queue_tickets(user)
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    tickets = list(qs)
    for ticket, reading in zip(tickets, SlaReader(now).read_many(tickets), strict=True):
        ticket.sla_clock = reading.current

    def key(ticket: Ticket) -> tuple:
        clock = ticket.sla_clock
        due = clock.due_at.timestamp() if clock.due_at is not None else float("inf")
        return (due, PRIORITY_RANK.get(ticket.priority, 9), ticket.opened_at, ticket.pk)

    tickets.sort(key=key)
    return tickets


def queue_schools(tickets: list[Ticket]) -> list[tuple[School, int]]:
    """The schools of the queue's tickets with how many each has, for the "today's school" picker."""
    counts: dict[int, int] = {}
    schools: dict[int, School] = {}
    for ticket in tickets:
        if ticket.school_id is not None:
            schools[ticket.school_id] = ticket.school
            counts[ticket.school_id] = counts.get(ticket.school_id, 0) + 1
    return sorted(((schools[pk], n) for pk, n in counts.items()), key=lambda item: item[0].code)


# --------------------------------------------------------------------------- a ticket


def ticket_for(user, pk: int) -> Ticket | None:
    qs = Ticket.objects.select_related("school__directorate", "location", "assigned_to", "sla_policy").prefetch_related(
        Prefetch("assets", queryset=Asset.objects.select_related("asset_model", "location", "school"))
    )
    return scope_queryset(qs, user).filter(pk=pk).first()


def ticket_actions(ticket: Ticket) -> list[CorrectiveAction]:
    """The ticket's current corrective actions, oldest first (corrected versions hang below)."""
    return maintenance_selectors.ticket_actions(ticket)


def asset_tickets(asset: Asset, user, *, exclude: Ticket | None = None) -> QuerySet[Ticket]:
    qs = scope_queryset(asset.tickets.select_related("school", "assigned_to").order_by("-opened_at", "-pk"), user)
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


def asset_actions(asset: Asset, user, *, exclude: Ticket | None = None) -> QuerySet[CorrectiveAction]:
    """The current corrective actions on the asset: recorded against it, or on a ticket about it."""
    qs = maintenance_selectors.current_actions().filter(Q(asset=asset) | Q(ticket__assets=asset)).distinct()
    qs = scope_queryset(qs.order_by("-started_at", "-pk"), user)
    return qs.exclude(ticket=exclude) if exclude is not None else qs


@dataclass(frozen=True)
class AssetHistory:
    asset: Asset
    tickets: list[Ticket]
    actions: list[CorrectiveAction]


def asset_histories(ticket: Ticket, user) -> list[AssetHistory]:
    """For each asset of the ticket: its other tickets and the actions done on it before."""
    return [
        AssetHistory(
            asset=asset,
            tickets=list(asset_tickets(asset, user, exclude=ticket)[:HISTORY_LIMIT]),
            actions=list(asset_actions(asset, user, exclude=ticket)[:HISTORY_LIMIT]),
        )
        for asset in ticket.assets.all()
    ]


# --------------------------------------------------------------------------- the poller's timeline


@dataclass(frozen=True)
class OutageTimeline:
    target: object  # netmon.models.Target
    check_name: str
    outages: list
    flips: list


def monitored_target_id(ticket: Ticket) -> int | None:
    """The netmon target an automatic ticket names ("netmon.target:<id>"), or None."""
    prefix = "netmon.target:"
    if ticket.source != TicketSource.MONITORING or not ticket.monitor_key.startswith(prefix):
        return None
    try:
        return int(ticket.monitor_key[len(prefix) :])
    except ValueError:
        return None


def outage_timeline(ticket: Ticket, user) -> OutageTimeline | None:
    """The poller's record of the monitored problem: its outages and state changes (newest first).

    Read-only: netmon's rows for the ticket's target and check (monitor_key, monitor_problem).
    """
    target_id = monitored_target_id(ticket)
    if target_id is None:
        return None
    from netmon.models import Flip, Outage, Target  # the poller's app, read only

    target = scope_queryset(Target.objects.select_related("asset"), user).filter(pk=target_id).first()
    if target is None:
        return None
    check = ticket.monitor_problem
    outages = Outage.objects.filter(target=target).filter(Q(check_name=check) | Q(ticket=ticket))
    flips = Flip.objects.filter(target=target, check_name=check)
    return OutageTimeline(
        target=target,
        check_name=check,
        outages=list(outages.order_by("-start", "-pk")[:HISTORY_LIMIT]),
        flips=list(flips.order_by("-at", "-pk")[:HISTORY_LIMIT]),
    )


# --------------------------------------------------------------------------- assets and scanned codes


def asset_by_tag(user, tag: str) -> Asset | None:
    qs = scope_queryset(Asset.objects.select_related("asset_model", "school", "location"), user)
    return qs.filter(asset_tag__iexact=tag.strip()).first()


def open_asset_tickets(asset: Asset, user) -> QuerySet[Ticket]:
    return asset_tickets(asset, user).exclude(status=TicketStatus.CLOSED)


def asset_from_code(code: str, user) -> Asset | None:
    """The asset a scanned or typed code names, if `user` may see it.

    A code is one of: the URL printed on the inventory's QR labels (…/assets/<pk>/, see
    assets.labels), a tablet asset URL or path (…/tablet/asset/<tag>/), or the bare asset
    tag (what is printed under the QR code, typed by hand). The host of a URL is ignored: a
    label printed from another address of the same server still names the same asset.
    """
    code = (code or "").strip()
    if not code:
        return None
    if "://" in code or code.startswith("/"):
        path = urlsplit(code).path or "/"
        try:
            match = resolve(path)
        except Resolver404:
            return None
        scoped = scope_queryset(Asset.objects.select_related("asset_model", "school", "location"), user)
        if match.view_name == "assets:asset_detail":
            return scoped.filter(pk=match.kwargs["pk"]).first()
        if match.view_name == "tablet:asset":
            return asset_by_tag(user, match.kwargs["tag"])
        return None
    return asset_by_tag(user, code)
