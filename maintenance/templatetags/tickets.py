"""Template helpers of the ticket pages: `{{ ticket.status|ticket_badge:"TicketStatus" }}`."""

from __future__ import annotations

from django import template

from core.choices import badge_filter
from maintenance import choices as maintenance_choices

register = template.Library()

ticket_badge = register.filter("ticket_badge", badge_filter(maintenance_choices))
