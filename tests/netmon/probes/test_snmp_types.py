"""Credentials, targets and readings: validation, secrets kept out of repr, counter widths."""

from __future__ import annotations

import asyncio

import pytest
from pyasn1.type import univ
from pysnmp.proto import rfc1902, rfc1905

from netmon.counters import counter_delta
from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c, SnmpV3, ber
from netmon.probes.snmp import (
    _ERROR_COLUMNS,
    _POLL_COLUMNS,
    IF_IN_NUCAST,
    IF_IN_OCTETS,
    IF_IN_UCAST,
    IF_OUT_OCTETS,
    _plain,
    _sum_counters,
    _text,
)

V3 = {
    "user": "monitor",
    "auth_protocol": "SHA",
    "auth_key": "auth-secret-1",
    "priv_protocol": "AES-128",
    "priv_key": "priv-secret-1",
}


def test_v2c_needs_a_community_and_hides_it():
    creds = SnmpV2c("s3cret-community")
    assert "s3cret" not in repr(creds)
    assert "s3cret" not in repr(SnmpTarget(1, "127.0.0.1", creds))
    with pytest.raises(ValueError, match="community"):
        SnmpV2c("")


def test_v3_repr_hides_both_keys():
    text = repr(SnmpTarget(1, "127.0.0.1", SnmpV3(**V3)))
    assert "monitor" in text and "SHA" in text
    assert "auth-secret" not in text and "priv-secret" not in text


@pytest.mark.parametrize("auth", ["SHA", "SHA-256", "SHA-384", "SHA-512"])
@pytest.mark.parametrize("priv", ["AES-128", "AES-256"])
def test_v3_accepts_the_protocols_we_support(auth, priv):
    SnmpV3(**{**V3, "auth_protocol": auth, "priv_protocol": priv})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user", ""),
        ("auth_protocol", "MD5"),
        ("auth_protocol", "sha"),
        ("priv_protocol", "DES"),
        ("priv_protocol", "AES"),
        ("auth_key", "short"),
        ("priv_key", "1234567"),
    ],
)
def test_v3_names_the_field_it_refuses(field, value):
    with pytest.raises(ValueError, match=f"^{field}:"):
        SnmpV3(**{**V3, field: value})


def test_target_takes_lists_and_drops_duplicates():
    target = SnmpTarget("k", "127.0.0.1", SnmpV2c("public"), interfaces=[3, 1, 3], processors=[768])
    assert target.interfaces == (3, 1) and target.processors == (768,)
    hash(target)  # frozen and hashable: usable as a key


@pytest.mark.parametrize(
    "kwargs",
    [{"port": 0}, {"port": 70000}, {"timeout": 0}, {"retries": -1}, {"interfaces": (0,)}, {"processors": ("1",)}],
)
def test_target_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        SnmpTarget(1, "127.0.0.1", SnmpV2c("public"), **kwargs)


def test_poll_deadline_covers_discovery_get_and_fallback():
    target = SnmpTarget(1, "127.0.0.1", SnmpV2c("public"), timeout=2.0, retries=1)
    assert target.poll_deadline() == 3 * 2.0 * 2 + 1.0


def test_sum_of_counters_keeps_the_narrowest_width():
    assert _sum_counters([]) == (None, 64)
    assert _sum_counters([(2**64 - 1, 64), (2, 64)]) == (1, 64)
    # one 32-bit part makes the sum a 32-bit counter, which wraps like one
    total, bits = _sum_counters([(2**32 - 1, 32), (5, 64)])
    assert (total, bits) == (4, 32)


def test_a_sum_of_32_bit_parts_wraps_like_one_counter():
    before, _ = _sum_counters([(2**32 - 10, 32), (100, 32)])
    after, bits = _sum_counters([(5, 32), (130, 32)])  # the first part wrapped
    assert counter_delta(before, after, bits=bits) == 15 + 30


def _reading(row, extra=None):
    values = {**(extra or {})}
    return SnmpClient._reading(7, {name: row.get(name) for name in {**_POLL_COLUMNS, **_ERROR_COLUMNS}}, values)


def test_a_row_with_no_values_is_absent():
    reading = _reading({})
    assert not reading.present
    assert reading.admin is reading.oper is reading.in_octets is reading.in_packets is None


def test_64_bit_columns_make_64_bit_readings():
    reading = _reading(
        {
            "admin": (1),
            "oper": (2),
            "in_octets": ber.Counter64(2**40),
            "out_octets": ber.Counter64(7),
            "in_errors": ber.Counter32(3),
            "out_errors": ber.Counter32(4),
            "ucast": ber.Counter64(100),
            "mcast": ber.Counter64(20),
            "bcast": ber.Counter64(3),
        }
    )
    assert reading.present and (reading.admin, reading.oper) == (1, 2)
    assert (reading.in_octets, reading.out_octets, reading.octets_bits) == (2**40, 7, 64)
    assert (reading.in_errors, reading.out_errors) == (3, 4)
    assert (reading.in_packets, reading.packets_bits) == (123, 64)


def test_missing_64_bit_columns_fall_back_to_32_bit_ones():
    row = {"admin": (1), "oper": (1), "in_errors": ber.Counter32(0)}
    fallback = {
        IF_IN_OCTETS + (7,): ber.Counter32(1000),
        IF_OUT_OCTETS + (7,): ber.Counter32(2000),
        IF_IN_UCAST + (7,): ber.Counter32(2**32 - 1),
        IF_IN_NUCAST + (7,): ber.Counter32(2),
    }
    reading = _reading(row, fallback)
    assert (reading.in_octets, reading.out_octets, reading.octets_bits) == (1000, 2000, 32)
    assert (reading.in_packets, reading.packets_bits) == (1, 32)  # (2**32 - 1 + 2) mod 2**32
    assert reading.out_errors is None


def test_text_values():
    assert _text(b"Gi0/1\x00") == "Gi0/1"
    assert _text(b"caf\xe9") == "café"  # not UTF-8: read as Latin-1
    assert _text((1, 3, 6, 1, 4, 1, 9)) == "1.3.6.1.4.1.9"
    assert _text(ber.NO_SUCH_OBJECT) == ""
    assert _text(None) == ""


@pytest.mark.parametrize(
    ("value", "plain", "kind"),
    [
        (rfc1902.Integer32(-5), -5, int),
        (rfc1902.Counter32(2**32 - 1), 2**32 - 1, ber.Counter32),
        (rfc1902.Gauge32(7), 7, ber.Gauge32),
        (rfc1902.Unsigned32(8), 8, ber.Gauge32),
        (rfc1902.TimeTicks(123), 123, ber.TimeTicks),
        (rfc1902.Counter64(2**64 - 1), 2**64 - 1, ber.Counter64),
        (rfc1902.OctetString(b"\x00ab"), b"\x00ab", bytes),
        (rfc1902.IpAddress("127.0.0.1"), b"\x7f\x00\x00\x01", ber.IpAddress),
        (rfc1902.ObjectIdentifier((1, 3, 6, 1)), (1, 3, 6, 1), tuple),
        (univ.Null(""), None, type(None)),
        (rfc1905.noSuchObject, ber.NO_SUCH_OBJECT, ber.Missing),
        (rfc1905.noSuchInstance, ber.NO_SUCH_INSTANCE, ber.Missing),
        (rfc1905.endOfMibView, ber.END_OF_MIB_VIEW, ber.Missing),
    ],
)
def test_pysnmp_values_become_the_plain_values_the_v2c_codec_gives(value, plain, kind):
    """v3 answers (pysnmp) and v2c answers (our codec) reach the readings as the same values."""
    converted = _plain(value)
    assert type(converted) is kind
    assert converted == plain or converted is plain


def test_the_client_must_be_opened_first():
    async def run():
        with pytest.raises(RuntimeError, match="async with SnmpClient"):
            await SnmpClient().poll(SnmpTarget(1, "127.0.0.1", SnmpV2c("public")))

    asyncio.run(run())


def test_a_host_name_is_refused_without_any_lookup(monkeypatch):
    import socket

    def no_dns(*args, **kwargs):
        raise AssertionError(f"a name lookup was attempted: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket, "gethostbyname", no_dns)

    async def run():
        async with SnmpClient() as client:
            return await client.poll(SnmpTarget(1, "switch.school.local", SnmpV2c("public")))

    result = asyncio.run(run())
    assert not result.ok and result.error.startswith("invalid address: host names are not accepted")
