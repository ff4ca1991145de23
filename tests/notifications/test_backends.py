"""The ways out: the HTTP SMS gateway (against a real server on 127.0.0.1), the console
SMS backend, and e-mail errors."""

from __future__ import annotations

import io
import logging
import socket
import time

import pytest

from notifications.backends import ConsoleSmsBackend, DeliveryError, HttpGatewaySmsBackend, send_email
from notifications.choices import MessageStatus
from notifications.services import deliver_due
from tests.notifications.conftest import TOKEN, queue_sms

ARABIC = "تم استلام طلبك، رقم البلاغ 2026-000123"


def test_it_posts_json_with_the_configured_fields_and_token(gateway):
    HttpGatewaySmsBackend().send(to="+962791234567", text=ARABIC)
    [request] = gateway.received
    assert request.path == "/sms/send?api_key=k3y-in-the-url"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.fields == {"to": "+962791234567", "text": ARABIC}


def test_it_posts_a_form_with_other_field_names_a_bare_token_and_extra_fields(settings, gateway):
    settings.NOTIFY_SMS_FORMAT = "form"
    settings.NOTIFY_SMS_TO_FIELD = "mobile"
    settings.NOTIFY_SMS_TEXT_FIELD = "message"
    settings.NOTIFY_SMS_TOKEN_HEADER = "X-Api-Key"
    settings.NOTIFY_SMS_TOKEN_SCHEME = ""
    settings.NOTIFY_SMS_EXTRA = {"sender": "MOE-IT"}
    HttpGatewaySmsBackend().send(to="+962791234567", text=ARABIC)
    [request] = gateway.received
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert request.headers["X-Api-Key"] == TOKEN
    assert "Authorization" not in request.headers
    assert request.fields == {"mobile": "+962791234567", "message": ARABIC, "sender": "MOE-IT"}


def test_no_token_no_header(settings, gateway):
    settings.NOTIFY_SMS_TOKEN = ""
    HttpGatewaySmsBackend().send(to="+962791234567", text="hi")
    assert "Authorization" not in gateway.received[0].headers


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (429, False), (400, True), (401, True)])
def test_a_non_2xx_answer_is_a_delivery_error_with_the_status(gateway, status, permanent):
    gateway.script(status)
    with pytest.raises(DeliveryError) as failure:
        HttpGatewaySmsBackend().send(to="+962791234567", text="hi")
    assert f"HTTP {status}" in str(failure.value)
    assert failure.value.permanent is permanent


def test_a_redirect_is_not_followed_and_not_success(gateway):
    gateway.script(302)
    with pytest.raises(DeliveryError, match="HTTP 302"):
        HttpGatewaySmsBackend().send(to="+962791234567", text="hi")
    assert len(gateway.received) == 1


def test_a_gateway_that_answers_too_late_is_a_timeout(settings, gateway):
    settings.NOTIFY_SMS_TIMEOUT = 1
    gateway.delay = 3
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="did not answer within 1 s") as failure:
        HttpGatewaySmsBackend().send(to="+962791234567", text="hi")
    assert time.monotonic() - started < 2.5
    assert failure.value.permanent is False


def test_a_gateway_that_is_not_listening_is_a_temporary_error(settings):
    with socket.socket() as probe:  # a loopback port with nobody behind it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.NOTIFY_SMS_URL = f"http://127.0.0.1:{port}/send?key=abc"
    with pytest.raises(DeliveryError, match="unreachable") as failure:
        HttpGatewaySmsBackend().send(to="+962791234567", text="hi")
    assert failure.value.permanent is False
    assert "key=abc" not in str(failure.value)


@pytest.mark.django_db
def test_the_token_and_the_url_never_reach_the_message_or_the_log(settings, gateway, caplog):
    gateway.script(500, 500)
    gateway.delay = 0
    with caplog.at_level(logging.DEBUG):
        message = queue_sms()
        deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "HTTP 500" in message.last_error
    for secret in (TOKEN, "k3y-in-the-url"):
        assert secret not in message.last_error
        assert secret not in caplog.text


@pytest.mark.django_db
def test_a_gateway_timeout_schedules_a_retry(settings, gateway):
    settings.NOTIFY_SMS_TIMEOUT = 1
    gateway.delay = 2
    message = queue_sms()
    now = message.next_attempt_at
    deliver_due(now=now)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "did not answer within 1 s" in message.last_error
    assert (message.next_attempt_at - now).total_seconds() == 60


def test_the_console_backend_writes_the_sms_and_sends_nothing():
    out = io.StringIO()
    ConsoleSmsBackend(stream=out).send(to="+962791234567", text=ARABIC)
    assert out.getvalue() == f"----- SMS to +962791234567 -----\n{ARABIC}\n"


def test_an_unreachable_mail_server_is_a_temporary_error(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_PASSWORD = "mail-password"
    with pytest.raises(DeliveryError, match="mail server unreachable") as failure:
        send_email(to="a@school.example", subject="s", body="b", html="", language="en")
    assert failure.value.permanent is False
    assert "mail-password" not in str(failure.value)
