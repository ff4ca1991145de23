"""Hostile SNMP agents among healthy targets, through the poller.

Each hostile target is a UDP responder of our own on a loopback address
(`tests.integration.test_snmp_hostile.HostileAgent`): slow within or beyond the timeout,
garbage, truncated, oversized, wrong request ids, or junk before the true answer. Beside them a
real snmpd and pinged loopback hosts. The healthy targets' results are untouched; the hostile
ones time out (or, when the true answer gets through, pass); every dropped packet is counted
in PollerStatus and /metrics, and logged at most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import ExitStack

import pytest
from django.utils import timezone

from maintenance.models import Ticket
from netmon.cycle import Prober
from netmon.models import PollerStatus, Sample, Target, TargetCheck
from netmon.scheduler import Heartbeat, StandalonePoller, probe_settings
from tests.integration.test_snmp_hostile import (
    COMMUNITY,
    DROPS_PER_REQUEST,
    HostileAgent,
    junk_then_truth,
    only_garbage,
    only_oversized,
    only_truncated,
    only_wrong_id,
    slow_by,
)
from tests.netmon.netfixtures import make_target, v2c

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT_S = 0.4
PASS_TIMEOUT_S = 2.0
#: name → (script, passes?)
HOSTILE = {
    "slow-within": (slow_by(0.15), True),
    "slow-beyond": (slow_by(0.9), False),
    "garbage": (only_garbage, False),
    "truncated": (only_truncated, False),
    "oversized": (only_oversized, False),
    "wrong-id": (only_wrong_id, False),
    "junk-then-truth": (junk_then_truth, True),
}


@pytest.fixture
def network(school, lab, snmpd):
    hostile_credential = v2c("hostile", community=COMMUNITY)
    with ExitStack() as stack:
        hostile, agents = {}, {}
        for i, (name, (script, passes)) in enumerate(HOSTILE.items(), start=1):
            agent = agents[name] = stack.enter_context(HostileAgent(script, address=f"127.0.12.{i}"))
            hostile[name] = make_target(
                school,
                lab,
                tag=f"H-{name}",
                ip=agent.address,
                icmp_enabled=False,
                snmp_enabled=True,
                credential=hostile_credential,
                snmp_port=agent.port,
                # generous where the answer must get through (the machine is shared), short where it must not
                timeout_s=PASS_TIMEOUT_S if passes else TIMEOUT_S,
                retries=0,
                fail_threshold=1,
                reboot_enabled=False,
            )
        healthy = make_target(
            school,
            lab,
            tag="CORE",
            ip=snmpd.address,
            snmp_enabled=True,
            credential=v2c("lab", community=snmpd.community),
            snmp_port=snmpd.port,
            timeout_s=PASS_TIMEOUT_S,
            retries=0,
            fail_threshold=1,
            interfaces=[1],
        )
        pinged = [make_target(school, lab, tag=f"SW-{i}", ip=f"127.0.13.{i}", fail_threshold=1) for i in range(1, 5)]
        # discovery (system group, tables) is tested elsewhere; these agents answer polls only
        Target.objects.update(discovered_at=timezone.now())
        yield hostile, healthy, pinged, agents


def test_hostile_agents_time_out_alone_and_their_packets_are_counted(network, caplog, client):
    hostile, healthy, pinged, agents = network
    caplog.set_level(logging.INFO, logger="netmon.poller")
    poller = StandalonePoller(name="hostile")
    loop = asyncio.new_event_loop()
    prober = Prober(probe_settings())
    loop.run_until_complete(prober.__aenter__())
    heartbeat = Heartbeat(poller.name, mode="standalone")
    try:
        cycles = 3
        for _ in range(cycles):
            claim = poller.cycle(prober, loop, heartbeat, everything=True)
            assert len(claim.ids) == len(hostile) + 1 + len(pinged)
        # slow-beyond answers one request at a time, 0.9 s each, so its late answers queue up behind each other:
        # run the loop (the prober reads what arrives) until it has answered every request of those cycles
        slow, deadline = agents["slow-beyond"], time.monotonic() + 10 * cycles
        while slow.answered < slow.requests and time.monotonic() < deadline:
            loop.run_until_complete(asyncio.sleep(0.05))
        poller.cycle(prober, loop, heartbeat, everything=True)
        cycles += 1
    finally:
        loop.run_until_complete(prober.__aexit__(None, None, None))
        loop.close()

    def snmp_status(target):
        return TargetCheck.objects.get(target=target, check_name="snmp").status

    # the healthy ones never noticed
    assert snmp_status(healthy) == "up"
    assert TargetCheck.objects.get(target=healthy, check_name="interface:1").status == "up"
    assert Sample.objects.filter(target=healthy, metric="uptime_s").count() == cycles
    assert all(TargetCheck.objects.get(target=t, check_name="icmp").status == "up" for t in pinged)
    # the hostile ones: the true answer when it got through in time, a timeout otherwise
    for name, (_script, passes) in HOSTILE.items():
        assert snmp_status(hostile[name]) == ("up" if passes else "down"), name
    assert Ticket.objects.filter(monitor_problem="snmp").count() == sum(not p for _s, p in HOSTILE.values())

    status = PollerStatus.objects.get(name="hostile")
    expected = cycles * (
        sum(DROPS_PER_REQUEST[script] for script, _p in HOSTILE.values() if script in DROPS_PER_REQUEST)
        + 7  # junk_then_truth: six lies before the answer, one duplicate after it
    ) + (cycles - 1)  # slow-beyond: each answer comes after its timeout (the last one after the prober closed)
    assert status.dropped_packets_total == expected
    assert status.pending_outcomes == 0
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert f'siyana_poller_snmp_dropped_packets_total{{poller="hostile",mode="standalone"}} {expected}' in text
    # counted every cycle, said once: no log flood
    said = [r for r in caplog.records if "SNMP packets dropped" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
