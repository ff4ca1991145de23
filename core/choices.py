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
