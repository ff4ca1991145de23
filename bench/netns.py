"""The bench's network: two namespaces it creates and always removes.

``<prefix>-probe`` is where everything runs — our probers, fping, snmpget, and the snmpd
agents. Its ``lo`` is up, so every 127.x address in it answers ICMP (the kernel replies
for the whole 127.0.0.0/8) and snmpd can bind any 127.x address. It has **no default
route**: an address outside 127.0.0.0/8 and the two bench ranges below cannot be sent to.

Silent hosts: ``198.19.0.0/16`` (RFC 2544's benchmarking range) is routed through a veth
pair to ``<prefix>-dead``, whose end of the pair is down. Our end has a permanent
neighbour entry for the next hop, so there is no ARP, no queue and no locally generated
"host unreachable": echoes to 198.19.x leave the probe namespace, are dropped at the dead
veth, and nothing ever answers — a host that is switched off. Nothing can leave the two
namespaces.

A few more veth pairs with both ends inside the probe namespace give the snmpd agents an
ifTable like a small switch's (discovery walks them; a poll GETs a couple by instance).

Names carry the bench's pid; namespaces left by a run that was killed (its pid gone) are
removed at the start of the next run.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PREFIX = "siyana-bench"
SILENT_NET = ipaddress.ip_network("198.19.0.0/16")
LINK_NET = ("198.18.0.1/30", "198.18.0.2/30")  # our end, the dead end
NEXT_HOP = "198.18.0.2"
NEXT_HOP_MAC = "02:00:5e:00:00:02"
_NAME = re.compile(rf"^{PREFIX}-(\d+)-(probe|dead)$")
_IP_TIMEOUT_S = 15


class NetnsUnavailable(RuntimeError):
    """`ip netns add` is not permitted here (no root, or a sandbox without CAP_SYS_ADMIN)."""


@dataclass
class BenchNet:
    """The namespaces of one run; `exec_prefix` runs a command inside the probe namespace."""

    probe: str | None  # None: namespaces not permitted, everything runs in the root namespace
    dead: str | None = None
    interfaces: list[dict] = field(default_factory=list)  # ip -j link of the probe namespace

    @property
    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.probe] if self.probe else []

    @property
    def has_silent_hosts(self) -> bool:
        return self.probe is not None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=_IP_TIMEOUT_S, check=check)


def _list_namespaces() -> list[str]:
    out = _ip("-j", "netns", "list", check=False).stdout.strip()
    if not out:
        return []
    try:
        return [entry["name"] for entry in json.loads(out)]
    except (ValueError, KeyError, TypeError):
        return []


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_namespace_processes(name: str) -> None:
    """End the processes still inside one of OUR namespaces (agents a crash left behind),
    one pid at a time: TERM, then KILL after a bounded wait."""
    out = _ip("netns", "pids", name, check=False).stdout.split()
    pids = [int(p) for p in out if p.isdigit()]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in pids if _pid_alive(p)]
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(_pid_alive(p) for p in alive):
            time.sleep(0.05)


def _delete(name: str) -> None:
    _kill_namespace_processes(name)
    _ip("netns", "del", name, check=False)


def remove_stale() -> list[str]:
    """Remove namespaces of earlier bench runs whose process is gone. Returns their names."""
    removed = []
    for name in _list_namespaces():
        match = _NAME.match(name)
        if match and not _pid_alive(int(match.group(1))):
            _delete(name)
            removed.append(name)
    return removed


def silent_address(i: int) -> str:
    """The i-th silent host (0-based), skipping .0 and .255 in each /24."""
    third, fourth = divmod(i, 254)
    if third > 255:
        raise ValueError("at most 65,024 silent hosts")
    return f"198.19.{third}.{fourth + 1}"


def loopback_address(i: int, second: int = 1) -> str:
    """The i-th answering host, 127.<second>.x.y (0-based), skipping .0 and .255."""
    third, fourth = divmod(i, 254)
    if third > 255:
        raise ValueError("at most 65,024 loopback hosts per /16")
    return f"127.{second}.{third}.{fourth + 1}"


@contextmanager
def bench_namespaces(switch_ports: int = 24) -> Iterator[BenchNet]:
    """Create the probe and dead namespaces; remove them (and anything left inside) on exit,
    whatever the exit — an exception, Ctrl-C or SIGTERM turned into SystemExit.

    Raises NetnsUnavailable when namespaces cannot be created.
    """
    remove_stale()
    tag = f"{PREFIX}-{os.getpid()}"
    net = BenchNet(probe=f"{tag}-probe", dead=f"{tag}-dead")
    created: list[str] = []
    try:
        for name in (net.probe, net.dead):
            result = _ip("netns", "add", name, check=False)
            if result.returncode != 0:
                raise NetnsUnavailable(result.stderr.strip() or f"ip netns add {name} failed")
            created.append(name)
        p, d = net.probe, net.dead
        _ip("-n", p, "link", "set", "lo", "up")
        # the path to the silent range: our end up, the dead end down
        _ip("link", "add", "sbp0", "netns", p, "type", "veth", "peer", "name", "sbd0", "netns", d)
        _ip("-n", p, "addr", "add", LINK_NET[0], "dev", "sbp0")
        _ip("-n", d, "addr", "add", LINK_NET[1], "dev", "sbd0")
        _ip("-n", d, "link", "set", "sbd0", "down")
        _ip("-n", p, "link", "set", "sbp0", "up")
        _ip("-n", p, "neigh", "add", NEXT_HOP, "lladdr", NEXT_HOP_MAC, "dev", "sbp0", "nud", "permanent")
        _ip("-n", p, "route", "add", str(SILENT_NET), "via", NEXT_HOP, "dev", "sbp0", "onlink")
        # a switch's worth of ports for the agents' ifTable: veth pairs inside the namespace,
        # every third one left down
        for i in range(0, switch_ports, 2):
            a, b = f"sbe{i + 1}", f"sbe{i + 2}"
            _ip("-n", p, "link", "add", a, "type", "veth", "peer", "name", b)
            if i % 3 != 2:
                _ip("-n", p, "link", "set", a, "up")
                _ip("-n", p, "link", "set", b, "up")
        net.interfaces = json.loads(_ip("-n", p, "-j", "link", "show").stdout)
        routes = json.loads(_ip("-n", p, "-j", "route", "show").stdout)
        if any(r.get("dst") == "default" for r in routes):
            raise RuntimeError(f"{p} has a default route; refusing to run")
        yield net
    finally:
        # children first (the dead end goes with its namespace)
        for name in reversed(created):
            _delete(name)
        left = [n for n in created if n in _list_namespaces()]
        if left:
            raise RuntimeError(f"could not remove namespaces {left}")


def describe(net: BenchNet) -> str:
    if not net.probe:
        return "root namespace, loopback only (network namespaces not permitted: no silent hosts)"
    return (
        f"namespace `{net.probe}` (lo up, no default route; answerers on 127.x, snmpd on 127.20.x) "
        f"+ `{net.dead}` behind a veth whose far end is down (silent hosts in {SILENT_NET}); "
        f"{len(net.interfaces)} interfaces in the agents' ifTable; both removed at the end"
    )
