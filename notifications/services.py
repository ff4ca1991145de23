"""Queue notifications and deliver them (the outbox).

API (all keyword-only; see `notifications.catalog` for the template keys and their context):

- `enqueue(*, channel, recipient, template, context, language, dedupe_key=None, ref=None) -> Message`
  Call it inside the business transaction. It renders the message now, in `language`, and
  stores it; delivery starts only after the transaction commits (`transaction.on_commit`):
  as the Celery task `notifications.deliver` on the `notifications` queue when
  `settings.NOTIFY_CELERY` (a broker is configured), else in this process right after the
  commit. Nothing about delivery ever raises into the caller: a failure is recorded on the
  message and retried. It raises ValueError only for a programming error (unknown channel,
  template or language, missing or non-plain context, blank recipient). A recipient that
  is not a valid address or number is stored as `dead` with the reason, not raised.
  With `dedupe_key`, a second call with the same key returns the first message and queues
  nothing (a retried transaction cannot notify twice). `ref=Ref.to(ticket, label=number)`
  files the message under the object it is about (see `selectors.messages_for`).
- `deliver_due(*, now, limit) -> int` claims up to `limit` due messages with one
  conditional UPDATE (the row count decides; safe with any number of senders) and sends
  them. Returns how many it claimed.
- `deliver_message(*, message_id, now=None) -> bool` the same for one message (the Celery
  task and the in-process path); False when it was not due or another sender had it.
- `message_retry(*, message, now=None) -> Message` "retry now" for a failed or dead message.
- `site_url(path) -> str` an absolute URL for a notice (NOTIFY_SITE_URL + path).

Retries: attempt n that fails waits BACKOFF_MINUTES[n-1] (the last value repeats) before
the next; after NOTIFY_MAX_ATTEMPTS attempts, or a failure no retry can mend, the message
is `dead`. A claimed message holds a lease of NOTIFY_LEASE_SECONDS: a sender that dies
mid-send leaves it in `sending`, and it is claimed again when the lease runs out (so a
crash can, rarely, send a message twice — never lose it).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import catalog
from notifications.backends import DeliveryError, get_sms_backend, send_email
from notifications.choices import Channel, MessageStatus
from notifications.models import Message

logger = logging.getLogger(__name__)

#: Minutes to wait after the 1st, 2nd, … failed attempt; the last value repeats.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


@dataclass(frozen=True)
class Ref:
    """What a message is about: "app_label.model", the object's id and a short label."""

    model: str
    object_id: int
    label: str = ""

    @classmethod
    def to(cls, obj: models.Model, *, label: str | None = None) -> Ref:
        meta = obj._meta
        return cls(f"{meta.app_label}.{meta.model_name}", int(obj.pk), str(obj if label is None else label)[:64])


def site_url(path: str) -> str:
    """An absolute URL for a link in a notice (recipients click it outside the site)."""
    return settings.NOTIFY_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return timedelta(minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1])


# --------------------------------------------------------------------------- enqueue


def enqueue(
    *,
    channel: str,
    recipient: str,
    template: str,
    context: dict[str, Any],
    language: str,
    dedupe_key: str | None = None,
    ref: Ref | None = None,
) -> Message:
    if channel not in Channel.values():
        raise ValueError(f"unknown notification channel {channel!r}")
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    recipient = (recipient or "").strip()
    if not recipient:
        raise ValueError("a notification needs a recipient")
    if dedupe_key:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    rendered = catalog.render(template=template, channel=channel, language=language, context=context)
    recipient, problem = _normalise_recipient(channel, recipient)
    now = timezone.now()
    message = Message(
        channel=channel,
        recipient=recipient,
        language=language,
        template=template,
        context=rendered.context,
        subject=rendered.subject[:255],
        body=rendered.body,
        html=rendered.html,
        status=MessageStatus.DEAD if problem else MessageStatus.PENDING,
        next_attempt_at=None if problem else now,
        last_error=problem,
        created_at=now,
        dedupe_key=dedupe_key or None,
        ref_model=ref.model if ref else "",
        ref_object_id=ref.object_id if ref else None,
        ref=ref.label[:64] if ref else "",
    )
    # The unique dedupe_key is the database's to enforce (below): a check here would race anyway.
    message.full_clean(validate_constraints=False)
    try:
        # A savepoint: a concurrent transaction that queued the same dedupe_key first makes
        # this insert fail without spoiling the caller's transaction.
        with transaction.atomic():
            message.save()
    except IntegrityError:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        if existing is None:
            raise
        return existing
    if message.status == MessageStatus.PENDING:
        pk = message.pk
        transaction.on_commit(lambda: dispatch(pk))
    return message


def _normalise_recipient(channel: str, recipient: str) -> tuple[str, str]:
    """(the recipient as stored, "" or why it cannot be delivered to)."""
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            return recipient[:254], "not a valid e-mail address"
        return recipient, ""
    number = re.sub(r"[\s\-().]", "", recipient)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _PHONE.match(number):
        return recipient[:254], "not a valid mobile number"
    return number, ""


def dispatch(message_id: int) -> None:
    """Start delivering one queued message (after the commit that queued it). Never raises:
    a message not handed on here stays queued, and the periodic sweep sends it."""
    try:
        if settings.NOTIFY_CELERY:
            from notifications.tasks import deliver

            deliver.apply_async(args=[message_id], queue="notifications", retry_policy={"max_retries": 2})
        else:
            deliver_message(message_id=message_id)
    except Exception:
        logger.exception("notification %s stays queued: handing it on failed", message_id)


# --------------------------------------------------------------------------- delivery


def _due(now: datetime) -> models.Q:
    # One condition for both kinds of due row: a queued message whose time has come, and a
    # `sending` one whose lease (also kept in next_attempt_at) has run out.
    return models.Q(status__in=MessageStatus.QUEUED, next_attempt_at__lte=now)


def _claim(queryset: models.QuerySet[Message], *, now: datetime, limit: int) -> list[Message]:
    """Claim up to `limit` due messages of `queryset` with one conditional UPDATE.

    The UPDATE re-checks "due" on every row it changes, so of two senders racing for the
    same rows each row goes to one of them; the claim token tells which rows are ours.
    On PostgreSQL the candidates are first locked FOR UPDATE SKIP LOCKED, so a second
    sender takes the next rows instead of waiting for the first one's (SQLite's
    transactions take its one write lock at BEGIN anyway).
    """
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = list(
            queryset.filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not candidates:
            return []
        won = Message.objects.filter(_due(now), pk__in=candidates).update(
            status=MessageStatus.SENDING,
            claim=token,
            attempts=F("attempts") + 1,
            next_attempt_at=now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS),
        )
    if not won:
        return []
    return list(Message.objects.filter(claim=token).order_by("next_attempt_at", "pk"))


def deliver_due(*, now: datetime, limit: int = 50) -> int:
    """Send up to `limit` due messages. Returns how many were claimed (sent or not)."""
    claimed = _claim(Message.objects.all(), now=now, limit=limit)
    for message in claimed:
        _deliver(message, now=now)
    return len(claimed)


def deliver_message(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one message if it is due and no other sender holds it. True when it was ours."""
    now = now or timezone.now()
    claimed = _claim(Message.objects.filter(pk=message_id), now=now, limit=1)
    for message in claimed:
        _deliver(message, now=now)
    return bool(claimed)


def _deliver(message: Message, *, now: datetime) -> None:
    if message.attempts > settings.NOTIFY_MAX_ATTEMPTS:
        # Only a message whose last attempt never finished (its sender died) gets here.
        _finish(message, status=MessageStatus.DEAD, error="gave up: the last attempt did not finish")
        return
    try:
        _send(message)
    except DeliveryError as exc:
        _failed(message, str(exc), permanent=exc.permanent, now=now)
    except Exception as exc:  # a bug or an unexpected library error: recorded and retried, never raised
        logger.exception("notification %s: unexpected error while sending", message.pk)
        _failed(message, f"{exc.__class__.__name__}: {exc}", permanent=False, now=now)
    else:
        _finish(message, status=MessageStatus.SENT, sent_at=timezone.now())
        logger.info("notification %s sent (%s, attempt %s)", message.pk, message.channel, message.attempts)


def _send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        send_email(
            to=message.recipient,
            subject=message.subject,
            body=message.body,
            html=message.html,
            language=message.language,
        )
    elif message.channel == Channel.SMS:
        get_sms_backend().send(to=message.recipient, text=message.body)
    else:
        raise DeliveryError(f"unknown channel {message.channel!r}", permanent=True)


def _failed(message: Message, error: str, *, permanent: bool, now: datetime) -> None:
    if permanent or message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        _finish(message, status=MessageStatus.DEAD, error=error)
        logger.warning("notification %s gave up after %s attempt(s): %s", message.pk, message.attempts, error)
    else:
        _finish(message, status=MessageStatus.FAILED, error=error, next_attempt_at=now + backoff(message.attempts))
        logger.info("notification %s attempt %s failed, will retry: %s", message.pk, message.attempts, error)


def _finish(
    message: Message,
    *,
    status: str,
    error: str = "",
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> bool:
    """Record an attempt's outcome — only while this sender still holds the claim."""
    fields = {
        "status": status,
        "last_error": error[:500],
        "next_attempt_at": next_attempt_at,
        "claim": None,
    }
    if sent_at is not None:
        fields["sent_at"] = sent_at
    done = Message.objects.filter(pk=message.pk, claim=message.claim).update(**fields) == 1
    if not done:
        logger.warning("notification %s: lease lost before the outcome was recorded", message.pk)
    return done


# --------------------------------------------------------------------------- by hand


def message_retry(*, message: Message, now: datetime | None = None) -> Message:
    """Queue a failed or dead message again, due now; a dead one starts a fresh round of
    attempts. Raises ValidationError when it is neither any more, or cannot be delivered."""
    now = now or timezone.now()
    if _normalise_recipient(message.channel, message.recipient)[1]:
        raise ValidationError(_("This notification's recipient is not a valid address or number."))
    changed = Message.objects.filter(pk=message.pk, status__in=MessageStatus.RETRYABLE).update(
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        attempts=models.Case(
            models.When(status=MessageStatus.DEAD, then=0),
            default=F("attempts"),
            output_field=models.PositiveSmallIntegerField(),
        ),
    )
    message.refresh_from_db()
    if changed != 1:
        raise ValidationError(_("Only a failed notification can be sent again."))
    pk = message.pk
    transaction.on_commit(lambda: dispatch(pk))
    return message
