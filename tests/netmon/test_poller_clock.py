"""The wall clock stepping forward or back under a running poller.

The clock is injected through the poller's own seam (`scheduler.Clock(wall=…, monotonic=…)`):
`advance` is time passing (both clocks move), `step` is the wall clock alone jumping (NTP,
a resumed VM). Real probes: ping to loopback and a real snmpd on loopback.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from maintenance.models import Ticket
from netmon.cycle import Prober
from netmon.engine import CheckState
from netmon.models import Flip, Target, TargetCheck
from netmon.scheduler import Clock, Heartbeat, StandalonePoller, claim_due, probe_settings
from tests.netmon.netfixtures import make_target, v2c
from tests.netmon.test_poller import closed_udp_port

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = timedelta(hours=1)
PINGED = 6


class Stepper:
    """A wall clock and a monotonic clock the test moves."""

    def __init__(self) -> None:
        self.wall_offset = timedelta(0)
        self.mono_offset = 0.0

    def wall(self) -> datetime:
        return timezone.now() + self.wall_offset

    def monotonic(self) -> float:
        return time.monotonic() + self.mono_offset

    def advance(self, seconds: float) -> None:
        self.wall_offset += timedelta(seconds=seconds)
        self.mono_offset += seconds

    def step(self, delta: timedelta) -> None:
        self.wall_offset += delta


@pytest.fixture
def network(school, lab, snmpd):
    pinged = [make_target(school, lab, tag=f"SW-{i}", ip=f"127.0.10.{i}", interval_s=60) for i in range(1, PINGED + 1)]
    device = make_target(
        school,
        lab,
        tag="CORE-1",
        ip=snmpd.address,
        interval_s=60,
        snmp_enabled=True,
        credential=v2c(community=snmpd.community),
        snmp_port=snmpd.port,
        timeout_s=0.5,
        retries=0,
        fail_threshold=2,
        reboot_enabled=True,
    )
    return pinged, device


@pytest.fixture
def poller():
    stepper = Stepper()
    poller = StandalonePoller(name="clock", clock=Clock(wall=stepper.wall, monotonic=stepper.monotonic))
    loop = asyncio.new_event_loop()
    prober = Prober(probe_settings())
    loop.run_until_complete(prober.__aenter__())
    heartbeat = Heartbeat(poller.name, mode="standalone")

    def cycle(everything: bool = False):
        return poller.cycle(prober, loop, heartbeat, everything=everything)

    yield poller, stepper, cycle
    loop.run_until_complete(prober.__aexit__(None, None, None))
    loop.close()


def all_ids(network) -> list[int]:
    pinged, device = network
    return sorted([t.pk for t in pinged] + [device.pk])


def test_the_clock_notices_a_step_and_not_a_tick():
    stepper = Stepper()
    clock = Clock(wall=stepper.wall, monotonic=stepper.monotonic)
    clock.now()
    stepper.advance(30)
    clock.now()
    assert clock.jumps == 0 and clock.jumped_at is None
    stepper.advance(30)
    stepper.step(timedelta(seconds=2))  # NTP slewing a little: not a step
    clock.now()
    assert clock.jumps == 0
    stepper.step(-HOUR)
    back = clock.now()
    assert clock.jumps == 1 and clock.jumped_at == back


def test_a_clock_stepped_forward_polls_each_target_once_and_raises_nothing(network, poller):
    poller, stepper, cycle = poller
    assert sorted(cycle().ids) == all_ids(network)  # new targets: polled at once
    assert set(Target.objects.values_list("status", flat=True)) == {"up"}  # and sysUpTime has its baseline
    stepper.step(HOUR)
    claim = cycle()
    assert sorted(claim.ids) == all_ids(network)  # all overdue by an hour: each polled once…
    assert claim.late == len(all_ids(network)) and claim.lag_s >= 3500
    for _ in range(3):  # …and not again until their interval has passed: no storm of double polls
        stepper.advance(5)
        assert cycle().ids == []
    assert poller.clock.jumps == 1
    # a device whose sysUpTime moved a few seconds while the wall clock moved an hour did not reboot
    assert not Flip.objects.exclude(new="up").exists()
    assert not Ticket.objects.exists()
    reboot = TargetCheck.objects.get(target=network[1], check_name="reboot")
    assert reboot.state["detail"] == {"clock_jump": True}
    assert reboot.state["value"] is not None  # the new baseline the next poll is judged against


def test_a_clock_stepped_back_does_not_stall_polling(network, poller):
    poller, stepper, cycle = poller
    pinged, device = network
    cycle()
    stepper.advance(3)
    cycle(everything=True)
    before = {c.pk: CheckState.from_dict(c.state).last_at for c in TargetCheck.objects.filter(check_name="icmp")}
    stepper.step(-HOUR)
    claim = cycle()
    # every schedule was an hour ahead: given a new phase within its interval instead of an hour's wait
    assert claim.rescheduled == len(all_ids(network))
    horizon = stepper.wall() + timedelta(seconds=60)
    assert all(t <= horizon for t in Target.objects.values_list("next_poll_at", flat=True))
    # the SNMP agent goes away: two failed polls must still bring it down, though every
    # observation is now an hour "older" than the last one stored
    Target.objects.filter(pk=device.pk).update(snmp_port=closed_udp_port())
    polled: list[int] = list(claim.ids)
    for _ in range(2):
        stepper.advance(61)
        polled += cycle().ids
    assert sorted(set(polled)) == all_ids(network)
    after = {c.pk: CheckState.from_dict(c.state).last_at for c in TargetCheck.objects.filter(check_name="icmp")}
    assert all(after[pk] < before[pk] for pk in before)  # observed after the step, and counted
    snmp = TargetCheck.objects.get(target=device, check_name="snmp")
    assert snmp.status == "down"
    assert Ticket.objects.get().monitor_problem == "snmp"


def test_claim_pulls_back_schedules_beyond_one_interval(network):
    now = timezone.now()
    ids = all_ids(network)
    Target.objects.update(next_poll_at=now + 2 * HOUR)
    Target.objects.filter(pk=ids[0]).update(next_poll_at=now + timedelta(seconds=50))  # within its interval
    claim = claim_due(now)
    assert claim.rescheduled == len(ids) - 1 and claim.ids == []
    kept = Target.objects.get(pk=ids[0]).next_poll_at
    assert kept == now + timedelta(seconds=50)
    assert all(now <= t <= now + timedelta(seconds=60) for t in Target.objects.values_list("next_poll_at", flat=True))


def test_a_celery_worker_stepped_forward_sees_no_reboots(network):
    """netmon.poll_batch run in-process with the worker's clock stepped through the same seam."""
    import os

    from netmon import tasks

    stepper = Stepper()
    loop = asyncio.new_event_loop()
    prober = Prober(probe_settings())
    loop.run_until_complete(prober.__aenter__())
    clock = Clock(wall=stepper.wall, monotonic=stepper.monotonic)
    saved = dict(tasks._process)
    tasks._process.clear()
    tasks._process.update(
        pid=os.getpid(), loop=loop, prober=prober, heartbeat=Heartbeat("celery@test", mode="celery"), clock=clock
    )
    try:
        ids = all_ids(network)
        tasks.poll_batch(ids)  # the baselines
        assert set(Target.objects.values_list("status", flat=True)) == {"up"}
        stepper.step(HOUR)
        tasks.poll_batch(ids)
    finally:
        tasks._process.clear()
        tasks._process.update(saved)
        loop.run_until_complete(prober.__aexit__(None, None, None))
        loop.close()
    assert clock.jumps == 1
    assert not Flip.objects.exclude(new="up").exists() and not Ticket.objects.exists()
    assert TargetCheck.objects.get(target=network[1], check_name="reboot").state["detail"] == {"clock_jump": True}


def test_the_pull_back_search_runs_after_a_backward_step_or_every_few_minutes(network, poller):
    """Not on every claim: a schedule left far ahead waits for a step back or PULL_BACK_EVERY_S."""
    from netmon.scheduler import PULL_BACK_EVERY_S, PullBackGate

    poller, stepper, cycle = poller
    cycle()  # the first claim looks
    ahead = network[0][0]
    Target.objects.filter(pk=ahead.pk).update(next_poll_at=stepper.wall() + 2 * HOUR)
    stepper.advance(5)
    assert cycle().rescheduled == 0
    stepper.advance(PULL_BACK_EVERY_S)
    assert cycle().rescheduled == 1  # the periodic look
    Target.objects.filter(pk=ahead.pk).update(next_poll_at=stepper.wall() + 2 * HOUR)
    stepper.advance(5)
    assert cycle().rescheduled == 0
    stepper.step(-timedelta(minutes=10))
    assert cycle().rescheduled == len(all_ids(network))  # a step back: at once (every schedule is now ahead)
    # the Celery dispatcher's gate (netmon.tasks) follows the same rule
    clock = Clock(wall=stepper.wall, monotonic=stepper.monotonic)
    gate = PullBackGate(clock)
    clock.now()
    assert gate.due()
    gate.done()
    stepper.advance(10)
    clock.now()
    assert not gate.due()
    stepper.step(-HOUR)
    clock.now()
    assert gate.due()
