from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.choices import Channel
from notifications.models import Message
from notifications.services import enqueue
from tests.notifications.gateway import serving

TOKEN = "s3cret-gateway-token"


def queue_sms(**overrides) -> Message:
    """`enqueue` a ticket_status SMS; keyword arguments replace the defaults."""
    options = {
        "channel": Channel.SMS,
        "recipient": "0791234567",
        "template": "ticket_status",
        "context": {"number": "2026-000123", "status": "In progress"},
        "language": "en",
    }
    return enqueue(**{**options, **overrides})


def sms_row(**fields) -> Message:
    """A queued SMS written straight to the table (no in-process delivery after the commit)."""
    values = {
        "channel": Channel.SMS,
        "recipient": "+962791234567",
        "language": "en",
        "template": "ticket_status",
        "body": "Ticket 2026-000123: In progress.",
        "next_attempt_at": timezone.now(),
    }
    return Message.objects.create(**{**values, **fields})


@pytest.fixture
def gateway(settings):
    """A real HTTP SMS gateway on 127.0.0.1, configured as the SMS backend."""
    with serving(settings, token=TOKEN) as server:
        yield server


@pytest.fixture
def received_context() -> dict:
    """A valid context of `ticket_received`."""
    return {
        "number": "2026-000123",
        "title": "The lab's printer does not print",
        "school": "Al-Amal Girls School",
        "lookup_url": "http://127.0.0.1:8000/track/",
    }
