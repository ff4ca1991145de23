"""The demo network: what `make run` shows a new user — tickets raised by the poller itself."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import time
from io import StringIO

import pytest
from django.core.management import call_command

from maintenance.models import Ticket
from netmon import demo
from netmon.models import SnmpCredential, Target
from tests.agents import snmp_get_answers
from tests.netmon.processes import ROOT


@pytest.fixture
def demo_network(db):
    call_command("load_demo", stdout=StringIO())
    return Target.objects.select_related("asset")


def test_demo_targets_are_loopback_with_a_topology(demo_network):
    call_command("load_demo", stdout=StringIO())  # idempotent
    targets = list(demo_network)
    assert len(targets) == 60
    assert all(ipaddress.ip_address(t.address).is_loopback for t in targets)
    roots = [t for t in targets if t.parent_id is None]
    assert {t.role for t in roots} == {"fiber"} and all(t.circuit_id for t in roots)
    switch = Target.objects.get(address=f"127.0.{demo.INTERFACE_FAULT_SCHOOL}.1")
    assert switch.interfaces == [1, 2] and switch.parent.role == "uplink"
    credential = SnmpCredential.objects.get(name="demo-switches")
    assert credential.community_enc and "dlink" not in credential.community_enc  # encrypted at rest
    assert credential.get_secret("community") == demo.SWITCH_RECORDING[1]


def free_agent_addresses_or_skip():
    import socket

    for address in demo.agent_endpoints():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((address, demo.AGENT_PORT))
            except OSError:
                pytest.skip(f"{address}:{demo.AGENT_PORT} is taken (is `make run` running?)")


def test_the_demo_raises_its_two_tickets(demo_network, tmp_path):
    free_agent_addresses_or_skip()
    agent = subprocess.Popen(
        [sys.executable, "manage.py", "demo_snmp_agent"],
        cwd=ROOT,
        env={**os.environ, "DATA_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # snmpsim indexes the two recordings first: wait until the switch answers (bounded), never a fixed sleep
        deadline = time.monotonic() + 60
        switch, ups = demo.agent_endpoints()[:2]  # school 1's switch (.1) and UPS (.5)
        while not (
            snmp_get_answers(switch, demo.AGENT_PORT, demo.SWITCH_RECORDING[1])
            and snmp_get_answers(ups, demo.AGENT_PORT, demo.UPS_RECORDING[1])
        ):
            assert agent.poll() is None, agent.stdout.read().decode()
            assert time.monotonic() < deadline, "the demo agent did not answer within 60 s"
            time.sleep(0.2)
        for _ in range(3):  # fail_threshold 2: the third cycle is past it
            call_command("poll", "--once", stdout=StringIO())
    finally:
        agent.terminate()
        agent.wait(timeout=20)
    automatic = Ticket.objects.filter(source="monitoring").select_related("school")  # beside the demo help desk's
    problems = {(t.monitor_problem, t.school.code) for t in automatic}
    assert problems == {("interface:1", "110105"), ("snmp", "110103")}
    switch = Target.objects.get(address="127.0.5.1")
    assert switch.sys_descr.startswith("DES-3200") and switch.snmp_interfaces
    assert set(Target.objects.values_list("status", flat=True)) == {"up"}
