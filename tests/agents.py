"""Real SNMP agents for tests and benchmarks, on loopback only: net-snmp's snmpd and snmpsim.

Plain context managers (no pytest at import time, so `bench/` can use them too):

    with snmpd_agent(None, tmpdir=path) as agent:          # a free port on 127.0.0.1
        SnmpTarget(1, agent.address, SnmpV2c(agent.community), port=agent.port)

    with snmpsim_agent(["network/switch/cisco-c3560"], path) as sim:
        sim.community("cisco-c3560")

Both refuse any address outside 127.0.0.0/8 and ::1, wait (bounded) until the agent
answers a real SNMP GET, and stop the process on exit. A missing program raises
`AgentUnavailable`; `require_binary` turns that into a pytest skip with the reason.
"""

from __future__ import annotations

import bz2
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from netmon.probes import ber
from netmon.probes.snmp import SYS_UPTIME

__all__ = [
    "AgentUnavailable",
    "SnmpdAgent",
    "SnmpsimAgent",
    "V3User",
    "DEFAULT_V3_USERS",
    "find_binary",
    "free_udp_port",
    "require_binary",
    "snmp_get_answers",
    "snmpd_agent",
    "snmpsim_agent",
    "snmpsim_recording",
]

SNMPD = "/usr/sbin/snmpd"


class AgentUnavailable(RuntimeError):
    """A program an agent needs is not installed, or the agent would not start."""


# -- binaries --------------------------------------------------------------------------


def find_binary(name: str, *, package: str) -> str:
    """The path of a program (a name on PATH or an absolute path), or AgentUnavailable."""
    candidates = [name] if os.path.isabs(name) else [shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise AgentUnavailable(f"{name} is not installed: install the Debian package {package} (apt-get install {package})")


def require_binary(name: str, *, package: str) -> str:
    """`find_binary`, but a missing program skips the calling test with the reason."""
    try:
        return find_binary(name, package=package)
    except AgentUnavailable as exc:
        import pytest

        pytest.skip(str(exc))


def _snmpsim_responder() -> str:
    path = Path(sys.executable).parent / "snmpsim-command-responder"
    if not path.exists():
        raise AgentUnavailable(f"{path} is missing: install the test extra (pip install -e '.[test]', it has snmpsim)")
    return str(path)


# -- addresses and ports ---------------------------------------------------------------


def _loopback(address: str) -> str:
    ip = ipaddress.ip_address(address)
    if not ip.is_loopback:
        raise ValueError(f"test agents listen on loopback only (127.0.0.0/8 or ::1), not {address}")
    return str(ip)


def free_udp_port(address: str = "127.0.0.1") -> int:
    """A UDP port nobody is bound to on `address` right now (the kernel's choice)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((_loopback(address), 0))
        return sock.getsockname()[1]


def _endpoints(ports_or_addresses) -> list[tuple[str, int]]:
    """None, a port, "addr", "addr:port", "[::1]:port", (addr, port) or a list of those."""
    if ports_or_addresses is None:
        items: list = [None]
    elif isinstance(ports_or_addresses, int | str | tuple):
        items = [ports_or_addresses]
    else:
        items = list(ports_or_addresses)
    endpoints = []
    for item in items:
        if item is None:
            address, port = "127.0.0.1", 0
        elif isinstance(item, int):
            address, port = "127.0.0.1", item
        elif isinstance(item, tuple):
            address, port = item
        elif item.startswith("["):
            host, _, port_text = item[1:].partition("]:")
            address, port = host, int(port_text or 0)
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
            address, port = host, int(port_text)
        else:
            address, port = item, 0
        address = _loopback(address)
        endpoints.append((address, port or free_udp_port(address)))
    return endpoints


# -- a real SNMP GET, to tell when an agent is up -----------------------------------------


def snmp_get_answers(address: str, port: int, community: str, *, timeout: float = 0.3) -> bool:
    """Does an SNMPv2c agent at address:port answer a GET of sysUpTime.0 with this community?"""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            request = ber.encode_get(0x5A17, community.encode(), ber.encode_varbinds([SYS_UPTIME]))
            sock.sendto(request, (_loopback(address), port))
            data = sock.recv(65535)
        except OSError:  # timeout, or "connection refused" from a closed port
            return False
    try:
        return ber.decode_response(data).request_id == 0x5A17
    except ber.BerError:
        return False


def _wait_until_answers(proc: subprocess.Popen, endpoints, community: str, limit_s: float, log: Path) -> None:
    deadline = time.monotonic() + limit_s
    pending = list(endpoints)
    while pending and time.monotonic() < deadline:  # bounded by the deadline
        if proc.poll() is not None:
            raise AgentUnavailable(f"agent exited with status {proc.returncode}; log {log}:\n{_tail(log)}")
        if snmp_get_answers(*pending[0], community):
            pending.pop(0)
        else:
            time.sleep(0.05)
    if pending:
        raise AgentUnavailable(f"agent did not answer on {pending} within {limit_s:g} s; log {log}:\n{_tail(log)}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextmanager
def _workdir(tmpdir: str | os.PathLike | None, prefix: str) -> Iterator[Path]:
    if tmpdir is None:
        with tempfile.TemporaryDirectory(prefix=prefix) as path:
            yield Path(path)
    else:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=tmpdir))
        yield path


# -- net-snmp snmpd ---------------------------------------------------------------------


@dataclass(frozen=True)
class V3User:
    """An SNMPv3 user, with the field names of `netmon.probes.snmp.SnmpV3`."""

    user: str
    auth_protocol: str
    auth_key: str = field(repr=False)
    priv_protocol: str
    priv_key: str = field(repr=False)

    def as_kwargs(self) -> dict[str, str]:
        return {
            "user": self.user,
            "auth_protocol": self.auth_protocol,
            "auth_key": self.auth_key,
            "priv_protocol": self.priv_protocol,
            "priv_key": self.priv_key,
        }


DEFAULT_V3_USERS = (
    V3User("siyana-sha", "SHA", "auth-key-sha-1", "AES-128", "priv-key-aes-128"),
    V3User("siyana-sha256", "SHA-256", "auth-key-sha-256", "AES-256", "priv-key-aes-256"),
    # SHA-1 with AES-256: the key must be extended, and the two ways of doing it differ
    V3User("siyana-sha-aes256", "SHA", "auth-key-sha-1b", "AES-256", "priv-key-aes-256b"),
)

# Our protocol names → the tokens net-snmp 5.9.3's createUser takes.
_NET_SNMP_AUTH = {"SHA": "SHA", "SHA-256": "SHA-256", "SHA-384": "SHA-384", "SHA-512": "SHA-512"}
_NET_SNMP_PRIV = {"AES-128": "AES", "AES-256": "AES-256"}


@dataclass(frozen=True)
class SnmpdAgent:
    address: str
    port: int
    community: str = field(repr=False)
    v3_users: tuple[V3User, ...]
    endpoints: tuple[tuple[str, int], ...]
    pid: int
    log: Path
    sys_name: str
    sys_location: str
    sys_contact: str

    def v3_user(self, user: str) -> V3User:
        return next(u for u in self.v3_users if u.user == user)


@contextmanager
def snmpd_agent(
    ports_or_addresses=None,
    *,
    community: str = "public",
    v3_users: Sequence[V3User] = DEFAULT_V3_USERS,
    tmpdir: str | os.PathLike | None = None,
    extra_config: Sequence[str] = (),
    start_timeout: float = 10.0,
) -> Iterator[SnmpdAgent]:
    """Run Debian's snmpd in the foreground on loopback endpoints until the block ends."""
    binary = find_binary(SNMPD, package="snmpd")
    endpoints = _endpoints(ports_or_addresses)
    for user in v3_users:
        if user.auth_protocol not in _NET_SNMP_AUTH or user.priv_protocol not in _NET_SNMP_PRIV:
            raise ValueError(f"net-snmp has no {user.auth_protocol}/{user.priv_protocol} user for us")
    with _workdir(tmpdir, "snmpd-") as work:
        listen = ",".join(f"udp6:[{a}]:{p}" if ":" in a else f"udp:{a}:{p}" for a, p in endpoints)
        lines = [
            f"agentAddress {listen}",
            f"rocommunity {community} 127.0.0.0/8",
            f"rocommunity6 {community} ::1/128",
            "sysName siyana-snmpd-test",
            "sysLocation Siyana test lab (loopback)",
            "sysContact it-team@siyana.invalid",
            "dontLogTCPWrappersConnects yes",
        ]
        for user in v3_users:
            auth, priv = _NET_SNMP_AUTH[user.auth_protocol], _NET_SNMP_PRIV[user.priv_protocol]
            lines.append(f"createUser {user.user} {auth} {user.auth_key} {priv} {user.priv_key}")
            lines.append(f"rouser {user.user} priv")
        lines.extend(extra_config)
        conf = work / "snmpd.conf"
        conf.write_text("\n".join(lines) + "\n")
        conf.chmod(0o600)
        log = work / "snmpd.log"
        persistent = work / "persistent"
        persistent.mkdir()
        env = {**os.environ, "MIBS": "", "MIBDIRS": str(work)}  # no MIB files to load: quiet and fast
        command = [binary, "-f", "-C", "-c", str(conf), "-p", str(work / "snmpd.pid")]
        command += [f"--persistentDir={persistent}", "-Lf", str(log)]
        with open(log, "ab") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        try:
            _wait_until_answers(proc, endpoints, community, start_timeout, log)
            yield SnmpdAgent(
                address=endpoints[0][0],
                port=endpoints[0][1],
                community=community,
                v3_users=tuple(v3_users),
                endpoints=tuple(endpoints),
                pid=proc.pid,
                log=log,
                sys_name="siyana-snmpd-test",
                sys_location="Siyana test lab (loopback)",
                sys_contact="it-team@siyana.invalid",
            )
        finally:
            _stop(proc)


# -- snmpsim ----------------------------------------------------------------------------


def snmpsim_recording(name: str) -> Path:
    """The file of a recording shipped by snmpsim-data, e.g. "network/switch/cisco-c3560"."""
    try:
        import snmpsim_data
    except ImportError:
        raise AgentUnavailable("snmpsim-data is not installed: pip install -e '.[test]'") from None
    root = Path(snmpsim_data.__file__).parent / "data"
    for suffix in (".snmprec", ".snmprec.bz2"):
        path = root / f"{name}{suffix}"
        if path.exists():
            return path
    raise AgentUnavailable(f"snmpsim-data has no recording {name!r} under {root}")


@dataclass(frozen=True)
class SnmpsimAgent:
    address: str
    port: int
    communities: dict[str, str]  # recording name → the community that selects it
    data_dir: Path
    pid: int
    log: Path

    def community(self, recording: str) -> str:
        return self.communities[recording]


@contextmanager
def snmpsim_agent(
    recordings: Sequence[str],
    tmpdir: str | os.PathLike | None = None,
    *,
    address: str = "127.0.0.1",
    port: int | None = None,
    start_timeout: float = 60.0,
) -> Iterator[SnmpsimAgent]:
    """Serve recorded devices from snmpsim-data with snmpsim-command-responder until the block ends.

    Each recording is answered under the community of its file name without ".snmprec"
    (e.g. "cisco-c3560"). The responder indexes the data on its first start: big
    recordings take a few seconds.
    """
    responder = _snmpsim_responder()
    address = _loopback(address)
    port = port or free_udp_port(address)
    with _workdir(tmpdir, "snmpsim-") as work:
        data_dir, cache_dir = work / "data", work / "cache"
        data_dir.mkdir()
        cache_dir.mkdir()
        communities = {}
        for name in recordings:
            source = snmpsim_recording(name)
            community = Path(name).name
            if community in communities.values():
                raise ValueError(f"two recordings named {community!r}")
            target = data_dir / f"{community}.snmprec"
            if source.suffix == ".bz2":
                with bz2.open(source, "rb") as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            else:
                shutil.copyfile(source, target)
            communities[name] = community
        log = work / "snmpsim.log"
        endpoint = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        option = "--agent-udpv6-endpoint" if ":" in address else "--agent-udpv4-endpoint"
        command = [responder, f"--data-dir={data_dir}", f"--cache-dir={cache_dir}", f"{option}={endpoint}"]
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        with open(log, "ab") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        try:
            first = next(iter(communities.values()), None)
            if first is not None:
                _wait_until_answers(proc, [(address, port)], first, start_timeout, log)
            yield SnmpsimAgent(address, port, communities, data_dir, proc.pid, log)
        finally:
            _stop(proc)
