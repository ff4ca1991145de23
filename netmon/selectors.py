"""Reads of the monitoring data for the pages and the API.

List selectors return unscoped querysets; the views pass them through `scope_queryset`.
Anything that takes a `user` scopes by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.roles import scope_queryset
from netmon.models import Flip, MaintenanceWindow, Outage, PollerStatus, SnmpCredential, Target, TargetCheck

#: A poller that has not beaten its heart for this long is shown as stale.
STALE_AFTER = timedelta(minutes=2)


def target_list() -> QuerySet[Target]:
    return Target.objects.select_related("asset__school", "asset__asset_model", "parent__asset", "credential")


def target_detail() -> QuerySet[Target]:
    return Target.objects.select_related(
        "asset__school__directorate",
        "asset__location",
        "asset__asset_model",
        "parent__asset",
        "circuit",
        "credential",
    )


def target_checks(target: Target) -> QuerySet[TargetCheck]:
    return TargetCheck.objects.filter(target=target).order_by("check_name")


def target_flips(target: Target, *, limit: int = 50) -> QuerySet[Flip]:
    return Flip.objects.filter(target=target).order_by("-at", "-pk")[:limit]


def target_outages(target: Target, *, limit: int = 50) -> QuerySet[Outage]:
    return Outage.objects.filter(target=target).select_related("ticket").order_by("-start", "-pk")[:limit]


def target_windows(target: Target, now: datetime) -> QuerySet[MaintenanceWindow]:
    """Windows that cover this target and have not ended."""
    return MaintenanceWindow.objects.filter(end__gt=now).filter(
        (Q(target=target) | Q(target__isnull=True)) & (Q(school=target.asset.school_id) | Q(school__isnull=True))
    )


def outage_list() -> QuerySet[Outage]:
    return Outage.objects.select_related("target__asset__school", "ticket")


def credential_list() -> QuerySet[SnmpCredential]:
    return SnmpCredential.objects.annotate(target_count=Count("targets", distinct=True))


def window_list() -> QuerySet[MaintenanceWindow]:
    return MaintenanceWindow.objects.select_related("school", "target__asset")


@dataclass
class PollerRow:
    poller: PollerStatus
    stale: bool
    heartbeat_age: timedelta
    mode_label: str = ""


def poller_health(user, now: datetime | None = None) -> dict[str, Any]:
    """Every poller's heartbeat (stale when older than STALE_AFTER), and what the user may see
    of the targets by status and of the open outages."""
    now = now or timezone.now()
    rows = []
    for poller in PollerStatus.objects.order_by("name"):
        age = now - poller.heartbeat_at
        rows.append(PollerRow(poller=poller, stale=poller.stopped_at is None and age > STALE_AFTER, heartbeat_age=age))
    targets = scope_queryset(Target.objects.all(), user)
    by_status = dict(targets.filter(enabled=True).values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "pollers": rows,
        "targets_by_status": by_status,
        "targets_disabled": targets.filter(enabled=False).count(),
        "targets_total": targets.count(),
        "open_outages": scope_queryset(Outage.objects.filter(end__isnull=True), user).count(),
    }
