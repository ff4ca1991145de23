"""The SLA badge: `{% load sla %}{% sla_badge ticket %}` (the clock that matters now) or
`{% sla_badge ticket "response" %}` / `"resolution"`.

It shows the remaining working time (or how late), the due time in the reader's language
and time zone, and a colour: on time, at risk (75 % used), overdue, paused (on hold), met.
One `SlaReader` per template render loads the policies and holidays once for every badge.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from maintenance.models import Ticket
from maintenance.sla_services import RESOLUTION, RESPONSE, ClockReading, SlaReader, TicketReading, describe

register = template.Library()

_READER = "maintenance.sla_reader"


def clock_of(reading: TicketReading, clock: str | None) -> ClockReading:
    if clock is None:
        return reading.current
    if clock not in (RESPONSE, RESOLUTION):
        raise template.TemplateSyntaxError(f"sla_badge: the clock is {RESPONSE!r} or {RESOLUTION!r}, not {clock!r}")
    return getattr(reading, clock)


def sla_badge_html(clock: ClockReading) -> SafeString:
    """The badge of one clock (empty without a target): for templates and for list cells built in Python."""
    html = render_to_string("maintenance/_sla_badge.html", {"clock": clock, "words": describe(clock)})
    return mark_safe(html.strip())  # the template's own output, escaped there


@register.simple_tag(takes_context=True)
def sla_badge(context, ticket: Ticket, clock: str | None = None) -> SafeString:
    reader = context.render_context.get(_READER)
    if reader is None:
        reader = context.render_context[_READER] = SlaReader()
    return sla_badge_html(clock_of(reader.read(ticket), clock))
