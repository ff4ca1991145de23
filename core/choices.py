"""Choice sets: value, translated label and colour in one place (NetBox's ChoiceSet).

Badges in the UI, filters and the API all read the same set, so they cannot disagree.
"""

from __future__ import annotations


class ChoiceSet:
    """Subclasses set CHOICES = [(value, label, colour), ...] with lazily translated labels."""

    CHOICES: list[tuple[str, object, str]] = []

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(value, label) for value, label, _colour in cls.CHOICES]

    @classmethod
    def values(cls) -> list[str]:
        return [value for value, _label, _colour in cls.CHOICES]

    @classmethod
    def label(cls, value: str) -> str:
        for choice, label, _colour in cls.CHOICES:
            if choice == value:
                return str(label)
        return value

    @classmethod
    def colour(cls, value: str) -> str:
        for choice, _label, colour in cls.CHOICES:
            if choice == value:
                return colour
        return "secondary"


def badge_filter(module):
    """A template filter `value|<name>:"ChoiceSetName"` that draws a badge with the label and
    colour of one of the ChoiceSets defined in `module` (an app's choices module)."""
    from django import template

    from core.views import badge

    sets = {
        name: value
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, ChoiceSet) and value is not ChoiceSet
    }

    def choice_badge(value, choice_set: str):
        try:
            choices = sets[choice_set]
        except KeyError:
            raise template.TemplateSyntaxError(f"unknown choice set {choice_set!r}") from None
        return badge(choices, value)

    return choice_badge
