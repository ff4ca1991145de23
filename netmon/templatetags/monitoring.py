"""Template helpers of the monitoring pages: `{{ target.status|monitor_badge:"MonitorStatus" }}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from core.choices import ChoiceSet
from core.views import badge as badge_html
from netmon import choices as netmon_choices
from netmon.choices import check_label as _check_label
from netmon.display import format_duration

register = template.Library()

CHOICE_SETS: dict[str, type[ChoiceSet]] = {
    name: value
    for name, value in vars(netmon_choices).items()
    if isinstance(value, type) and issubclass(value, ChoiceSet) and value is not ChoiceSet
}


@register.filter
def monitor_badge(value: str, choice_set: str) -> SafeString:
    """A Bootstrap badge for `value` with the label and colour of the named netmon ChoiceSet."""
    try:
        choices = CHOICE_SETS[choice_set]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown choice set {choice_set!r}") from None
    return badge_html(choices, value)


@register.filter
def check_label(check: str) -> str:
    """ "icmp" → "Ping", "interface:3" → "Interface 3"."""
    return _check_label(check or "")


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta as "2 h 5 min"."""
    return format_duration(value)
