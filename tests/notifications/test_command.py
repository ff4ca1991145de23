"""`manage.py send_notifications`: one iteration in-process, and the real loop as a process."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.choices import MessageStatus
from notifications.management.commands.send_notifications import Command
from notifications.models import Message
from tests.netmon.processes import ROOT, database_url
from tests.notifications.conftest import sms_row


@pytest.mark.django_db
def test_one_iteration_sends_what_is_due(gateway):
    due = sms_row()
    later = sms_row(next_attempt_at=timezone.now() + timedelta(minutes=5))
    command = Command()
    command.batch_size = 10
    assert command.process_batch() == 1
    assert Message.objects.get(pk=due.pk).status == MessageStatus.SENT
    assert Message.objects.get(pk=later.pk).status == MessageStatus.PENDING
    assert command.process_batch() == 0
    assert [r.fields["to"] for r in gateway.received] == ["+962791234567"]


@pytest.mark.django_db
def test_once_works_through_every_due_batch_then_exits(gateway):
    for _ in range(5):
        sms_row()
    out = io.StringIO()
    call_command("send_notifications", "--once", "--batch-size", "2", stdout=out)
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 5
    assert len(gateway.received) == 5
    assert "stopped after handling 5 message(s)" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_loop_sends_as_messages_fall_due_and_stops_cleanly_on_sigterm(gateway):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "siyana.settings",
        "LOG_LEVEL": "WARNING",
        "NOTIFY_SMS_URL": gateway.url,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "send_notifications", "--idle", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        message = sms_row()  # queued while the loop is idle
        deadline = time.monotonic() + 30
        while Message.objects.get(pk=message.pk).status != MessageStatus.SENT:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the loop did not send the message"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "SIGTERM received" in err
    assert "stopped after handling 1 message(s)" in out
    assert len(gateway.received) == 1
