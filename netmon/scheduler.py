"""Which targets are due, and the loop that polls them.

Each target has its own schedule: `next_poll_at`. Claiming due targets moves it one
interval on *before* they are polled, inside a transaction (with SKIP LOCKED where the
database has it), so two pollers, or a poller and a Celery dispatcher, never take the
same target in the same cycle — and a poller that dies mid-batch delays its targets by
one interval at most. A new target is polled at once and then given a random phase
within its interval (the jitter), so a thousand targets added together do not keep
arriving together.

`StandalonePoller` is the embedded mode (`manage.py poll`): claim → probe → record in one
process, one event loop and one SNMP engine for its whole life. The Celery tasks in
`netmon.tasks` run the very same steps, spread over workers. Without a broker, shard 0 also
runs the SLA escalation every minute (`maintenance.sla_services.escalate_due`; with Celery,
beat runs it on the `tickets` queue): the poller is the one process of the embedded mode
that runs for ever and already turns faults into tickets.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Mod
from django.utils import timezone

from maintenance import sla_services
from netmon import services
from netmon.cycle import Outcome, Prober, ProbeSettings
from netmon.models import PollerStatus, Target

log = logging.getLogger("netmon.poller")

HOUSEKEEPING_EVERY = timedelta(minutes=5)
ESCALATE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Shard:
    index: int = 0
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """ "I/N" with 0 <= I < N."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard takes I/N, e.g. 0/2; got {text!r}") from None
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"--shard {text}: need 0 <= I < N")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass
class Claim:
    ids: list[int] = field(default_factory=list)
    lag_s: float = 0.0  # how late the latest of them was
    late: int = 0  # claimed later than a quarter of their interval (and 5 s)


def probe_settings() -> ProbeSettings:
    return ProbeSettings(
        icmp_concurrency=settings.NETMON_ICMP_CONCURRENCY,
        icmp_rate=settings.NETMON_ICMP_RATE or None,
        snmp_concurrency=settings.NETMON_SNMP_CONCURRENCY,
    )


def claim_due(now: datetime, *, shard: Shard = Shard(), limit: int | None = None, everything: bool = False) -> Claim:
    """Take the targets due at `now` (all enabled ones with `everything`) and move their
    schedule one interval on. Returns their ids in the order they fell due."""
    claim = Claim()
    with transaction.atomic():
        qs = Target.objects.filter(enabled=True)
        if not everything:
            qs = qs.filter(Q(next_poll_at__lte=now) | Q(next_poll_at__isnull=True))
        if shard.count > 1:
            qs = qs.alias(shard_no=Mod("pk", shard.count)).filter(shard_no=shard.index)
        qs = qs.order_by(F("next_poll_at").asc(nulls_first=True), "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        rows_qs = qs.values_list("pk", "interval_s", "next_poll_at")
        rows = list(rows_qs[:limit] if limit else rows_qs)
        by_interval: dict[int, list[int]] = defaultdict(list)
        for pk, interval, due in rows:
            claim.ids.append(pk)
            if due is None:
                # first poll: now, then a random phase within the interval
                phase = timedelta(seconds=random.uniform(0.25, 1.0) * interval)
                Target.objects.filter(pk=pk).update(next_poll_at=now + phase)
                continue
            by_interval[interval].append(pk)
            lateness = (now - due).total_seconds()
            if lateness > 0:
                claim.lag_s = max(claim.lag_s, lateness)
                if lateness > max(5.0, interval / 4):
                    claim.late += 1
        for interval, pks in by_interval.items():
            for start in range(0, len(pks), 500):
                Target.objects.filter(pk__in=pks[start : start + 500]).update(
                    next_poll_at=now + timedelta(seconds=interval)
                )
    return claim


def record_with_retry(outcomes: list[Outcome], *, stop: threading.Event | None = None, attempts: int = 6):
    """Store outcomes, retrying while the database is locked or away. The outcomes stay in
    memory meanwhile; if every attempt fails they are dropped — the states were not moved
    on, so the next poll finds the same transitions again and nothing is lost."""
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return services.record_outcomes(outcomes)
        except OperationalError as exc:
            log.warning(
                "database unavailable while recording %d outcomes (attempt %d/%d): %s",
                len(outcomes),
                attempt,
                attempts,
                exc,
            )
            connection.close()  # reconnect on the next attempt
            if attempt == attempts or (stop is not None and stop.wait(delay)):
                raise
            if stop is None:
                time.sleep(delay)
            delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")


class Heartbeat:
    """This process's row in PollerStatus: what the poller health page and /metrics show."""

    def __init__(self, name: str, *, mode: str, shard: str = "") -> None:
        now = timezone.now()
        self.name = name
        PollerStatus.objects.update_or_create(
            name=name,
            defaults={
                "host": socket.gethostname()[:100],
                "pid": os.getpid(),
                "mode": mode,
                "shard": shard,
                "started_at": now,
                "heartbeat_at": now,
                "stopped_at": None,
                "last_error": "",
            },
        )

    def cycle(
        self, *, started: datetime, duration_s: float, claim: Claim, polls: int, errors: int, last_error: str = ""
    ) -> None:
        values = {
            "heartbeat_at": timezone.now(),
            "cycle_started_at": started,
            "cycle_duration_s": duration_s,
            "lag_s": claim.lag_s,
            "targets_due": len(claim.ids),
            "targets_late": claim.late,
            "polls_total": F("polls_total") + polls,
            "errors_total": F("errors_total") + errors,
        }
        if last_error:
            values["last_error"] = last_error[:1000]
        PollerStatus.objects.filter(name=self.name).update(**values)

    def beat(self) -> None:
        PollerStatus.objects.filter(name=self.name).update(heartbeat_at=timezone.now())

    def stopped(self) -> None:
        PollerStatus.objects.filter(name=self.name).update(stopped_at=timezone.now())


def poll_batch(
    ids: list[int], prober: Prober, loop: asyncio.AbstractEventLoop, stop: threading.Event | None = None
) -> services.RecordStats:
    """Probe and record one batch of targets: the step both modes share."""
    started = timezone.now()
    jobs = services.jobs_for(ids, started)
    outcomes = loop.run_until_complete(prober.run(jobs, now=started))
    return record_with_retry(outcomes, stop=stop)


class StandalonePoller:
    """`manage.py poll`: the scheduler loop and the probes in one process."""

    def __init__(self, *, shard: Shard = Shard(), batch_size: int | None = None, name: str | None = None) -> None:
        self.shard = shard
        self.batch_size = batch_size or settings.NETMON_BATCH_SIZE
        self.name = name or f"poll {shard}@{socket.gethostname()}"
        self.stop = threading.Event()
        self.cycles = 0

    def run(self, *, once: bool = False, max_cycles: int | None = None) -> None:
        loop = asyncio.new_event_loop()
        prober = Prober(probe_settings())
        loop.run_until_complete(prober.__aenter__())
        heartbeat = Heartbeat(self.name, mode="standalone", shard=str(self.shard))
        last_housekeeping = timezone.now() - HOUSEKEEPING_EVERY
        last_escalation = timezone.now() - ESCALATE_EVERY
        log.info("poller %s started (shard %s, batch %d)", self.name, self.shard, self.batch_size)
        try:
            while not self.stop.is_set():
                self.cycle(prober, loop, heartbeat, everything=once)
                self.cycles += 1
                if once or (max_cycles is not None and self.cycles >= max_cycles):
                    break
                if self.shard.index == 0 and timezone.now() - last_housekeeping >= HOUSEKEEPING_EVERY:
                    last_housekeeping = timezone.now()
                    self.housekeeping()
                if self.shard.index == 0 and timezone.now() - last_escalation >= ESCALATE_EVERY:
                    last_escalation = timezone.now()
                    self.escalate()
                self.stop.wait(self.idle_time())
        finally:
            loop.run_until_complete(prober.__aexit__(None, None, None))
            loop.close()
            heartbeat.stopped()
            log.info("poller %s stopped after %d cycles", self.name, self.cycles)

    def cycle(
        self, prober: Prober, loop: asyncio.AbstractEventLoop, heartbeat: Heartbeat, *, everything: bool = False
    ) -> Claim:
        """Claim what is due and poll it, batch by batch. SIGTERM lets the cycle finish."""
        started = timezone.now()
        t0 = time.monotonic()
        if not connection.in_atomic_block:  # a long-lived process drops dead or old connections
            close_old_connections()
        claim = claim_due(started, shard=self.shard, everything=everything)
        polls = errors = 0
        last_error = ""
        for start in range(0, len(claim.ids), self.batch_size):
            batch = claim.ids[start : start + self.batch_size]
            try:
                stats = poll_batch(batch, prober, loop, self.stop)
            except Exception as exc:  # one bad batch must not stop the poller
                log.exception("batch of %d targets failed", len(batch))
                errors += 1
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            polls += stats.polled
            errors += stats.errors
            if stats.error_messages:
                last_error = stats.error_messages[-1]
            if stats.transitions:
                log.info(
                    "%d transitions, %d tickets opened, %d reused, %d recoveries",
                    stats.transitions,
                    stats.tickets_opened,
                    stats.tickets_reused,
                    stats.recoveries,
                )
        duration = time.monotonic() - t0
        try:
            heartbeat.cycle(
                started=started, duration_s=duration, claim=claim, polls=polls, errors=errors, last_error=last_error
            )
        except OperationalError as exc:
            log.warning("could not write the heartbeat: %s", exc)
        return claim

    def idle_time(self) -> float:
        """Seconds until the next target of this shard falls due (at most 5, at least 0.2)."""
        qs = Target.objects.filter(enabled=True, next_poll_at__isnull=False)
        if self.shard.count > 1:
            qs = qs.alias(shard_no=Mod("pk", self.shard.count)).filter(shard_no=self.shard.index)
        try:
            nxt = qs.order_by("next_poll_at").values_list("next_poll_at", flat=True).first()
        except OperationalError:
            return 5.0
        if nxt is None:
            return 5.0
        return min(5.0, max(0.2, (nxt - timezone.now()).total_seconds()))

    def housekeeping(self) -> None:
        try:
            services.rollup_and_prune(timezone.now())
        except Exception:
            log.exception("sample roll-up failed")

    def escalate(self) -> int:
        """Escalate the tickets whose SLA clocks call for it (embedded mode; Celery beat does it otherwise)."""
        try:
            return sla_services.escalate_due(now=timezone.now())
        except Exception:  # a failed escalation run must not stop the poller: the next minute retries
            log.exception("SLA escalation failed")
            return 0
