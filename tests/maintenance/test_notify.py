"""Who is told what, when (maintenance.notify): queued in the ticket's transaction, in the
requester's language, once per event, delivered by the outbox after the commit — and a
failing SMS gateway never costs the ticket change."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.roles import Role
from maintenance import notify, services
from maintenance.choices import EntryKind, HoldReason, TicketStatus
from maintenance.models import Ticket
from notifications.choices import Channel, MessageStatus
from notifications.models import Message
from notifications.services import deliver_due
from tests.assets.ui_fixtures import client_for
from tests.factories import english, make_user
from tests.maintenance.requester import messages, path_of, work_and_resolve
from tests.notifications.gateway import serving

S = TicketStatus
ARABIC = "\u0600-\u06ff"


@pytest.fixture(autouse=True)
def _outbox_in_process(settings):
    settings.NOTIFY_CELERY = False
    settings.NOTIFY_SITE_URL = "http://127.0.0.1:8000"
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.ConsoleSmsBackend"


@pytest.fixture
def gateway(settings):
    """A real HTTP SMS gateway on 127.0.0.1 as the SMS backend."""
    with serving(settings) as server:
        yield server


@pytest.fixture
def staff_with_contacts(staff):
    staff.first_name, staff.email = "Huda", "huda@school.example"
    staff.save()
    staff.profile.phone = "0790000002"
    staff.profile.save()
    return staff


@pytest.fixture
def emails(head, tech):
    head.email, tech.email = "head@it.example", "tech@it.example"
    head.save()
    tech.save()


def request_by(staff, *, language: str | None = "en", **fields) -> Ticket:
    values = {"by": staff, "title": "Printer jammed", "description": "Room 4 printer", "category": "device"}
    return services.ticket_request_create(**{**values, **fields}, language=language)


# --------------------------------------------------------------------------- creation


def test_a_school_request_tells_its_requester_by_email_and_sms_in_the_language_it_was_filed_in(
    staff_with_contacts, school, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = request_by(staff_with_contacts, language="en")
    sent = messages(ticket)
    assert [(m.channel, m.recipient, m.template, m.language) for m in sent] == [
        (Channel.EMAIL, "huda@school.example", "ticket_received", "en"),
        (Channel.SMS, "0790000002", "ticket_received", "en"),
    ]
    assert all(m.status == MessageStatus.SENT for m in Message.objects.filter(pk__in=[m.pk for m in sent]))
    # e-mail through Django's (locmem) backend, SMS through the console backend
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["huda@school.example"] and ticket.number in email.subject
    lookup = f"http://127.0.0.1:8000/track/?number={ticket.number}"
    assert lookup in email.body and "Al-Amal Girls School" in email.body
    assert email.extra_headers["Content-Language"] == "en"
    printed = capsys.readouterr().out
    assert "SMS to 0790000002" in printed and ticket.number in printed and lookup in printed
    # the language is kept with the request, for every later notice
    assert ticket.entries.get(kind=EntryKind.CREATED).data["language"] == "en"


def test_the_request_form_records_the_pages_language(staff_with_contacts, school):
    client = client_for(staff_with_contacts)
    english(client)
    response = client.post(
        reverse("maintenance:ticket_request"),
        {"title": "Projector", "description": "No picture", "category": "device", "type": "fault"},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Projector")
    assert {m.language for m in messages(ticket)} == {"en"}
    with translation.override("ar"):  # no language given: the active one (an Arabic page, an API call in Arabic)
        arabic = request_by(staff_with_contacts, language=None, title="Arabic page")
    received = messages(arabic, channel=Channel.EMAIL)[0]
    assert received.language == "ar" and re.search(f"[{ARABIC}]", received.body)


def test_an_api_request_is_answered_in_the_language_the_client_states(staff_with_contacts, school, api_for):
    client = api_for(staff_with_contacts)
    for language in ("en", "ar"):
        title = f"Scanner ({language})"
        payload = {"title": title, "category": "device", "source": "portal", "description": "no scan"}
        response = client.post("/api/tickets/", payload, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 201, response.json()
        assert {m.language for m in messages(Ticket.objects.get(title=title))} == {language}


def test_a_ticket_staff_typed_in_tells_the_requester_in_arabic(ticket):
    sent = messages(ticket)
    assert [(m.channel, m.recipient, m.language) for m in sent] == [(Channel.SMS, "0790000001", "ar")]
    assert ticket.number in sent[0].body and re.search(f"[{ARABIC}]", sent[0].body)


def test_a_requester_without_contacts_and_the_pollers_normal_tickets_tell_nobody(new_ticket):
    quiet = new_ticket(requester_phone="", requester_email="", title="Walk-in")
    assert messages(quiet) == []
    fault = services.AutomaticTicket(
        key="netmon.target:1",
        problem="icmp",
        title="Access switch down",
        description="",
        category="network",
        priority="normal",
    )
    auto, created = services.automatic_ticket_open(fault, at=timezone.now())
    assert created and messages(auto) == []


def test_an_urgent_automatic_ticket_emails_the_it_heads(head, emails, school, directorate):
    other_head = make_user("head2", Role.IT_HEAD)  # every directorate: sees it too
    other_head.email = "head2@it.example"
    other_head.save()
    elsewhere = make_user("head3", Role.IT_HEAD, directorate=_other_directorate())
    elsewhere.email = "head3@it.example"
    elsewhere.save()
    fault = services.AutomaticTicket(
        key="netmon.target:9",
        problem="icmp",
        title="Core switch down",
        description="",
        category="network",
        priority="urgent",
        school_id=school.pk,
    )
    auto, _created = services.automatic_ticket_open(fault, at=timezone.now())
    sent = messages(auto)
    assert sorted((m.channel, m.recipient, m.template) for m in sent) == [
        (Channel.EMAIL, "head2@it.example", "ticket_urgent"),
        (Channel.EMAIL, "head@it.example", "ticket_urgent"),
    ]
    assert f"http://127.0.0.1:8000/tickets/{auto.pk}/" in sent[0].body
    # seen again: the same open ticket, no second mail
    services.automatic_ticket_open(fault, at=timezone.now())
    assert len(messages(auto)) == 2


def _other_directorate():
    from assets.models import Directorate

    return Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد")


# --------------------------------------------------------------------------- work on the ticket


def test_assignment_emails_the_technician_unless_they_took_it_themselves(ticket, head, tech, tech2, emails):
    tech2.email = "tech2@it.example"
    tech2.save()
    services.ticket_assign(ticket=ticket, assignee=tech, by=head, expected_version=ticket.version)
    assigned = messages(ticket, template="ticket_assigned")
    assert [(m.channel, m.recipient, m.language) for m in assigned] == [(Channel.EMAIL, "tech@it.example", "ar")]
    assert ticket.number in assigned[0].subject and f"/tickets/{ticket.pk}/" in assigned[0].body
    ticket.refresh_from_db()
    services.ticket_assign(ticket=ticket, assignee=tech2, by=tech2, expected_version=ticket.version)
    assert len(messages(ticket, template="ticket_assigned")) == 1


def test_status_changes_and_public_replies_reach_the_requester_internal_notes_do_not(ticket, tech):
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    services.ticket_transition(
        ticket=ticket,
        to=S.ON_HOLD,
        by=tech,
        expected_version=ticket.version,
        hold_reason="parts",
        reason="Waiting for a new power supply.",
    )
    services.ticket_comment(ticket=ticket, by=tech, text="INTERNAL: the PSU is in the Zarqa store")
    services.ticket_comment(ticket=ticket, by=tech, text="The part arrives on Sunday.", public=True)
    status = messages(ticket, template="ticket_status")
    assert [m.recipient for m in status] == ["0790000001"] * 3  # assigned, on hold, the reply
    with translation.override("ar"):  # the requester's language (a ticket staff typed in)
        on_hold = TicketStatus.label(S.ON_HOLD)
        expected = [TicketStatus.label(S.ASSIGNED), f"{on_hold} ({HoldReason.label('parts')})", on_hold]
    assert [m.context["status"] for m in status] == expected
    assert status[1].context["public_reply"] == "Waiting for a new power supply."
    assert status[2].context["public_reply"] == "The part arrives on Sunday."
    assert not any("INTERNAL" in m.body for m in Message.objects.all())


def test_the_resolved_notice_carries_a_working_answer_link(ticket, tech, client):
    ticket = work_and_resolve(ticket, tech, reply="Reseated the power cable.")
    resolved = messages(ticket, template="ticket_resolved")
    assert [(m.channel, m.recipient) for m in resolved] == [(Channel.SMS, "0790000001")]
    url = resolved[0].context["feedback_url"]
    assert url.startswith("http://127.0.0.1:8000/track/answer/") and url in resolved[0].body
    assert resolved[0].context["public_reply"] == "Reseated the power cable."
    page = client.get(path_of(url))
    assert page.status_code == 200 and 'id="public-feedback-form"' in page.content.decode()


def test_an_objection_tells_the_technician_why_and_an_acceptance_tells_nobody(ticket, tech, emails, client):
    ticket = work_and_resolve(ticket, tech)
    before = Message.objects.count()
    services.feedback_object(ticket=ticket, reason="The screen is still black", by_name="Huda")
    objected = Message.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert [(m.template, m.channel, m.recipient) for m in objected] == [
        ("ticket_objected", Channel.EMAIL, "tech@it.example")
    ]
    assert "The screen is still black" in objected[0].body
    ticket = work_and_resolve(ticket, tech, at=timezone.now() - timedelta(minutes=50))
    before = Message.objects.count()
    services.feedback_accept(ticket=ticket, rating=5, by_name="Huda")
    assert Message.objects.count() == before


def test_an_objection_on_an_unassigned_ticket_goes_to_the_it_heads(new_ticket, head, emails):
    ticket = new_ticket()
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=head, expected_version=ticket.version)
    ticket.refresh_from_db()
    services.report_save(
        ticket=ticket, by=head, expected_version=ticket.version, diagnosis="d", actions_taken="a", result="fixed"
    )
    ticket.refresh_from_db()
    services.ticket_resolve(ticket=ticket, by=head, expected_version=ticket.version)
    services.feedback_object(ticket=ticket, reason="Not fixed")
    assert [m.recipient for m in messages(ticket, template="ticket_objected")] == ["head@it.example"]


# --------------------------------------------------------------------------- once, and never in the way


def test_the_same_event_queued_again_stores_one_message(staff_with_contacts, tech):
    ticket = request_by(staff_with_contacts)
    assert len(messages(ticket)) == 2
    assert notify.ticket_opened(ticket) == ["email:huda@school.example", "sms:0790000002"]  # found, not queued
    assert len(messages(ticket)) == 2
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    entry = ticket.entries.filter(kind=EntryKind.STATUS).latest("pk")
    count = len(messages(ticket))
    notify.status_changed(ticket, entry=entry, by=tech)  # the transaction's work done again
    assert len(messages(ticket)) == count


def test_a_notice_that_cannot_be_queued_leaves_the_ticket_change_alone(new_ticket, tech, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("template bug")

    monkeypatch.setattr(notify, "enqueue", broken)
    with caplog.at_level(logging.ERROR, logger="maintenance.notify"):
        ticket = new_ticket(title="Still saved")
        services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    assert ticket.status == S.ASSIGNED and not Message.objects.exists()
    assert "was not queued" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failing_sms_gateway_leaves_the_ticket_saved_and_the_sms_is_retried(
    school, lab, asset, head, gateway, mailoutbox
):
    gateway.script(500)  # the first attempt fails, the next one goes through
    ticket = services.ticket_create(
        opened_at=timezone.now(),
        title="Lab switch",
        category="network",
        source="phone",
        school=school,
        requester_name="Huda",
        requester_phone="+962 79 000 0001",
        requester_email="huda@school.example",
        author=head,
    )
    # committed: the e-mail went, the SMS failed — and the ticket is there all the same
    assert Ticket.objects.filter(pk=ticket.pk, number=ticket.number).exists()
    sms = Message.objects.get(channel=Channel.SMS)
    assert sms.status == MessageStatus.FAILED and sms.attempts == 1 and "HTTP 500" in sms.last_error
    assert len(mailoutbox) == 1 and len(gateway.received) == 1
    assert gateway.received[0].fields["to"] == "+962790000001"
    # the sweep after the back-off sends it
    assert deliver_due(now=timezone.now()) == 0  # not due yet
    assert deliver_due(now=timezone.now() + timedelta(minutes=2)) == 1
    sms.refresh_from_db()
    assert sms.status == MessageStatus.SENT and sms.attempts == 2
    assert len(gateway.received) == 2 and ticket.number in gateway.received[1].fields["text"]
