"""`/metrics`: the poller's health in Prometheus text format (exposition format 0.0.4).

Who may read it: with METRICS_TOKEN set, a request bearing that token (`Authorization:
Bearer …`) or a signed-in IT head or technician; without it, requests from the machine
itself (loopback) or a signed-in IT head or technician.
"""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.roles import Role, user_role
from maintenance.choices import TicketSource, TicketStatus
from maintenance.models import Ticket
from netmon.choices import MonitorStatus
from netmon.models import Outage, PollerStatus, Target
from netmon.selectors import STALE_AFTER

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _ts(value) -> float:
    return value.timestamp() if value is not None else 0.0


def render_metrics() -> str:
    now = timezone.now()
    out: list[str] = []

    def family(name: str, kind: str, help_text: str, samples: list[tuple[dict[str, str], float]]) -> None:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            out.append(f"{name}{{{text}}} {value:.6g}" if text else f"{name} {value:.6g}")

    pollers = list(PollerStatus.objects.filter(stopped_at__isnull=True))

    def per_poller(attr, convert=float):
        return [({"poller": p.name, "mode": p.mode}, convert(getattr(p, attr) or 0)) for p in pollers]

    family(
        "siyana_poller_up",
        "gauge",
        "1 when the poller's last heartbeat is under 2 minutes old.",
        [({"poller": p.name, "mode": p.mode}, float(now - p.heartbeat_at < STALE_AFTER)) for p in pollers],
    )
    family(
        "siyana_poller_heartbeat_timestamp_seconds",
        "gauge",
        "Time of the poller's last heartbeat.",
        per_poller("heartbeat_at", _ts),
    )
    family(
        "siyana_poller_cycle_start_timestamp_seconds",
        "gauge",
        "Start of the poller's last cycle.",
        per_poller("cycle_started_at", _ts),
    )
    family(
        "siyana_poller_cycle_duration_seconds",
        "gauge",
        "Duration of the poller's last cycle.",
        per_poller("cycle_duration_s"),
    )
    family(
        "siyana_poller_lag_seconds",
        "gauge",
        "How late the latest target of the last cycle was polled.",
        per_poller("lag_s"),
    )
    family("siyana_poller_targets_due", "gauge", "Targets due in the last cycle.", per_poller("targets_due"))
    family("siyana_poller_targets_late", "gauge", "Targets polled late in the last cycle.", per_poller("targets_late"))
    family(
        "siyana_poller_polls_total", "counter", "Targets polled since the poller started.", per_poller("polls_total")
    )
    family(
        "siyana_poller_errors_total",
        "counter",
        "Probe and batch errors since the poller started.",
        per_poller("errors_total"),
    )

    family(
        "siyana_poller_snmp_dropped_packets_total",
        "counter",
        "SNMP packets dropped since the poller started: garbage, truncated, oversized, wrong request id or source.",
        per_poller("dropped_packets_total"),
    )
    family(
        "siyana_poller_pending_outcomes",
        "gauge",
        "Poll results the poller keeps in memory until the database is back.",
        per_poller("pending_outcomes"),
    )

    counts = dict(Target.objects.filter(enabled=True).values_list("status").annotate(n=Count("pk")))
    family(
        "siyana_targets",
        "gauge",
        "Enabled targets by status.",
        [({"status": s}, float(counts.get(s, 0))) for s in MonitorStatus.values()],
    )
    late = Target.objects.filter(enabled=True, next_poll_at__lt=now - timedelta(seconds=30)).count()
    family(
        "siyana_targets_overdue", "gauge", "Enabled targets more than 30 s past their poll time.", [({}, float(late))]
    )
    family(
        "siyana_outages_open",
        "gauge",
        "Outages not yet ended.",
        [({}, float(Outage.objects.filter(end__isnull=True).count()))],
    )
    open_auto = Ticket.objects.filter(source=TicketSource.MONITORING).exclude(status=TicketStatus.CLOSED).count()
    family("siyana_tickets_open_automatic", "gauge", "Open tickets opened by the monitor.", [({}, float(open_auto))])
    return "\n".join(out) + "\n"


def _allowed(request: HttpRequest) -> bool:
    if user_role(request.user) in (Role.IT_HEAD, Role.TECHNICIAN):
        return True
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token)
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden("metrics: send the METRICS_TOKEN as a Bearer token\n", content_type=CONTENT_TYPE)
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE)
