from __future__ import annotations

import pytest

from tests.notifications.gateway import Gateway

TOKEN = "s3cret-gateway-token"


@pytest.fixture
def gateway(settings):
    """A real HTTP SMS gateway on 127.0.0.1, configured as the SMS backend."""
    server = Gateway().start()
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.HttpGatewaySmsBackend"
    settings.NOTIFY_SMS_URL = server.url
    settings.NOTIFY_SMS_TOKEN = TOKEN
    settings.NOTIFY_SMS_TIMEOUT = 2
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def received_context() -> dict:
    """A valid context of `ticket_received`."""
    return {
        "number": "2026-000123",
        "title": "The lab's printer does not print",
        "school": "Al-Amal Girls School",
        "lookup_url": "http://127.0.0.1:8000/track/",
    }
