"""Polling and discovering net-snmp's snmpd over v2c and v3, on loopback."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from netmon.counters import counter_delta
from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c, SnmpV3
from tests.agents import AgentUnavailable, snmpd_agent

MISSING_IF_INDEX = 4_000_000


def v2c(agent, key="snmpd", **kwargs) -> SnmpTarget:
    return SnmpTarget(key, agent.address, SnmpV2c(agent.community), port=agent.port, **kwargs)


def v3(agent, user, key="snmpd-v3", **kwargs) -> SnmpTarget:
    return SnmpTarget(key, agent.address, SnmpV3(**user.as_kwargs()), port=agent.port, **kwargs)


async def _with_client(coro_fn, **client_kwargs):
    async with SnmpClient(**client_kwargs) as client:
        return await coro_fn(client)


def lo_index(run, agent) -> int:
    found = run(_with_client(lambda c: c.discover(v2c(agent))))
    assert found.ok, found
    return next(i for i, info in found.interfaces.items() if info.descr == "lo")


def test_discovery_reads_the_system_group_and_finds_lo(run, snmpd):
    found = run(_with_client(lambda c: c.discover(v2c(snmpd))))
    assert found.ok and found.error is None
    assert found.key == "snmpd" and found.address == snmpd.address
    assert found.sys_name == snmpd.sys_name
    assert found.sys_location == snmpd.sys_location
    assert found.sys_contact == snmpd.sys_contact
    assert found.sys_descr.startswith("Linux")
    assert found.sys_object_id.startswith("1.3.6.1.4.1.8072.")  # net-snmp's enterprise
    assert found.sys_uptime_ticks is not None and found.sys_uptime_ticks >= 0
    lo = next(info for info in found.interfaces.values() if info.descr == "lo")
    assert lo.name == "lo"
    assert lo.if_type == 24  # softwareLoopback
    assert (lo.admin, lo.oper) == (1, 1)
    assert lo.counters64
    assert lo.speed_bps is not None
    assert all(index == info.if_index for index, info in found.interfaces.items())


def test_poll_reads_a_monitored_interface_with_64_bit_counters(run, snmpd):
    index = lo_index(run, snmpd)

    async def two_polls(client):
        first = await client.poll(v2c(snmpd, interfaces=(index,), errors=True))
        await asyncio.sleep(0.05)
        second = await client.poll(v2c(snmpd, interfaces=(index,), errors=True))
        return first, second

    first, second = run(_with_client(two_polls))
    for result in (first, second):
        assert result.ok and result.error is None, result
        assert isinstance(result.uptime_ticks, int)
        lo = result.interfaces[index]
        assert lo.present and (lo.admin, lo.oper) == (1, 1)
        assert lo.octets_bits == 64 and isinstance(lo.in_octets, int) and isinstance(lo.out_octets, int)
        assert lo.in_errors == 0 or isinstance(lo.in_errors, int)
        assert isinstance(lo.in_packets, int) and lo.packets_bits == 64
    # snmpd caches interface statistics for a few seconds: the counter may not have moved yet,
    # but it must read as one counter going forwards
    lean = run(_with_client(lambda c: c.poll(v2c(snmpd, interfaces=(index,)))))  # no error-rate check
    reading = lean.interfaces[index]
    assert reading.present and isinstance(reading.in_octets, int)
    assert reading.in_errors is reading.out_errors is reading.in_packets is None  # not asked for
    delta = counter_delta(first.interfaces[index].in_octets, second.interfaces[index].in_octets, bits=64)
    assert delta is not None and delta >= 0
    assert first.interfaces[index].in_octets > 0  # the tests' own SNMP traffic crossed lo
    assert second.uptime_ticks >= first.uptime_ticks


def test_an_interface_the_agent_does_not_have_is_not_present(run, snmpd):
    index = lo_index(run, snmpd)
    result = run(_with_client(lambda c: c.poll(v2c(snmpd, interfaces=(index, MISSING_IF_INDEX)))))
    assert result.ok
    missing = result.interfaces[MISSING_IF_INDEX]
    assert not missing.present
    assert missing.admin is missing.oper is missing.in_octets is missing.in_errors is missing.in_packets is None
    assert result.interfaces[index].present


def test_a_big_poll_is_split_into_several_pdus(run, snmpd):
    index = lo_index(run, snmpd)
    interfaces = (index, *range(MISSING_IF_INDEX, MISSING_IF_INDEX + 12))  # 1 + 13 × 9 varbinds
    result = run(_with_client(lambda c: c.poll(v2c(snmpd, interfaces=interfaces)), max_varbinds=10))
    assert result.ok, result
    assert list(result.interfaces) == list(interfaces)
    assert result.interfaces[index].present and result.interfaces[index].in_octets is not None
    assert sum(reading.present for reading in result.interfaces.values()) == 1


@pytest.mark.parametrize("user", ["siyana-sha", "siyana-sha256", "siyana-sha-aes256"])
def test_v3_auth_priv(run, snmpd, user):
    """SHA + AES-128, SHA-256 + AES-256, and SHA + AES-256 (where the AES key must be extended)."""
    index = lo_index(run, snmpd)
    credentials = snmpd.v3_user(user)

    async def both(client):
        return await client.discover(v3(snmpd, credentials)), await client.poll(
            v3(snmpd, credentials, interfaces=(index,))
        )

    found, result = run(_with_client(both))
    assert found.ok, found
    assert found.sys_name == snmpd.sys_name and index in found.interfaces
    assert result.ok, result
    assert result.interfaces[index].present and result.interfaces[index].octets_bits == 64


def test_a_wrong_v3_auth_key_is_an_authentication_error(run, snmpd):
    user = snmpd.v3_user("siyana-sha")
    wrong = SnmpV3(**{**user.as_kwargs(), "auth_key": "not-the-auth-key"})
    target = SnmpTarget("bad", snmpd.address, wrong, port=snmpd.port, timeout=1.0, retries=0)
    result = run(_with_client(lambda c: c.poll(target)))
    assert not result.ok
    assert result.error == "authentication"
    assert result.detail  # pysnmp's words, e.g. "Wrong SNMP PDU digest"
    assert result.elapsed_ms < target.poll_deadline() * 1000


def test_an_unknown_v3_user_is_an_authentication_error(run, snmpd):
    user = snmpd.v3_user("siyana-sha")
    stranger = SnmpV3(**{**user.as_kwargs(), "user": "nobody-here"})
    result = run(_with_client(lambda c: c.poll(SnmpTarget("x", snmpd.address, stranger, port=snmpd.port))))
    assert not result.ok and result.error == "authentication"


def test_a_wrong_v3_privacy_key_is_a_timeout(run, snmpd):
    """snmpd cannot decrypt the request and drops it without a report: nothing comes back."""
    user = snmpd.v3_user("siyana-sha")
    wrong = SnmpV3(**{**user.as_kwargs(), "priv_key": "not-the-priv-key"})
    target = SnmpTarget("bad", snmpd.address, wrong, port=snmpd.port, timeout=0.5, retries=0)
    result = run(_with_client(lambda c: c.poll(target)))
    assert not result.ok and result.error == "timeout"
    assert result.elapsed_ms < target.poll_deadline() * 1000


def test_a_wrong_community_is_a_timeout_within_the_deadline(run, snmpd):
    target = SnmpTarget("bad", snmpd.address, SnmpV2c("not-public"), port=snmpd.port, timeout=0.5, retries=0)
    started = time.monotonic()
    result = run(_with_client(lambda c: c.poll(target)))
    assert not result.ok and result.error == "timeout"
    assert result.uptime_ticks is None and result.interfaces == {}
    assert time.monotonic() - started < target.poll_deadline() + 2  # + the engine's start


def test_same_v3_user_with_right_and_wrong_keys_in_one_batch(run, snmpd):
    """pysnmp keeps one USM row per user name: the gate makes the two key sets take turns."""
    user = snmpd.v3_user("siyana-sha")
    right = SnmpV3(**user.as_kwargs())
    wrong = SnmpV3(**{**user.as_kwargs(), "auth_key": "not-the-auth-key"})
    targets = [
        SnmpTarget(i, snmpd.address, right if i % 2 == 0 else wrong, port=snmpd.port, timeout=1.0, retries=0)
        for i in range(8)
    ]
    results = run(_with_client(lambda c: c.poll_many(targets, concurrency=8)))
    assert [r.key for r in results] == list(range(8))
    assert [r.ok for r in results] == [True, False] * 4
    assert {r.error for r in results if not r.ok} == {"authentication"}


def test_v2c_and_v3_side_by_side(run, snmpd):
    targets = [v2c(snmpd, key="v2c")] + [v3(snmpd, u, key=u.user) for u in snmpd.v3_users]
    results = run(_with_client(lambda c: c.poll_many(targets)))
    assert [r.key for r in results] == ["v2c"] + [u.user for u in snmpd.v3_users]
    assert all(r.ok for r in results), results


def test_over_ipv6_loopback(run, tmp_path):
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6")
    try:
        with snmpd_agent("[::1]:0", tmpdir=tmp_path, v3_users=()) as agent:
            found = run(_with_client(lambda c: c.discover(v2c(agent))))
    except (AgentUnavailable, OSError) as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    assert agent.address == "::1"
    assert found.ok, found
    assert found.sys_name == agent.sys_name
