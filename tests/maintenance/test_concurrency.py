"""Optimistic versions: a stale write is a TicketConflict and changes nothing; appends are never lost."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from maintenance import services
from maintenance.choices import EntryKind, TicketStatus
from maintenance.models import CorrectiveAction, Ticket
from tests.maintenance.conftest import T0

S = TicketStatus


def switch_down(asset, **fields) -> services.AutomaticTicket:
    """The poller's fault: the switch `asset` does not answer ICMP."""
    return services.AutomaticTicket(
        key="netmon.target:1",
        problem="icmp",
        title="sw down",
        description="",
        category="network",
        priority="high",
        asset_ids=(asset.pk,),
        **fields,
    )


def recover_after_five_minutes() -> Ticket | None:
    return services.automatic_ticket_recover(
        key="netmon.target:1",
        problem="icmp",
        at=T0 + timedelta(minutes=5),
        outage=timedelta(minutes=5),
        self_close_within=timedelta(minutes=15),
    )


def test_the_second_of_two_editors_gets_a_conflict_and_nothing_is_overwritten(ticket, tech, head):
    seen = ticket.version  # both opened the form at this version
    services.ticket_update(ticket=ticket, by=head, expected_version=seen, priority="urgent")
    with pytest.raises(services.TicketConflict) as conflict:
        services.ticket_update(ticket=ticket, by=tech, expected_version=seen, priority="low", title="changed")
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and ticket.title == "PC does not boot"
    assert conflict.value.current_version == ticket.version == seen + 1
    assert ticket.number in conflict.value.message


@pytest.mark.parametrize(
    "write",
    [
        lambda t, u, v: services.ticket_transition(ticket=t, to=S.IN_PROGRESS, by=u, expected_version=v),
        lambda t, u, v: services.ticket_assign(ticket=t, assignee=u, by=u, expected_version=v),
        lambda t, u, v: services.report_save(
            ticket=t, by=u, expected_version=v, diagnosis="d", actions_taken="a", result="fixed"
        ),
        lambda t, u, v: services.ticket_update(ticket=t, by=u, expected_version=v, title="x"),
    ],
    ids=["transition", "assign", "report", "update"],
)
def test_every_ticket_write_checks_the_version(ticket, tech, write):
    stale = ticket.version
    services.ticket_update(ticket=ticket, by=tech, expected_version=stale, description="more detail")
    with pytest.raises(services.TicketConflict):
        write(ticket, tech, stale)
    ticket.refresh_from_db()
    assert ticket.status == S.NEW and ticket.version == stale + 1


def test_appends_need_no_version_and_survive_a_concurrent_edit(ticket, tech, head):
    seen = ticket.version
    services.ticket_comment(ticket=ticket, by=tech, text="internal note")
    services.action_log(ticket=ticket, by=tech, action_type="diagnosis", outcome="done", started_at=T0)
    services.ticket_update(ticket=ticket, by=head, expected_version=seen, priority="high")  # still current
    assert ticket.entries.filter(kind=EntryKind.COMMENT).count() == 1 and CorrectiveAction.objects.count() == 1


def test_the_poller_reopening_a_ticket_makes_a_technicians_form_stale(asset, tech):
    fault = switch_down(asset, school_id=asset.school_id)
    ticket, _ = services.automatic_ticket_open(fault, at=T0)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.RESOLVED, resolved_at=T0)
    ticket.refresh_from_db()
    seen = ticket.version
    services.automatic_ticket_open(fault, at=T0 + timedelta(hours=1))  # the fault is back
    ticket.refresh_from_db()
    assert ticket.status == S.REOPENED and ticket.version == seen + 1
    entry = ticket.entries.get(kind=EntryKind.STATUS)
    assert entry.data == {"from": S.RESOLVED, "to": S.REOPENED, "why": "fault_repeated"} and entry.author is None
    with pytest.raises(services.TicketConflict):
        services.ticket_transition(ticket=ticket, to=S.CLOSED, by=tech, expected_version=seen)


def test_an_automatic_ticket_follows_the_same_machine(asset, tech):
    fault = switch_down(asset)
    ticket, _ = services.automatic_ticket_open(fault, at=T0)
    Ticket.objects.filter(pk=ticket.pk).update(status=S.IN_PROGRESS)
    ticket.refresh_from_db()
    with translation.override("en"), pytest.raises(ValidationError, match="technical report"):
        services.ticket_resolve(ticket=ticket, by=tech, expected_version=ticket.version)
    recovered = recover_after_five_minutes()
    recovered.refresh_from_db()
    assert recovered.status == S.IN_PROGRESS  # touched (in progress): no self-close


def test_self_close_goes_through_the_machine(asset):
    fault = switch_down(asset)
    ticket, _ = services.automatic_ticket_open(fault, at=T0)
    recover_after_five_minutes()
    ticket.refresh_from_db()
    entry = ticket.entries.get(kind=EntryKind.STATUS)
    assert entry.data["to"] == S.CLOSED and entry.data["close_reason"] == "self_recovered" and entry.public
    assert ticket.version == 2 and ticket.first_response_at is None  # the system is not a response


@pytest.mark.django_db(transaction=True)
def test_two_threads_with_the_same_version_one_wins(school, head, tech):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite test database is not shared between threads")
    ticket = services.ticket_create(opened_at=T0, title="race", category="device", source="phone", school=school)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(user, priority):
        try:
            barrier.wait(timeout=10)
            services.ticket_update(ticket=ticket.pk, by=user, expected_version=1, priority=priority)
            outcomes.append("saved")
        except services.TicketConflict:
            outcomes.append("conflict")
        except Exception as exc:  # SQLite may report its write lock as "database is locked"
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(u, p)) for u, p in ((head, "urgent"), (tech, "low"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("saved") == 1, outcomes
    assert Ticket.objects.get(pk=ticket.pk).version == 2
