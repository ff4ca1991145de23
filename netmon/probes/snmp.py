"""SNMP probes: a cheap GET per poll, GETBULK for discovery; v2c on our own codec, v3 on pysnmp.

PERF.md is the reason for the shape of this module: pysnmp spends its CPU per varbind
(pyasn1 decoding), so a *poll* GETs only sysUpTime and the few columns of the monitored
interfaces (and the known processors) by instance, while *discovery* (system group,
ifTable/ifXTable, hrProcessorLoad) runs rarely.

Two paths, one set of values
----------------------------
- **v2c** — nearly every school device — is encoded and decoded by `netmon.probes.ber`
  on one UDP socket per address family. A v2c GET is a handful of known bytes; doing it
  ourselves costs a small fraction of pysnmp's CPU per device, which is what lets one
  poller keep up with a directorate (bench/RESULTS.md). Answers are matched by request
  id, source address and community; anything else is dropped and counted
  (`SnmpClient.dropped_packets`).
- **v3** (authPriv) goes through pysnmp's engine — created on the first v3 target — and
  its command generators with numeric OIDs (no MIB resolution, `lookupMib=False`), the
  target configured with the hlapi's own LCD configurator; its UDP socket gets the same
  4 MiB receive buffer (with the default, bursts of responses were dropped and waited
  for a retry). pysnmp keeps one USM row per user name, so two targets with the same
  user name but different keys take turns (`_UsmGate`); the same keys share freely.
- Both hand back the plain values of `netmon.probes.ber` (ints and counter types,
  bytes, OID tuples, `ber.Missing`).
- Addresses are IP literals only; nothing here resolves a name, so no DNS lookup can
  happen and no executor thread is involved.

Errors
------
`PollResult.error` / `Discovery.error` is "timeout" (no answer: a dead agent, a closed
port and a wrong community all look like this), "authentication" (v3: wrong keys,
unknown user, wrong security level), the agent's error-status name ("genErr", …),
"invalid address: …" or another short text. `detail` carries the longer explanation.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from pyasn1.type import univ
from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config as engine_config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.hlapi.v3arch.asyncio import auth
from pysnmp.hlapi.v3arch.asyncio.auth import UsmUserData
from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
from pysnmp.hlapi.v3arch.asyncio.transport import Udp6TransportTarget, UdpTransportTarget
from pysnmp.proto import errind, rfc1902, rfc1905
from pysnmp.proto import error as pysnmp_error

from netmon.probes import ber
from netmon.probes.addresses import parse_address

__all__ = [
    "AUTH_PROTOCOLS",
    "PRIV_PROTOCOLS",
    "Discovery",
    "InterfaceInfo",
    "InterfaceReading",
    "PollResult",
    "SnmpClient",
    "SnmpTarget",
    "SnmpV2c",
    "SnmpV3",
]

log = logging.getLogger(__name__)

# -- credentials and targets -----------------------------------------------------------

#: v3 authentication protocols we accept, and pysnmp's name for each.
AUTH_PROTOCOLS = {
    "SHA": auth.USM_AUTH_HMAC96_SHA,
    "SHA-256": auth.USM_AUTH_HMAC192_SHA256,
    "SHA-384": auth.USM_AUTH_HMAC256_SHA384,
    "SHA-512": auth.USM_AUTH_HMAC384_SHA512,
}
#: v3 privacy protocols. AES-256 derives its longer key as net-snmp's "AES-256" does
#: (Blumenthal); "AES-256-C" is Cisco's variant (Reeder), which differs only with SHA-1.
PRIV_PROTOCOLS = {
    "AES-128": auth.USM_PRIV_CFB128_AES,
    "AES-256": auth.USM_PRIV_CFB256_AES_BLUMENTHAL,
    "AES-256-C": auth.USM_PRIV_CFB256_AES,
}
_MIN_KEY_LENGTH = 8  # RFC 3414 (and net-snmp) refuse shorter pass phrases


@dataclass(frozen=True)
class SnmpV2c:
    community: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.community, str) or not self.community:
            raise ValueError("community: an SNMP v2c community must be a non-empty string")


@dataclass(frozen=True)
class SnmpV3:
    """SNMPv3 USM credentials, authPriv only. The keys are pass phrases; repr hides them."""

    user: str
    auth_protocol: str
    auth_key: str = field(repr=False)
    priv_protocol: str
    priv_key: str = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.user, str) or not self.user:
            raise ValueError("user: an SNMPv3 user name must be a non-empty string")
        if self.auth_protocol not in AUTH_PROTOCOLS:
            raise ValueError(f"auth_protocol: {self.auth_protocol!r} is not one of {', '.join(AUTH_PROTOCOLS)}")
        if self.priv_protocol not in PRIV_PROTOCOLS:
            raise ValueError(f"priv_protocol: {self.priv_protocol!r} is not one of {', '.join(PRIV_PROTOCOLS)}")
        for name in ("auth_key", "priv_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or len(value) < _MIN_KEY_LENGTH:
                raise ValueError(f"{name}: an SNMPv3 pass phrase must have at least {_MIN_KEY_LENGTH} characters")

    def _fingerprint(self) -> str:
        text = "\0".join((self.user, self.auth_protocol, self.auth_key, self.priv_protocol, self.priv_key))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SnmpTarget:
    """One device to poll. `key` is the caller's (e.g. the target's id); it comes back in results.

    `interfaces` are the monitored ifIndex values, `processors` the hrProcessorLoad
    instances that discovery found. Lists are accepted and stored as tuples. A poll reads
    each interface's status and octet counters; `errors=True` adds the error and packet
    counters (ifInErrors, ifOutErrors, unicast/multicast/broadcast packets), which only an
    error-rate check needs — the cost of a poll is its number of varbinds (PERF.md).
    """

    key: Hashable
    address: str
    credentials: SnmpV2c | SnmpV3
    port: int = 161
    timeout: float = 2.0
    retries: int = 1
    interfaces: tuple[int, ...] = ()
    processors: tuple[int, ...] = ()
    errors: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.credentials, SnmpV2c | SnmpV3):
            raise ValueError("credentials: must be SnmpV2c or SnmpV3")
        if not isinstance(self.port, int) or not 1 <= self.port <= 65535:
            raise ValueError(f"port: {self.port!r} is not a UDP port")
        if not 0 < self.timeout <= 60:
            raise ValueError(f"timeout: {self.timeout!r} must be in (0, 60] seconds")
        if not isinstance(self.retries, int) or not 0 <= self.retries <= 10:
            raise ValueError(f"retries: {self.retries!r} must be 0..10")
        for name in ("interfaces", "processors"):
            values = tuple(getattr(self, name))
            if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in values):
                raise ValueError(f"{name}: must be positive integers (SNMP table indices)")
            object.__setattr__(self, name, tuple(dict.fromkeys(values)))  # no duplicates, order kept

    def poll_deadline(self) -> float:
        """The longest one poll may take: v3 engine discovery, the GET and the 32-bit fallback GET."""
        return 3 * self.timeout * (self.retries + 1) + 1.0


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InterfaceReading:
    """One monitored interface in one poll. Counters are ints; `*_bits` says their width.

    `in_packets` is unicast + multicast + broadcast packets received (the 64-bit columns
    when the agent has them); when it is made of 32-bit parts, or mixes widths, it is
    their sum modulo 2**32 so that `netmon.counters.counter_delta(bits=32)` still sees one
    counter that wraps. `present` is False when the agent no longer has this ifIndex.
    """

    if_index: int
    present: bool
    admin: int | None
    oper: int | None
    in_octets: int | None
    out_octets: int | None
    octets_bits: int
    in_errors: int | None
    out_errors: int | None
    in_packets: int | None
    packets_bits: int


@dataclass(frozen=True)
class PollResult:
    key: Hashable
    address: str
    ok: bool
    error: str | None
    uptime_ticks: int | None
    interfaces: dict[int, InterfaceReading]
    cpu_load: dict[int, int]
    elapsed_ms: float
    detail: str | None = None  # pysnmp's words for the error, for the log and the operator


@dataclass(frozen=True)
class InterfaceInfo:
    if_index: int
    name: str
    descr: str
    alias: str
    if_type: int | None
    speed_bps: int | None
    admin: int | None
    oper: int | None
    counters64: bool


@dataclass(frozen=True)
class Discovery:
    key: Hashable
    address: str
    ok: bool
    error: str | None
    sys_descr: str
    sys_object_id: str
    sys_uptime_ticks: int | None
    sys_name: str
    sys_location: str
    sys_contact: str
    interfaces: dict[int, InterfaceInfo]
    processors: tuple[int, ...]
    cpu_load: dict[int, int]
    elapsed_ms: float
    detail: str | None = None


# -- OIDs ------------------------------------------------------------------------------

_SYSTEM = (1, 3, 6, 1, 2, 1, 1)
SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_CONTACT, SYS_NAME, SYS_LOCATION = (
    _SYSTEM + (n, 0) for n in (1, 2, 3, 4, 5, 6)
)
IF_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)  # ifTable
IFX_ENTRY = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)  # ifXTable
HR_PROCESSOR_LOAD = (1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2)

IF_DESCR, IF_TYPE, IF_SPEED, IF_ADMIN, IF_OPER = (IF_ENTRY + (c,) for c in (2, 3, 5, 7, 8))
IF_IN_OCTETS, IF_IN_UCAST, IF_IN_NUCAST, IF_IN_ERRORS, IF_OUT_OCTETS, IF_OUT_ERRORS = (
    IF_ENTRY + (c,) for c in (10, 11, 12, 14, 16, 20)
)
IFX_NAME, IFX_IN_MCAST, IFX_IN_BCAST = (IFX_ENTRY + (c,) for c in (1, 2, 3))
IFX_HC_IN_OCTETS, IFX_HC_IN_UCAST, IFX_HC_IN_MCAST, IFX_HC_IN_BCAST, IFX_HC_OUT_OCTETS = (
    IFX_ENTRY + (c,) for c in (6, 7, 8, 9, 10)
)
IFX_HIGH_SPEED, IFX_ALIAS = (IFX_ENTRY + (c,) for c in (15, 18))

# What one poll asks per monitored interface (the error counters only with `errors`), and
# the 32-bit column to fall back to.
_POLL_COLUMNS = {
    "admin": IF_ADMIN,
    "oper": IF_OPER,
    "in_octets": IFX_HC_IN_OCTETS,
    "out_octets": IFX_HC_OUT_OCTETS,
}
_ERROR_COLUMNS = {
    "in_errors": IF_IN_ERRORS,
    "out_errors": IF_OUT_ERRORS,
    "ucast": IFX_HC_IN_UCAST,
    "mcast": IFX_HC_IN_MCAST,
    "bcast": IFX_HC_IN_BCAST,
}
_FALLBACK_COLUMNS = {
    "in_octets": IF_IN_OCTETS,
    "out_octets": IF_OUT_OCTETS,
    "ucast": IF_IN_UCAST,
    "mcast": IFX_IN_MCAST,
    "bcast": IFX_IN_BCAST,
}
# Read by discovery with GETBULK, each column up to its end.
_DISCOVERY_COLUMNS = {
    "descr": IF_DESCR,
    "type": IF_TYPE,
    "speed": IF_SPEED,
    "admin": IF_ADMIN,
    "oper": IF_OPER,
    "name": IFX_NAME,
    "hc_in": IFX_HC_IN_OCTETS,
    "high_speed": IFX_HIGH_SPEED,
    "alias": IFX_ALIAS,
    "cpu": HR_PROCESSOR_LOAD,
}

# -- values ----------------------------------------------------------------------------
# Both paths hand over plain values (`netmon.probes.ber`): ints (with the counter types
# as int subclasses), bytes, OID tuples, None, and the `ber.Missing` sentinels.


def _plain(value: Any) -> Any:
    """A pysnmp value as the plain value `netmon.probes.ber` decodes the same bytes to."""
    for kind, missing in _PYSNMP_MISSING:
        if isinstance(value, kind):
            return missing
    if isinstance(value, univ.Integer):
        for kind, plain in _PYSNMP_UNSIGNED:
            if isinstance(value, kind):
                return plain(int(value))
        return int(value)
    if isinstance(value, univ.Null):  # a subclass of OctetString in pyasn1
        return None
    if isinstance(value, rfc1902.IpAddress):
        return ber.IpAddress(value.asOctets())
    if isinstance(value, univ.OctetString):
        return value.asOctets()
    if isinstance(value, univ.ObjectIdentifier):
        return tuple(value.asTuple())
    raise TypeError(f"an SNMP value of an unknown type: {type(value).__name__}")


_PYSNMP_MISSING = (
    (rfc1905.NoSuchObject, ber.NO_SUCH_OBJECT),
    (rfc1905.NoSuchInstance, ber.NO_SUCH_INSTANCE),
    (rfc1905.EndOfMibView, ber.END_OF_MIB_VIEW),
)
_PYSNMP_UNSIGNED = (
    (rfc1902.Counter64, ber.Counter64),
    (rfc1902.Counter32, ber.Counter32),
    (rfc1902.TimeTicks, ber.TimeTicks),
    (rfc1902.Gauge32, ber.Gauge32),
    (rfc1902.Unsigned32, ber.Gauge32),  # the same tag on the wire
)


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return None


def _counter(value: Any) -> tuple[int, int] | None:
    """(value, bits) of a counter; a 32-bit width unless the agent sent a Counter64."""
    if isinstance(value, ber.Counter64):
        return int(value) % 2**64, 64
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return int(value) % 2**32, 32
    return None


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        raw = value.rstrip(b"\0")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    if isinstance(value, tuple):
        return ".".join(str(n) for n in value)
    if value is None or isinstance(value, ber.Missing):
        return ""
    return str(value)


def _sum_counters(parts: Sequence[tuple[int, int]]) -> tuple[int | None, int]:
    """Several counters as one: (sum modulo 2**bits, bits); 32 bits if any part is 32-bit."""
    if not parts:
        return None, 64
    bits = 64 if all(b == 64 for _, b in parts) else 32
    return sum(v for v, _ in parts) % 2**bits, bits


# -- errors ----------------------------------------------------------------------------

_AUTH_INDICATIONS = (
    errind.WrongDigest,
    errind.UnknownUserName,
    errind.DecryptionError,
    errind.AuthenticationError,
    errind.AuthenticationFailure,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.UnknownCommunityName,
)


class _SnmpFailure(Exception):
    def __init__(self, error: str, detail: str | None = None):
        super().__init__(error)
        self.error = error
        self.detail = detail


def _indication_failure(indication: Any) -> _SnmpFailure:
    detail = str(indication)
    if isinstance(indication, errind.RequestTimedOut):
        return _SnmpFailure("timeout", detail)
    if isinstance(indication, _AUTH_INDICATIONS):
        return _SnmpFailure("authentication", detail)
    return _SnmpFailure(detail or "error", detail)


def _sync_failure(exc: Exception) -> _SnmpFailure:
    if isinstance(exc, pysnmp_error.StatusInformation) and exc.get("errorIndication"):
        return _indication_failure(exc["errorIndication"])
    return _SnmpFailure("error", repr(exc))


# -- transport targets that never resolve names ----------------------------------------


class _UdpTarget(UdpTransportTarget):
    async def _resolve_address(self, transportAddr: tuple) -> tuple[str, int]:
        return transportAddr[0], transportAddr[1]  # already a validated IPv4 literal


class _Udp6Target(Udp6TransportTarget):
    async def _resolve_address(self, transportAddr: tuple) -> tuple:
        return transportAddr[0], transportAddr[1], 0, 0  # already a validated IPv6 literal


# -- the v3 gate -----------------------------------------------------------------------


class _UsmGate:
    """Targets that share a v3 user name but not its keys take turns, first come first served.

    Holders with the same keys share the turn. No locks: everything here runs between
    two awaits of one event loop, and a waiter that is cancelled simply leaves the queue.
    """

    def __init__(self) -> None:
        self._active: dict[str, list] = {}  # user → [fingerprint, holders]
        self._waiting: dict[str, deque[tuple[str, asyncio.Future]]] = {}

    @asynccontextmanager
    async def hold(self, credentials: SnmpV3):
        user, fingerprint = credentials.user, credentials._fingerprint()
        active = self._active.get(user)
        if not self._waiting.get(user) and (active is None or active[0] == fingerprint):
            self._enter(user, fingerprint)
        else:
            future = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(user, deque()).append((fingerprint, future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():
                    self._leave(user)  # let in just as we were cancelled: give the turn back
                else:
                    self._admit(user)
                raise
        try:
            yield
        finally:
            self._leave(user)

    def _enter(self, user: str, fingerprint: str) -> None:
        active = self._active.setdefault(user, [fingerprint, 0])
        active[1] += 1

    def _leave(self, user: str) -> None:
        active = self._active[user]
        active[1] -= 1
        if active[1] == 0:
            del self._active[user]
        self._admit(user)

    def _admit(self, user: str) -> None:
        queue = self._waiting.get(user)
        while queue:  # bounded: every turn of the loop removes one waiter
            fingerprint, future = queue[0]
            if future.done():  # cancelled while waiting
                queue.popleft()
                continue
            active = self._active.get(user)
            if active is not None and active[0] != fingerprint:
                break
            queue.popleft()
            self._enter(user, fingerprint)
            future.set_result(None)
        if not queue:
            self._waiting.pop(user, None)


# -- v2c on our own socket ---------------------------------------------------------------


class _Expired(Exception):
    """One try of a request waited its whole timeout."""


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_exception(_Expired())


class _V2cSocket(asyncio.DatagramProtocol):
    """One UDP socket for all the v2c requests of a client, for one address family.

    An answer is accepted only for a request in flight with its request id, from the
    address and port it was sent to, with the same community. Everything else — late
    answers, duplicates, strangers, garbage, truncated or oversized packets — is dropped
    and counted, and never disturbs the requests in flight.
    """

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[asyncio.Future, tuple, bytes]] = {}
        self.dropped = 0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple) -> None:
        try:
            response = ber.decode_response(data)
        except ber.BerError as exc:
            self._drop(addr, f"not a v2c response ({exc})")
            return
        entry = self.pending.get(response.request_id)
        if entry is None:
            self._drop(addr, "no request in flight with its request id")
            return
        future, peer, community = entry
        if addr[0] != peer[0] or addr[1] != peer[1] or response.community != community:
            self._drop(addr, "wrong source address or community")
            return
        if not future.done():
            future.set_result(response)

    def error_received(self, exc: Exception) -> None:
        log.debug("SNMP socket error: %s", exc)

    def connection_lost(self, exc: Exception | None) -> None:
        for future, _peer, _community in self.pending.values():
            if not future.done():
                future.set_exception(_SnmpFailure("error", f"the SNMP socket closed: {exc}"))

    def _drop(self, addr: tuple, why: str) -> None:
        self.dropped += 1
        log.debug("dropped an SNMP packet from %s: %s", addr[:2], why)


# -- sessions: one target, one operation ------------------------------------------------


@dataclass
class _Session:
    """Where and how to send one target's requests: our v2c socket, or pysnmp for v3."""

    target: SnmpTarget
    peer: tuple  # (address, port) as the socket reports the source of an answer
    family: int
    community: bytes = b""  # v2c
    addr_name: str = ""  # v3: pysnmp's target name


#: A request's outcome on either path: (error-status, error-index, [(oid, plain value)]).
_Answer = tuple[int, int, list]


# -- the client ------------------------------------------------------------------------


class SnmpClient:
    """Polls and discovers SNMP agents. `async with SnmpClient() as client: await client.poll(t)`.

    v2c requests are encoded and decoded here (`netmon.probes.ber`) on one UDP socket per
    address family; v3 goes through pysnmp's engine (USM authentication and privacy),
    created on the first v3 target. Both return the same plain values.

    - `max_varbinds`: varbinds per GET PDU; larger requests are split (and a "tooBig"
      answer splits further).
    - `max_repetitions`: GETBULK repetitions per column in discovery.
    - `max_table_rows`: discovery reads at most this many rows of a table column.
    - `discover_deadline`: the longest one discovery may take, in seconds.
    - `rcvbuf`: the UDP receive buffer in bytes (PERF.md: 4 MiB).
    """

    def __init__(
        self,
        *,
        max_varbinds: int = 40,
        max_repetitions: int = 10,
        max_table_rows: int = 10_000,
        discover_deadline: float = 60.0,
        rcvbuf: int = 4 * 1024 * 1024,
    ) -> None:
        if not 1 <= max_varbinds <= 1000:
            raise ValueError("max_varbinds must be 1..1000")
        if not 1 <= max_repetitions <= 100:
            raise ValueError("max_repetitions must be 1..100")
        if max_table_rows < 1:
            raise ValueError("max_table_rows must be positive")
        if discover_deadline <= 0:
            raise ValueError("discover_deadline must be positive")
        self.max_varbinds = max_varbinds
        self.max_repetitions = max_repetitions
        self.max_table_rows = max_table_rows
        self.discover_deadline = discover_deadline
        self.rcvbuf = rcvbuf
        self._open = False
        self._lock: asyncio.Lock | None = None
        self._sockets: dict[int, _V2cSocket] = {}
        self._engine: SnmpEngine | None = None
        self._transports: dict[int, Any] = {}
        self._gate = _UsmGate()
        self._request_id = 0
        self._get = cmdgen.GetCommandGenerator()
        self._bulk = cmdgen.BulkCommandGeneratorSingleRun()
        self._null = univ.Null("")

    # -- lifecycle

    async def __aenter__(self) -> SnmpClient:
        if self._open:
            raise RuntimeError("this SnmpClient is already open")
        self._open = True
        self._lock = asyncio.Lock()
        self._gate = _UsmGate()
        self._request_id = int.from_bytes(os.urandom(4), "big") % 2**30  # a fresh id space per client
        try:
            await self._v2c_socket(socket.AF_INET)
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the sockets. Requests still in flight are abandoned."""
        self._open = False
        sockets, self._sockets = self._sockets, {}
        for protocol in sockets.values():
            if protocol.transport is not None:
                protocol.transport.close()
        engine, self._engine = self._engine, None
        self._transports.clear()
        if engine is not None:
            dispatcher = engine.transport_dispatcher
            timer = getattr(dispatcher, "loopingcall", None)  # pysnmp's timer task: let it finish cancelling
            engine.close_dispatcher()
            if isinstance(timer, asyncio.Future) and not timer.done():
                await asyncio.wait([timer], timeout=1.0)

    @property
    def dropped_packets(self) -> int:
        """v2c packets dropped so far: malformed, unexpected, late, or from the wrong source."""
        return sum(protocol.dropped for protocol in self._sockets.values())

    def _require_open(self) -> None:
        if not self._open:
            raise RuntimeError("use `async with SnmpClient() as client:` before polling")

    def _set_rcvbuf(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        except OSError as exc:  # pragma: no cover - capped by net.core.rmem_max, never fatal
            log.warning("could not set the SNMP receive buffer to %d bytes: %s", self.rcvbuf, exc)

    async def _v2c_socket(self, family: int) -> _V2cSocket:
        """The v2c socket of this address family, opened once with a big receive buffer."""
        protocol = self._sockets.get(family)
        if protocol is not None:
            return protocol
        assert self._lock is not None
        async with self._lock:
            if family not in self._sockets:
                local = ("0.0.0.0", 0) if family == socket.AF_INET else ("::", 0)
                transport, protocol = await asyncio.get_running_loop().create_datagram_endpoint(
                    _V2cSocket, local_addr=local, family=family
                )
                self._set_rcvbuf(transport.get_extra_info("socket"))
                self._sockets[family] = protocol
            return self._sockets[family]

    async def _pysnmp(self, version: int) -> SnmpEngine:
        """pysnmp's engine (v3 only), with its UDP transport for IPv4 or IPv6, opened once."""
        assert self._lock is not None
        async with self._lock:
            if self._engine is None:
                self._engine = SnmpEngine()
            engine = self._engine
            if version not in self._transports:
                module = udp if version == 4 else udp6
                cls = udp.UdpAsyncioTransport if version == 4 else udp6.Udp6AsyncioTransport
                transport = cls().open_client_mode()
                engine_config.add_transport(engine, module.DOMAIN_NAME, transport)
                for _ in range(1000):  # the datagram endpoint is created by the event loop: a few turns
                    if transport.transport is not None:
                        break
                    await asyncio.sleep(0)
                if transport.transport is not None:
                    self._set_rcvbuf(transport.transport.get_extra_info("socket"))
                self._transports[version] = transport
            return engine

    # -- plumbing

    @asynccontextmanager
    async def _session(self, target: SnmpTarget):
        self._require_open()
        try:
            ip = parse_address(target.address)
        except ValueError as exc:
            raise _SnmpFailure(f"invalid address: {exc}") from None
        family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
        peer = (str(ip), target.port)
        creds = target.credentials
        if isinstance(creds, SnmpV2c):
            try:
                await self._v2c_socket(family)
            except OSError as exc:
                raise _SnmpFailure("error", f"no UDP socket for IPv{ip.version}: {exc}") from None
            yield _Session(target, peer, family, community=creds.community.encode("utf-8"))
            return
        engine = await self._pysnmp(ip.version)
        target_cls = _UdpTarget if ip.version == 4 else _Udp6Target
        transport_target = await target_cls.create(peer, timeout=target.timeout, retries=target.retries)
        async with self._gate.hold(creds):
            auth_data = UsmUserData(
                creds.user,
                authKey=creds.auth_key,
                privKey=creds.priv_key,
                authProtocol=AUTH_PROTOCOLS[creds.auth_protocol],
                privProtocol=PRIV_PROTOCOLS[creds.priv_protocol],
            )
            addr_name, _params = LCD.configure(engine, auth_data, transport_target, b"")
            yield _Session(target, peer, family, addr_name=addr_name)

    def _next_request_id(self) -> int:
        self._request_id = self._request_id % (2**31 - 1) + 1
        return self._request_id

    async def _v2c_request(self, session: _Session, packet_for, oids: Sequence[tuple[int, ...]]) -> _Answer:
        """Send a v2c request and wait for its answer, trying `retries` more times on silence.
        Every try sends the same request id, so a late answer to an earlier try still counts."""
        protocol = self._sockets.get(session.family)
        if protocol is None or protocol.transport is None:
            raise _SnmpFailure("error", "the SNMP client is closed")
        request_id = self._next_request_id()
        packet = packet_for(request_id, ber.encode_varbinds(oids))
        target = session.target
        loop = asyncio.get_running_loop()
        try:
            for _try in range(target.retries + 1):
                future = loop.create_future()
                protocol.pending[request_id] = (future, session.peer, session.community)
                protocol.transport.sendto(packet, session.peer)
                timer = loop.call_later(target.timeout, _expire, future)
                try:
                    response = await future
                except _Expired:
                    continue
                finally:
                    timer.cancel()
                return response.error_status, response.error_index, response.varbinds
        finally:
            protocol.pending.pop(request_id, None)
        raise _SnmpFailure(
            "timeout", f"no answer from {session.peer[0]}:{session.peer[1]} to {target.retries + 1} tries"
        )

    def _pysnmp_request(self, send) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()

        def done(_engine, _handle, indication, status, index, var_binds, _ctx) -> None:
            if future.done():
                return
            if indication:
                future.set_exception(_indication_failure(indication))
            else:
                plain = [(tuple(name.asTuple()), _plain(value)) for name, value in var_binds]
                future.set_result((int(status or 0), int(index or 0), plain))

        try:
            send(done)
        except Exception as exc:  # pysnmp raises synchronously for some failures (e.g. a security module's)
            raise _sync_failure(exc) from exc
        return future

    def _varbinds(self, oids: Sequence[tuple[int, ...]]) -> list:
        return [(rfc1902.ObjectName(oid), self._null) for oid in oids]

    async def _request_get(self, session: _Session, oids: Sequence[tuple[int, ...]]) -> _Answer:
        if session.community:
            return await self._v2c_request(session, lambda rid, vbs: ber.encode_get(rid, session.community, vbs), oids)
        engine = self._engine
        return await self._pysnmp_request(
            lambda done: self._get.send_varbinds(engine, session.addr_name, None, b"", self._varbinds(oids), done)
        )

    async def _request_bulk(self, session: _Session, repetitions: int, oids: Sequence[tuple[int, ...]]) -> _Answer:
        if session.community:
            return await self._v2c_request(
                session, lambda rid, vbs: ber.encode_bulk(rid, session.community, repetitions, vbs), oids
            )
        engine = self._engine
        return await self._pysnmp_request(
            lambda done: self._bulk.send_varbinds(
                engine, session.addr_name, None, b"", 0, repetitions, self._varbinds(oids), done
            )
        )

    async def _get_values(self, session: _Session, oids: Sequence[tuple[int, ...]]) -> dict[tuple[int, ...], Any]:
        """GET these OIDs, split into PDUs of at most `max_varbinds`; values of missing ones are absent."""
        if len(oids) <= self.max_varbinds:
            return await self._get_chunk(session, list(oids), 0)
        chunks = [list(oids[i : i + self.max_varbinds]) for i in range(0, len(oids), self.max_varbinds)]
        values: dict[tuple[int, ...], Any] = {}
        for part in await asyncio.gather(*(self._get_chunk(session, chunk, 0) for chunk in chunks)):
            values.update(part)
        return values

    async def _get_chunk(self, session: _Session, oids: list[tuple[int, ...]], depth: int) -> dict:
        status, index, var_binds = await self._request_get(session, oids)
        if status:
            name = ber.ERROR_STATUS.get(status, f"error-status {status}")
            if name == "tooBig" and len(oids) > 1 and depth < 10:
                half = len(oids) // 2
                parts = await asyncio.gather(
                    self._get_chunk(session, oids[:half], depth + 1), self._get_chunk(session, oids[half:], depth + 1)
                )
                return {**parts[0], **parts[1]}
            bad = index - 1
            if name == "noSuchName" and 0 <= bad < len(oids) and depth < 2 * len(oids):
                # an agent answering a v2c GET in v1 style: drop the missing OID and ask again
                rest = oids[:bad] + oids[bad + 1 :]
                return await self._get_chunk(session, rest, depth + 1) if rest else {}
            raise _SnmpFailure(name, f"error-status {name} at index {index}")
        values = {}
        wanted = set(oids)
        for oid, value in var_binds:
            if oid in wanted and not isinstance(value, ber.Missing):
                values[oid] = value
        return values

    async def _walk_columns(
        self, session: _Session, columns: dict[str, tuple[int, ...]]
    ) -> dict[str, dict[tuple[int, ...], Any]]:
        """Read whole table columns with GETBULK, each up to its own end and never past it."""
        rows: dict[str, dict[tuple[int, ...], Any]] = {name: {} for name in columns}
        last = dict(columns)
        active = list(columns)
        repetitions = self.max_repetitions
        for _page in range(2 * self.max_table_rows + 10):  # each page advances every active column, or stops
            if not active:
                break
            status, _index, var_binds = await self._request_bulk(session, repetitions, [last[name] for name in active])
            if status:
                name = ber.ERROR_STATUS.get(status, f"error-status {status}")
                if name == "tooBig" and repetitions > 1:
                    repetitions = max(1, repetitions // 2)
                    continue
                raise _SnmpFailure(name, f"error-status {name} in GETBULK")
            advanced = set()
            finished = set()
            width = len(active)
            for i, (oid, value) in enumerate(var_binds):
                column = active[i % width]
                if column in finished:
                    continue
                prefix = columns[column]
                if isinstance(value, ber.Missing) or oid[: len(prefix)] != prefix or len(oid) <= len(prefix):
                    finished.add(column)  # the end of this column (or of the MIB)
                    continue
                if oid <= last[column]:
                    finished.add(column)  # a broken agent going backwards: stop rather than loop
                    continue
                rows[column][oid[len(prefix) :]] = value
                last[column] = oid
                advanced.add(column)
                if len(rows[column]) >= self.max_table_rows:
                    finished.add(column)
            if not advanced and not finished:
                break  # an empty answer: stop rather than ask the same again
            active = [name for name in active if name not in finished]
        return rows

    # -- poll

    async def poll(self, target: SnmpTarget) -> PollResult:
        """One GET of sysUpTime, the monitored interfaces' status and counters, and the processors' load."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(target.poll_deadline()):
                async with self._session(target) as session:
                    uptime, interfaces, cpu = await self._poll(session)
        except _SnmpFailure as exc:
            return self._poll_failed(target, started, exc.error, exc.detail)
        except TimeoutError:
            return self._poll_failed(
                target, started, "timeout", f"no complete answer within {target.poll_deadline():g} s"
            )
        except Exception as exc:
            if not self._open:
                raise
            log.exception("SNMP poll of %s failed", target.address)
            return self._poll_failed(target, started, "internal error", repr(exc))
        return PollResult(
            key=target.key,
            address=target.address,
            ok=True,
            error=None,
            uptime_ticks=uptime,
            interfaces=interfaces,
            cpu_load=cpu,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    @staticmethod
    def _poll_failed(target: SnmpTarget, started: float, error: str, detail: str | None) -> PollResult:
        return PollResult(
            key=target.key,
            address=target.address,
            ok=False,
            error=error,
            uptime_ticks=None,
            interfaces={},
            cpu_load={},
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
            detail=detail,
        )

    async def _poll(self, session: _Session) -> tuple[int | None, dict[int, InterfaceReading], dict[int, int]]:
        target = session.target
        oids = [SYS_UPTIME]
        columns = {**_POLL_COLUMNS, **_ERROR_COLUMNS} if target.errors else _POLL_COLUMNS
        for if_index in target.interfaces:
            oids.extend(column + (if_index,) for column in columns.values())
        oids.extend(HR_PROCESSOR_LOAD + (i,) for i in target.processors)
        values = await self._get_values(session, oids)

        found: dict[int, dict[str, Any]] = {}
        fallback: list[tuple[int, ...]] = []
        for if_index in target.interfaces:
            row = {name: values.get(column + (if_index,)) for name, column in columns.items()}
            found[if_index] = row
            if all(value is None for value in row.values()):
                continue  # the agent no longer has this interface: nothing to fall back to
            for name, column in _FALLBACK_COLUMNS.items():
                if name in row and row[name] is None:
                    fallback.append(column + (if_index,))
            if target.errors and row["mcast"] is None and row["bcast"] is None:
                fallback.append(IF_IN_NUCAST + (if_index,))  # old agents: multicast + broadcast in one
        if fallback:  # no 64-bit columns for some interfaces: ask for the 32-bit ones, once
            values.update(await self._get_values(session, fallback))

        interfaces = {if_index: self._reading(if_index, found[if_index], values) for if_index in target.interfaces}
        uptime = _int(values.get(SYS_UPTIME))
        cpu = {}
        for i in target.processors:
            load = _int(values.get(HR_PROCESSOR_LOAD + (i,)))
            if load is not None:
                cpu[i] = load
        return uptime, interfaces, cpu

    @staticmethod
    def _reading(if_index: int, row: dict[str, Any], values: dict[tuple[int, ...], Any]) -> InterfaceReading:
        if all(value is None for value in row.values()):
            return InterfaceReading(if_index, False, None, None, None, None, 64, None, None, None, 64)

        def counter(name: str) -> tuple[int, int] | None:
            if name not in row:
                return None  # not asked for
            value = row[name]
            if value is None and name in _FALLBACK_COLUMNS:
                value = values.get(_FALLBACK_COLUMNS[name] + (if_index,))
            return _counter(value) if value is not None else None

        in_octets, out_octets = counter("in_octets"), counter("out_octets")
        octet_parts = [c for c in (in_octets, out_octets) if c is not None]
        octets_bits = 64 if all(b == 64 for _, b in octet_parts) else 32
        mask = 2**octets_bits

        ucast, mcast, bcast = counter("ucast"), counter("mcast"), counter("bcast")
        if "mcast" in row and mcast is None and bcast is None:  # old agents count multicast and broadcast together
            nucast = values.get(IF_IN_NUCAST + (if_index,))
            mcast = _counter(nucast) if nucast is not None else None
        in_packets, packets_bits = _sum_counters([c for c in (ucast, mcast, bcast) if c is not None])

        def errors(name: str) -> int | None:
            c = counter(name)
            return None if c is None else c[0] % 2**32

        return InterfaceReading(
            if_index=if_index,
            present=True,
            admin=_int(row["admin"]),
            oper=_int(row["oper"]),
            in_octets=None if in_octets is None else in_octets[0] % mask,
            out_octets=None if out_octets is None else out_octets[0] % mask,
            octets_bits=octets_bits,
            in_errors=errors("in_errors"),
            out_errors=errors("out_errors"),
            in_packets=in_packets,
            packets_bits=packets_bits,
        )

    # -- discovery

    async def discover(self, target: SnmpTarget) -> Discovery:
        """The system group, every interface (ifTable + ifXTable) and the processors' loads."""
        started = time.perf_counter()
        system: dict[tuple[int, ...], Any] = {}
        try:
            async with asyncio.timeout(self.discover_deadline):
                async with self._session(target) as session:
                    system = await self._get_values(
                        session, [SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_CONTACT, SYS_NAME, SYS_LOCATION]
                    )
                    columns = await self._walk_columns(session, _DISCOVERY_COLUMNS)
        except _SnmpFailure as exc:
            return self._discovery(target, started, system, {}, exc.error, exc.detail)
        except TimeoutError:
            detail = f"discovery did not finish within {self.discover_deadline:g} s"
            return self._discovery(target, started, system, {}, "timeout", detail)
        except Exception as exc:
            if not self._open:
                raise
            log.exception("SNMP discovery of %s failed", target.address)
            return self._discovery(target, started, system, {}, "internal error", repr(exc))
        return self._discovery(target, started, system, columns, None, None)

    def _discovery(
        self,
        target: SnmpTarget,
        started: float,
        system: dict[tuple[int, ...], Any],
        columns: dict[str, dict[tuple[int, ...], Any]],
        error: str | None,
        detail: str | None,
    ) -> Discovery:
        def column(name: str) -> dict[int, Any]:
            return {suffix[0]: value for suffix, value in columns.get(name, {}).items() if len(suffix) == 1}

        by_name = {name: column(name) for name in _DISCOVERY_COLUMNS}
        indices = sorted(set().union(*(by_name[n] for n in _DISCOVERY_COLUMNS if n != "cpu")))
        interfaces = {}
        for i in indices:
            speed = _int(by_name["speed"].get(i))
            high = _int(by_name["high_speed"].get(i))
            speed_bps = high * 1_000_000 if high is not None and (high > 0 or not speed) else speed
            interfaces[i] = InterfaceInfo(
                if_index=i,
                name=_text(by_name["name"].get(i)),
                descr=_text(by_name["descr"].get(i)),
                alias=_text(by_name["alias"].get(i)),
                if_type=_int(by_name["type"].get(i)),
                speed_bps=speed_bps,
                admin=_int(by_name["admin"].get(i)),
                oper=_int(by_name["oper"].get(i)),
                counters64=isinstance(by_name["hc_in"].get(i), ber.Counter64),
            )
        cpu = {i: load for i, value in sorted(by_name["cpu"].items()) if (load := _int(value)) is not None}
        return Discovery(
            key=target.key,
            address=target.address,
            ok=error is None,
            error=error,
            sys_descr=_text(system.get(SYS_DESCR)),
            sys_object_id=_text(system.get(SYS_OBJECT_ID)),
            sys_uptime_ticks=_int(system.get(SYS_UPTIME)),
            sys_name=_text(system.get(SYS_NAME)),
            sys_location=_text(system.get(SYS_LOCATION)),
            sys_contact=_text(system.get(SYS_CONTACT)),
            interfaces=interfaces,
            processors=tuple(cpu),
            cpu_load=cpu,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
            detail=detail,
        )

    # -- many targets

    async def poll_many(self, targets: Iterable[SnmpTarget], concurrency: int = 16) -> list[PollResult]:
        """Poll every target, at most `concurrency` at once; results in input order."""
        return await self._many(list(targets), self.poll, concurrency)

    async def discover_many(self, targets: Iterable[SnmpTarget], concurrency: int = 8) -> list[Discovery]:
        """Discover every target, at most `concurrency` at once; results in input order."""
        return await self._many(list(targets), self.discover, concurrency)

    async def _many(self, targets: list[SnmpTarget], run, concurrency: int) -> list:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self._require_open()
        results: list = [None] * len(targets)
        jobs = iter(enumerate(targets))

        async def worker() -> None:
            for i, target in jobs:  # a shared iterator: each target goes to exactly one worker
                results[i] = await run(target)

        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(targets)))))
        return results
