"""The requester's answer (accept, object → reopen, rate), merging duplicates and the likely-duplicate flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from maintenance import selectors, services
from maintenance.choices import CloseReason, EntryKind, FeedbackKind, TicketStatus
from maintenance.models import TicketFeedback
from tests.maintenance.conftest import T0, png

S = TicketStatus


def resolve(ticket, tech, at=T0):
    ticket.refresh_from_db()
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version, at=at)
    ticket.refresh_from_db()
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version, at=at)
    ticket.refresh_from_db()
    services.report_save(
        ticket=ticket,
        by=tech,
        expected_version=ticket.version,
        diagnosis="Loose cable",
        actions_taken="Reseated it",
        result="fixed",
        at=at,
    )
    ticket.refresh_from_db()
    return services.ticket_resolve(ticket=ticket, by=tech, expected_version=ticket.version, at=at + timedelta(hours=1))


def test_an_objection_reopens_and_is_counted_as_a_row(ticket, tech):
    resolve(ticket, tech)
    row = services.feedback_object(
        ticket=ticket, reason="The PC still does not boot", by_name="Huda", at=T0 + timedelta(days=1)
    )
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED and ticket.resolved_at is None
    assert row.kind == FeedbackKind.OBJECTED and row.resolved_at == T0 + timedelta(hours=1)
    objection = ticket.entries.get(kind=EntryKind.OBJECTION)
    assert objection.public and objection.text == "The PC still does not boot"
    # fixed again, objected again: two rows in the quarter
    resolve(ticket, tech, at=T0 + timedelta(days=2))
    services.feedback_object(ticket=ticket, reason="Again", at=T0 + timedelta(days=3))
    quarter = selectors.objections_between(T0 - timedelta(days=1), T0 + timedelta(days=90))
    assert quarter.count() == 2


def test_an_objection_needs_a_reason_and_a_resolved_ticket(ticket, tech):
    with pytest.raises(ValidationError):
        services.feedback_object(ticket=ticket, reason="too early")
    resolve(ticket, tech)
    with pytest.raises(ValidationError) as refused:
        services.feedback_object(ticket=ticket, reason="  ")
    assert "reason" in refused.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == S.RESOLVED and not TicketFeedback.objects.exists()


def test_accepting_closes_with_an_optional_rating_and_only_once(ticket, tech, staff):
    resolve(ticket, tech)
    row = services.feedback_accept(ticket=ticket, by=staff, rating=5, comment="Quick, thanks")
    ticket.refresh_from_db()
    assert ticket.status == S.CLOSED and ticket.close_reason == CloseReason.ACCEPTED
    assert row.rating == 5 and row.by == staff
    with pytest.raises(ValidationError):
        services.feedback_accept(ticket=ticket)
    with pytest.raises(ValidationError):  # the acceptance carried the rating of this resolution
        services.feedback_rate(ticket=ticket, rating=3)


def test_a_rating_is_1_to_5_once_per_resolution(ticket, tech):
    with pytest.raises(ValidationError):
        services.feedback_rate(ticket=ticket, rating=4)  # not resolved yet
    resolve(ticket, tech)
    for bad in (0, 6):
        with pytest.raises(ValidationError):
            services.feedback_rate(ticket=ticket, rating=bad)
    services.feedback_rate(ticket=ticket, rating=2, comment="slow")
    with pytest.raises(ValidationError):
        services.feedback_rate(ticket=ticket, rating=3)
    assert list(selectors.ratings_between(T0, T0 + timedelta(days=400)).values_list("rating", flat=True)) == [2]


def test_a_request_on_an_asset_with_an_open_ticket_is_flagged(new_ticket, ticket, asset, other_asset):
    again = new_ticket(assets=[asset], title="Same PC again", opened_at=T0 + timedelta(hours=2))
    assert again.duplicate_of_suspect == ticket
    assert again.entries.filter(kind=EntryKind.DUPLICATE, data__ticket=ticket.pk).exists()
    other = new_ticket(assets=[], title="Projector", opened_at=T0 + timedelta(hours=3))
    assert other.duplicate_of_suspect is None


def test_merge_closes_the_duplicate_and_the_original_lists_it(new_ticket, ticket, asset, tech, head):
    dup = new_ticket(assets=[asset], title="Same PC again")
    services.attachment_add(ticket=dup, file=png(), by=head)
    action, _ = services.action_log(ticket=dup, by=tech, action_type="diagnosis", outcome="done", started_at=T0)
    merged = services.ticket_merge(
        duplicate=dup,
        into=ticket,
        by=head,
        expected_version=dup.version,
        reason="Same fault",
        at=T0 + timedelta(hours=1),
    )
    assert merged.status == S.CLOSED and merged.close_reason == CloseReason.MERGED and merged.merged_into == ticket
    assert list(ticket.merged_tickets.all()) == [merged]
    assert ticket.entries.filter(kind=EntryKind.MERGED, data__merged=dup.pk).exists()
    assert dup.entries.filter(kind=EntryKind.MERGED, data__into=ticket.pk).exists()
    assert dup.attachments.count() == 1 and action.ticket_id == dup.pk  # stay where they were recorded


def test_merge_refuses_itself_and_a_closed_original(ticket, new_ticket, head, tech):
    with pytest.raises(ValidationError):
        services.ticket_merge(duplicate=ticket, into=ticket, by=head, expected_version=ticket.version)
    other = new_ticket(title="other")
    services.ticket_transition(ticket=other, to=S.CLOSED, by=head, expected_version=other.version, reason="no")
    ticket.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.ticket_merge(duplicate=ticket, into=other, by=head, expected_version=ticket.version)
    assert "into" in refused.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == S.NEW and ticket.merged_into is None


def test_merge_refuses_another_schools_ticket(ticket, new_ticket, other_school, other_lab, head):
    """The requester's public timeline would otherwise point at another school's ticket."""
    elsewhere = new_ticket(title="other school", school=other_school, location=other_lab)
    with pytest.raises(ValidationError) as refused:
        services.ticket_merge(duplicate=ticket, into=elsewhere, by=head, expected_version=ticket.version)
    assert "into" in refused.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == S.NEW and ticket.merged_into is None


def test_school_staff_file_requests_for_their_own_school(staff, school, lab, asset):
    staff.first_name, staff.email = "Huda", "huda@school.example"
    staff.save()
    staff.profile.phone = "0790000002"
    staff.profile.save()
    ticket = services.ticket_request_create(
        by=staff,
        title="Printer jammed",
        description="Room 4 printer",
        category="device",
        location=lab,
        assets=[asset],
        attachments=[png()],
    )
    assert ticket.school == school and ticket.source == "portal" and ticket.created_by == staff
    assert (ticket.requester_name, ticket.requester_phone, ticket.requester_email) == (
        "Huda",
        "0790000002",
        "huda@school.example",
    )
    assert ticket.attachments.get().public
    assert ticket.entries.get(kind=EntryKind.CREATED).public


def test_a_ticket_names_places_in_its_own_school(new_ticket, other_lab, other_asset):
    with pytest.raises(ValidationError) as refused:
        new_ticket(location=other_lab, assets=[other_asset])
    assert {"location", "assets"} <= set(refused.value.message_dict)


def test_a_refused_attachment_refuses_the_whole_request(staff, lab, _media):
    from maintenance.models import Ticket
    from tests.maintenance.conftest import upload

    with pytest.raises(ValidationError) as refused:
        services.ticket_request_create(
            by=staff,
            title="x",
            description="y",
            category="device",
            location=lab,
            attachments=[png(), upload("setup.exe", b"MZ\x90\x00 program")],
        )
    assert "attachments" in refused.value.message_dict
    assert not Ticket.objects.exists() and not [p for p in _media.rglob("*") if p.is_file()]
