"""The requester's answer through the signed link of the "resolved" message: accept (with a
rating), object (→ reopened, counted, the technician told), and every refused link — used,
stale, expired, tampered with. Also from the look-up page, and for school staff signed in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from maintenance import public, selectors, services
from maintenance.choices import CloseReason, EntryKind, FeedbackKind, TicketStatus
from maintenance.models import TicketFeedback
from notifications.models import Message
from tests.assets.ui_fixtures import client_for
from tests.factories import english
from tests.maintenance.conftest import T0
from tests.maintenance.requester import messages, path_of, work_and_resolve

S = TicketStatus


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.NOTIFY_CELERY = False
    settings.FEEDBACK_LINK_DAYS = 30
    cache.clear()


@pytest.fixture
def resolved(ticket, tech):
    tech.email = "tech@it.example"
    tech.save()
    return work_and_resolve(ticket, tech, reply="Replaced the power supply.")


def link_of(ticket) -> str:
    """The answer link as the requester received it (the queued "resolved" SMS)."""
    sms = messages(ticket, template="ticket_resolved")[-1]
    return path_of(sms.context["feedback_url"])


def html(response) -> str:
    return response.content.decode()


def test_the_link_shows_the_resolution_and_accepting_closes_with_a_rating(resolved):
    link = link_of(resolved)
    page = english().get(link)
    assert page.status_code == 200
    assert resolved.number in html(page) and "Replaced the power supply." in html(page)
    response = english().post(link, {"answer": "accepted", "rating": "4", "comment": "Quick work, thank you"})
    assert response.status_code == 200 and "the ticket is closed" in html(response)
    resolved.refresh_from_db()
    assert resolved.status == S.CLOSED and resolved.close_reason == CloseReason.ACCEPTED
    row = resolved.feedback.get()
    assert (row.kind, row.rating, row.comment, row.by, row.by_name) == (
        FeedbackKind.ACCEPTED,
        4,
        "Quick work, thank you",
        None,
        "Huda",
    )
    assert row.resolved_at == resolved.resolved_at


def test_an_objection_reopens_counts_and_tells_the_technician(resolved):
    link = link_of(resolved)
    response = english().post(link, {"answer": "objected", "reason": "The PC still shows a black screen"})
    assert response.status_code == 200 and "reopened" in html(response)
    resolved.refresh_from_db()
    assert resolved.status == S.REOPENED and resolved.resolved_at is None
    objection = TicketFeedback.objects.get(ticket=resolved)
    assert objection.kind == FeedbackKind.OBJECTED and objection.reason == "The PC still shows a black screen"
    assert list(selectors.objections_between(timezone.now() - timedelta(days=1), timezone.now())) == [objection]
    told = messages(resolved, template="ticket_objected")
    assert [(m.channel, m.recipient) for m in told] == [("email", "tech@it.example")]
    assert "The PC still shows a black screen" in told[0].body
    # the requester reads their objection on the public timeline
    assert resolved.entries.get(kind=EntryKind.OBJECTION).public


def test_an_objection_needs_a_reason(resolved):
    response = english().post(link_of(resolved), {"answer": "objected", "reason": "  "})
    assert response.status_code == 400 and "An objection needs a reason." in html(response)
    resolved.refresh_from_db()
    assert resolved.status == S.RESOLVED and not resolved.feedback.exists()


def test_a_used_link_is_refused(resolved):
    link = link_of(resolved)
    assert english().post(link, {"answer": "accepted"}).status_code == 200
    again = english().post(link, {"answer": "objected", "reason": "changed my mind"})
    assert again.status_code == 410 and "already been answered" in html(again)
    assert "You accepted the solution." in html(again)
    assert english().get(link).status_code == 410
    resolved.refresh_from_db()
    assert resolved.status == S.CLOSED and resolved.feedback.count() == 1


def test_a_link_is_stale_once_the_ticket_was_reopened_or_resolved_again(resolved, tech, head):
    old_link = link_of(resolved)
    services.ticket_transition(
        ticket=resolved, to=S.REOPENED, by=head, expected_version=resolved.version, reason="Seen again"
    )
    refused = english().get(old_link)
    assert refused.status_code == 410 and "out of date" in html(refused)
    again = work_and_resolve(resolved, tech, at=timezone.now() - timedelta(minutes=20))
    new_link = link_of(again)
    assert new_link != old_link
    assert english().post(old_link, {"answer": "accepted"}).status_code == 410
    assert english().post(new_link, {"answer": "accepted"}).status_code == 200
    again.refresh_from_db()
    assert again.status == S.CLOSED and again.feedback.get().resolved_at == again.resolved_at


def test_a_link_of_a_ticket_staff_closed_meanwhile_is_refused(resolved, head):
    link = link_of(resolved)
    services.ticket_transition(ticket=resolved, to=S.CLOSED, by=head, expected_version=resolved.version)
    assert english().post(link, {"answer": "objected", "reason": "late"}).status_code == 410


def test_a_link_expires(ticket, tech, settings):
    old = work_and_resolve(ticket, tech, at=T0)  # resolved in March
    assert timezone.now() > old.resolved_at + timedelta(days=30)
    refused = english().get(link_of(old))
    assert refused.status_code == 410 and "expired" in html(refused)
    settings.FEEDBACK_LINK_DAYS = 3650
    assert english().get(link_of(old)).status_code == 200


def test_a_tampered_or_foreign_link_is_not_valid(resolved):
    token = public.feedback_token(resolved)
    value, signature = token.rsplit(":", 1)
    other_ticket = value.replace(value.split(".")[0], "zz", 1)
    for bad in (
        f"{other_ticket}:{signature}",
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        signing.Signer(salt="something.else").sign(value),  # signed, but for another purpose
        "nonsense",
    ):
        response = english().get(reverse("maintenance:public_feedback", args=[bad]))
        assert response.status_code == 404 and "not valid" in html(response)
    assert (
        english().post(reverse("maintenance:public_feedback", args=["nonsense"]), {"answer": "accepted"}).status_code
        == 404
    )
    resolved.refresh_from_db()
    assert resolved.status == S.RESOLVED


def test_the_lookup_page_offers_the_answer_while_it_is_open(resolved):
    client = english()
    found = client.post("/track/", {"number": resolved.number, "phone": "0790000001"})
    page = html(client.get(found["Location"]))
    link = public.feedback_path(resolved)
    assert f'href="{link}"' in page and link == link_of(resolved)
    assert client.post(link, {"answer": "accepted", "rating": "5"}).status_code == 200
    page = html(client.get(found["Location"]))
    assert "/track/answer/" not in page and "Solution accepted" in page and "Rating: 5 of 5" in page


def test_the_page_answers_in_arabic_right_to_left_by_default(resolved):
    response = Client().get(link_of(resolved))
    assert '<html lang="ar" dir="rtl">' in html(response)
    assert "Is the problem solved?" not in html(response)


def test_csrf_protects_the_answer(resolved):
    client = Client(enforce_csrf_checks=True)
    assert client.post(link_of(resolved), {"answer": "accepted"}).status_code == 403
    resolved.refresh_from_db()
    assert resolved.status == S.RESOLVED


def test_school_staff_signed_in_answer_from_the_ticket_page_and_the_technician_hears(resolved, staff):
    client = client_for(staff)
    english(client)
    page = html(client.get(resolved.get_absolute_url()))
    assert 'id="feedback-form"' in page
    response = client.post(
        reverse("maintenance:ticket_feedback", args=[resolved.pk]), {"answer": "objected", "reason": "No image"}
    )
    assert response.status_code == 302
    resolved.refresh_from_db()
    assert resolved.status == S.REOPENED and resolved.feedback.get().by == staff
    assert Message.objects.filter(template="ticket_objected", recipient="tech@it.example").count() == 1
    assert english().get(link_of(resolved)).status_code == 410  # the link of that resolution is used up too
