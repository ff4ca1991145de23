"""A host that stops answering, for real: two network namespaces joined by a veth pair.

As RECIPES.md describes: namespace `probe` (the poller) and `dev` (the device), a veth
pair p0–d0 addressed in one /30 that exists only inside them, and the prober run inside
`probe`, which has no default route — so when d0 goes down the echo has nowhere to go.
Nothing here can reach any other network. The namespaces are removed in every case.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agents import require_binary

ROOT = Path(__file__).resolve().parents[2]
# RFC 2544's benchmarking range: routed nowhere, and these exist only inside the namespaces.
PROBE_IP, DEV_IP = "198.18.0.1", "198.18.0.2"
OFF_LINK_IP = "198.18.0.6"  # outside the /30, and `probe` has no other route: the kernel refuses to send

PROBER = """
import asyncio, dataclasses, json, sys
from netmon.probes.icmp import ping_many
args = json.loads(sys.argv[1])
results = asyncio.run(ping_many(args["addresses"], timeout=args["timeout"], privileged=args["privileged"]))
print(json.dumps({address: dataclasses.asdict(result) for address, result in results.items()}))
"""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=15, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result


@pytest.fixture
def namespaces():
    require_binary("ip", package="iproute2")
    suffix = f"{os.getpid()}-{secrets.token_hex(3)}"
    probe, dev = f"siyana-probe-{suffix}", f"siyana-dev-{suffix}"
    created: list[str] = []
    try:
        added = _ip("netns", "add", probe, check=False)
        if added.returncode != 0:
            pytest.skip(f"`ip netns add` is not permitted here ({added.stderr.strip()}): needs root or CAP_SYS_ADMIN")
        created.append(probe)
        _ip("netns", "add", dev)
        created.append(dev)
        _ip("link", "add", "p0", "netns", probe, "type", "veth", "peer", "name", "d0", "netns", dev)
        _ip("-n", probe, "addr", "add", f"{PROBE_IP}/30", "dev", "p0")
        _ip("-n", dev, "addr", "add", f"{DEV_IP}/30", "dev", "d0")
        for ns, link in ((probe, "lo"), (probe, "p0"), (dev, "lo"), (dev, "d0")):
            _ip("-n", ns, "link", "set", link, "up")
        yield probe, dev
    finally:
        for ns in reversed(created):
            _ip("netns", "del", ns, check=False)  # takes the veth pair with it


def ping_inside(namespace: str, addresses: list[str], *, privileged: bool | None = None, timeout: float = 1.0):
    args = json.dumps({"addresses": addresses, "timeout": timeout, "privileged": privileged})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, sys.executable, "-c", PROBER, args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_host_that_goes_down_stops_answering(namespaces):
    probe, dev = namespaces

    before = ping_inside(probe, [DEV_IP, "127.0.0.1"])
    assert before[DEV_IP]["received"] == 1, before
    assert before["127.0.0.1"]["received"] == 1, before

    subprocess.run(["ip", "netns", "exec", dev, "ip", "link", "set", "d0", "down"], check=True, timeout=15)
    after = ping_inside(probe, [DEV_IP, "127.0.0.1", OFF_LINK_IP])
    lost = after[DEV_IP]
    assert (lost["sent"], lost["received"], lost["error"]) == (1, 0, None), lost  # silence, not a poller error
    assert lost["rtt_avg_ms"] is None
    assert after["127.0.0.1"]["received"] == 1, after  # the live one is not held up
    no_route = after[OFF_LINK_IP]
    assert (no_route["sent"], no_route["received"], no_route["error"]) == (1, 0, None), no_route
    assert no_route["unreachable"], no_route  # the kernel said why: no route


def test_unprivileged_datagram_sockets_work_too(namespaces):
    probe, _dev = namespaces
    # ping_group_range is per network namespace: allow every group to use ICMP datagram sockets here only
    allowed = subprocess.run(
        ["ip", "netns", "exec", probe, "sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    if allowed.returncode != 0:
        pytest.skip(f"cannot allow datagram ICMP in the namespace: {allowed.stderr.strip()}")
    results = ping_inside(probe, [DEV_IP, "127.0.0.1"], privileged=False)
    assert results[DEV_IP]["received"] == 1, results
    assert results["127.0.0.1"]["received"] == 1, results
