"""maintenance.services: numbering and the one open automatic ticket per monitored problem."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from maintenance import services
from maintenance.choices import EntryKind, TicketSource, TicketStatus
from maintenance.models import Ticket
from tests.factories import make_user

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def fault(asset, problem="icmp", key="netmon.target:1") -> services.AutomaticTicket:
    return services.AutomaticTicket(
        key=key,
        problem=problem,
        title="sw-1: Ping not answering",
        description="…",
        category="network",
        priority="high",
        school_id=asset.school_id,
        location_id=asset.location_id,
        asset_ids=(asset.pk,),
    )


def test_numbers_are_gap_free_per_year(asset):
    first, _ = services.automatic_ticket_open(fault(asset, "icmp"), at=T0)
    second, _ = services.automatic_ticket_open(fault(asset, "snmp"), at=T0)
    with pytest.raises(RuntimeError), transaction.atomic():  # a rolled-back ticket gives its number back
        services.ticket_create(opened_at=T0, title="x", category="network", source="phone")
        raise RuntimeError
    third = services.ticket_create(opened_at=T0, title="y", category="network", source="phone")
    next_year = services.ticket_create(
        opened_at=datetime(2027, 1, 1, 6, tzinfo=UTC), title="z", category="network", source="phone"
    )
    assert [first.number, second.number, third.number] == ["2026-000001", "2026-000002", "2026-000003"]
    assert next_year.number == "2027-000001"


def test_ticket_year_follows_local_time(asset):
    # 22:30 UTC on 31 December is already 1 January in Amman (UTC+3)
    ticket = services.ticket_create(
        opened_at=datetime(2026, 12, 31, 22, 30, tzinfo=UTC), title="x", category="network", source="phone"
    )
    assert ticket.number == "2027-000001"


def test_open_then_reuse(asset):
    ticket, created = services.automatic_ticket_open(fault(asset), at=T0, data={"check": "icmp"})
    again, created_again = services.automatic_ticket_open(fault(asset), at=T0 + timedelta(minutes=5))
    assert created and not created_again and again.pk == ticket.pk
    assert ticket.source == TicketSource.MONITORING and ticket.status == TicketStatus.NEW
    assert list(ticket.assets.all()) == [asset]
    kinds = list(ticket.entries.values_list("kind", flat=True))
    assert kinds == [EntryKind.CREATED, EntryKind.FAULT_REPEATED]
    assert ticket.entries.first().data == {"check": "icmp"}


def test_database_refuses_a_second_open_automatic_ticket(asset):
    services.automatic_ticket_open(fault(asset), at=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ticket.objects.create(
            number="2026-999999",
            year=2026,
            seq=999999,
            title="dup",
            category="network",
            source=TicketSource.MONITORING,
            opened_at=T0,
            monitor_key="netmon.target:1",
            monitor_problem="icmp",
        )


def test_quick_untouched_recovery_self_closes(asset):
    ticket, _ = services.automatic_ticket_open(fault(asset), at=T0)
    recovered = services.automatic_ticket_recover(
        key="netmon.target:1",
        problem="icmp",
        at=T0 + timedelta(minutes=4),
        outage=timedelta(minutes=5),
        self_close_within=timedelta(minutes=15),
    )
    ticket.refresh_from_db()
    assert recovered.pk == ticket.pk
    assert ticket.status == TicketStatus.CLOSED and ticket.close_reason == services.SELF_RECOVERED
    assert ticket.entries.filter(kind=EntryKind.RECOVERED, data__outage_s=300.0).exists()
    # a repeat failure after the close opens a new ticket
    new, created = services.automatic_ticket_open(fault(asset), at=T0 + timedelta(hours=1))
    assert created and new.pk != ticket.pk


def test_long_or_touched_outage_stays_open_with_a_recovery_entry(asset):
    tech = make_user("tech1", "technician")
    long_one, _ = services.automatic_ticket_open(fault(asset, "icmp"), at=T0)
    services.automatic_ticket_recover(
        key="netmon.target:1",
        problem="icmp",
        at=T0 + timedelta(hours=2),
        outage=timedelta(hours=2),
        self_close_within=timedelta(minutes=15),
    )
    touched, _ = services.automatic_ticket_open(fault(asset, "snmp"), at=T0)
    services.ticket_entry_add(touched, kind=EntryKind.COMMENT, at=T0, text="on my way", author=tech)
    services.automatic_ticket_recover(
        key="netmon.target:1",
        problem="snmp",
        at=T0 + timedelta(minutes=3),
        outage=timedelta(minutes=3),
        self_close_within=timedelta(minutes=15),
    )
    for ticket in (long_one, touched):
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.NEW
        assert ticket.entries.filter(kind=EntryKind.RECOVERED).count() == 1


def test_recover_without_open_ticket_is_none(db):
    assert (
        services.automatic_ticket_recover(
            key="netmon.target:9", problem="icmp", at=T0, outage=None, self_close_within=None
        )
        is None
    )


def test_repeat_fault_reopens_a_resolved_ticket(asset):
    ticket, _ = services.automatic_ticket_open(fault(asset), at=T0)
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.RESOLVED, resolved_at=T0)
    again, created = services.automatic_ticket_open(fault(asset), at=T0 + timedelta(days=1))
    again.refresh_from_db()
    assert not created and again.pk == ticket.pk
    assert again.status == TicketStatus.REOPENED and again.resolved_at is None


@pytest.mark.django_db(transaction=True)
def test_two_threads_racing_open_one_ticket(directorate, school, lab, desktop_model):
    from assets.models import Asset

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite test database is not shared between threads")
    asset = Asset.objects.create(asset_tag="RACE-1", asset_model=desktop_model, school=school, location=lab)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(services.automatic_ticket_open(fault(asset), at=T0)[0].pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(set(results)) == 1
    assert Ticket.objects.filter(monitor_key="netmon.target:1").count() == 1
