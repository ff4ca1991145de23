"""A hostile agent on loopback: garbage, truncated and oversized packets, wrong request ids,
wrong communities, answers from the wrong port, slow answers. The poll of the hostile
target gets the true answer or a timeout; the healthy targets polled beside it never notice.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable

import pytest
from pyasn1.codec.ber import decoder as pyasn1_decoder
from pysnmp.proto import rfc1902

from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c
from netmon.probes.snmp import SYS_UPTIME
from tests.snmp_packets import P, pysnmp_response

COMMUNITY = "hostile"


def response(request_id: int, var_binds, community: str = COMMUNITY) -> bytes:
    return pysnmp_response(request_id, community, var_binds)


def true_values(oids) -> list:
    """What the agent really holds: sysUpTime 4242, every interface up (1)."""
    return [(oid, rfc1902.TimeTicks(4242) if tuple(oid) == SYS_UPTIME else rfc1902.Integer32(1)) for oid in oids]


class HostileAgent:
    """A UDP responder on 127.0.0.1 that answers each request with `script(request_id, oids)`:
    a list of (delay in seconds, packet, from_other_port)."""

    def __init__(self, script: Callable[[int, list], list[tuple[float, bytes, bool]]], address: str = "127.0.0.1"):
        if not address.startswith("127."):
            raise ValueError("the hostile agent lives on loopback only")
        self.script = script
        self.address = address
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.sock.settimeout(0.1)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other.bind((address, 0))
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.answered = 0  # requests whose whole script has been sent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileAgent:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
        self.other.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.requests += 1
            message, _ = pyasn1_decoder.decode(data, asn1Spec=P.Message())
            pdu = P.apiMessage.get_pdu(message)
            request_id = int(P.apiPDU.get_request_id(pdu))
            oids = [tuple(name) for name, _ in P.apiPDU.get_varbinds(pdu)]
            for delay, packet, other_port in self.script(request_id, oids):
                if delay:
                    time.sleep(delay)
                (self.other if other_port else self.sock).sendto(packet, addr)
            self.answered += 1


def junk_then_truth(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    good = response(request_id, true_values(oids))
    lies = [(oid, rfc1902.TimeTicks(1)) for oid in oids]
    return [
        (0, b"\x00\xffgarbage", False),
        (0, good[: len(good) // 2], False),  # truncated
        (0, b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * 60_000, False),  # oversized, claims 2 GB
        (0, response(request_id + 1, lies), False),  # someone else's request id
        (0, response(request_id, lies, community="wrong"), False),  # wrong community
        (0, response(request_id, lies), True),  # right id, but from another port
        (0, good, False),
        (0, response(request_id, lies), False),  # a duplicate after the answer: too late to matter
    ]


def only_junk(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    return [(0, b"\x30\x03\x02\x01\x01", False), (0, response(request_id, true_values(oids), community="x"), False)]


def slow(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    return [(0.7, response(request_id, true_values(oids)), False)]


def slow_by(seconds: float) -> Callable[[int, list], list[tuple[float, bytes, bool]]]:
    """The true answer, `seconds` late."""
    return lambda request_id, oids: [(seconds, response(request_id, true_values(oids)), False)]


def only_garbage(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    return [(0, b"\x00\xffgarbage", False)]


def only_truncated(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    good = response(request_id, true_values(oids))
    return [(0, good[: len(good) - 3], False)]


def only_oversized(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    """A 60 kB answer that arrives cut at 40 kB (as past a small buffer), and a header that claims 2 GB."""
    padded = [(oid, rfc1902.OctetString(b"x" * 60_000)) for oid in oids]
    return [(0, response(request_id, padded)[:40_000], False), (0, b"\x30\x84\x7f\xff\xff\xff" + b"\x00" * 200, False)]


def only_wrong_id(request_id: int, oids: list) -> list[tuple[float, bytes, bool]]:
    return [(0, response(request_id ^ 0x5A5A, true_values(oids)), False)]


#: What each script sends per request that must be dropped and counted.
DROPS_PER_REQUEST = {only_garbage: 1, only_truncated: 1, only_oversized: 2, only_wrong_id: 1}


def poll(run, targets, **client_kwargs):
    async def go():
        async with SnmpClient(**client_kwargs) as client:
            results = await client.poll_many(targets, concurrency=4)
            return results, client.dropped_packets

    return run(go())


def healthy(snmpd) -> SnmpTarget:
    return SnmpTarget("snmpd", snmpd.address, SnmpV2c(snmpd.community), port=snmpd.port, interfaces=(1,))


def test_junk_before_the_answer_is_dropped_and_counted(run, snmpd):
    with HostileAgent(junk_then_truth) as agent:
        hostile = SnmpTarget("hostile", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, interfaces=(3,))
        (result, good), dropped = poll(run, [hostile, healthy(snmpd)])
    assert result.ok, result
    assert result.uptime_ticks == 4242  # the true answer, not one of the lies
    assert result.interfaces[3].oper == 1
    assert agent.requests == 1  # no retry was needed
    assert dropped >= 6  # garbage, truncated, oversized, wrong id, wrong community, wrong port (+ the late copy)
    assert good.ok and good.uptime_ticks is not None and good.interfaces[1].present


def test_an_agent_that_only_sends_junk_times_out_alone(run, snmpd):
    with HostileAgent(only_junk) as agent:
        hostile = SnmpTarget("hostile", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=0.3, retries=1)
        (result, good), dropped = poll(run, [hostile, healthy(snmpd)])
    assert not result.ok and result.error == "timeout", result
    assert agent.requests == 2  # one try and one retry
    assert dropped == 4
    assert good.ok


def test_a_late_answer_to_the_first_try_still_counts(run):
    """timeout 0.5 s, the agent answers after 0.7 s: the answer to try 1 arrives during try 2."""
    with HostileAgent(slow) as agent:
        target = SnmpTarget("slow", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=0.5, retries=1)
        (result,), _dropped = poll(run, [target])
    # try 2 would time out at 1.0 s and its own answer comes at 1.4 s: only try 1's late answer can succeed
    assert result.ok and result.uptime_ticks == 4242, result


@pytest.mark.parametrize("retries", [0, 2])
def test_retries_are_counted_exactly(run, retries):
    with HostileAgent(lambda request_id, oids: []) as agent:
        target = SnmpTarget("mute", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=0.2, retries=retries)
        (result,), _dropped = poll(run, [target])
        time.sleep(0.2)
    assert result.error == "timeout"
    assert agent.requests == retries + 1


def test_a_slow_answer_within_the_timeout_is_taken(run, snmpd):
    with HostileAgent(slow_by(0.3)) as agent:
        target = SnmpTarget("slow", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=1.0, retries=0)
        (result, good), dropped = poll(run, [target, healthy(snmpd)])
    assert result.ok and result.uptime_ticks == 4242, result
    assert agent.requests == 1 and dropped == 0
    assert good.ok


def test_an_answer_beyond_the_timeout_is_a_timeout_and_then_dropped(run, snmpd):
    async def go(target):
        async with SnmpClient() as client:
            (result,) = await client.poll_many([target], concurrency=2)
            good = await client.poll(healthy(snmpd))
            await asyncio.sleep(0.6)  # the late answer arrives: nobody waits for it any more
            return result, good, client.dropped_packets

    with HostileAgent(slow_by(0.8)) as agent:
        target = SnmpTarget("late", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=0.3, retries=0)
        result, good, dropped = run(go(target))
    assert not result.ok and result.error == "timeout", result
    assert dropped == 1  # the late answer, counted, harming nothing
    assert good.ok


@pytest.mark.parametrize("script", list(DROPS_PER_REQUEST), ids=lambda f: f.__name__)
def test_an_agent_that_only_misbehaves_times_out_and_is_counted(run, snmpd, script):
    with HostileAgent(script) as agent:
        hostile = SnmpTarget("hostile", "127.0.0.1", SnmpV2c(COMMUNITY), port=agent.port, timeout=0.3, retries=1)
        (result, good), dropped = poll(run, [hostile, healthy(snmpd)])
    assert not result.ok and result.error == "timeout", result
    assert agent.requests == 2
    assert dropped == 2 * DROPS_PER_REQUEST[script]
    assert good.ok and good.uptime_ticks is not None
