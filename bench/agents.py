"""A fleet of net-snmp `snmpd` agents on loopback: one device per 127.20.x.y address.

Each agent is `tests.agents.snmpd_agent` (the same agent the integration tests use).
snmpd truncates a long ``agentAddress`` list (about 127 addresses per process here), so
the fleet is several agents of `PER_AGENT` addresses each, all on port 161, v2c community
``public``. Meant to run inside the bench's probe namespace (the coordinator `bench.snmp`
is started there): the ifTable the agents serve is that namespace's interfaces.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.netns import loopback_address
from bench.proc import pid_cpu_s
from tests.agents import snmpd_agent

PER_AGENT = 100
DEVICE_NET = 20  # devices are 127.20.x.y
PORT = 161
COMMUNITY = "public"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"


@dataclass(frozen=True)
class Device:
    key: str
    address: str
    port: int
    agent: int  # which snmpd serves it


@dataclass
class Fleet:
    devices: list[Device]
    pids: list[int]

    def cpu_s(self) -> float:
        """CPU seconds the agents have used so far (all of them, from /proc)."""
        return sum(pid_cpu_s(pid) for pid in self.pids)


@contextmanager
def snmpd_fleet(n_devices: int, workdir: Path, *, per_agent: int = PER_AGENT, port: int = PORT) -> Iterator[Fleet]:
    """Start ceil(n / per_agent) snmpd agents serving `n_devices` devices; each waits (bounded)
    until every one of its addresses answers; all are stopped on exit."""
    if not 1 <= n_devices <= 20_000:
        raise ValueError("1..20,000 devices")
    shutil.rmtree(workdir, ignore_errors=True)  # the previous run's agent directories and logs
    workdir.mkdir(parents=True)
    devices: list[Device] = []
    pids: list[int] = []
    with ExitStack() as stack:
        for agent, first in enumerate(range(0, n_devices, per_agent)):
            addresses = [loopback_address(i, DEVICE_NET) for i in range(first, min(first + per_agent, n_devices))]
            running = stack.enter_context(
                snmpd_agent(
                    [(a, port) for a in addresses],
                    community=COMMUNITY,
                    v3_users=(),
                    tmpdir=workdir,
                    extra_config=["sysServices 72"],  # the walking peer GETs all 8 system scalars
                    start_timeout=60.0,
                )
            )
            pids.append(running.pid)
            devices += [Device(f"dev{first + j:05d}", a, port, agent) for j, a in enumerate(addresses)]
        yield Fleet(devices, pids)
