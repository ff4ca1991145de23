"""Tags for the printable forms (templates/core/print/base.html)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

_COUNTERS = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}


def css_string(text: str) -> str:
    """`text` as a CSS string literal, safe inside a <style> element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


@register.simple_tag
def page_of_pages() -> SafeString:
    """CSS `content` for "Page x of y" in the current language, from the page counters.

    One translatable sentence (translators may move the numbers), cut at its placeholders.
    """
    parts = re.split(r"(%\(pages?\)s)", gettext("Page %(page)s of %(pages)s"))
    return mark_safe(" ".join(_COUNTERS.get(part) or css_string(part) for part in parts if part))


@register.filter
def ltr(value: object) -> SafeString:
    """Keep a left-to-right value (a phone number, an asset tag, a code) in one piece inside Arabic text.

    Wraps it in the Unicode isolates LRI … PDI: without them "+962 79 123 4567" in a
    right-to-left line shows its groups in reverse order. Browsers and WeasyPrint both obey them.
    """
    return mark_safe(f"\u2066{conditional_escape(value)}\u2069")
