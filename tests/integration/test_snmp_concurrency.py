"""A dead or hung agent among live ones: the live results come back, the dead ones error."""

from __future__ import annotations

from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c
from tests.integration.conftest import CISCO, WINDOWS


async def _with_client(coro_fn):
    async with SnmpClient() as client:
        return await coro_fn(client)


def test_dead_and_hung_agents_do_not_stall_the_live_ones(run, snmpd, snmpsim, closed_port, silent_port):
    live = [
        SnmpTarget("snmpd", snmpd.address, SnmpV2c(snmpd.community), port=snmpd.port, interfaces=(1,)),
        SnmpTarget("cisco", snmpsim.address, SnmpV2c(snmpsim.community(CISCO)), port=snmpsim.port),
        SnmpTarget("windows", snmpsim.address, SnmpV2c(snmpsim.community(WINDOWS)), port=snmpsim.port),
    ]
    dead = [
        SnmpTarget("closed", "127.0.0.1", SnmpV2c("public"), port=closed_port, timeout=0.5, retries=1),
        SnmpTarget("hung", "127.0.0.1", SnmpV2c("public"), port=silent_port, timeout=0.5, retries=1),
    ]
    targets = [dead[0], live[0], dead[1], live[1], live[2]]
    # two workers: both may be held by the dead targets, and the live ones still get their turn
    results = run(_with_client(lambda c: c.poll_many(targets, concurrency=2)))
    assert [r.key for r in results] == ["closed", "snmpd", "hung", "cisco", "windows"]
    by_key = {r.key: r for r in results}
    for key in ("snmpd", "cisco", "windows"):
        assert by_key[key].ok and by_key[key].error is None, by_key[key]
        assert by_key[key].uptime_ticks is not None
    for key in ("closed", "hung"):
        assert not by_key[key].ok and by_key[key].error == "timeout", by_key[key]
        assert by_key[key].interfaces == {} and by_key[key].uptime_ticks is None


def test_discover_many_with_a_dead_agent(run, snmpd, closed_port):
    targets = [
        SnmpTarget("dead", "127.0.0.1", SnmpV2c("public"), port=closed_port, timeout=0.5, retries=0),
        SnmpTarget("snmpd", snmpd.address, SnmpV2c(snmpd.community), port=snmpd.port),
    ]
    results = run(_with_client(lambda c: c.discover_many(targets, concurrency=8)))
    assert [r.key for r in results] == ["dead", "snmpd"]
    assert not results[0].ok and results[0].error == "timeout" and results[0].interfaces == {}
    assert results[1].ok and results[1].interfaces


def test_a_bad_address_is_one_failed_result_not_an_exception(run, snmpd):
    targets = [
        SnmpTarget("name", "snmpd.school.local", SnmpV2c("public")),
        SnmpTarget("snmpd", snmpd.address, SnmpV2c(snmpd.community), port=snmpd.port),
    ]
    results = run(_with_client(lambda c: c.poll_many(targets)))
    assert not results[0].ok and "host names are not accepted" in results[0].error
    assert results[1].ok
