"""One poll of a batch of targets: the probes, concurrently. Pure asyncio, no Django.

The scheduler (standalone loop or Celery task) turns due targets into `Job`s, runs
`Prober.run(jobs)` on its event loop and hands the `Outcome`s to `netmon.services`.
A `Prober` keeps one SNMP engine for the life of the process (PERF.md: building engines
is expensive), so the same event loop must run every cycle.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from netmon.probes.icmp import PingResult, ping_many
from netmon.probes.snmp import Discovery, PollResult, SnmpClient, SnmpTarget


@dataclass(frozen=True)
class Job:
    target_id: int
    address: str
    icmp: bool
    snmp: SnmpTarget | None = None  # None: no SNMP checks
    discover: bool = False  # walk the system group, ifTable/ifXTable and processors first
    version: int | None = None  # the target's poll_version when the job was made (see Outcome.version)


@dataclass(frozen=True)
class Outcome:
    target_id: int
    at: datetime  # when the batch's probes started: the engine's `now`
    ping: PingResult | None = None
    poll: PollResult | None = None
    discovery: Discovery | None = None
    # The target's poll_version the probe started from: an outcome is written only while the
    # target is still at that version, so one kept in memory through a database outage and
    # written later can never overwrite what another poller recorded meanwhile.
    version: int | None = None


@dataclass(frozen=True)
class ProbeSettings:
    icmp_timeout_s: float = 1.0
    icmp_concurrency: int = 500
    icmp_rate: float | None = 2000.0  # echo requests per second, all targets together
    snmp_concurrency: int = 16


class Prober:
    """Runs jobs. Use as `async with Prober(settings) as prober: await prober.run(jobs)`."""

    def __init__(self, settings: ProbeSettings | None = None) -> None:
        self.settings = settings or ProbeSettings()
        self._snmp: SnmpClient | None = None

    async def __aenter__(self) -> Prober:
        self._snmp = SnmpClient()
        await self._snmp.__aenter__()
        return self

    async def __aexit__(self, *exc) -> None:
        if self._snmp is not None:
            await self._snmp.__aexit__(*exc)
            self._snmp = None

    @property
    def dropped_packets(self) -> int:
        """SNMP packets dropped so far (garbage, truncated, oversized, wrong request id or source)."""
        return self._snmp.dropped_packets if self._snmp is not None else 0

    async def run(self, jobs: list[Job], *, now: datetime | None = None) -> list[Outcome]:
        """Probe every job once; ICMP and SNMP side by side. Never raises for one target."""
        if self._snmp is None:
            raise RuntimeError("use Prober as an async context manager")
        at = now or datetime.now(UTC)
        pings, (polls, discoveries) = await asyncio.gather(self._ping(jobs), self._snmp_jobs(jobs))
        return [
            Outcome(
                target_id=job.target_id,
                at=at,
                ping=pings.get(job.address) if job.icmp else None,
                poll=polls.get(job.target_id),
                discovery=discoveries.get(job.target_id),
                version=job.version,
            )
            for job in jobs
        ]

    async def _ping(self, jobs: list[Job]) -> dict[str, PingResult]:
        addresses = sorted({job.address for job in jobs if job.icmp})
        if not addresses:
            return {}
        s = self.settings
        return await ping_many(
            addresses, count=1, timeout=s.icmp_timeout_s, concurrency=s.icmp_concurrency, rate=s.icmp_rate
        )

    async def _snmp_jobs(self, jobs: list[Job]) -> tuple[dict[int, PollResult], dict[int, Discovery]]:
        assert self._snmp is not None
        snmp_jobs = [job for job in jobs if job.snmp is not None]
        if not snmp_jobs:
            return {}, {}
        concurrency = self.settings.snmp_concurrency
        to_discover = [job.snmp for job in snmp_jobs if job.discover]
        discoveries: dict[int, Discovery] = {}
        if to_discover:
            for found in await self._snmp.discover_many(to_discover, concurrency=concurrency):
                discoveries[found.key] = found
        targets = []
        for job in snmp_jobs:
            target = job.snmp
            found = discoveries.get(job.target_id)
            if found is not None and found.ok:
                # poll what discovery just found: processors, and only interfaces that exist
                target = replace(target, processors=tuple(found.processors))
            targets.append(target)
        polls = {result.key: result for result in await self._snmp.poll_many(targets, concurrency=concurrency)}
        return polls, discoveries
