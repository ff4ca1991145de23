"""netmon.services: outcomes in; states, flips, outages, samples and tickets out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db.models import F

from assets.models import Holiday
from maintenance.choices import EntryKind, TicketCategory, TicketPriority, TicketStatus
from maintenance.models import Ticket
from netmon import services
from netmon.choices import MonitorStatus, OutageCause, OutageContext, TargetRole
from netmon.models import Flip, MaintenanceWindow, Outage, Sample, SampleRollup, Target, TargetCheck
from tests.netmon.netfixtures import interface, make_target, outcome, snmp, v2c

# Sunday 1 March 2026, 09:00 in Amman (UTC+3): a school day, in school hours.
T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
STEP = timedelta(seconds=60)


def at(n: int) -> datetime:
    return T0 + n * STEP


def run(*outcomes) -> services.RecordStats:
    return services.record_outcomes(list(outcomes))


@pytest.fixture
def switch(school, lab):
    return make_target(school, lab, tag="SW-1", ip="127.0.1.1", role=TargetRole.DISTRIBUTION)


def test_down_after_three_failures_opens_one_ticket_and_an_outage(switch):
    run(outcome(switch, at(0), up=True))
    for n in (1, 2):
        stats = run(outcome(switch, at(n), up=False))
        assert stats.tickets_opened == 0
    switch.refresh_from_db()
    assert switch.status == MonitorStatus.UP and switch.suspect  # failing, not yet down
    stats = run(outcome(switch, at(3), up=False))
    assert stats.tickets_opened == 1 and stats.transitions == 1
    switch.refresh_from_db()
    assert switch.status == MonitorStatus.DOWN and switch.status_since == at(3)
    outage = Outage.objects.get(target=switch, check_name="icmp")
    assert outage.end is None and outage.start == at(1)  # the first failure, not the decision
    assert outage.cause == OutageCause.OWN and outage.context == OutageContext.WORKING_HOURS
    ticket = outage.ticket
    assert ticket.monitor_key == switch.monitor_key and ticket.monitor_problem == "icmp"
    assert ticket.category == TicketCategory.NETWORK and ticket.priority == TicketPriority.HIGH
    assert ticket.school == switch.asset.school and list(ticket.assets.all()) == [switch.asset]
    assert "127.0.1.1" in ticket.description
    # more failures: same ticket, no new transition
    stats = run(outcome(switch, at(4), up=False))
    assert stats.transitions == 0 and Ticket.objects.count() == 1


def test_recovery_closes_the_outage_and_a_quick_one_self_closes_the_ticket(switch):
    run(outcome(switch, at(0), up=True))
    for n in (1, 2, 3):
        run(outcome(switch, at(n), up=False))
    run(outcome(switch, at(4), up=True))
    switch.refresh_from_db()
    assert switch.status == MonitorStatus.DOWN  # one success is not yet a recovery
    stats = run(outcome(switch, at(5), up=True))
    assert stats.recoveries == 1
    outage = Outage.objects.get(target=switch)
    assert outage.end == at(4) and outage.duration_s == 180.0  # first failure → first success
    ticket = outage.ticket
    assert ticket.status == TicketStatus.CLOSED and ticket.close_reason == "self_recovered"
    assert ticket.entries.filter(kind=EntryKind.RECOVERED, data__outage_s=180.0).exists()
    flips = list(Flip.objects.filter(target=switch).order_by("seq").values_list("old", "new", "seq"))
    assert flips == [("unknown", "up", 1), ("up", "down", 2), ("down", "up", 3)]


def test_replaying_a_batch_stores_nothing_twice(switch):
    batch = [outcome(switch, at(n), up=n == 0) for n in range(4)]
    for item in batch:
        run(item)
    before = (Flip.objects.count(), Outage.objects.count(), Ticket.objects.count())
    for item in batch:  # a poller restarted after a crash sends what it had again
        stats = run(item)
        assert stats.transitions == 0
    assert (Flip.objects.count(), Outage.objects.count(), Ticket.objects.count()) == before


def test_a_stale_writer_is_dropped_whole(switch, monkeypatch):
    """Another poller commits this target between our read and our write: ours is dropped."""
    run(outcome(switch, at(0), up=True))
    run(outcome(switch, at(1), up=False))
    run(outcome(switch, at(2), up=False))
    real = services.engine.observe_target

    def meanwhile(*args, **kwargs):
        Target.objects.filter(pk=switch.pk).update(poll_version=F("poll_version") + 1)
        return real(*args, **kwargs)

    monkeypatch.setattr(services.engine, "observe_target", meanwhile)
    stats = run(outcome(switch, at(3), up=False))  # would be the DOWN transition
    assert stats.conflicts == 1 and stats.polled == 0 and stats.transitions == 0
    assert not Outage.objects.exists() and not Ticket.objects.exists()
    assert TargetCheck.objects.get(target=switch, check_name="icmp").status == "up"


def test_parent_down_only_the_parent_raises_a_ticket(school, lab):
    router = make_target(school, lab, tag="GW-1", ip="127.0.1.2", role=TargetRole.UPLINK)
    switch = make_target(school, lab, tag="SW-1", ip="127.0.1.1", parent=router)
    ap = make_target(school, lab, tag="AP-1", ip="127.0.1.3", parent=switch, role=TargetRole.ACCESS_POINT)
    everyone = (router, switch, ap)
    run(*(outcome(t, at(0), up=True) for t in everyone))
    for n in (1, 2, 3, 4):
        run(*(outcome(t, at(n), up=False) for t in everyone))
    statuses = dict(Target.objects.values_list("asset__asset_tag", "status"))
    assert statuses == {"GW-1": "down", "SW-1": "unreachable", "AP-1": "unreachable"}
    tickets = Ticket.objects.all()
    assert [t.monitor_key for t in tickets] == [router.monitor_key]
    assert tickets[0].priority == TicketPriority.HIGH
    child = Outage.objects.get(target=switch)
    assert child.cause == OutageCause.PARENT and child.ticket is None
    # the uplink comes back but the switch stays dead: now the switch gets its own ticket
    run(outcome(router, at(5), up=True), outcome(switch, at(5), up=False), outcome(ap, at(5), up=False))
    run(outcome(router, at(6), up=True), outcome(switch, at(6), up=False), outcome(ap, at(6), up=False))
    run(outcome(router, at(7), up=True), outcome(switch, at(7), up=False), outcome(ap, at(7), up=False))
    statuses = dict(Target.objects.values_list("asset__asset_tag", "status"))
    assert statuses == {"GW-1": "up", "SW-1": "down", "AP-1": "unreachable"}
    assert set(Ticket.objects.values_list("monitor_key", flat=True)) == {router.monitor_key, switch.monitor_key}
    child.refresh_from_db()
    assert child.cause == OutageCause.OWN and child.ticket is not None


def test_outside_school_hours_the_outage_waits_for_the_school_day(school, lab):
    target = make_target(school, lab, tag="AP-9", ip="127.0.1.9", role=TargetRole.ACCESS_POINT, school_hours_only=True)
    friday = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # Friday 23:00 in Amman
    run(outcome(target, friday, up=True))
    for n in (1, 2, 3):
        run(outcome(target, friday + n * STEP, up=False))
    outage = Outage.objects.get(target=target)
    assert outage.context == OutageContext.OUTSIDE_HOURS and outage.ticket is None
    assert not Ticket.objects.exists()
    sunday = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # Sunday 08:00: school is open, still down
    stats = run(outcome(target, sunday, up=False))
    outage.refresh_from_db()
    assert stats.tickets_opened == 1 and outage.ticket is not None
    assert outage.context == OutageContext.OUTSIDE_HOURS  # the report still knows when it began


def test_holiday_and_maintenance_window_hold_tickets(school, lab, directorate):
    held = make_target(school, lab, tag="SW-H", ip="127.0.1.7", school_hours_only=True)
    planned = make_target(school, lab, tag="SW-M", ip="127.0.1.8", school_hours_only=False)
    Holiday.objects.create(name="Eid", start_date=date(2026, 3, 1), end_date=date(2026, 3, 3), directorate=directorate)
    MaintenanceWindow.objects.create(name="Fiber works", start=T0 - STEP, end=T0 + timedelta(hours=2), target=planned)
    for n in range(4):
        run(outcome(held, at(n), up=n == 0), outcome(planned, at(n), up=n == 0))
    contexts = dict(Outage.objects.values_list("target__asset__asset_tag", "context"))
    assert contexts == {"SW-H": OutageContext.HOLIDAY, "SW-M": OutageContext.MAINTENANCE}
    assert not Ticket.objects.exists()


def test_snmp_interface_fault_reboot_and_samples(school, lab):
    credential = v2c()
    target = make_target(
        school,
        lab,
        tag="SW-S",
        ip="127.0.1.1",
        snmp_enabled=True,
        credential=credential,
        interfaces=[1, 2],
        max_errors_per_s=1.0,
    )
    Target.objects.filter(pk=target.pk).update(snmp_interfaces={"1": {"name": "Gi0/1", "speed_bps": 10**9}})
    up = [interface(1, in_octets=1000, out_octets=500), interface(2, in_octets=10, out_octets=10)]
    run(outcome(target, at(0), poll=snmp(target, uptime=100_000, interfaces=up, cpu={1: 12})))
    down = [interface(1, oper=2, in_octets=1000 + 60 * 125_000, out_octets=500), interface(2, present=False)]
    for n in (1, 2, 3):
        run(outcome(target, at(n), poll=snmp(target, uptime=100_000 + n * 6000, interfaces=down)))
    checks = dict(TargetCheck.objects.filter(target=target).values_list("check_name", "status"))
    assert checks["interface:1"] == "down" and checks["interface:2"] == "down"  # oper down; row vanished
    assert checks["icmp"] == "up" and checks["snmp"] == "up" and checks["reboot"] == "up"
    problems = set(Ticket.objects.values_list("monitor_problem", flat=True))
    assert problems == {"interface:1", "interface:2"}
    assert "Gi0/1" in Ticket.objects.get(monitor_problem="interface:1").title
    rates = list(Sample.objects.filter(target=target, metric="in_bps:1").values_list("value", flat=True))
    assert rates and rates[0] == pytest.approx(1_000_000.0)  # 7.5 MB in 60 s = 1 Mbit/s
    assert Sample.objects.filter(target=target, metric="cpu:1", value=12).exists()
    assert Sample.objects.filter(target=target, metric="rtt_ms").count() == 4
    # the agent restarts: sysUpTime goes back → one reboot ticket, then the check is up again
    stats = run(outcome(target, at(4), poll=snmp(target, uptime=500, interfaces=down)))
    assert "reboot" in set(Ticket.objects.values_list("monitor_problem", flat=True))
    assert stats.tickets_opened == 1
    target.refresh_from_db()
    assert target.discovered_at is None  # rediscover after a reboot
    run(outcome(target, at(5), poll=snmp(target, uptime=6500, interfaces=down)))
    assert TargetCheck.objects.get(target=target, check_name="reboot").status == "up"
    assert not Outage.objects.filter(check_name="reboot").exists()  # an event, not an outage


def test_snmp_timeout_while_ping_fails_is_one_ticket(school, lab):
    target = make_target(school, lab, tag="SW-T", ip="127.0.1.1", snmp_enabled=True, credential=v2c())
    run(outcome(target, at(0), poll=snmp(target)))
    for n in (1, 2, 3):
        run(outcome(target, at(n), up=False, poll=snmp(target, ok=False)))
    assert list(Ticket.objects.values_list("monitor_problem", flat=True)) == ["icmp"]
    assert TargetCheck.objects.get(target=target, check_name="snmp").status == "unreachable"


def test_fiber_terminal_ticket_is_a_fiber_ticket(school, lab, circuits):
    ont = make_target(school, lab, tag="ONT-1", ip="127.0.1.6", role=TargetRole.FIBER, circuit=circuits[0])
    for n in range(4):
        run(outcome(ont, at(n), up=n == 0))
    ticket = Ticket.objects.get()
    assert ticket.category == TicketCategory.FIBER and ticket.priority == TicketPriority.HIGH
    assert circuits[0].cid in ticket.description


def test_rollups_and_pruning(switch):
    base = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
    Sample.objects.bulk_create(
        [Sample(target=switch, metric="rtt_ms", at=base + timedelta(minutes=m), value=float(m)) for m in range(60)]
    )
    services.rollup_samples(base + timedelta(hours=1, minutes=1), lookback=timedelta(hours=2))
    five = list(
        SampleRollup.objects.filter(resolution_s=300).order_by("bucket").values_list("count", "avg", "min", "max")
    )
    assert len(five) == 12 and five[0] == (5, 2.0, 0.0, 4.0) and five[-1] == (5, 57.0, 55.0, 59.0)
    hour = SampleRollup.objects.get(resolution_s=3600)
    assert hour.bucket == base and hour.count == 60 and hour.avg == pytest.approx(29.5)
    assert (hour.min, hour.max) == (0.0, 59.0)
    # idempotent
    services.rollup_samples(base + timedelta(hours=1, minutes=1), lookback=timedelta(hours=2))
    assert SampleRollup.objects.count() == 13
    pruned = services.prune_samples(base + timedelta(days=8))
    assert pruned["raw"] == 60 and not Sample.objects.exists()
    assert SampleRollup.objects.count() == 13  # rollups outlive raw samples


def test_jobs_ask_for_error_counters_only_for_an_error_rate_check(school, lab):
    credential = v2c()
    lean = make_target(
        school, lab, tag="SW-L", ip="127.0.1.1", snmp_enabled=True, credential=credential, interfaces=[1]
    )
    errors = make_target(
        school,
        lab,
        tag="SW-E",
        ip="127.0.1.2",
        snmp_enabled=True,
        credential=credential,
        interfaces=[1],
        max_errors_per_mille=5.0,
    )
    jobs = {job.target_id: job for job in services.jobs_for([lean.pk, errors.pk], T0)}
    assert jobs[lean.pk].snmp.errors is False and jobs[errors.pk].snmp.errors is True
    assert jobs[lean.pk].discover  # never discovered yet
    assert jobs[lean.pk].snmp.credentials.community == "public"  # decrypted in memory
