"""Discovering and polling recorded real devices (snmpsim-data) served by snmpsim.

The expected values come from the recordings themselves, so these tests check that
what the probes report is what the device said.
"""

from __future__ import annotations

import asyncio

import pytest

from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c
from tests.integration.conftest import CISCO, LINUX, WINDOWS

IF_ENTRY = "1.3.6.1.2.1.2.2.1"
IFX_ENTRY = "1.3.6.1.2.1.31.1.1.1"
HR_PROCESSOR_LOAD = "1.3.6.1.2.1.25.3.3.1.2"


def recording(sim, name) -> dict[str, str]:
    """OID → raw value text of a recording as served (numeric-variated values are left out)."""
    values = {}
    for line in (sim.data_dir / f"{sim.community(name)}.snmprec").read_text(errors="replace").splitlines():
        oid, _, rest = line.partition("|")
        tag, _, value = rest.partition("|")
        if oid[:1].isdigit() and tag.isdigit():
            values[oid] = value
    return values


def column(values: dict[str, str], prefix: str) -> dict[int, str]:
    return {int(oid.rsplit(".", 1)[1]): v for oid, v in values.items() if oid.rsplit(".", 1)[0] == prefix}


def target(sim, name, **kwargs) -> SnmpTarget:
    return SnmpTarget(name, sim.address, SnmpV2c(sim.community(name)), port=sim.port, **kwargs)


async def _with_client(coro_fn, **client_kwargs):
    async with SnmpClient(**client_kwargs) as client:
        return await coro_fn(client)


@pytest.fixture(scope="module")
def discovered(snmpsim):
    async def discover_all(client):
        return await client.discover_many([target(snmpsim, name) for name in (CISCO, WINDOWS, LINUX)])

    return {found.key: found for found in asyncio.run(_with_client(discover_all))}


def test_discovery_of_a_cisco_switch_with_ifxtable(snmpsim, discovered):
    found, values = discovered[CISCO], recording(snmpsim, CISCO)
    assert found.ok, found
    assert found.sys_object_id == values["1.3.6.1.2.1.1.2.0"] == "1.3.6.1.4.1.9.1.617"
    assert found.sys_name == values["1.3.6.1.2.1.1.5.0"]
    assert found.sys_descr.startswith("Cisco IOS Software, C3560")
    assert found.sys_uptime_ticks == int(values["1.3.6.1.2.1.1.3.0"])
    assert set(found.interfaces) == set(column(values, f"{IF_ENTRY}.1"))  # every ifIndex, nothing more
    assert len(found.interfaces) == 57
    gi = next(info for info in found.interfaces.values() if info.name == "Gi0/1")
    assert gi.descr == "GigabitEthernet0/1" and gi.if_type == 6 and gi.counters64
    assert gi.speed_bps == int(column(values, f"{IFX_ENTRY}.15")[gi.if_index]) * 1_000_000
    null0 = next(info for info in found.interfaces.values() if info.descr == "Null0")
    assert not null0.counters64  # the recording has no ifHCInOctets for it
    assert found.processors == () and found.cpu_load == {}  # no HOST-RESOURCES-MIB on this switch


def test_discovery_of_a_windows_server_with_32_bit_counters_and_processors(snmpsim, discovered):
    found, values = discovered[WINDOWS], recording(snmpsim, WINDOWS)
    assert found.ok, found
    assert set(found.interfaces) == {1, 65539}
    nic = found.interfaces[65539]
    assert nic.descr == "Intel(R) PRO/1000 MT Network Connection"
    assert nic.name == "" and nic.alias == ""  # no ifXTable at all
    assert not nic.counters64
    assert nic.speed_bps == int(values[f"{IF_ENTRY}.5.65539"])  # ifSpeed, as there is no ifHighSpeed
    assert found.processors == (2, 3, 4, 5)
    assert found.cpu_load == {i: int(column(values, HR_PROCESSOR_LOAD)[i]) for i in (2, 3, 4, 5)}


def test_discovery_of_a_linux_host(discovered):
    found = discovered[LINUX]
    assert found.ok, found
    assert {info.name for info in found.interfaces.values()} == {"lo", "eth0"}
    assert all(info.counters64 for info in found.interfaces.values())
    assert len(found.processors) == 4
    assert all(isinstance(load, int) and 0 <= load <= 100 for load in found.cpu_load.values())


def test_discovery_stops_at_the_end_of_each_column(snmpsim):
    """GETBULK pages: about rows / repetitions for the longest column, never a walk of the whole MIB."""
    pages = []

    async def counted(client):
        original = client._request_bulk

        async def request_bulk(session, repetitions, oids):
            pages.append(len(oids))
            return await original(session, repetitions, oids)

        client._request_bulk = request_bulk
        return await client.discover(target(snmpsim, CISCO))

    found = asyncio.run(_with_client(counted, max_repetitions=10))
    assert found.ok and len(found.interfaces) == 57
    # 57 rows; snmpsim returns at most 64 varbinds per response, so ~6 rows of 9-10 columns a page.
    # Walking past the tables would take thousands of pages (the recording has 35,000 OIDs).
    assert len(pages) <= 57 // 5 + 2
    assert pages[0] == 10  # all the columns asked together…
    assert pages[-1] < pages[0]  # …and the finished ones dropped


def test_poll_of_the_cisco_reads_64_bit_counters_and_falls_back_for_null0(run, snmpsim, discovered):
    values = recording(snmpsim, CISCO)
    infos = discovered[CISCO].interfaces
    gi = next(i for i, info in infos.items() if info.name == "Gi0/52")
    null0 = next(i for i, info in infos.items() if info.descr == "Null0")
    result = run(_with_client(lambda c: c.poll(target(snmpsim, CISCO, interfaces=(gi, null0, 999_999), errors=True))))
    assert result.ok, result
    assert result.uptime_ticks == int(values["1.3.6.1.2.1.1.3.0"])

    reading = result.interfaces[gi]
    assert reading.present and reading.octets_bits == 64 and reading.packets_bits == 64
    assert reading.admin == int(values[f"{IF_ENTRY}.7.{gi}"])
    assert reading.oper == int(values[f"{IF_ENTRY}.8.{gi}"])
    assert reading.in_octets == int(values[f"{IFX_ENTRY}.6.{gi}"])
    assert reading.out_octets == int(values[f"{IFX_ENTRY}.10.{gi}"])
    assert reading.in_errors == int(values[f"{IF_ENTRY}.14.{gi}"])
    assert reading.out_errors == int(values[f"{IF_ENTRY}.20.{gi}"])
    assert reading.in_packets == sum(int(values[f"{IFX_ENTRY}.{c}.{gi}"]) for c in (7, 8, 9)) % 2**64

    fallback = result.interfaces[null0]  # no ifHC* columns: the 32-bit ones, in a second GET
    assert fallback.present and fallback.octets_bits == 32
    assert fallback.in_octets == int(values[f"{IF_ENTRY}.10.{null0}"])
    assert fallback.out_octets == int(values[f"{IF_ENTRY}.16.{null0}"])

    assert not result.interfaces[999_999].present


def test_poll_of_the_windows_server_uses_32_bit_counters_and_reads_processors(run, snmpsim, discovered):
    values = recording(snmpsim, WINDOWS)
    found = discovered[WINDOWS]
    polled = target(snmpsim, WINDOWS, interfaces=tuple(found.interfaces), processors=found.processors, errors=True)
    result = run(_with_client(lambda c: c.poll(polled)))
    assert result.ok, result
    for index, reading in result.interfaces.items():
        assert reading.present and reading.octets_bits == 32 and reading.packets_bits == 32
        assert reading.in_octets == int(values[f"{IF_ENTRY}.10.{index}"])
        assert reading.out_octets == int(values[f"{IF_ENTRY}.16.{index}"])
        # unicast + non-unicast, as one 32-bit counter
        expected = (int(values[f"{IF_ENTRY}.11.{index}"]) + int(values[f"{IF_ENTRY}.12.{index}"])) % 2**32
        assert reading.in_packets == expected
        assert reading.in_errors == int(values[f"{IF_ENTRY}.14.{index}"])
    assert result.cpu_load == {i: int(values[f"{HR_PROCESSOR_LOAD}.{i}"]) for i in found.processors}


def test_poll_many_over_the_recorded_devices(run, snmpsim, discovered):
    targets = [
        target(snmpsim, name, interfaces=tuple(found.interfaces)[:4], processors=found.processors)
        for name, found in discovered.items()
    ]
    results = run(_with_client(lambda c: c.poll_many(targets, concurrency=3)))
    assert [r.key for r in results] == [t.key for t in targets]
    assert all(r.ok for r in results), results
    assert all(reading.present for r in results for reading in r.interfaces.values())
