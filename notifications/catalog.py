"""The notices Siyana sends, the plain data each is rendered from, and the rendering.

Each notice (a *template key*) has three Django templates under `templates/notifications/`:

- `<key>.subject.txt` — the e-mail's subject (one line),
- `<key>.email.txt`   — the e-mail's text; its HTML alternative is that text in
  `notifications/email.html` (lang and dir="rtl" for Arabic, links made clickable),
- `<key>.sms.txt`     — the SMS, kept short (an Arabic SMS segment holds 70 characters).

One template per notice and channel, not one per language: the wording is marked for
translation (`{% translate %}` / `{% blocktranslate %}`) and rendered under the recipient's
language, so the Arabic lives in `locale/ar/…/django.po` with every other string and the
translation test catches a notice left untranslated.

Context keys (values are plain data: str, int, float, bool, None, lists and dicts of them,
dates and datetimes; a lazily translated label, e.g. a ChoiceSet's, comes out in the
recipient's language). URLs are absolute: build them with `services.site_url(path)`.

| key | required | optional |
|---|---|---|
| `ticket_received`  | number, title, lookup_url | school |
| `ticket_status`    | number, status | public_reply, lookup_url |
| `ticket_resolved`  | number, feedback_url | title, public_reply |
| `ticket_escalated` | number, level, ticket_url | due_at (datetime), school, title |
| `ticket_assigned`  | number, title, ticket_url | school |
| `ticket_objected`  | number, reason, ticket_url | school, title |
| `ticket_urgent`    | number, title, ticket_url | school |

- `number`: the ticket number ("2026-000123"); `title`: its short description;
  `school`: the school's name; `status`: the new status's label;
  `public_reply`: the reply the requester may read (never an internal note);
  `reason`: the requester's reason for objecting to the solution;
  `level`: the escalation level's label (e.g. "IT head"); `due_at`: when the escalated
  ticket is due; `lookup_url`: the public look-up page; `feedback_url`: where the
  requester accepts or objects; `ticket_url`: the ticket's staff page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from notifications.choices import Channel


@dataclass(frozen=True)
class Notice:
    label: Any
    required: frozenset[str]
    optional: frozenset[str] = frozenset()


def _notice(label: Any, required: str, optional: str = "") -> Notice:
    return Notice(label, frozenset(required.split()), frozenset(optional.split()))


NOTICES: dict[str, Notice] = {
    "ticket_received": _notice(_("Ticket received"), "number title lookup_url", "school"),
    "ticket_status": _notice(_("Ticket status changed"), "number status", "public_reply lookup_url"),
    "ticket_resolved": _notice(_("Ticket resolved"), "number feedback_url", "title public_reply"),
    "ticket_escalated": _notice(_("Ticket escalated"), "number level ticket_url", "due_at school title"),
    "ticket_assigned": _notice(_("Ticket assigned"), "number title ticket_url", "school"),
    "ticket_objected": _notice(_("Requester objected"), "number reason ticket_url", "school title"),
    "ticket_urgent": _notice(_("Urgent automatic ticket"), "number title ticket_url", "school"),
}


def notice_choices() -> list[tuple[str, Any]]:
    return [(key, notice.label) for key, notice in NOTICES.items()]


def notice_label(key: str) -> str:
    notice = NOTICES.get(key)
    return str(notice.label) if notice is not None else key


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str
    context: dict[str, Any]  # the context as stored: JSON, labels in the recipient's language


# Text templates must not be HTML-escaped ("Smith & Sons" stays as typed); the HTML
# alternative goes through the project's normal (escaping) engine instead.
_text_engine: Engine | None = None


def _engine() -> Engine:
    global _text_engine
    if _text_engine is None:
        _text_engine = Engine(
            dirs=[str(d) for d in settings.TEMPLATES[0]["DIRS"]],
            app_dirs=True,
            autoescape=False,
            builtins=["django.templatetags.i18n", "django.templatetags.l10n"],
        )
    return _text_engine


def check_context(template: str, context: dict[str, Any]) -> None:
    """Raise ValueError unless `template` is a known notice and `context` carries its keys as plain data."""
    notice = NOTICES.get(template)
    if notice is None:
        raise ValueError(f"unknown notification template {template!r} (known: {', '.join(sorted(NOTICES))})")
    if not isinstance(context, dict):
        raise ValueError("the notification context must be a dict")
    missing = sorted(key for key in notice.required if context.get(key) in (None, ""))
    if missing:
        raise ValueError(f"notification {template!r} needs context keys: {', '.join(missing)}")
    unknown = sorted(set(context) - notice.required - notice.optional)
    if unknown:
        raise ValueError(f"notification {template!r} has no context keys {', '.join(unknown)}")
    for key, value in context.items():
        _check_plain(value, key)


def _check_plain(value: Any, path: str) -> None:
    if value is None or isinstance(value, str | int | float | bool | dt.date | Promise):
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_plain(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"notification context {path}: keys must be strings")
            _check_plain(item, f"{path}.{key}")
        return
    raise ValueError(f"notification context {path} is a {type(value).__name__}: pass plain data, not objects")


def _plain(value: Any) -> Any:
    """The value as JSON keeps it; call under the recipient's language (labels are forced here)."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LRM = "\u200e"


def _left_to_right(value: Any) -> Any:
    """A value without Arabic letters (a ticket number, a URL, an English name) between two
    left-to-right marks, for an Arabic message. Without them the bidi algorithm takes digits
    after Arabic words for Arabic numbers: "2026-000123" shows as "000123-2026", and a
    URL's trailing slash jumps to its start. The marks are invisible; plain marks rather
    than isolates (U+2066…) because older phones and mail clients show isolates as boxes."""
    if isinstance(value, str) and value and not _ARABIC.search(value):
        return f"{_LRM}{value}{_LRM}"
    return value


_URL_IN_MARKS = re.compile(f"{_LRM}(https?://[^\\s{_LRM}]+){_LRM}")


def _html_text(body: str) -> SafeString:
    """The e-mail's text as HTML paragraphs: escaped, links clickable. A link loses its marks
    (they would end up in the address) and is isolated left-to-right by `dir` instead."""
    html = urlize(_URL_IN_MARKS.sub(r"\1", body), nofollow=True, autoescape=True)
    return mark_safe(linebreaks(html.replace("<a href=", '<a dir="ltr" href='), autoescape=False))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Template text without the blank lines that `{% if %}` blocks leave behind: trailing
    spaces go, and runs of blank lines become one."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def render(*, template: str, channel: str, language: str, context: dict[str, Any]) -> Rendered:
    """Render one notice for one channel in `language` (the site's time zone for times)."""
    check_context(template, context)
    with translation.override(language), timezone.override(settings.TIME_ZONE):
        plain = _plain(context)
        shown = {k: _left_to_right(v) for k, v in plain.items()} if translation.get_language_bidi() else plain
        engine = _engine()
        if channel == Channel.SMS:
            body = _tidy(engine.get_template(f"notifications/{template}.sms.txt").render(_ctx(shown)))
            return Rendered(subject="", body=body, html="", context=plain)
        subject = _one_line(engine.get_template(f"notifications/{template}.subject.txt").render(_ctx(shown)))
        body = _tidy(engine.get_template(f"notifications/{template}.email.txt").render(_ctx(shown)))
        html = render_to_string(
            "notifications/email.html",
            {
                "subject": subject,
                "body": _html_text(body),
                "language": language,
                "bidi": translation.get_language_bidi(),
            },
        )
        return Rendered(subject=subject, body=body, html=html, context=plain)


def _ctx(plain: dict[str, Any]) -> Context:
    return Context(plain, autoescape=False)
