"""The v2c codec against pysnmp's (pyasn1's) encoder and decoder, and against broken packets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder as pyasn1_decoder
from pysnmp.proto import rfc1902, rfc1905

from netmon.probes import ber
from netmon.probes.snmp import _plain
from tests.snmp_packets import P, pysnmp_response

oids = st.tuples(st.integers(0, 1), st.integers(0, 39)).flatmap(
    lambda head: st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=20).map(lambda rest: head + tuple(rest))
) | st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=20).map(lambda rest: (2, 100, *rest))

values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(rfc1902.Integer32),
    st.integers(0, 2**32 - 1).map(rfc1902.Counter32),
    st.integers(0, 2**32 - 1).map(rfc1902.Gauge32),
    st.integers(0, 2**32 - 1).map(rfc1902.TimeTicks),
    st.integers(0, 2**64 - 1).map(rfc1902.Counter64),
    st.binary(max_size=300).map(rfc1902.OctetString),
    st.binary(min_size=4, max_size=4).map(rfc1902.IpAddress),
    oids.map(rfc1902.ObjectIdentifier),
    st.sampled_from([rfc1905.noSuchObject, rfc1905.noSuchInstance, rfc1905.endOfMibView]),
)


def pysnmp_decode(packet: bytes):
    message, rest = pyasn1_decoder.decode(packet, asn1Spec=P.Message())
    assert rest == b""
    return message


@settings(max_examples=300, deadline=None)
@given(
    request_id=st.integers(-(2**31), 2**31 - 1),
    community=st.binary(min_size=1, max_size=40),
    binds=st.lists(st.tuples(oids, values), max_size=12),
    status=st.integers(0, 18),
    index=st.integers(0, 12),
)
def test_it_decodes_what_pysnmp_encodes(request_id, community, binds, status, index):
    packet = pysnmp_response(request_id, community, binds, status, index)
    response = ber.decode_response(packet)
    assert (response.request_id, response.community) == (request_id, community)
    assert (response.error_status, response.error_index) == (status, index)
    assert len(response.varbinds) == len(binds)
    for (oid, value), (want_oid, want_value) in zip(response.varbinds, binds, strict=True):
        assert oid == tuple(want_oid)
        expected = _plain(want_value)
        assert type(value) is type(expected)
        assert value == expected or value is expected


@settings(max_examples=200, deadline=None)
@given(
    request_id=st.integers(0, 2**31 - 1),
    community=st.binary(min_size=1, max_size=40),
    asked=st.lists(oids, min_size=1, max_size=40),
    repetitions=st.integers(0, 100),
)
def test_pysnmp_reads_the_requests_it_encodes(request_id, community, asked, repetitions):
    varbinds = ber.encode_varbinds(asked)
    for packet, kind in (
        (ber.encode_get(request_id, community, varbinds), P.GetRequestPDU),
        (ber.encode_bulk(request_id, community, repetitions, varbinds), P.GetBulkRequestPDU),
    ):
        message = pysnmp_decode(packet)
        assert int(message["version"]) == 1
        assert bytes(P.apiMessage.get_community(message)) == community
        pdu = P.apiMessage.get_pdu(message)
        assert pdu.tagSet == kind.tagSet
        assert int(P.apiPDU.get_request_id(pdu)) == request_id
        if kind is P.GetBulkRequestPDU:
            assert int(P.apiBulkPDU.get_non_repeaters(pdu)) == 0
            assert int(P.apiBulkPDU.get_max_repetitions(pdu)) == repetitions
        got = [(tuple(name), value) for name, value in P.apiPDU.get_varbinds(pdu)]
        assert [oid for oid, _ in got] == [tuple(oid) for oid in asked]
        assert all(value.tagSet == rfc1902.Null().tagSet for _, value in got)


def test_a_real_poll_answer():
    """sysUpTime, ifOperStatus.1 and ifHCInOctets.1 as an agent sends them."""
    packet = pysnmp_response(
        7,
        b"public",
        [
            ((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(123456)),
            ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 1), rfc1902.Integer32(1)),
            ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), rfc1902.Counter64(2**40 + 5)),
            ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 99), rfc1905.noSuchInstance),
        ],
    )
    response = ber.decode_response(packet)
    assert response.error_name == "noError"
    assert response.varbinds == [
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), 123456),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 1), 1),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 1), 2**40 + 5),
        ((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, 99), ber.NO_SUCH_INSTANCE),
    ]
    assert isinstance(response.varbinds[2][1], ber.Counter64)
    assert isinstance(response.varbinds[0][1], ber.TimeTicks)


GOOD = pysnmp_response(
    42,
    b"public",
    [((1, 3, 6, 1, 2, 1, 1, 3, 0), rfc1902.TimeTicks(5)), ((1, 3, 6, 1, 2, 1, 1, 5, 0), rfc1902.OctetString(b"sw"))],
)


@pytest.mark.parametrize("cut", range(len(GOOD)))
def test_every_truncation_is_refused(cut):
    with pytest.raises(ber.BerError):
        ber.decode_response(GOOD[:cut])


def test_trailing_bytes_are_refused():
    with pytest.raises(ber.BerError):
        ber.decode_response(GOOD + b"\x00")


@pytest.mark.parametrize(
    ("packet", "why"),
    [
        (b"", "truncated"),
        (b"\x30\x84\xff\xff\xff\xff" + GOOD[2:], "truncated"),  # a length far past the packet
        (b"\x30\x80" + GOOD[2:] + b"\x00\x00", "bad length"),  # indefinite length
        (b"\x30\x89" + b"\x01" * 9, "bad length"),  # a 9-byte length
        (GOOD.replace(b"\xa2", b"\xa0", 1), "expected tag"),  # a GetRequest, not a response
        (GOOD.replace(b"\x02\x01\x01", b"\x02\x01\x00", 1), "not SNMP v2c"),  # v1
        (GOOD.replace(b"\x02\x01\x01", b"\x02\x01\x03", 1), "not SNMP v2c"),  # v3
    ],
)
def test_malformed_packets_say_why(packet, why):
    with pytest.raises(ber.BerError, match=why):
        ber.decode_response(packet)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_garbage_raises_only_ber_error(data):
    try:
        ber.decode_response(data)
    except ber.BerError:
        pass


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(GOOD) - 1), byte=st.integers(0, 255))
def test_a_flipped_byte_decodes_or_raises_ber_error(position, byte):
    corrupt = GOOD[:position] + bytes((byte,)) + GOOD[position + 1 :]
    try:
        ber.decode_response(corrupt)
    except ber.BerError:
        pass


def raw_response(*raw_values: bytes) -> bytes:
    """A response whose varbinds carry these raw value TLVs (built by hand, to be wrong on purpose)."""
    binds = b"".join(ber._tlv(0x30, ber.encode_oid((1, 3, 6, 1, i)) + raw) for i, raw in enumerate(raw_values))
    pdu = ber._tlv(0xA2, ber._integer(1) + ber._integer(0) + ber._integer(0) + ber._tlv(0x30, binds))
    return ber._tlv(0x30, b"\x02\x01\x01" + ber._tlv(0x04, b"c") + pdu)


def test_hand_built_values_decode():
    response = ber.decode_response(raw_response(b"\x41\x05\x00\xff\xff\xff\xff", b"\x46\x01\x07", b"\x05\x00"))
    assert [value for _, value in response.varbinds] == [2**32 - 1, 7, None]


@pytest.mark.parametrize(
    "raw",
    [
        b"\x41\x05\x01\x00\x00\x00\x00",  # Counter32 of 2**32
        b"\x41\x01\xff",  # a negative Counter32
        b"\x46\x09\x01" + b"\x00" * 8,  # Counter64 of 2**64
        b"\x02\x00",  # an INTEGER with no content
        b"\x02\x0a" + b"\x01" * 10,  # an INTEGER of 80 bits
        b"\x40\x03\x7f\x00\x01",  # a 3-byte IpAddress
        b"\x05\x01\x00",  # a NULL with content
        b"\x06\x02\x2b\x86",  # an OID cut in the middle of an arc
        b"\x06\x03\x2b\x80\x01",  # an OID arc with a leading zero byte
        b"\x31\x00",  # a SET is not a value
        b"\x83\x00",  # an unknown exception value
    ],
)
def test_impossible_values_are_refused(raw):
    with pytest.raises(ber.BerError):
        ber.decode_response(raw_response(raw))


def test_object_identifiers_must_be_valid():
    with pytest.raises(ValueError):
        ber.encode_oid((3, 1))
    with pytest.raises(ValueError):
        ber.encode_oid((1, 40))
    with pytest.raises(ValueError):
        ber.encode_oid((1, 3, 2**32))
    assert ber.encode_oid((1, 3, 6, 1, 2, 1, 1, 3, 0)) == bytes.fromhex("06082b06010201010300")
    assert ber.encode_oid((2, 999, 3)) == bytes.fromhex("0603883703")  # X.690's own example


def test_missing_values_survive_pickling():
    import pickle

    assert pickle.loads(pickle.dumps(ber.NO_SUCH_INSTANCE)) is ber.NO_SUCH_INSTANCE
