"""Probes take IP literals only: no host names, so no DNS lookups."""

from __future__ import annotations

import ipaddress

import pytest

from netmon.probes import parse_address


@pytest.mark.parametrize("text", ["127.0.0.1", "10.20.30.40", "::1", "fe80::1", " 192.0.2.7 "])
def test_it_accepts_ip_literals(text):
    assert parse_address(text) == ipaddress.ip_address(text.strip())


def test_it_accepts_ipaddress_objects():
    assert parse_address(ipaddress.IPv4Address("127.0.0.9")) == ipaddress.IPv4Address("127.0.0.9")


@pytest.mark.parametrize("name", ["localhost", "switch-01.school.local", "example.com", "router"])
def test_it_refuses_host_names_with_a_clear_message(name):
    with pytest.raises(ValueError, match="host names are not accepted"):
        parse_address(name)


@pytest.mark.parametrize("text", ["", "1.2.3", "256.1.1.1", "127.000.0.1", "1:2:3", "12345"])
def test_it_refuses_what_is_not_an_address(text):
    with pytest.raises(ValueError, match="not an IP address"):
        parse_address(text)


@pytest.mark.parametrize("text", ["0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"])
def test_it_refuses_addresses_that_are_not_unicast(text):
    with pytest.raises(ValueError, match="not a unicast address"):
        parse_address(text)


@pytest.mark.parametrize("value", [None, 2130706433, b"127.0.0.1"])
def test_it_refuses_non_strings(value):
    with pytest.raises(ValueError, match="must be a string"):
        parse_address(value)


@pytest.mark.parametrize("text", ["not-an-address!", "a b", "-router", "switch..local", "http://10.0.0.1/"])
def test_garbage_is_not_mistaken_for_a_host_name(text):
    with pytest.raises(ValueError, match="not an IP address"):
        parse_address(text)
