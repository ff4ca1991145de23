"""What a requester may do without an account: look a ticket up by its number and phone
number, and answer a resolution through a signed link. The views are in
`maintenance.views_public`; this module holds the rules, so they can be read and tested alone.

Decisions (and why):

- Matching a phone number: both sides are reduced to their digits (Arabic-Indic digits
  count: phones in Arabic type ٠٧٩…), leading zeros dropped (the trunk 0 of "079…" and the
  00 of "00962…"), and the last 9 digits kept. Jordanian mobiles have 9 significant digits,
  so "0791234567", "+962 79 123 4567" and "00962791234567" all give "791234567" — without
  knowing the country code. A shorter significant part (a landline: "06 5xx xxxx" is 8)
  matches on its own length, but never fewer than `MIN_PHONE_DIGITS` digits, so a few
  typed digits never match a number.
- No oracle: an unknown number, a ticket without a phone (the poller's) and a wrong phone
  take the same path — one query by number, one constant-time comparison (against a dummy
  when there is nothing to compare) — and get the same answer.
- Rate limits (Django's cache: the local-memory cache of each process, Redis when
  REDIS_URL is set, so several web processes share one count): every look-up from a
  client address counts (`PUBLIC_LOOKUP_PER_IP` per `PUBLIC_LOOKUP_WINDOW_SECONDS`), and
  every FAILED look-up of a ticket number (`PUBLIC_LOOKUP_PER_NUMBER`). Counting only
  failures per number lets a requester look their own ticket up as often as the address
  limit allows, while guessing one ticket's phone from many addresses still stops after a
  few tries. The price: five wrong tries on a number, from anywhere, hold that number's
  look-up for the rest of the window (the requester still gets every notice, and the answer
  link does not go through the look-up). A window is fixed from its first try (cache.add +
  incr: atomic in both caches).
- The answer link: `Signer(salt=FEEDBACK_SALT)` over the ticket's id and the time of the
  resolution it answers, both in base 36 — short enough for an SMS. It expires
  `FEEDBACK_LINK_DAYS` after that resolution (the same for the link in the message and the
  one the look-up page shows), and it is stale as soon as the ticket's `resolved_at`
  differs (reopened, or resolved again: the new resolution has a new link). One answer per
  resolution (the services and a unique constraint): a used link is refused too.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from maintenance.choices import CloseReason, EntryKind, FeedbackKind, HoldReason, TicketStatus
from maintenance.models import Ticket, TicketEntry, TicketFeedback

#: The salt of the answer links: a signature made for anything else never verifies here.
FEEDBACK_SALT = "maintenance.public.feedback"
#: Significant digits compared (Jordanian mobiles: 7X XXX XXXX).
PHONE_DIGITS = 9
#: A phone number with fewer significant digits than this matches nothing.
MIN_PHONE_DIGITS = 8
#: Compared against when there is no ticket, or it has no phone: the same work either way.
_NO_PHONE = "0" * PHONE_DIGITS

# Arabic-Indic (U+0660…) and Extended Arabic-Indic (U+06F0…, Persian/Urdu keyboards) digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_NUMBER = re.compile(r"^(\d{4})\s*[-/_.\s]\s*(\d{1,6})$")


# --------------------------------------------------------------------------- input


def ascii_digits(value: str) -> str:
    return (value or "").translate(_DIGITS)


def normalise_number(value: str) -> str | None:
    """A ticket number as typed ("2026-123", "٢٠٢٦-٠٠٠١٢٣", "2026/000123") → "2026-000123"; None if it is not one."""
    found = _NUMBER.match(ascii_digits(value).strip())
    if not found:
        return None
    return f"{found.group(1)}-{int(found.group(2)):06d}"


def phone_key(value: str) -> str:
    """The significant digits of a phone number, at most PHONE_DIGITS of them (see the module's decisions)."""
    digits = re.sub(r"\D", "", ascii_digits(value)).lstrip("0")
    return digits[-PHONE_DIGITS:]


def phones_match(typed: str, stored: str) -> bool:
    """Do two phone numbers name the same line? The same comparison whether or not they do."""
    a, b = phone_key(typed), phone_key(stored)
    length = min(len(a), len(b))
    long_enough = length >= MIN_PHONE_DIGITS
    if not long_enough:  # compare anyway: a missing or short number costs what a wrong one does
        a, b, length = _NO_PHONE, "", PHONE_DIGITS
    same = hmac.compare_digest(a[-length:].encode(), b[-length:].encode())
    return same and long_enough


# --------------------------------------------------------------------------- look-up


def find_ticket(*, number: str, phone: str) -> Ticket | None:
    """The ticket with this number whose requester's phone matches, else None — the same work
    and the same None for an unknown number, a ticket without a phone and a wrong phone."""
    normalised = normalise_number(number)
    row = Ticket.objects.filter(number=normalised).values_list("pk", "requester_phone").first() if normalised else None
    pk, stored = row if row is not None else (None, "")
    if not phones_match(phone, stored or "") or pk is None:
        return None
    return Ticket.objects.select_related("school", "merged_into").get(pk=pk)


# --------------------------------------------------------------------------- rate limits


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    window: int  # seconds


def _count(limit: Limit, *, add: bool) -> int:
    """The tries counted in `limit`'s window, after adding one when `add`."""
    key = f"siyana:public:{limit.key}"
    if not add:
        return int(cache.get(key) or 0)
    cache.add(key, 0, timeout=limit.window)  # starts the window; a no-op while it runs
    try:
        return cache.incr(key)
    except ValueError:  # the window ran out between add and incr
        cache.set(key, 1, timeout=limit.window)
        return 1


def ip_limit(ip: str) -> Limit:
    return Limit(f"ip:{ip}", settings.PUBLIC_LOOKUP_PER_IP, settings.PUBLIC_LOOKUP_WINDOW_SECONDS)


def number_limit(number: str) -> Limit:
    return Limit(f"number:{number}", settings.PUBLIC_LOOKUP_PER_NUMBER, settings.PUBLIC_LOOKUP_WINDOW_SECONDS)


def try_lookup(*, ip: str, number: str) -> bool:
    """Count one look-up from `ip`; False when `ip` or `number` has used up its window
    (then nothing is looked up). Call `lookup_failed(number)` when it finds nothing."""
    allowed = _count(ip_limit(ip), add=True) <= settings.PUBLIC_LOOKUP_PER_IP
    normalised = normalise_number(number)
    if normalised is not None and _count(number_limit(normalised), add=False) >= settings.PUBLIC_LOOKUP_PER_NUMBER:
        allowed = False
    return allowed


def lookup_failed(number: str) -> None:
    normalised = normalise_number(number)
    if normalised is not None:
        _count(number_limit(normalised), add=True)


# --------------------------------------------------------------------------- the answer link


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


def _resolution_stamp(resolved_at: datetime) -> int:
    return int(resolved_at.timestamp())


def feedback_token(ticket: Ticket) -> str:
    """The signed token of the ticket's current resolution (the ticket must be resolved)."""
    if ticket.resolved_at is None:
        raise ValueError(f"ticket {ticket.number} is not resolved: there is nothing to answer")
    value = f"{_b36(ticket.pk)}.{_b36(_resolution_stamp(ticket.resolved_at))}"
    return signing.Signer(salt=FEEDBACK_SALT).sign(value)


def feedback_path(ticket: Ticket) -> str:
    return reverse("maintenance:public_feedback", args=[feedback_token(ticket)])


class LinkRefused(Exception):
    """Why a feedback link cannot be used; `reason` is one of the class constants."""

    INVALID = "invalid"  # not ours, or tampered with
    EXPIRED = "expired"  # FEEDBACK_LINK_DAYS after the resolution
    STALE = "stale"  # the ticket was reopened or resolved again since
    ANSWERED = "answered"  # this resolution was already accepted or objected to

    def __init__(self, reason: str, ticket: Ticket | None = None, answer: TicketFeedback | None = None):
        super().__init__(reason)
        self.reason = reason
        self.ticket = ticket
        self.answer = answer


def feedback_ticket(token: str, *, now: datetime | None = None) -> Ticket:
    """The resolved ticket a link answers, or LinkRefused saying why not."""
    try:
        value = signing.Signer(salt=FEEDBACK_SALT).unsign(token)
        pk36, stamp36 = value.split(".")
        pk, stamp = int(pk36, 36), int(stamp36, 36)
    except (signing.BadSignature, ValueError):
        raise LinkRefused(LinkRefused.INVALID) from None
    ticket = Ticket.objects.select_related("school").filter(pk=pk).first()
    if ticket is None:
        raise LinkRefused(LinkRefused.INVALID)
    now = now or timezone.now()
    resolved = datetime.fromtimestamp(stamp, tz=dt.UTC)
    if now > resolved + timedelta(days=settings.FEEDBACK_LINK_DAYS):
        raise LinkRefused(LinkRefused.EXPIRED, ticket)
    answer = (
        TicketFeedback.objects.filter(
            ticket=ticket,
            kind__in=[FeedbackKind.ACCEPTED, FeedbackKind.OBJECTED],
            resolved_at__gte=resolved,
            resolved_at__lt=resolved + timedelta(seconds=1),
        )
        .order_by("at", "pk")
        .first()
    )
    if answer is not None:
        raise LinkRefused(LinkRefused.ANSWERED, ticket, answer)
    if ticket.resolved_at is None or _resolution_stamp(ticket.resolved_at) != stamp:
        raise LinkRefused(LinkRefused.STALE, ticket)
    if ticket.status != TicketStatus.RESOLVED:  # closed by staff after the resolution, unanswered
        raise LinkRefused(LinkRefused.STALE, ticket)
    return ticket


# --------------------------------------------------------------------------- what the requester reads

#: How long a successful look-up lets this browser session see the ticket again without
#: typing the phone number (the session keeps the grant; a shared school PC forgets it soon).
GRANT_SECONDS = 30 * 60
_SESSION_KEY = "maintenance.public.tickets"

#: The timeline entries the requester reads: public ones of these kinds only. Attachments
#: (even public ones) are left out, and no entry says who wrote it beyond "the IT
#: department" or "the requester": technicians' names are the department's business.
PUBLIC_KINDS = frozenset(
    {
        EntryKind.CREATED,
        EntryKind.STATUS,
        EntryKind.HOLD,
        EntryKind.RESUMED,
        EntryKind.COMMENT,
        EntryKind.OBJECTION,
        EntryKind.ACCEPTED,
        EntryKind.RATING,
        EntryKind.MERGED,
    }
)
#: Entries that are the requester's own words.
REQUESTER_KINDS = frozenset({EntryKind.CREATED, EntryKind.OBJECTION, EntryKind.ACCEPTED, EntryKind.RATING})


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    kind: str
    by_requester: bool
    summary: str
    text: str


def _summary(entry: TicketEntry) -> str:
    data = entry.data or {}
    if entry.kind in (EntryKind.STATUS, EntryKind.HOLD, EntryKind.RESUMED) and data.get("to"):
        text = gettext("Status: %(status)s") % {"status": TicketStatus.label(data["to"])}
        if data.get("hold_reason"):
            text += " — " + HoldReason.label(data["hold_reason"])
        if data.get("close_reason"):
            text += " — " + CloseReason.label(data["close_reason"])
        return text
    if entry.kind == EntryKind.CREATED:
        return gettext("Request received")
    if entry.kind == EntryKind.COMMENT:
        return gettext("Reply from the IT department")
    if entry.kind == EntryKind.MERGED and data.get("number") and "into" in data:
        return gettext("Merged into ticket %(number)s") % {"number": data["number"]}
    if entry.kind in (EntryKind.RATING, EntryKind.ACCEPTED) and data.get("rating"):
        rating = gettext("Rating: %(rating)s of 5") % {"rating": data["rating"]}
        return f"{EntryKind.label(entry.kind)} — {rating}"
    return EntryKind.label(entry.kind)


def public_timeline(ticket: Ticket) -> list[PublicEntry]:
    """The requester's view of the timeline: public entries of PUBLIC_KINDS, oldest first."""
    rows = (
        TicketEntry.objects.filter(ticket=ticket, public=True, kind__in=PUBLIC_KINDS)
        .order_by("at", "pk")
        .only("at", "kind", "text", "data")
    )
    return [
        PublicEntry(
            at=row.at,
            kind=row.kind,
            by_requester=row.kind in REQUESTER_KINDS,
            summary=_summary(row),
            text=row.text,
        )
        for row in rows
    ]


def grant(session, ticket: Ticket, *, now: datetime | None = None) -> None:
    """Let this session read `ticket` for GRANT_SECONDS (after its number and phone matched)."""
    now = now or timezone.now()
    granted = {
        number: value
        for number, value in (session.get(_SESSION_KEY) or {}).items()
        if now.timestamp() - value[1] < GRANT_SECONDS
    }
    granted.pop(ticket.number, None)  # the newest grant last: the oldest are the ones dropped
    granted[ticket.number] = [ticket.pk, now.timestamp()]
    session[_SESSION_KEY] = dict(list(granted.items())[-10:])


def granted_ticket(session, number: str, *, now: datetime | None = None) -> Ticket | None:
    """The ticket this session may read under `number`, or None (never granted, or too long ago)."""
    now = now or timezone.now()
    value = (session.get(_SESSION_KEY) or {}).get(number)
    if not value or now.timestamp() - value[1] >= GRANT_SECONDS:
        return None
    return Ticket.objects.select_related("school", "merged_into").filter(pk=value[0], number=number).first()


def answerable(ticket: Ticket, *, now: datetime | None = None) -> bool:
    """Can the requester answer the ticket's current resolution (the look-up page offers the link)?"""
    if ticket.status != TicketStatus.RESOLVED or ticket.resolved_at is None:
        return False
    try:
        feedback_ticket(feedback_token(ticket), now=now)
    except LinkRefused:
        return False
    return True
