"""Template helpers of the monitoring pages: `{{ target.status|monitor_badge:"MonitorStatus" }}`."""

from __future__ import annotations

from django import template

from core.choices import badge_filter
from netmon import choices as netmon_choices
from netmon.choices import check_label as _check_label
from netmon.display import format_duration

register = template.Library()

monitor_badge = register.filter("monitor_badge", badge_filter(netmon_choices))


@register.filter
def check_label(check: str) -> str:
    """ "icmp" → "Ping", "interface:3" → "Interface 3"."""
    return _check_label(check or "")


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta as "2 h 5 min"."""
    return format_duration(value)
