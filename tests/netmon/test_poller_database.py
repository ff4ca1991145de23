"""The database locked or away during a cycle: the poller keeps what it probed, backs off,
writes the transitions when the database returns, never crashes and never opens a ticket twice.

Real faults: another connection holds the database locked (SQLite `BEGIN EXCLUSIVE`,
PostgreSQL `LOCK TABLE … ACCESS EXCLUSIVE`) for longer than the poller's lock timeout, and on
PostgreSQL the poller's backend is killed (`pg_terminate_backend`). Real probes: ping to
loopback answers; the SNMP agent is a closed loopback port, so every target fails SNMP and
must get exactly one DOWN transition and one ticket.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

import pytest
from django.db import connection

from maintenance.models import Ticket
from netmon.cycle import Prober
from netmon.models import Flip, PollerStatus, Target, TargetCheck
from netmon.scheduler import Heartbeat, StandalonePoller, probe_settings
from tests.netmon.faults import DatabaseLock, LockAfterProbing, backend_pid, terminate_other_backends
from tests.netmon.netfixtures import silent_snmp_targets
from tests.netmon.processes import poll_process
from tests.netmon.test_poller_process import assert_consistent, finish

pytestmark = pytest.mark.django_db(transaction=True)

TARGETS = 12


@pytest.fixture
def failing(school, lab):
    return silent_snmp_targets(
        school, lab, prefix="AP", subnet="127.0.9", count=TARGETS, timeout_s=0.3, interval_s=10, fail_threshold=2
    )


@pytest.fixture
def in_process():
    """A poller driven cycle by cycle in this process, on its own loop and prober."""
    poller = StandalonePoller(name="db-fault", db_timeout_s=0.3)
    poller.limit_lock_waits()
    loop = asyncio.new_event_loop()
    prober = Prober(probe_settings())
    loop.run_until_complete(prober.__aenter__())
    heartbeat = Heartbeat(poller.name, mode="standalone")
    yield poller, prober, loop, heartbeat
    loop.run_until_complete(prober.__aexit__(None, None, None))
    loop.close()
    from django.db.backends.signals import connection_created

    connection_created.disconnect(dispatch_uid=poller._dispatch_uid)


def snmp_down_flips():
    return Flip.objects.filter(check_name="snmp", new="down")


def test_transitions_probed_while_the_database_is_locked_are_written_when_it_returns(failing, in_process, caplog):
    poller, prober, loop, heartbeat = in_process
    lock = DatabaseLock()
    try:
        poller.cycle(prober, loop, heartbeat, everything=True)  # failure 1 of 2, written
        assert not snmp_down_flips().exists()
        assert {c.state["failures"] for c in TargetCheck.objects.filter(check_name="snmp")} == {1}

        caplog.set_level(logging.WARNING, logger="netmon.poller")
        # failure 2: the DOWN transitions exist only in memory when the database locks up
        poller.cycle(LockAfterProbing(prober, lock), loop, heartbeat, everything=True)
        assert poller.db_down_since is not None
        assert poller.pending_count == TARGETS
        at = poller.pending[0][0].at
        # still locked: nothing is claimed or probed, nothing kept is lost, no crash
        for _ in range(3):
            claim = poller.cycle(prober, loop, heartbeat, everything=True)
            assert claim.ids == [] and poller.pending_count == TARGETS
        lock.release()
        assert not snmp_down_flips().exists()  # not written yet
        assert PollerStatus.objects.get(name="db-fault").pending_outcomes == 0

        claim = poller.cycle(prober, loop, heartbeat, everything=True)  # the database is back
        assert poller.pending_count == 0 and poller.db_down_since is None
        assert len(claim.ids) == TARGETS  # and polling goes on
    finally:
        lock.release()
    flips = list(snmp_down_flips())
    assert len(flips) == TARGETS and {f.at for f in flips} == {at}  # the change as it was seen, not later
    assert {c.state["failures"] for c in TargetCheck.objects.filter(check_name="snmp")} == {3}  # no poll lost
    assert_consistent(failing)
    messages = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert 1 <= len(messages) <= 3, messages  # once a minute at most, not once per try
    assert any("database available again" in r.getMessage() for r in caplog.records)


def test_a_killed_backend_mid_cycle_loses_nothing(failing, in_process):
    if connection.vendor != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's; SQLite has no server to lose")
    poller, prober, loop, heartbeat = in_process
    poller.cycle(prober, loop, heartbeat, everything=True)

    class KillAfterProbing:
        dropped_packets = 0

        async def run(self, jobs, *, now=None):
            outcomes = await prober.run(jobs, now=now)
            terminate_other_backends(set())  # the poller's own connection: this process's
            return outcomes

    poller.cycle(KillAfterProbing(), loop, heartbeat, everything=True)  # record retries on a new connection
    assert poller.pending_count == 0
    assert snmp_down_flips().count() == TARGETS
    assert_consistent(failing)


def wait_for(predicate, *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def test_a_poller_process_rides_out_a_locked_database(failing):
    """`manage.py poll` as a real process: the database locked for longer than its lock timeout,
    twice (and on PostgreSQL its backends killed): it keeps running and every target ends with
    exactly one DOWN transition and one ticket."""
    process = poll_process("--name=db-locked", "--db-timeout=0.5")
    lock = DatabaseLock()
    try:
        assert wait_for(lambda: TargetCheck.objects.filter(check_name="snmp").count() == TARGETS, seconds=30)
        for hold in (6, 4):
            lock.acquire()
            time.sleep(hold)  # > the 0.5 s lock timeout, many times over
            lock.release()
            if connection.vendor == "postgresql":
                terminate_other_backends({backend_pid()})
            time.sleep(1)
            assert process.poll() is None, process.stderr.read()  # no crash
        assert wait_for(lambda: snmp_down_flips().count() == TARGETS, seconds=60, every=1)
        assert wait_for(lambda: Ticket.objects.count() == TARGETS, seconds=10)
        assert process.poll() is None
    finally:
        lock.release()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    code, err = finish(process)
    assert code == 0, err
    assert_consistent(failing)
    complaints = [line for line in err.splitlines() if "database unavailable" in line]
    assert 1 <= len(complaints) <= 6, err  # logged, at a bounded rate
    assert "database available again" in err
    status = PollerStatus.objects.get(name="db-locked")
    assert status.stopped_at is not None and status.pending_outcomes == 0
    assert set(Target.objects.values_list("status", flat=True)) == {"up"}  # ping still answers


def test_a_one_shot_poll_gives_up_on_an_absent_database_instead_of_hanging(failing):
    poller = StandalonePoller(name="once", db_timeout_s=0.2)
    poller.finite_patience_s = 2.0
    with DatabaseLock():
        poller.run(once=True)
    assert poller.db_down_since is not None and poller.cycles >= 2  # it retried, then gave up
    assert not TargetCheck.objects.exists()  # nothing half-written
