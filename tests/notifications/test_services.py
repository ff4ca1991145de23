"""The outbox: queued in the caller's transaction, delivered after its commit, retried with
backoff, never raising into the caller."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Manufacturer
from notifications import services
from notifications.choices import Channel, MessageStatus
from notifications.models import Message
from notifications.services import Ref, deliver_due, deliver_message, enqueue, message_retry
from tests.notifications.conftest import queue_sms

pytestmark = pytest.mark.django_db


def queue_email(context, **kwargs) -> Message:
    options = {
        "channel": Channel.EMAIL,
        "recipient": "requester@school.example",
        "template": "ticket_received",
        "context": context,
        "language": "en",
    }
    return enqueue(**{**options, **kwargs})


# --------------------------------------------------------------------------- after commit


@pytest.mark.django_db(transaction=True)
def test_it_sends_nothing_when_the_callers_transaction_rolls_back(mailoutbox, received_context):
    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        with transaction.atomic():
            Manufacturer.objects.create(name="Lenovo")
            queue_email(received_context)
            raise Abort
    assert Message.objects.count() == 0
    assert not Manufacturer.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_it_sends_the_email_in_process_after_the_commit_and_not_before(mailoutbox, received_context):
    with transaction.atomic():
        message = queue_email(received_context)
        assert mailoutbox == []  # still inside the caller's transaction
        assert Message.objects.get().status == MessageStatus.PENDING
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["requester@school.example"]
    assert email.subject == "Your request was received: ticket 2026-000123"
    assert "2026-000123" in email.body and "http://127.0.0.1:8000/track/" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and 'dir="ltr"' in html
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1 and message.sent_at is not None
    assert message.next_attempt_at is None and message.claim is None and message.last_error == ""


def test_it_stores_the_rendered_message_so_a_retry_sends_the_same_text(received_context, mailoutbox):
    message = queue_email(received_context)
    assert message.subject == "Your request was received: ticket 2026-000123"
    assert message.context == received_context
    Message.objects.filter(pk=message.pk).update(body="The text as it was queued")
    deliver_message(message_id=message.pk)
    assert mailoutbox[0].body == "The text as it was queued"


@pytest.mark.django_db(transaction=True)
def test_a_failing_sms_backend_never_raises_into_the_caller_and_the_callers_rows_are_saved(gateway):
    gateway.script(500)
    with transaction.atomic():
        Manufacturer.objects.create(name="Lenovo")
        message = queue_sms(recipient="+962 79 123 4567")
    assert Manufacturer.objects.filter(name="Lenovo").exists()
    assert len(gateway.received) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "HTTP 500" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_an_unexpected_error_in_delivery_is_recorded_not_raised(settings, caplog):
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_services.BrokenBackend"
    with transaction.atomic():
        Manufacturer.objects.create(name="Dell")
        message = queue_sms(context={"number": "2026-000124", "status": "Resolved"}, language="ar")
    assert Manufacturer.objects.filter(name="Dell").exists()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == "ZeroDivisionError: a bug in a backend"


class BrokenBackend:
    def send(self, *, to: str, text: str) -> None:
        raise ZeroDivisionError("a bug in a backend")


# --------------------------------------------------------------------------- dedupe and refs


def test_a_dedupe_key_queues_one_message_however_often_the_transaction_is_retried(received_context):
    first = queue_email(received_context, dedupe_key="ticket:7:received:email")
    again = queue_email(received_context, dedupe_key="ticket:7:received:email")
    other = queue_email(received_context, dedupe_key="ticket:8:received:email")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert Message.objects.count() == 2


def test_messages_without_a_dedupe_key_are_independent(received_context):
    queue_email(received_context)
    queue_email(received_context)
    assert Message.objects.filter(dedupe_key__isnull=True).count() == 2


def test_a_ref_files_the_message_under_its_object(received_context):
    from notifications.selectors import messages_for

    lenovo = Manufacturer.objects.create(name="Lenovo")
    dell = Manufacturer.objects.create(name="Dell")
    message = queue_email(received_context, ref=Ref.to(lenovo, label="2026-000123"))
    queue_email(received_context, ref=Ref.to(dell))
    assert (message.ref_model, message.ref_object_id, message.ref) == ("assets.manufacturer", lenovo.pk, "2026-000123")
    assert list(messages_for(lenovo)) == [message]


# --------------------------------------------------------------------------- what enqueue refuses


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"channel": "fax"}, "unknown notification channel"),
        ({"language": "fr"}, "unknown language"),
        ({"recipient": "  "}, "needs a recipient"),
        ({"template": "ticket_vanished"}, "unknown notification template"),
        ({"context": {"number": "1"}}, "needs context keys: lookup_url, title"),
        ({"context": {"number": "1", "title": "t", "lookup_url": "u", "phone": "x"}}, "no context keys phone"),
    ],
)
def test_it_refuses_programming_errors_loudly(received_context, change, error):
    with pytest.raises(ValueError, match=error):
        queue_email(change.pop("context", received_context), **change)
    assert not Message.objects.exists()


def test_the_context_must_be_plain_data(received_context):
    with pytest.raises(ValueError, match="pass plain data, not objects"):
        queue_email({**received_context, "school": Manufacturer(name="not data")})


@pytest.mark.parametrize(
    ("channel", "recipient", "stored"),
    [(Channel.SMS, "+962 (79) 123-4567", "+962791234567"), (Channel.SMS, "00962791234567", "+962791234567")],
)
def test_it_normalises_mobile_numbers(channel, recipient, stored):
    message = queue_sms(channel=channel, recipient=recipient)
    assert message.recipient == stored
    assert message.status == MessageStatus.PENDING


@pytest.mark.parametrize(("channel", "recipient"), [(Channel.EMAIL, "not-an-address"), (Channel.SMS, "call me")])
def test_an_undeliverable_recipient_is_stored_dead_with_the_reason_not_raised(
    django_capture_on_commit_callbacks, channel, recipient
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue_sms(channel=channel, recipient=recipient)
    assert message.status == MessageStatus.DEAD
    assert message.last_error.startswith("not a valid")
    assert callbacks == []  # nothing to deliver
    with pytest.raises(ValidationError):
        message_retry(message=message)


# --------------------------------------------------------------------------- retries


def test_failed_attempts_back_off_and_the_message_dies_after_the_last(settings, gateway):
    settings.NOTIFY_MAX_ATTEMPTS = 4
    gateway.script(500, 502, 503, 500)
    message = queue_sms()
    now = message.next_attempt_at
    waits = []
    for attempt in range(1, 5):
        assert deliver_due(now=now) == 1
        message.refresh_from_db()
        assert message.attempts == attempt
        if attempt < 4:
            assert message.status == MessageStatus.FAILED
            waits.append(message.next_attempt_at - now)
            # not due a moment before its time
            assert deliver_due(now=message.next_attempt_at - timedelta(seconds=1)) == 0
            now = message.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15)]
    assert message.status == MessageStatus.DEAD
    assert message.next_attempt_at is None
    assert "HTTP 500" in message.last_error
    assert deliver_due(now=now + timedelta(days=1)) == 0  # dead stays dead
    assert len(gateway.received) == 4


def test_a_retry_that_succeeds_sends_it(gateway):
    gateway.script(500, 200)
    message = queue_sms()
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert message.last_error == ""


def test_a_permanent_failure_gives_up_at_once(gateway):
    gateway.script(400)
    message = queue_sms()
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == 1
    assert "HTTP 400" in message.last_error


def test_the_backoff_schedule():
    assert [services.backoff(n) for n in range(1, 8)] == [timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 240, 240)]


# --------------------------------------------------------------------------- claims and leases


def test_a_message_is_claimed_by_one_sender_only(mailoutbox, received_context):
    message = queue_email(received_context)
    now = timezone.now()
    first = services._claim(Message.objects.all(), now=now, limit=10)
    second = services._claim(Message.objects.all(), now=now, limit=10)
    assert [m.pk for m in first] == [message.pk]
    assert second == []
    assert deliver_message(message_id=message.pk, now=now) is False  # held by the first sender
    assert mailoutbox == []


def test_a_message_stuck_in_sending_is_retried_after_its_lease_runs_out(settings, mailoutbox, received_context):
    settings.NOTIFY_LEASE_SECONDS = 300
    message = queue_email(received_context)
    start = timezone.now()
    crashed = services._claim(Message.objects.all(), now=start, limit=10)  # a sender that dies here
    assert len(crashed) == 1
    assert deliver_due(now=start + timedelta(seconds=299)) == 0  # the lease still holds
    assert deliver_due(now=start + timedelta(seconds=301)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert len(mailoutbox) == 1
    # The dead sender wakes up: its claim is gone, so it cannot record an outcome over ours.
    assert services._finish(crashed[0], status=MessageStatus.FAILED, error="late") is False
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_stuck_last_attempt_ends_dead_without_sending_again(settings, mailoutbox, received_context):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    queue_email(received_context)
    start = timezone.now()
    services._claim(Message.objects.all(), now=start, limit=10)
    assert deliver_due(now=start + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS + 1)) == 1
    message = Message.objects.get()
    assert message.status == MessageStatus.DEAD
    assert "did not finish" in message.last_error
    assert mailoutbox == []


def test_deliver_due_takes_the_oldest_due_first_and_respects_the_limit(mailoutbox, received_context):
    messages = [queue_email(received_context) for _ in range(3)]
    now = timezone.now()
    Message.objects.filter(pk=messages[2].pk).update(next_attempt_at=now - timedelta(minutes=5))
    Message.objects.filter(pk=messages[1].pk).update(next_attempt_at=now + timedelta(minutes=5))
    assert deliver_due(now=now, limit=1) == 1
    assert Message.objects.get(pk=messages[2].pk).status == MessageStatus.SENT
    assert deliver_due(now=now, limit=10) == 1
    assert Message.objects.get(pk=messages[1].pk).status == MessageStatus.PENDING
    assert len(mailoutbox) == 2


# --------------------------------------------------------------------------- retry now


def test_retry_now_queues_a_dead_message_again_with_fresh_attempts(
    settings, gateway, django_capture_on_commit_callbacks
):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    gateway.script(500)
    message = queue_sms()
    deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD
    with django_capture_on_commit_callbacks(execute=True):
        message_retry(message=message)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert len(gateway.received) == 2


def test_retry_now_refuses_a_message_that_is_not_failed(received_context):
    message = queue_email(received_context)
    with pytest.raises(ValidationError):
        message_retry(message=message)
    assert Message.objects.get(pk=message.pk).status == MessageStatus.PENDING


# --------------------------------------------------------------------------- Celery hand-over


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_that_does_not_answer_the_message_stays_queued(settings, monkeypatch, caplog, received_context):
    from tests.netmon.celery_workers import reset_producer_connections

    settings.NOTIFY_CELERY = True
    # A closed port on loopback: the hand-over fails quickly.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    reset_producer_connections()
    try:
        with caplog.at_level(logging.ERROR, logger="notifications.services"):
            with transaction.atomic():
                message = queue_email(received_context)
    finally:
        monkeypatch.delenv("CELERY_BROKER_URL")
        reset_producer_connections()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 0
    assert "stays queued" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_senders_racing_each_other_send_every_message_exactly_once(gateway):
    import threading
    from collections import Counter

    from django.db import connection

    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            channel=Channel.SMS,
            recipient=f"+9627900000{i:02d}",
            language="en",
            template="ticket_status",
            body=f"message {i}",
            next_attempt_at=now,
        )
        for i in range(40)
    )
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            while deliver_due(now=now, limit=3):
                pass
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert Message.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 40
    sent_to = Counter(r.fields["to"] for r in gateway.received)
    assert len(sent_to) == 40 and set(sent_to.values()) == {1}
