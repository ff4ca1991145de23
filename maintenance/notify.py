"""Who is told what, and when, about a ticket (issue 4, "Notifications").

`maintenance.services` calls these functions inside the transaction of the change they
announce; each queues its messages in the outbox (`notifications.services.enqueue`), which
sends them only after that transaction commits, retries a failed send and never raises a
delivery problem into the change. Escalation notices are `maintenance.sla_services`'.

| when | who | notice (channels) |
|---|---|---|
| a person's ticket is opened (any source but monitoring) | the requester | `ticket_received` (e-mail, SMS) |
| an automatic ticket of urgent priority is opened | the IT heads who see it | `ticket_urgent` (e-mail) |
| a ticket is assigned (by someone else) | the technician | `ticket_assigned` (e-mail) |
| a status change (the public timeline) | the requester | `ticket_status`, reason as reply (e-mail, SMS) |
| a public reply by staff | the requester | `ticket_status`: status + the reply (e-mail, SMS) |
| the ticket is resolved | the requester | `ticket_resolved` + signed answer link (e-mail, SMS) |
| the requester objects (→ reopened) | the technician, else the IT heads | `ticket_objected` (e-mail) |

"The requester" is whoever the ticket names: its e-mail address (if any) and its phone (if
any) — one message per channel. The poller's tickets name nobody, so they tell no requester.

Decisions (and why):

- Language: a requester hears in the language the request was filed in when they filed
  it themselves (school staff on the portal or the API: `ticket_request_create` records
  the active language in the "opened" entry's data); a request staff typed in from a phone
  call, a letter or a visit says nothing about the requester's language, so those — and
  every notice to staff — use `settings.LANGUAGE_CODE` (Arabic).
- The requester's own answers are not announced back to them: accepting closes the ticket
  and objecting reopens it while they watch the page that confirms it. An objection is
  news for whoever must work the ticket again, with the reason.
- Urgent automatic tickets (the poller gives urgent only to core devices) e-mail the IT
  heads at once: escalation would tell them only after the response target is breached,
  and the target's clock stops outside working hours. Other automatic tickets wait in the
  queue (a school's access switch going down at night is not worth a mail), and escalation
  covers them.
- Each message's dedupe key names the event (`ticket:<id>:<version or entry>:<notice>:…`):
  the same event queued twice — a retried transaction, a replayed call — stores one message.
- A notice that cannot be queued (a bug in a template, a broken row) is logged and
  skipped in its own savepoint: a notification never blocks or undoes the ticket change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import get_supported_language_variant

from core.roles import Role, user_role
from maintenance import public
from maintenance.choices import CloseReason, EntryKind, HoldReason, TicketPriority, TicketSource, TicketStatus
from maintenance.models import Ticket, TicketEntry
from notifications.choices import Channel
from notifications.services import Ref, enqueue, site_url

logger = logging.getLogger(__name__)

#: Staff roles whose replies and status changes the requester hears about.
STAFF_ROLES = frozenset({Role.IT_HEAD, Role.TECHNICIAN})


# --------------------------------------------------------------------------- helpers


def supported_language(language: str | None) -> str:
    """`language` as one of settings.LANGUAGES ("en-us" → "en"), else LANGUAGE_CODE."""
    if language:
        try:
            return get_supported_language_variant(language)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def requester_language(ticket: Ticket) -> str:
    """The language the request was filed in by its requester, else LANGUAGE_CODE (see the decisions)."""
    data = TicketEntry.objects.filter(ticket=ticket, kind=EntryKind.CREATED).values_list("data", flat=True).first()
    language = data.get("language") if isinstance(data, dict) else None
    return supported_language(language) if language else settings.LANGUAGE_CODE


def requester_channels(ticket: Ticket) -> list[tuple[str, str]]:
    """[(channel, recipient)] of the ticket's requester: e-mail and SMS where given."""
    out = []
    if (ticket.requester_email or "").strip():
        out.append((Channel.EMAIL, ticket.requester_email.strip()))
    if (ticket.requester_phone or "").strip():
        out.append((Channel.SMS, ticket.requester_phone.strip()))
    return out


def lookup_url(ticket: Ticket) -> str:
    from django.urls import reverse

    return site_url(f"{reverse('maintenance:public_lookup')}?number={ticket.number}")


def ticket_url(ticket: Ticket) -> str:
    return site_url(ticket.get_absolute_url())


def _school(ticket: Ticket) -> dict[str, str]:
    # the name in the active language (BilingualNameMixin reads it): call under translation.override
    return {"school": ticket.school.name} if ticket.school_id else {}


_MUTED: ContextVar[bool] = ContextVar("maintenance_notify_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Tell nobody about the changes made inside: the demo's requesters are invented people,
    and their made-up phone numbers must never reach a real SMS gateway."""
    token = _MUTED.set(True)
    try:
        yield
    finally:
        _MUTED.reset(token)


def _queue(
    ticket: Ticket,
    *,
    template: str,
    language: str,
    recipients: list[tuple[str, str]],
    context: Callable[[], dict[str, Any]],
    key: str,
) -> list[str]:
    """Queue one notice to each (channel, recipient); returns "channel:recipient" of each queued.

    `context()` is called under the recipient's language, so labels and names come out in it.
    `key` names the event; the channel and recipient are added to it.
    """
    if not recipients or _MUTED.get():
        return []
    queued = []
    ref = Ref.to(ticket, label=ticket.number)
    try:
        with translation.override(language):
            plain = context()
    except Exception:
        logger.exception("ticket %s: the %s notice could not be prepared; the change goes on", ticket.number, template)
        return []
    for channel, recipient in recipients:
        try:
            with transaction.atomic():
                message = enqueue(
                    channel=channel,
                    recipient=recipient,
                    template=template,
                    context=plain,
                    language=language,
                    dedupe_key=f"{key}:{channel}:{recipient}"[:200],
                    ref=ref,
                )
        except Exception:
            logger.exception("ticket %s: the %s notice to %s was not queued", ticket.number, template, channel)
            continue
        queued.append(f"{channel}:{message.recipient}")
    return queued


def _staff_email(user) -> list[tuple[str, str]]:
    email = (getattr(user, "email", "") or "").strip()
    return [(Channel.EMAIL, email)] if email and user.is_active else []


def _it_heads_email(ticket: Ticket) -> list[tuple[str, str]]:
    """The e-mail addresses of the IT heads who see `ticket`."""
    from maintenance.sla_services import it_heads

    return [r for user in it_heads(ticket) for r in _staff_email(user)]


def _staff_context(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """What a notice to staff names: the ticket, its title, its page and its school (call under the language)."""
    return {
        "number": ticket.number,
        "title": ticket.title,
        "ticket_url": ticket_url(ticket),
        **_school(ticket),
        **extra,
    }


# --------------------------------------------------------------------------- the moments


def ticket_opened(ticket: Ticket) -> list[str]:
    """A new ticket: the requester gets its number and the look-up link; an urgent automatic
    ticket is e-mailed to the IT heads."""
    if ticket.source == TicketSource.MONITORING:
        if ticket.priority != TicketPriority.URGENT:
            return []
        return _queue(
            ticket,
            template="ticket_urgent",
            language=settings.LANGUAGE_CODE,
            recipients=_it_heads_email(ticket),
            context=lambda: _staff_context(ticket),
            key=f"ticket:{ticket.pk}:urgent",
        )
    return _queue(
        ticket,
        template="ticket_received",
        language=requester_language(ticket),
        recipients=requester_channels(ticket),
        context=lambda: {
            "number": ticket.number,
            "title": ticket.title,
            "lookup_url": lookup_url(ticket),
            **_school(ticket),
        },
        key=f"ticket:{ticket.pk}:received",
    )


def ticket_assigned(ticket: Ticket, *, assignee, by) -> list[str]:
    """The technician hears of a ticket given to them — not when they took it themselves."""
    if by is not None and getattr(by, "pk", None) == assignee.pk:
        return []
    return _queue(
        ticket,
        template="ticket_assigned",
        language=settings.LANGUAGE_CODE,
        recipients=_staff_email(assignee),
        context=lambda: _staff_context(ticket),
        key=f"ticket:{ticket.pk}:v{ticket.version}:assigned:{assignee.pk}",
    )


def _status_label(ticket: Ticket, entry: TicketEntry):
    """The new status's label, with what it waits for or why it closed (lazy: rendered per language)."""
    data = entry.data or {}
    label = dict(TicketStatus.choices()).get(ticket.status, ticket.status)
    if ticket.status == TicketStatus.ON_HOLD and data.get("hold_reason"):
        return format_lazy("{} ({})", label, dict(HoldReason.choices()).get(data["hold_reason"], ""))
    if ticket.status == TicketStatus.CLOSED and data.get("close_reason"):
        return format_lazy("{} ({})", label, dict(CloseReason.choices()).get(data["close_reason"], ""))
    return label


def status_changed(ticket: Ticket, *, entry: TicketEntry, by) -> list[str]:
    """A status change of `ticket` (already moved, not yet saved), recorded by `entry`."""
    data = entry.data or {}
    if data.get("why") == "objection":
        return _objected(ticket, entry=entry)
    if data.get("close_reason") == CloseReason.ACCEPTED:
        return []  # the requester's own answer (see the decisions)
    recipients = requester_channels(ticket)
    if not recipients:
        return []
    language = requester_language(ticket)
    reply = (entry.text or "").strip()
    if ticket.status == TicketStatus.RESOLVED:
        return _queue(
            ticket,
            template="ticket_resolved",
            language=language,
            recipients=recipients,
            context=lambda: {
                "number": ticket.number,
                "title": ticket.title,
                "feedback_url": site_url(public.feedback_path(ticket)),
                **({"public_reply": reply} if reply else {}),
            },
            key=f"ticket:{ticket.pk}:v{ticket.version}:resolved",
        )
    return _queue(
        ticket,
        template="ticket_status",
        language=language,
        recipients=recipients,
        context=lambda: {
            "number": ticket.number,
            "status": _status_label(ticket, entry),
            "lookup_url": lookup_url(ticket),
            **({"public_reply": reply} if reply else {}),
        },
        key=f"ticket:{ticket.pk}:v{ticket.version}:status",
    )


def public_reply(ticket: Ticket, *, entry: TicketEntry, by) -> list[str]:
    """A reply staff wrote for the requester (a public comment)."""
    if not entry.public or user_role(by) not in STAFF_ROLES:
        return []
    recipients = requester_channels(ticket)
    if not recipients:
        return []
    return _queue(
        ticket,
        template="ticket_status",
        language=requester_language(ticket),
        recipients=recipients,
        context=lambda: {
            "number": ticket.number,
            "status": dict(TicketStatus.choices()).get(ticket.status, ticket.status),
            "public_reply": entry.text,
            "lookup_url": lookup_url(ticket),
        },
        key=f"ticket:{ticket.pk}:entry{entry.pk}:reply",
    )


def _objected(ticket: Ticket, *, entry: TicketEntry) -> list[str]:
    """The requester objected: whoever works the ticket hears why (the technician, else the IT heads)."""
    recipients = _staff_email(ticket.assigned_to) if ticket.assigned_to_id else []
    if not recipients:
        recipients = _it_heads_email(ticket)
    return _queue(
        ticket,
        template="ticket_objected",
        language=settings.LANGUAGE_CODE,
        recipients=recipients,
        context=lambda: _staff_context(ticket, reason=entry.text),
        key=f"ticket:{ticket.pk}:v{ticket.version}:objected",
    )
