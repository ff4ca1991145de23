"""The poller as a real process: SIGTERM, SIGKILL mid-cycle and two pollers at once.

The targets answer ping (loopback) but their SNMP agent is a closed loopback port, so
every poll fails SNMP and, after `fail_threshold` polls, each target has exactly one
problem that must raise exactly one ticket — however the pollers are killed or doubled.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

from maintenance.models import Ticket
from netmon.models import Flip, Outage, PollerStatus, Target, TargetCheck
from tests.agents import AgentUnavailable, free_udp_port, snmpd_agent
from tests.netmon.netfixtures import silent_snmp_targets
from tests.netmon.processes import poll_process

pytestmark = pytest.mark.django_db(transaction=True)

TARGETS = 40


@pytest.fixture
def failing(school, lab):
    return silent_snmp_targets(
        school, lab, prefix="UPS", subnet="127.0.7", count=TARGETS, timeout_s=0.5, fail_threshold=3
    )


def finish(process, timeout=60) -> tuple[int, str]:
    try:
        _out, err = process.communicate(timeout=timeout)
    except Exception:
        process.kill()
        raise
    return process.returncode, err


def assert_consistent(targets) -> None:
    """One ticket per target and problem; flips numbered without gaps and matching the states."""
    for target in targets:
        tickets = Ticket.objects.filter(monitor_key=target.monitor_key)
        assert list(tickets.values_list("monitor_problem", flat=True)) == ["snmp"], target
        for check in TargetCheck.objects.filter(target=target):
            seqs = list(
                Flip.objects.filter(target=target, check_name=check.check_name)
                .order_by("seq")
                .values_list("seq", flat=True)
            )
            assert seqs == list(range(1, len(seqs) + 1)), (target, check.check_name, seqs)
            assert check.state["seq"] == len(seqs)
        assert Outage.objects.filter(target=target, check_name="snmp", end__isnull=True).count() == 1
        outage = Outage.objects.get(target=target, check_name="snmp")
        assert outage.ticket == tickets.get()


def test_sigterm_finishes_the_cycle_and_exits(failing):
    process = poll_process("--name=term-test")
    deadline = time.monotonic() + 60  # started and through one cycle (its heartbeat), bounded
    while not PollerStatus.objects.filter(name="term-test", cycle_started_at__isnull=False).exists():
        assert process.poll() is None, finish(process)
        assert time.monotonic() < deadline, "the poller wrote no cycle heartbeat within 60 s"
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    code, err = finish(process)
    assert code == 0, err
    assert "SIGTERM received" in err
    status = PollerStatus.objects.get(name="term-test")
    assert status.stopped_at is not None and status.polls_total >= TARGETS


def test_sigkill_mid_cycle_loses_nothing_and_duplicates_nothing(failing):
    rng = random.Random(7)
    for _round in range(5):
        process = poll_process("--once")
        time.sleep(rng.uniform(0.3, 1.5))  # somewhere in the probes or the write
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    for _round in range(4):  # then let cycles complete
        code, err = finish(poll_process("--once"))
        assert code == 0, err
    assert set(Target.objects.values_list("status", flat=True)) == {"up"}  # ping still answers
    assert set(TargetCheck.objects.filter(check_name="snmp").values_list("status", flat=True)) == {"down"}
    assert_consistent(failing)


def test_two_pollers_at_once_open_one_ticket_per_problem(failing):
    for _round in range(4):
        a, b = poll_process("--once", "--name=a"), poll_process("--once", "--name=b")
        for process in (a, b):
            code, err = finish(process)
            assert code == 0, err
    assert set(TargetCheck.objects.filter(check_name="snmp").values_list("status", flat=True)) == {"down"}
    assert_consistent(failing)


def test_a_recovery_across_sigkills_is_recorded_once(failing, tmp_path):
    """The state changes both ways while pollers are killed mid-cycle: every target's SNMP goes
    DOWN, then its agent comes back and it goes UP — each change stored exactly once, in order,
    with one ticket that gets its recovery and an outage that ends."""
    rng = random.Random(11)

    def rounds(kills: int, complete: int) -> None:
        for _round in range(kills):
            process = poll_process("--once")
            time.sleep(rng.uniform(0.3, 1.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        for _round in range(complete):
            code, err = finish(poll_process("--once"))
            assert code == 0, err

    rounds(kills=3, complete=3)
    assert set(TargetCheck.objects.filter(check_name="snmp").values_list("status", flat=True)) == {"down"}
    port = free_udp_port()
    try:
        agent = snmpd_agent([(t.address, port) for t in failing], tmpdir=tmp_path, start_timeout=30)
        with agent:
            Target.objects.update(snmp_port=port)  # the agents answer again
            rounds(kills=3, complete=3)
    except AgentUnavailable as exc:
        pytest.skip(str(exc))
    for target in failing:
        flips = list(Flip.objects.filter(target=target, check_name="snmp").order_by("seq"))
        assert [(f.seq, f.old, f.new) for f in flips] == [(1, "unknown", "down"), (2, "down", "up")], target
        assert flips[0].at < flips[1].at
        ticket = Ticket.objects.get(monitor_key=target.monitor_key)
        outage = Outage.objects.get(target=target, check_name="snmp")
        assert outage.end is not None and outage.ticket == ticket
    assert Ticket.objects.count() == TARGETS
