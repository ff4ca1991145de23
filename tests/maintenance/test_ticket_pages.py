"""The ticket work pages: create (with files), the school request, status buttons, conflicts (409),
notes, actions with parts, corrections, the report, feedback, merge, and files served through the scope."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from maintenance import services
from maintenance.choices import EntryKind, TicketStatus
from maintenance.models import CorrectiveAction, SparePart, Ticket, TicketCounter
from tests.assets.ui_fixtures import client_for, select_options, text
from tests.factories import english, make_user
from tests.maintenance.conftest import T0, docx_bytes, png, png_bytes, upload

S = TicketStatus


def en(user):
    client = client_for(user)
    english(client)
    return client


def detail(ticket) -> str:
    return ticket.get_absolute_url()


def test_staff_create_a_ticket_with_photos_and_files(head, school, lab, asset):
    client = en(head)
    r = client.post(
        reverse("maintenance:ticket_add"),
        {
            "title": "Switch in lab 1 is dead",
            "category": "network",
            "type": "fault",
            "source": "phone",
            "priority": "high",
            "school": school.pk,
            "location": lab.pk,
            "assets": [asset.pk],
            "requester_name": "Huda",
            "requester_phone": "0790000001",
            "description": "No lights",
            "attachments": [png("switch.png"), upload("memo.docx", docx_bytes())],
        },
    )
    ticket = Ticket.objects.get()
    assert r.status_code == 302 and r["Location"] == detail(ticket)
    assert ticket.created_by == head and list(ticket.assets.all()) == [asset]
    kinds = sorted(ticket.attachments.values_list("content_type", flat=True))
    assert kinds == ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "image/png"]
    year = timezone.localdate().year
    assert all(a.file.name.startswith(f"tickets/{year}/") for a in ticket.attachments.all())


def test_a_refused_file_refuses_the_whole_ticket_and_gives_its_number_back(head, school, _media):
    client = en(head)
    r = client.post(
        reverse("maintenance:ticket_add"),
        {
            "title": "x",
            "category": "device",
            "type": "fault",
            "source": "phone",
            "priority": "normal",
            "school": school.pk,
            "attachments": [png("fine.png"), upload("run.pdf", b"MZ\x90\x00 this is an exe")],
        },
    )
    assert r.status_code == 400 and "not an accepted type" in text(r)
    assert not Ticket.objects.exists()
    assert TicketCounter.objects.filter(last__gt=0).count() == 0
    assert not [p for p in _media.rglob("*") if p.is_file()]  # not even the good file was stored


def test_school_staff_are_sent_to_their_request_form_and_their_school_is_implied(staff, school, lab, other_lab):
    client = en(staff)
    assert client.get(reverse("maintenance:ticket_add"))["Location"] == reverse("maintenance:ticket_request")
    page = text(client.get(reverse("maintenance:ticket_request")))
    options = select_options(page, "location")
    assert str(lab) in options and str(other_lab) not in options
    r = client.post(
        reverse("maintenance:ticket_request"),
        {
            "title": "Projector",
            "category": "device",
            "type": "fault",
            "location": other_lab.pk,
            "description": "no image",
        },
    )
    assert r.status_code == 400 and not Ticket.objects.exists()  # another school's location is not a choice
    r = client.post(
        reverse("maintenance:ticket_request"),
        {
            "title": "Projector",
            "category": "device",
            "type": "fault",
            "location": lab.pk,
            "description": "no image",
            "requester_phone": "0791",
        },
    )
    ticket = Ticket.objects.get()
    assert r.status_code == 302 and ticket.school == school and ticket.source == "portal"
    assert ticket.number in text(client.get(r["Location"]))


def test_only_the_allowed_status_buttons_are_shown(ticket, tech):
    client = en(tech)
    html = text(client.get(detail(ticket)))
    buttons = set(re.findall(r'name="to" value="(\w+)"', html))
    assert buttons == {S.IN_PROGRESS, S.ON_HOLD, S.CLOSED}
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    html = text(client.get(detail(ticket)))
    assert set(re.findall(r'name="to" value="(\w+)"', html)) == {S.ON_HOLD, S.RESOLVED, S.CLOSED}


def test_a_refused_move_says_why_and_changes_nothing(ticket, tech):
    client = en(tech)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    r = client.post(reverse("maintenance:ticket_transition", args=[ticket.pk]), {"version": 1, "to": S.RESOLVED})
    assert r.status_code == 400 and "Write the technical report before resolving the ticket." in text(r)
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS and ticket.version == 1


def test_two_people_one_ticket_the_second_gets_a_clear_conflict(ticket, tech, head):
    first, second = en(head), en(tech)
    url = reverse("maintenance:ticket_transition", args=[ticket.pk])
    assert first.post(url, {"version": 1, "to": S.ON_HOLD, "hold_reason": "parts"}).status_code == 302
    r = second.post(url, {"version": 1, "to": S.CLOSED, "reason": "duplicate call"})
    html = text(r)
    assert r.status_code == 409 and "Someone else changed this ticket" in html and "Nothing was saved" in html
    conflict = html[html.index('id="ticket-conflict"') :]
    assert "On hold" in conflict[:800]  # the ticket as it is now
    assert 'name="version" value="2"' in html  # sending again is a deliberate second step
    ticket.refresh_from_db()
    assert ticket.status == S.ON_HOLD and ticket.version == 2


def test_the_edit_form_refuses_a_stale_version(ticket, tech, head, school):
    edit = reverse("maintenance:ticket_edit", args=[ticket.pk])
    form = {
        "title": "PC does not boot",
        "category": "device",
        "type": "fault",
        "priority": "urgent",
        "school": school.pk,
        "requester_name": "Huda",
        "description": "",
        "version": 1,
    }
    assert en(head).post(edit, form).status_code == 302
    r = en(tech).post(edit, {**form, "priority": "low", "title": "mine"})
    assert r.status_code == 409 and "Someone else changed this ticket" in text(r)
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and ticket.title == "PC does not boot"


def test_internal_notes_are_marked_and_school_staff_see_public_entries_only(ticket, tech, staff):
    url = reverse("maintenance:ticket_comment", args=[ticket.pk])
    en(tech).post(url, {"text": "Suspect the PSU, internal"})
    en(tech).post(url, {"text": "We visit on Sunday", "public": "on"})
    html = text(en(tech).get(detail(ticket)))
    timeline = html[html.index('id="ticket-timeline"') :]
    internal = timeline[timeline.index("Suspect the PSU") - 900 : timeline.index("Suspect the PSU")]
    assert "ticket-entry-internal" in internal and ">internal<" in internal
    staff_html = text(en(staff).get(detail(ticket)))
    assert "We visit on Sunday" in staff_html and "Suspect the PSU" not in staff_html
    assert en(staff).post(url, {"text": "hello"}).status_code == 403


def test_an_action_with_parts_from_the_page_and_a_shortage_refused(ticket, tech, parts, asset):
    url = reverse("maintenance:ticket_action", args=[ticket.pk])
    base = {
        "action_type": "part_replacement",
        "outcome": "done",
        "asset": asset.pk,
        "started_at": "2026-03-01T10:00",
        "ended_at": "2026-03-01T10:30",
        "notes": "RAM swapped",
        "parts-TOTAL_FORMS": 3,
        "parts-INITIAL_FORMS": 0,
        "parts-0-part": parts["ram"].pk,
        "parts-0-quantity": 2,
    }
    r = en(tech).post(url, {**base, "parts-1-part": parts["psu"].pk, "parts-1-quantity": 3})
    assert r.status_code == 400 and "Not enough PSU-1" in text(r)
    assert not CorrectiveAction.objects.exists() and SparePart.objects.get(code="RAM-8").quantity_on_hand == 5
    r = en(tech).post(url, {**base, "idempotency_key": "form-1"})
    assert r.status_code == 302 and SparePart.objects.get(code="RAM-8").quantity_on_hand == 3
    assert en(tech).post(url, {**base, "idempotency_key": "form-1"}).status_code == 302  # a double submit
    assert CorrectiveAction.objects.count() == 1
    html = text(en(tech).get(detail(ticket)))
    assert "RAM swapped" in html and "RAM-8" in html
    assert re.search(r'name="idempotency_key" value="form:[0-9a-f]{32}"', html)  # each form shown has its key


def test_correcting_an_action_from_its_page(ticket, tech, parts):
    action, _ = services.action_log(
        ticket=ticket, by=tech, action_type="repair", outcome="done", started_at=T0, parts=[(parts["ram"], 1)]
    )
    url = reverse("maintenance:action_correct", args=[action.pk])
    page = text(en(tech).get(url))
    assert "RAM-8" in page and "What does this correction fix?" in page
    r = en(tech).post(
        url,
        {
            "action_type": "part_replacement",
            "outcome": "done",
            "started_at": "2026-03-01T08:00",
            "notes": "",
            "correction_reason": "It was a replacement",
            "parts-TOTAL_FORMS": 3,
            "parts-INITIAL_FORMS": 0,
            "parts-0-part": parts["ram"].pk,
            "parts-0-quantity": 2,
        },
    )
    assert r.status_code == 302
    correction = CorrectiveAction.objects.get(corrects=action)
    assert correction.action_type == "part_replacement" and SparePart.objects.get(code="RAM-8").quantity_on_hand == 3
    html = text(en(tech).get(detail(ticket)))
    assert "1 earlier version" in html


def test_report_then_resolve_then_the_school_objects(ticket, tech, staff):
    client = en(tech)
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=1)
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=2)
    r = client.post(
        reverse("maintenance:ticket_report", args=[ticket.pk]),
        {
            "version": 3,
            "diagnosis": "Dead PSU",
            "actions_taken": "Replaced the PSU",
            "result": "replaced",
            "recommendation": "none",
        },
    )
    assert r.status_code == 302
    r = client.post(reverse("maintenance:ticket_transition", args=[ticket.pk]), {"version": 4, "to": S.RESOLVED})
    assert r.status_code == 302
    page = text(en(staff).get(detail(ticket)))
    assert 'id="feedback-form"' in page and "Dead PSU" in page
    r = en(staff).post(
        reverse("maintenance:ticket_feedback", args=[ticket.pk]), {"answer": "objected", "reason": "Still no image"}
    )
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED and ticket.feedback.get().by == staff


def test_merging_a_flagged_duplicate_from_the_page(new_ticket, ticket, asset, head):
    dup = new_ticket(assets=[asset], title="Same PC", opened_at=T0 + timedelta(hours=1))
    page = text(en(head).get(detail(dup)))
    assert "likely a duplicate of ticket" in page and f'value="{ticket.number}"' in page
    r = en(head).post(reverse("maintenance:ticket_merge", args=[dup.pk]), {"version": 1, "into": ticket.number})
    assert r.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into == ticket and dup.status == S.CLOSED
    assert dup.number in text(en(head).get(detail(ticket)))


def test_files_are_served_only_through_the_ticket_scope(ticket, head, tech, staff, other_school, client):
    internal = services.attachment_add(ticket=ticket, file=png("inside.png"), by=tech)
    public = services.attachment_add(ticket=ticket, file=png("shared.png"), by=tech, public=True)
    r = en(tech).get(reverse("maintenance:attachment_download", args=[internal.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == png_bytes()
    assert en(staff).get(reverse("maintenance:attachment_download", args=[public.pk])).status_code == 200
    assert en(staff).get(reverse("maintenance:attachment_download", args=[internal.pk])).status_code == 404
    stranger = make_user("stranger", Role.SCHOOL_STAFF, school=other_school)
    assert en(stranger).get(reverse("maintenance:attachment_download", args=[public.pk])).status_code == 404
    anonymous = client.get(reverse("maintenance:attachment_download", args=[public.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    # and no public URL reaches the file
    assert client.get("/media/" + public.file.name).status_code == 404


def test_a_too_big_file_is_refused(ticket, tech, settings):
    settings.MAX_UPLOAD_MB = 1
    big = upload("huge.png", png_bytes() + b"\0" * (1024 * 1024))
    r = en(tech).post(reverse("maintenance:ticket_attach", args=[ticket.pk]), {"files": [big]})
    assert r.status_code == 400 and "the limit is 1 MB" in text(r)
    assert not ticket.attachments.exists()
    assert not ticket.entries.filter(kind=EntryKind.ATTACHMENT).exists()
