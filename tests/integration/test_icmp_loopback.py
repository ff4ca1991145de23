"""Real ICMP echo on loopback: 127.0.0.0/8 and ::1 only."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from netmon.probes import icmp_privileged, ping_many


@pytest.fixture(autouse=True)
def _needs_icmp():
    try:
        icmp_privileged()
    except Exception as exc:  # IcmpUnavailable: the message says how to fix it
        pytest.skip(str(exc))


def test_several_loopback_addresses_all_answer(run):
    addresses = ["127.0.0.1", "127.0.0.2", "127.1.2.3", "127.255.255.254"]
    results = run(ping_many(addresses, timeout=1.0))
    assert list(results) == addresses
    for address, result in results.items():
        assert result.address == address
        assert (result.sent, result.received, result.error) == (1, 1, None), result
        assert result.rtt_avg_ms is not None and 0 <= result.rtt_avg_ms <= result.rtt_max_ms < 1000


def test_ipv6_loopback_answers(run):
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6")
    result = run(ping_many(["::1"], timeout=1.0))["::1"]
    if result.error and "IPv6" in result.error:
        pytest.skip(result.error)
    assert result.received == 1, result


def test_count_and_duplicates(run):
    results = run(ping_many(["127.0.0.9", "127.0.0.9", "127.0.0.10"], count=3, interval=0.01, timeout=1.0))
    assert list(results) == ["127.0.0.9", "127.0.0.10"]  # one result per distinct address
    assert all((r.sent, r.received) == (3, 3) for r in results.values())


def test_bad_addresses_get_errors_and_the_rest_still_answer(run):
    results = run(ping_many(["127.0.0.1", "not-an-address!", "1.2.3", "127.0.0.2"], timeout=1.0))
    assert results["127.0.0.1"].received == 1 and results["127.0.0.2"].received == 1
    for bad in ("not-an-address!", "1.2.3"):
        assert results[bad].sent == 0 and results[bad].error.startswith("not an IP address")


def test_host_names_are_refused_and_never_looked_up(run, monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def literal_only(host, *args, **kwargs):
        ipaddress.ip_address(host)  # raises for a name: that would be a DNS lookup
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", literal_only)
    results = run(ping_many(["localhost", "router.school.local", "127.0.0.1"], timeout=1.0))
    for name in ("localhost", "router.school.local"):
        assert results[name].sent == 0
        assert "host names are not accepted" in results[name].error
    assert results["127.0.0.1"].received == 1


def test_rate_paces_the_echo_requests(run):
    addresses = [f"127.0.1.{i}" for i in range(1, 21)]
    started = time.monotonic()
    results = run(ping_many(addresses, timeout=1.0, rate=100.0))  # 20 echoes at 100/s: ≥ 0.19 s
    assert time.monotonic() - started >= 0.15
    assert all(r.received == 1 for r in results.values())


def test_many_addresses_with_small_concurrency(run):
    addresses = [f"127.0.{i // 250}.{i % 250 + 1}" for i in range(1000)]
    results = run(ping_many(addresses, timeout=1.0, concurrency=7))
    assert len(results) == 1000 and all(r.received == 1 for r in results.values())
