"""ICMP echo probes: many hosts at once, one socket per address family, plain asyncio.

`ping_many` sends echo requests with icmplib's sockets and reads the replies of every
host from that one socket (a reader callback on the event loop matches each reply to its
request by identifier and sequence number). PERF.md measured why: icmplib's own
`async_multiping` opens a socket per host, and every raw socket sees every reply, so the
cost per host grows with the number in flight. Here it does not, and the concurrency
limit only bounds how many echoes are outstanding at once.

Addresses are IP literals only. A host name is refused with an error result: the poller
never makes a DNS lookup (school networks have no reliable resolver, and a lookup per
cycle per host would dwarf the ping).

Privileges: raw ICMP sockets need root or CAP_NET_RAW; without them Linux offers
unprivileged datagram ICMP sockets to the groups in `net.ipv4.ping_group_range`.
`icmp_privileged()` finds out which one works, once.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import os
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from icmplib import ICMPRequest, ICMPv4Socket, ICMPv6Socket
from icmplib.exceptions import ICMPError, ICMPLibError, SocketBroadcastError, SocketPermissionError
from icmplib.utils import unique_identifier

from netmon.probes.addresses import parse_address

__all__ = ["IcmpUnavailable", "PingResult", "icmp_privileged", "ping_many"]

log = logging.getLogger(__name__)

#: Sequence numbers are 16 bits: at most this many echoes can be told apart on one socket.
MAX_OUTSTANDING = 60_000
#: Receive buffer asked for each socket: replies to hundreds of echoes arrive in a burst.
RCVBUF_BYTES = 4 * 1024 * 1024
# How many datagrams one reader callback drains before it yields to the loop again.
_READS_PER_WAKEUP = 256
# Retries of a send that failed because the local socket buffer was full.
_SEND_RETRIES = 3
_PAYLOAD = b"siyana-netmon-echo".ljust(56, b".")

# ICMP types (RFC 792, RFC 4443): echo reply, and the errors that quote our request.
_ECHO_REPLY = {4: 0, 6: 129}
_ERRORS = {4: frozenset({3, 11}), 6: frozenset({1, 3})}
# Send errors that say "this host cannot be reached from here" (the echo is lost), as
# opposed to the poller's own failure.
_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN})
_BUSY_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS})


class IcmpUnavailable(RuntimeError):
    """Neither raw nor datagram ICMP sockets may be opened by this process."""


@dataclass(frozen=True)
class PingResult:
    """What `count` echo requests to one address gave.

    `error` is the poller's own failure (an invalid address, a socket error): then nothing
    was sent (`sent` is 0) and the host has not been judged. Silence is not an error: it is
    `received` 0. `unreachable` says why echoes were lost when the poller learned it (an
    ICMP destination-unreachable from a router, or the kernel refusing to send: no route).
    """

    address: str
    sent: int
    received: int
    rtt_avg_ms: float | None
    rtt_max_ms: float | None
    error: str | None = None
    unreachable: str | None = None

    @property
    def ok(self) -> bool:
        """Did at least one echo come back?"""
        return self.received > 0


# -- privileges ------------------------------------------------------------------------

_privileged: bool | None = None


def _fix_message() -> str:
    try:
        with open("/proc/sys/net/ipv4/ping_group_range") as f:
            current = " ".join(f.read().split())
    except OSError:
        current = "unknown"
    return (
        "ICMP probes cannot open a socket: this process may open neither raw ICMP sockets (they need root or "
        "the CAP_NET_RAW capability) nor unprivileged ICMP datagram sockets (allowed only to the groups in "
        f"net.ipv4.ping_group_range, now '{current}'; this process's group is {os.getgid()}). Fix one of: "
        "run the poller as root; or grant it CAP_NET_RAW (systemd: AmbientCapabilities=CAP_NET_RAW; "
        "docker compose: cap_add: [NET_RAW]; or `setcap cap_net_raw+ep` on the real python binary); or allow "
        'datagram ICMP: `sysctl -w net.ipv4.ping_group_range="0 2147483647"` (persist it in /etc/sysctl.d/).'
    )


def icmp_privileged() -> bool:
    """True if raw ICMP sockets work, False if only unprivileged datagram ones do.

    Found out once per process by opening a socket of each kind (not by looking at the
    uid: capabilities and sysctls decide). Raises `IcmpUnavailable` when neither works.
    """
    global _privileged
    if _privileged is None:
        for privileged in (True, False):
            try:
                ICMPv4Socket(privileged=privileged).close()
            except SocketPermissionError:
                continue
            except ICMPLibError as exc:
                log.debug("ICMP socket (privileged=%s) failed: %s", privileged, exc)
                continue
            _privileged = privileged
            break
        else:
            raise IcmpUnavailable(_fix_message())
    return _privileged


# -- the shared echo socket ------------------------------------------------------------


class _Echo:
    __slots__ = ("future", "ip", "seq", "sent_at")

    def __init__(self, future: asyncio.Future, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, seq: int):
        self.future = future
        self.ip = ip
        self.seq = seq
        self.sent_at = 0.0


class _SendFailed(Exception):
    def __init__(self, message: str, *, lost: bool):
        super().__init__(message)
        self.lost = lost  # True: the host is unreachable from here; False: the poller's fault


class _EchoSocket:
    """One ICMP socket of one family; many echoes in flight, replies dispatched by sequence."""

    def __init__(self, version: int, privileged: bool, loop: asyncio.AbstractEventLoop):
        cls = ICMPv4Socket if version == 4 else ICMPv6Socket
        self.version = version
        self.privileged = privileged
        self._loop = loop
        self._icmp = cls(privileged=privileged)
        self._sock: socket.socket = self._icmp.sock
        self._sock.setblocking(False)
        try:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        except OSError:  # pragma: no cover - the kernel caps it at rmem_max anyway
            pass
        # Raw sockets see every ICMP packet of the host: our identifier tells ours apart.
        # Datagram sockets get an identifier from the kernel, which delivers only ours.
        self._id = unique_identifier()
        self._echo_reply = _ECHO_REPLY[version]
        self._errors = _ERRORS[version]
        self._pending: dict[int, _Echo] = {}
        self._next_seq = 0
        self._fd = self._sock.fileno()
        loop.add_reader(self._fd, self._on_readable)

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
        self._icmp.close()
        for echo in self._pending.values():
            if not echo.future.done():
                echo.future.cancel()
        self._pending.clear()

    def _allocate(self, ip) -> _Echo:
        # Bounded: fewer than MAX_OUTSTANDING sequence numbers are ever in use.
        for _ in range(len(self._pending) + 1):
            seq = self._next_seq
            self._next_seq = (seq + 1) & 0xFFFF
            if seq not in self._pending:
                echo = _Echo(self._loop.create_future(), ip, seq)
                self._pending[seq] = echo
                return echo
        raise _SendFailed("too many echoes in flight", lost=False)  # pragma: no cover

    def send(self, ip) -> _Echo:
        echo = self._allocate(ip)
        request = ICMPRequest(destination=str(ip), id=self._id, sequence=echo.seq, payload=_PAYLOAD)
        try:
            echo.sent_at = time.perf_counter()
            self._icmp.send(request)
        except SocketBroadcastError:
            self.forget(echo)
            raise _SendFailed("sending was not permitted (broadcast address or a local firewall)", lost=True) from None
        except ICMPLibError as exc:
            self.forget(echo)
            cause = exc.__context__
            code = cause.errno if isinstance(cause, OSError) else None
            if code in _BUSY_ERRNOS:
                raise _SendFailed("busy", lost=False) from None
            message = os.strerror(code) if code else str(exc)
            raise _SendFailed(message, lost=code in _UNREACHABLE_ERRNOS) from None
        return echo

    def forget(self, echo: _Echo) -> None:
        if self._pending.get(echo.seq) is echo:
            del self._pending[echo.seq]

    def _on_readable(self) -> None:
        for _ in range(_READS_PER_WAKEUP):
            try:
                packet, source = self._sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. a queued ICMP error on a datagram socket
                log.debug("ICMP receive: %s", exc)
                continue
            now = time.perf_counter()
            try:
                reply = self._icmp._parse_reply(packet, source[0], now)  # icmplib's own parser
            except Exception:  # a malformed packet is not our problem
                continue
            if reply is None:
                continue
            if reply.type == self._echo_reply:
                self._answer(reply, source[0], now)
            elif reply.type in self._errors:
                self._fail(reply, source[0])

    def _match(self, reply) -> _Echo | None:
        if self.privileged and reply.id != self._id:
            return None
        echo = self._pending.get(reply.sequence)
        if echo is None or echo.future.done():
            return None
        return echo

    def _answer(self, reply, source: str, now: float) -> None:
        echo = self._match(reply)
        if echo is None:
            return
        try:
            same = ipaddress.ip_address(source.split("%", 1)[0]) == echo.ip
        except ValueError:
            same = False
        if same:
            echo.future.set_result(now - echo.sent_at)

    def _fail(self, reply, source: str) -> None:
        # An error quotes our request (identifier and sequence), but comes from a router.
        echo = self._match(reply)
        if echo is None:
            return
        try:
            reply.raise_for_status()
        except ICMPError as exc:
            echo.future.set_result(f"{exc} (from {source})")


class _Pacer:
    """At most `rate` sends per second, for all workers together."""

    def __init__(self, rate: float | None, loop: asyncio.AbstractEventLoop):
        self._interval = 1.0 / rate if rate else 0.0
        self._loop = loop
        self._next = loop.time()

    async def wait(self) -> None:
        if not self._interval:
            return
        now = self._loop.time()
        slot = max(self._next, now)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


# -- ping_many -------------------------------------------------------------------------


async def _ping_one(
    ip, sock: _EchoSocket, *, count: int, interval: float, timeout: float, pacer: _Pacer
) -> tuple[int, int, list[float], str | None, str | None]:
    """(sent, received, rtts in ms, unreachable, error) for one address."""
    sent = 0
    rtts: list[float] = []
    unreachable: str | None = None
    for n in range(count):
        if n:
            await asyncio.sleep(interval)
        echo = None
        for attempt in range(_SEND_RETRIES + 1):
            await pacer.wait()
            try:
                echo = sock.send(ip)
                break
            except _SendFailed as exc:
                if exc.lost:
                    unreachable = str(exc)
                    break
                if str(exc) != "busy" or attempt == _SEND_RETRIES:
                    return 0, 0, [], None, f"send failed: {exc}"
                await asyncio.sleep(0.01 * 2**attempt)  # the local send buffer is full: let it drain
        sent += 1
        if echo is None:  # the kernel refused: no route to the host
            continue
        try:
            outcome = await asyncio.wait_for(echo.future, timeout)
        except TimeoutError:  # silence: the echo is lost
            continue
        finally:
            sock.forget(echo)
        if isinstance(outcome, float):
            rtts.append(outcome * 1000.0)
        else:
            unreachable = outcome
    return sent, len(rtts), rtts, unreachable, None


async def ping_many(
    addresses: Iterable[str],
    *,
    count: int = 1,
    timeout: float = 1.0,
    concurrency: int = 500,
    rate: float | None = None,
    privileged: bool | None = None,
    interval: float = 0.2,
) -> dict[str, PingResult]:
    """Ping every address; one `PingResult` per distinct address, in first-seen order.

    - `count` echoes per address, `interval` seconds apart, each waited for up to
      `timeout` seconds. PERF.md: send one per cycle and let hysteresis judge.
    - `concurrency` bounds the echoes outstanding at once. A silent host holds its slot for
      the whole `timeout`, so size it for the dead: about dead_hosts × timeout / the cycle
      time you want.
    - `rate` caps the echo requests sent per second over all addresses (None: unpaced).
      Loopback does not care; a real network's links and firewalls do.
    - `privileged`: raw sockets (True) or datagram ones (False); None finds out
      (`icmp_privileged()`), raising `IcmpUnavailable` when neither is allowed.

    A bad address (host name, not an IP, multicast…) gets a result with `error`; it never
    stops the others.
    """
    if count < 1 or count > 100:
        raise ValueError(f"count must be 1..100, not {count}")
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    if rate is not None and rate <= 0:
        raise ValueError(f"rate must be positive or None, not {rate}")
    if interval < 0:
        raise ValueError(f"interval must not be negative, not {interval}")
    results: dict[str, PingResult] = {}
    by_ip: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, list[str]] = {}
    for address in addresses:
        if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
            address = str(address)
        key = address if isinstance(address, str) else repr(address)
        if key in results:
            continue
        try:
            ip = parse_address(address)
        except ValueError as exc:
            results[key] = PingResult(key, 0, 0, None, None, error=str(exc))
            continue
        by_ip.setdefault(ip, []).append(key)
        results[key] = None  # type: ignore[assignment]  # keeps the input order; filled below

    if privileged is None and by_ip:
        privileged = icmp_privileged()
    loop = asyncio.get_running_loop()
    sockets: dict[int, _EchoSocket] = {}
    socket_errors: dict[int, str] = {}
    try:
        for version in sorted({ip.version for ip in by_ip}):
            try:
                sockets[version] = _EchoSocket(version, bool(privileged), loop)
            except SocketPermissionError:
                raise IcmpUnavailable(_fix_message()) from None
            except ICMPLibError as exc:
                socket_errors[version] = f"no IPv{version} ICMP socket: {exc}"

        pacer = _Pacer(rate, loop)
        jobs: Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address] = iter(list(by_ip))
        measured: dict = {}

        async def worker() -> None:
            for ip in jobs:  # a shared iterator: each address goes to exactly one worker
                sock = sockets.get(ip.version)
                if sock is None:
                    measured[ip] = (0, 0, [], None, socket_errors.get(ip.version, "no ICMP socket"))
                    continue
                try:
                    measured[ip] = await _ping_one(
                        ip, sock, count=count, interval=interval, timeout=timeout, pacer=pacer
                    )
                except Exception as exc:  # never let one address stop the batch
                    log.exception("ping %s failed", ip)
                    measured[ip] = (0, 0, [], None, f"internal error: {exc!r}")

        workers = min(concurrency, MAX_OUTSTANDING, len(by_ip))
        if workers:
            await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        for sock in sockets.values():
            sock.close()

    for ip, names in by_ip.items():
        sent, received, rtts, unreachable, error = measured[ip]
        for name in names:
            results[name] = PingResult(
                address=name,
                sent=sent,
                received=received,
                rtt_avg_ms=sum(rtts) / len(rtts) if rtts else None,
                rtt_max_ms=max(rtts) if rtts else None,
                error=error,
                unreachable=None if received == count else unreachable,
            )
    return results
