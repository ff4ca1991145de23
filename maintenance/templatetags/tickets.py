"""Template helpers of the ticket pages: `{{ ticket.status|ticket_badge:"TicketStatus" }}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from core.choices import ChoiceSet
from core.views import badge as badge_html
from maintenance import choices as maintenance_choices

register = template.Library()

CHOICE_SETS: dict[str, type[ChoiceSet]] = {
    name: value
    for name, value in vars(maintenance_choices).items()
    if isinstance(value, type) and issubclass(value, ChoiceSet) and value is not ChoiceSet
}


@register.filter
def ticket_badge(value: str, choice_set: str) -> SafeString:
    """A Bootstrap badge for `value` with the label and colour of the named maintenance ChoiceSet."""
    try:
        choices = CHOICE_SETS[choice_set]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown choice set {choice_set!r}") from None
    return badge_html(choices, value)
