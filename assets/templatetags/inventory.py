"""Template helpers of the inventory pages: `{{ asset.status|badge:"AssetStatus" }}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from assets import choices as asset_choices
from core import models as core_models
from core.choices import ChoiceSet
from core.views import badge as badge_html

register = template.Library()


def _choice_sets() -> dict[str, type[ChoiceSet]]:
    found: dict[str, type[ChoiceSet]] = {}
    for module in (asset_choices, core_models):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, ChoiceSet) and value is not ChoiceSet:
                found[name] = value
    return found


CHOICE_SETS = _choice_sets()


@register.filter
def badge(value: str, choice_set: str) -> SafeString:
    """A Bootstrap badge for `value` with the label and colour of the named ChoiceSet."""
    try:
        choices = CHOICE_SETS[choice_set]
    except KeyError:
        raise template.TemplateSyntaxError(f"unknown choice set {choice_set!r}") from None
    return badge_html(choices, value)
