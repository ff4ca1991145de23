"""Real agents on loopback, started once per test session and stopped at its end.

No database and no Django fixtures here: these tests drive `netmon.probes` against
net-snmp's snmpd, snmpsim's recorded devices and the kernel's ICMP.
"""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.agents import AgentUnavailable, free_udp_port, snmpsim_agent

# Recorded devices from snmpsim-data: a Cisco switch with ifXTable (and one interface,
# Null0, without 64-bit counters); a Windows server with only the 32-bit ifTable and four
# HOST-RESOURCES processors; a Linux host with both.
CISCO = "network/switch/cisco-c3560"
WINDOWS = "os/windows/server-2003-5-2"
LINUX = "os/linux/unknown-001"
RECORDINGS = (CISCO, WINDOWS, LINUX)


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory):
    try:
        with snmpsim_agent(RECORDINGS, tmp_path_factory.mktemp("snmpsim")) as agent:
            yield agent
    except AgentUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def closed_port():
    """A loopback UDP port nobody listens on: the kernel answers "port unreachable"."""
    return free_udp_port()


@pytest.fixture
def silent_port():
    """A loopback UDP port that is open but never answers: a hung agent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def run():
    """Run a coroutine to completion on a fresh event loop (no pytest-asyncio here)."""
    return asyncio.run
