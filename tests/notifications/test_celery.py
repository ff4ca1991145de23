# ruff: noqa: F811  (pytest fixtures imported from tests.netmon.test_celery, then named as arguments)
"""With a broker: delivery goes to a real Redis and a real `celery worker` on the
`notifications` queue sends it (skipped when Redis at 127.0.0.1:6379 does not answer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.signals import after_task_publish
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from notifications.choices import Channel, MessageStatus
from notifications.models import Message
from notifications.services import enqueue
from notifications.tasks import deliver_due
from tests.netmon.celery_workers import Worker, stop_all, wait_for
from tests.netmon.test_celery import _redis_db, broker  # noqa: F401  (the private Redis database, locked)
from tests.notifications.conftest import TOKEN, sms_row

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "notifications"


@pytest.fixture
def published(broker):
    """(task name, routing key) of every task the test process sends."""
    sent: list[tuple[str, str]] = []

    def record(sender=None, routing_key=None, **_kwargs):
        sent.append((sender, routing_key))

    after_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(record)


@pytest.fixture
def worker(tmp_path, broker, gateway):
    """One real worker on the notifications queue, sending SMS to the test gateway."""
    env = {"NOTIFY_SMS_URL": gateway.url, "NOTIFY_SMS_TOKEN": TOKEN}
    started: list[Worker] = []

    def start() -> Worker:
        process = Worker("notify", tmp_path / "notify.log", env=env, queue=QUEUE)
        started.append(process)
        process.wait_ready()
        return process

    try:
        yield start
    finally:
        stop_all(started)
        for process in started:
            print("\n".join(process.log().splitlines()[-40:]))


def status_of(message: Message) -> str:
    return Message.objects.get(pk=message.pk).status


def test_with_a_broker_the_task_is_sent_after_commit_and_a_worker_delivers_it(
    settings,
    broker,
    published,
    worker,
    gateway,
):
    settings.NOTIFY_CELERY = True
    with transaction.atomic():
        message = enqueue(
            channel=Channel.SMS,
            recipient="0791234567",
            template="ticket_received",
            context={"number": "2026-000123", "title": "Printer", "lookup_url": "http://127.0.0.1:8000/track/"},
            language="ar",
        )
        assert published == []  # nothing leaves before the commit
    assert published == [("notifications.deliver", QUEUE)]
    assert broker.llen(QUEUE) == 1
    assert status_of(message) == MessageStatus.PENDING  # this process sent nothing itself
    assert gateway.received == []

    worker()
    wait_for(lambda: status_of(message) == MessageStatus.SENT, timeout=30, what="the worker to send the SMS")
    [request] = gateway.received
    assert request.fields["to"] == "0791234567"
    assert "2026-000123" in request.fields["text"]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert broker.llen(QUEUE) == 0


def test_beats_sweep_runs_on_the_notifications_queue_and_sends_due_retries(
    settings,
    broker,
    published,
    worker,
    gateway,
):
    assert django_settings.CELERY_BEAT_SCHEDULE["notifications-deliver-due"] == {
        "task": "notifications.deliver_due",
        "schedule": 60,
    }
    earlier = timezone.now() - timedelta(minutes=1)
    failed = sms_row(
        status=MessageStatus.FAILED,
        attempts=1,
        last_error="SMS gateway answered HTTP 500 Internal Server Error",
        next_attempt_at=earlier,
    )
    not_yet = sms_row(recipient="+962791234568", next_attempt_at=timezone.now() + timedelta(hours=1))
    deliver_due.delay()  # as beat does: no queue named here, the route decides
    assert published == [("notifications.deliver_due", QUEUE)]
    worker()
    wait_for(lambda: status_of(failed) == MessageStatus.SENT, timeout=30, what="the sweep to send the retry")
    assert Message.objects.get(pk=failed.pk).attempts == 2
    assert status_of(not_yet) == MessageStatus.PENDING
    assert [r.fields["to"] for r in gateway.received] == ["+962791234567"]
