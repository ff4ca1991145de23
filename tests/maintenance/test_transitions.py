"""The status machine: every (from, to) pair of statuses, allowed or refused, and what a move records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from maintenance import selectors, services
from maintenance.choices import CloseReason, EntryKind, HoldReason, TicketStatus
from maintenance.models import TechnicalReport, Ticket
from tests.maintenance.conftest import T0

S = TicketStatus
ALLOWED = {
    (S.NEW, S.ASSIGNED),
    (S.NEW, S.IN_PROGRESS),
    (S.NEW, S.ON_HOLD),
    (S.NEW, S.CLOSED),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.ON_HOLD),
    (S.ASSIGNED, S.CLOSED),
    (S.IN_PROGRESS, S.ON_HOLD),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.CLOSED),
    (S.ON_HOLD, S.IN_PROGRESS),
    (S.ON_HOLD, S.CLOSED),
    (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.REOPENED),
    (S.REOPENED, S.ASSIGNED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.ON_HOLD),
    (S.REOPENED, S.CLOSED),
}
PAIRS = [(a, b) for a in S.values() for b in S.values() if a != b]


def put_in(ticket: Ticket, status: str, tech) -> Ticket:
    """Set up a ticket in `status` with everything any move out of it may need (assignee, report)."""
    extra = {}
    if status == S.ON_HOLD:
        extra = {"on_hold_since": T0, "hold_reason": HoldReason.PARTS}
    if status in (S.RESOLVED, S.CLOSED):
        extra["resolved_at"] = T0
    if status == S.CLOSED:
        extra.update(closed_at=T0, close_reason=CloseReason.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(status=status, assigned_to=tech, **extra)
    TechnicalReport.objects.create(
        ticket=ticket,
        diagnosis="PSU dead",
        actions_taken="Replaced PSU",
        result="fixed",
        technician=tech,
        reported_at=T0,
    )
    ticket.refresh_from_db()
    return ticket


def test_the_matrix_covers_every_pair():
    assert set(services.TRANSITIONS) == set(S.values())
    assert {(a, b) for a, targets in services.TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_is_allowed_or_refused(ticket, tech, old, new):
    ticket = put_in(ticket, old, tech)
    version = ticket.version
    kwargs = dict(
        ticket=ticket,
        to=new,
        by=tech,
        expected_version=version,
        reason="because",
        at=T0 + timedelta(hours=1),
        hold_reason=HoldReason.VENDOR,
    )
    if (old, new) in ALLOWED:
        moved = services.ticket_transition(**kwargs)
        moved.refresh_from_db()
        assert moved.status == new and moved.version == version + 1
        entry = moved.entries.order_by("-pk").first()
        assert entry.data["from"] == old and entry.data["to"] == new and entry.public and entry.author == tech
    else:
        with pytest.raises(ValidationError) as refused:
            services.ticket_transition(**kwargs)
        message = " ".join(refused.value.messages)
        assert S.label(old) in message and S.label(new) in message
        ticket.refresh_from_db()
        assert ticket.status == old and ticket.version == version


def test_resolving_needs_the_technical_report(ticket, tech):
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    with translation.override("en"), pytest.raises(ValidationError, match="technical report"):
        services.ticket_resolve(ticket=ticket, by=tech, expected_version=ticket.version)
    services.report_save(
        ticket=ticket,
        by=tech,
        expected_version=ticket.version,
        diagnosis="Dead PSU",
        actions_taken="Replaced it",
        result="replaced",
    )
    ticket.refresh_from_db()
    resolved = services.ticket_resolve(ticket=ticket, by=tech, expected_version=ticket.version, at=T0)
    assert resolved.status == S.RESOLVED and resolved.resolved_at == T0


@pytest.mark.parametrize(
    ("old", "new", "missing", "kwargs"),
    [
        (S.IN_PROGRESS, S.ON_HOLD, "hold_reason", {}),
        (S.RESOLVED, S.REOPENED, "reason", {}),
        (S.IN_PROGRESS, S.CLOSED, "reason", {}),
        (S.NEW, S.ASSIGNED, "assigned_to", {}),
    ],
)
def test_moves_that_need_a_reason_or_an_assignee_say_which(ticket, tech, old, new, missing, kwargs):
    Ticket.objects.filter(pk=ticket.pk).update(status=old, resolved_at=T0 if old == S.RESOLVED else None)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.ticket_transition(ticket=ticket, to=new, by=tech, expected_version=ticket.version, **kwargs)
    assert missing in refused.value.message_dict


def test_closing_a_resolved_ticket_needs_no_reason_and_cancelling_does(ticket, tech):
    put_in(ticket, S.RESOLVED, tech)
    closed = services.ticket_transition(ticket=ticket, to=S.CLOSED, by=tech, expected_version=ticket.version, at=T0)
    assert closed.close_reason == CloseReason.RESOLVED and closed.closed_at == T0
    other = services.ticket_create(opened_at=T0, title="x", category="network", source="phone")
    cancelled = services.ticket_transition(
        ticket=other, to=S.CLOSED, by=tech, expected_version=other.version, reason="Filed twice by phone"
    )
    assert cancelled.close_reason == CloseReason.CANCELLED
    assert cancelled.entries.get(kind=EntryKind.STATUS).text == "Filed twice by phone"


def test_first_response_is_the_first_move_out_of_waiting_by_staff(ticket, tech):
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version, at=T0)
    ticket.refresh_from_db()
    assert ticket.status == S.ASSIGNED and ticket.first_response_at is None  # assigning is not answering
    services.ticket_transition(
        ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version, at=T0 + timedelta(hours=2)
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(hours=2)


def test_a_public_reply_is_a_first_response_and_an_internal_note_is_not(ticket, tech):
    services.ticket_comment(ticket=ticket, by=tech, text="checking logs", at=T0)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    services.ticket_comment(ticket=ticket, by=tech, text="We will visit tomorrow.", public=True, at=T0 + timedelta(1))
    ticket.refresh_from_db()
    assert ticket.first_response_at == T0 + timedelta(1)
    assert [e.public for e in ticket.entries.filter(kind=EntryKind.COMMENT)] == [False, True]


def test_hold_sets_and_clears_its_time_and_the_periods_are_on_the_timeline(ticket, tech):
    put_in(ticket, S.IN_PROGRESS, tech)
    services.ticket_transition(
        ticket=ticket, to=S.ON_HOLD, by=tech, expected_version=ticket.version, hold_reason=HoldReason.PARTS, at=T0
    )
    ticket.refresh_from_db()
    assert ticket.on_hold_since == T0 and ticket.hold_reason == HoldReason.PARTS
    services.ticket_transition(
        ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version, at=T0 + timedelta(hours=5)
    )
    ticket.refresh_from_db()
    assert ticket.on_hold_since is None and ticket.hold_reason == ""
    services.ticket_transition(
        ticket=ticket,
        to=S.ON_HOLD,
        by=tech,
        expected_version=ticket.version,
        hold_reason=HoldReason.SCHOOL,
        at=T0 + timedelta(days=1),
    )
    assert selectors.ticket_hold_periods(ticket) == [(T0, T0 + timedelta(hours=5)), (T0 + timedelta(days=1), None)]
    kinds = list(ticket.entries.filter(kind__in=[EntryKind.HOLD, EntryKind.RESUMED]).values_list("kind", flat=True))
    assert kinds == [EntryKind.HOLD, EntryKind.RESUMED, EntryKind.HOLD]


def test_assigning_someone_who_is_not_a_technician_is_refused(ticket, staff, tech):
    with pytest.raises(ValidationError) as refused:
        services.ticket_assign(ticket=ticket, assignee=staff, by=tech, expected_version=ticket.version)
    assert "assigned_to" in refused.value.message_dict


def test_reassigning_keeps_the_status(ticket, tech, tech2):
    services.ticket_assign(ticket=ticket, assignee=tech, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    services.ticket_assign(ticket=ticket, assignee=tech2, by=tech, expected_version=ticket.version)
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS and ticket.assigned_to == tech2
