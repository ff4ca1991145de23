"""ICMP probe behaviour that needs no network: arguments, bad addresses, missing privileges."""

from __future__ import annotations

import asyncio

import pytest
from icmplib.exceptions import SocketPermissionError

from netmon.probes import IcmpUnavailable, PingResult, icmp_privileged, ping_many
from netmon.probes import icmp as icmp_module


def test_bad_addresses_get_error_results_and_open_no_socket(monkeypatch):
    def no_socket(*args, **kwargs):
        raise AssertionError("no socket should be opened for bad addresses only")

    monkeypatch.setattr(icmp_module, "_EchoSocket", no_socket)
    results = asyncio.run(ping_many(["printer.school.local", "999.1.1.1", "224.0.0.5"], privileged=True))
    assert list(results) == ["printer.school.local", "999.1.1.1", "224.0.0.5"]
    for result in results.values():
        assert result.sent == result.received == 0 and result.error and not result.ok
    assert "host names are not accepted" in results["printer.school.local"].error


@pytest.mark.parametrize("kwargs", [{"count": 0}, {"timeout": 0}, {"concurrency": 0}, {"rate": 0}, {"interval": -1}])
def test_it_refuses_nonsense_arguments(kwargs):
    with pytest.raises(ValueError):
        asyncio.run(ping_many(["127.0.0.1"], privileged=True, **kwargs))


def test_no_socket_of_either_kind_says_how_to_fix_it(monkeypatch):
    class Refused:
        def __init__(self, *args, privileged=True, **kwargs):
            raise SocketPermissionError(privileged)

    monkeypatch.setattr(icmp_module, "ICMPv4Socket", Refused)
    monkeypatch.setattr(icmp_module, "_privileged", None)
    with pytest.raises(IcmpUnavailable) as caught:
        icmp_privileged()
    message = str(caught.value)
    assert "CAP_NET_RAW" in message and "net.ipv4.ping_group_range" in message and "root" in message


def test_privileges_are_detected_once(monkeypatch):
    monkeypatch.setattr(icmp_module, "_privileged", False)
    assert icmp_privileged() is False  # cached: no socket is tried again


def test_ping_result_ok():
    assert PingResult("127.0.0.1", 1, 1, 0.1, 0.1).ok
    assert not PingResult("127.0.0.1", 1, 0, None, None).ok
