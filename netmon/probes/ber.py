"""SNMP v2c messages in BER: encode GET/GETBULK requests, decode responses. Pure Python.

Why this exists: PERF.md measured pysnmp spending ~0.1 ms of CPU per varbind in pyasn1,
and a routine poll is nothing but a v2c GET of a few known OIDs. Encoding one is a few
byte strings joined; decoding the answer is a walk over a few dozen bytes. This module
does exactly that and no more — SNMPv3 (USM authentication and privacy) stays with
pysnmp, which does it well.

Values come back as plain Python, the same for both paths (`netmon.probes.snmp` turns
pysnmp's values into these too):

- INTEGER → ``int``; Counter32, Gauge32, TimeTicks, Counter64 → the int subclasses below
  (a counter's width matters: a 32-bit counter wraps at 2**32);
- OCTET STRING, Opaque → ``bytes``; IpAddress → `IpAddress` (``bytes``);
- OBJECT IDENTIFIER → ``tuple`` of ints; NULL → ``None``;
- noSuchObject, noSuchInstance, endOfMibView → the `Missing` sentinels.

Anything malformed — truncated, over-long, wrong tags, trailing bytes, absurd lengths —
raises `BerError`; the decoder never trusts a length it has not checked against the
bytes it holds, so a hostile or broken packet costs at most one pass over itself.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "END_OF_MIB_VIEW",
    "ERROR_STATUS",
    "NO_SUCH_INSTANCE",
    "NO_SUCH_OBJECT",
    "BerError",
    "Counter32",
    "Counter64",
    "Gauge32",
    "IpAddress",
    "Missing",
    "Response",
    "TimeTicks",
    "decode_response",
    "encode_bulk",
    "encode_get",
    "encode_oid",
    "encode_varbinds",
]


class BerError(ValueError):
    """A packet that is not a well-formed SNMP v2c response."""


class Counter32(int):
    __slots__ = ()


class Gauge32(int):
    __slots__ = ()


class TimeTicks(int):
    __slots__ = ()


class Counter64(int):
    __slots__ = ()


class IpAddress(bytes):
    __slots__ = ()


class Missing:
    """An exception value in a varbind: the agent has no such object or instance."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:
        return self.name.upper()  # the module-level singleton of that name


NO_SUCH_OBJECT = Missing("no_such_object")
NO_SUCH_INSTANCE = Missing("no_such_instance")
END_OF_MIB_VIEW = Missing("end_of_mib_view")

#: RFC 3416 error-status values and their names.
ERROR_STATUS = {
    0: "noError",
    1: "tooBig",
    2: "noSuchName",
    3: "badValue",
    4: "readOnly",
    5: "genErr",
    6: "noAccess",
    7: "wrongType",
    8: "wrongLength",
    9: "wrongEncoding",
    10: "wrongValue",
    11: "noCreation",
    12: "inconsistentValue",
    13: "resourceUnavailable",
    14: "commitFailed",
    15: "undoFailed",
    16: "authorizationError",
    17: "notWritable",
    18: "inconsistentName",
}

_SEQUENCE, _INTEGER, _OCTETS, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06
_GET, _RESPONSE, _GETBULK = 0xA0, 0xA2, 0xA5
_VERSION_2C = 1
_MAX_OID_ARCS = 128  # RFC 2578
_MAX_ARC = 2**32 - 1

_UNSIGNED = {0x41: Counter32, 0x42: Gauge32, 0x43: TimeTicks, 0x46: Counter64}
_UNSIGNED_MAX = {0x41: 2**32 - 1, 0x42: 2**32 - 1, 0x43: 2**32 - 1, 0x46: 2**64 - 1}
_MISSING = {0x80: NO_SUCH_OBJECT, 0x81: NO_SUCH_INSTANCE, 0x82: END_OF_MIB_VIEW}


# -- encoding --------------------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(n: int) -> bytes:
    return _tlv(_INTEGER, n.to_bytes(n.bit_length() // 8 + 1, "big", signed=True))


def encode_oid(oid: tuple[int, ...]) -> bytes:
    """The BER encoding of an OBJECT IDENTIFIER (tag and length included)."""
    if len(oid) < 2 or oid[0] > 2 or (oid[0] < 2 and oid[1] > 39) or len(oid) > _MAX_OID_ARCS:
        raise ValueError(f"not an SNMP object identifier: {oid!r}")
    out = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        if not 0 <= arc <= (_MAX_ARC if out or oid[0] < 2 else _MAX_ARC + 80):
            raise ValueError(f"arc out of range in {oid!r}")
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _tlv(_OID, bytes(out))


# A poller asks for the same OIDs every cycle: encoded varbinds are kept (bounded).
_VARBIND_CACHE: dict[tuple[int, ...], bytes] = {}
_CACHE_MAX = 200_000


def _varbind(oid: tuple[int, ...]) -> bytes:
    encoded = _VARBIND_CACHE.get(oid)
    if encoded is None:
        encoded = _tlv(_SEQUENCE, encode_oid(oid) + b"\x05\x00")
        if len(_VARBIND_CACHE) >= _CACHE_MAX:
            _VARBIND_CACHE.clear()
        _VARBIND_CACHE[oid] = encoded
    return encoded


def encode_varbinds(oids: Iterable[tuple[int, ...]]) -> bytes:
    """The varbind list of a request (each OID with a NULL value), tag and length included."""
    return _tlv(_SEQUENCE, b"".join(map(_varbind, oids)))


def _message(community: bytes, pdu_tag: int, request_id: int, a: int, b: int, varbinds: bytes) -> bytes:
    pdu = _tlv(pdu_tag, _integer(request_id) + _integer(a) + _integer(b) + varbinds)
    return _tlv(_SEQUENCE, b"\x02\x01\x01" + _tlv(_OCTETS, community) + pdu)


def encode_get(request_id: int, community: bytes, varbinds: bytes) -> bytes:
    """A v2c GetRequest; `varbinds` from `encode_varbinds`."""
    return _message(community, _GET, request_id, 0, 0, varbinds)


def encode_bulk(request_id: int, community: bytes, max_repetitions: int, varbinds: bytes) -> bytes:
    """A v2c GetBulkRequest with no non-repeaters; `varbinds` from `encode_varbinds`."""
    return _message(community, _GETBULK, request_id, 0, max_repetitions, varbinds)


# -- decoding --------------------------------------------------------------------------


class Response:
    """A decoded GetResponse. `varbinds` is a list of (oid tuple, value)."""

    __slots__ = ("community", "error_index", "error_status", "request_id", "varbinds")

    def __init__(self, request_id: int, community: bytes, error_status: int, error_index: int, varbinds: list):
        self.request_id = request_id
        self.community = community
        self.error_status = error_status
        self.error_index = error_index
        self.varbinds = varbinds

    @property
    def error_name(self) -> str:
        return ERROR_STATUS.get(self.error_status, f"error-status {self.error_status}")


def _header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the TLV at `pos`, checked against `end`."""
    if pos + 2 > end:
        raise BerError("truncated")
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise BerError("bad length")  # 0: indefinite form, not allowed in SNMP
        n = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    stop = pos + n
    if stop > end:
        raise BerError("truncated")
    return tag, pos, stop


def _expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    got, start, stop = _header(data, pos, end)
    if got != tag:
        raise BerError(f"expected tag 0x{tag:02x}, got 0x{got:02x}")
    return start, stop


def _signed(data: bytes, start: int, stop: int) -> int:
    if not 0 < stop - start <= 9:
        raise BerError("bad integer")
    return int.from_bytes(data[start:stop], "big", signed=True)


# Agents answer every poll with the same OIDs: decoded ones are kept (bounded).
_OID_CACHE: dict[bytes, tuple[int, ...]] = {}


def _oid(raw: bytes) -> tuple[int, ...]:
    cached = _OID_CACHE.get(raw)
    if cached is not None:
        return cached
    if not raw or raw[-1] & 0x80:
        raise BerError("bad object identifier")
    arcs: list[int] = []
    arc = 0
    started = False
    for byte in raw:
        if not started and byte == 0x80:
            raise BerError("bad object identifier")  # a non-minimal arc
        arc = (arc << 7) | (byte & 0x7F)
        started = True
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
            started = False
    if len(arcs) + 1 > _MAX_OID_ARCS or any(a > _MAX_ARC for a in arcs[1:]):
        raise BerError("object identifier out of range")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    oid = head + tuple(arcs[1:])
    if len(_OID_CACHE) >= _CACHE_MAX:
        _OID_CACHE.clear()
    _OID_CACHE[raw] = oid
    return oid


def _value(data: bytes, tag: int, start: int, stop: int):
    if tag == _INTEGER:
        return _signed(data, start, stop)
    kind = _UNSIGNED.get(tag)
    if kind is not None:
        if not 0 < stop - start <= 9:
            raise BerError("bad counter")
        n = int.from_bytes(data[start:stop], "big", signed=True)
        if not 0 <= n <= _UNSIGNED_MAX[tag]:
            raise BerError("counter out of range")
        return kind(n)
    if tag == _OCTETS or tag == 0x44:  # OCTET STRING, Opaque
        return data[start:stop]
    if tag == _OID:
        return _oid(data[start:stop])
    if tag == _NULL:
        if stop != start:
            raise BerError("bad null")
        return None
    if tag == 0x40:
        if stop - start != 4:
            raise BerError("bad IpAddress")
        return IpAddress(data[start:stop])
    missing = _MISSING.get(tag)
    if missing is not None:
        return missing
    raise BerError(f"unknown value tag 0x{tag:02x}")


def decode_response(data: bytes) -> Response:
    """Decode a v2c GetResponse-PDU, or raise `BerError`."""
    end = len(data)
    start, stop = _expect(data, 0, end, _SEQUENCE)
    if stop != end:
        raise BerError("trailing bytes")
    vstart, pos = _expect(data, start, stop, _INTEGER)
    if _signed(data, vstart, pos) != _VERSION_2C:
        raise BerError("not SNMP v2c")
    cstart, pos = _expect(data, pos, stop, _OCTETS)
    community = data[cstart:pos]
    pdu_start, pdu_stop = _expect(data, pos, stop, _RESPONSE)
    if pdu_stop != stop:
        raise BerError("trailing bytes")
    s, pos = _expect(data, pdu_start, pdu_stop, _INTEGER)
    request_id = _signed(data, s, pos)
    s, pos = _expect(data, pos, pdu_stop, _INTEGER)
    error_status = _signed(data, s, pos)
    s, pos = _expect(data, pos, pdu_stop, _INTEGER)
    error_index = _signed(data, s, pos)
    pos, list_stop = _expect(data, pos, pdu_stop, _SEQUENCE)
    if list_stop != pdu_stop:
        raise BerError("trailing bytes")
    varbinds = []
    while pos < list_stop:
        pos, vb_stop = _expect(data, pos, list_stop, _SEQUENCE)
        s, pos = _expect(data, pos, vb_stop, _OID)
        oid = _oid(data[s:pos])
        tag, s, pos = _header(data, pos, vb_stop)
        if pos != vb_stop:
            raise BerError("trailing bytes in a varbind")
        varbinds.append((oid, _value(data, tag, s, pos)))
    return Response(request_id, community, error_status, error_index, varbinds)
