"""The outbox page: the IT head's alone; status filters; "retry now"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from notifications.choices import Channel, MessageStatus
from notifications.models import Message
from notifications.services import enqueue
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(received_context) -> dict[str, Message]:
    def queue(recipient: str, status: str, **fields) -> Message:
        message = enqueue(
            channel=Channel.EMAIL,
            recipient=recipient,
            template="ticket_received",
            context=received_context,
            language="ar",
        )
        Message.objects.filter(pk=message.pk).update(status=status, **fields)
        message.refresh_from_db()
        return message

    return {
        "sent": queue("sent@school.example", MessageStatus.SENT, next_attempt_at=None, attempts=1),
        "failed": queue(
            "failed@school.example",
            MessageStatus.FAILED,
            attempts=1,
            last_error="mail server down",
            next_attempt_at=timezone.now() + timedelta(minutes=5),
        ),
        "dead": queue("dead@school.example", MessageStatus.DEAD, next_attempt_at=None, attempts=6),
    }


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER])
def test_only_the_it_head_sees_the_outbox(users, outbox, role):
    client = client_for(users[role])
    assert client.get(reverse("notifications:message_list")).status_code == 403
    assert client.get(outbox["failed"].get_absolute_url()).status_code == 403
    assert client.post(reverse("notifications:message_retry", args=[outbox["failed"].pk])).status_code == 403
    assert Message.objects.get(pk=outbox["failed"].pk).status == MessageStatus.FAILED


def test_anonymous_visitors_are_sent_to_sign_in(outbox):
    response = client_for(None).get(reverse("notifications:message_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_it_head_lists_and_filters_by_status(users, outbox):
    client = english(client_for(users[Role.IT_HEAD]))
    page = text(client.get(reverse("notifications:message_list")))
    for message in outbox.values():
        assert message.recipient in page
    assert page.count("Retry now") == 2  # failed and dead only
    assert "mail server down" in page
    failed = text(client.get(reverse("notifications:message_list"), {"status": [MessageStatus.FAILED]}))
    assert "failed@school.example" in failed
    assert "sent@school.example" not in failed and "dead@school.example" not in failed


def test_the_outbox_speaks_arabic_by_default(users, outbox):
    page = text(client_for(users[Role.IT_HEAD]).get(reverse("notifications:message_list")))
    assert "الإشعارات" in page and "أعد المحاولة الآن" in page


def test_the_detail_page_shows_the_message_in_its_own_direction(users, outbox):
    client = english(client_for(users[Role.IT_HEAD]))
    page = text(client.get(outbox["dead"].get_absolute_url()))
    assert 'lang="ar" dir="rtl"' in page
    assert outbox["dead"].subject in page
    assert "Retry now" in page
    assert "Retry now" not in text(client.get(outbox["sent"].get_absolute_url()))


@pytest.mark.django_db(transaction=True)  # as in production: the request commits, then delivery runs
def test_retry_now_sends_a_dead_message_again(users, outbox, mailoutbox):
    client = english(client_for(users[Role.IT_HEAD]))
    back = reverse("notifications:message_list") + "?status=dead"
    before = len(mailoutbox)
    response = client.post(
        reverse("notifications:message_retry", args=[outbox["dead"].pk]), {"next": back}, follow=True
    )
    assert response.redirect_chain[-1][0] == back
    assert "The notification was sent." in text(response)
    message = Message.objects.get(pk=outbox["dead"].pk)
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert [m.to for m in mailoutbox[before:]] == [["dead@school.example"]]


def test_retry_now_refuses_a_sent_message_and_ignores_an_outside_next(users, outbox, mailoutbox):
    client = english(client_for(users[Role.IT_HEAD]))
    response = client.post(
        reverse("notifications:message_retry", args=[outbox["sent"].pk]), {"next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302 and response["Location"] == outbox["sent"].get_absolute_url()
    assert Message.objects.get(pk=outbox["sent"].pk).status == MessageStatus.SENT
    assert mailoutbox == []


def test_retry_is_post_only(users, outbox):
    client = client_for(users[Role.IT_HEAD])
    assert client.get(reverse("notifications:message_retry", args=[outbox["dead"].pk])).status_code == 405
