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
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.db.backends.signals import connection_created
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
#: What a locked, restarting or unreachable database raises (InterfaceError: a connection
#: the server closed under us).
DB_ERRORS = (OperationalError, InterfaceError)
#: A target scheduled more than its interval plus this ahead of now was scheduled by a
#: clock that has since gone back (see `claim_due`).
CLOCK_SLACK = timedelta(seconds=5)
PULL_BACK_EVERY_S = 300.0  # at least this often a claim looks for schedules a clock gone back left ahead
#: Outcomes kept in memory while the database is away, at most (the oldest go first).
#: Backoff between attempts while the database is away.
BACKOFF_MIN_S, BACKOFF_MAX_S = 1.0, 30.0
#: How long `--once` (or `--max-cycles`) waits for an absent database before it gives up.
FINITE_PATIENCE_S = 120.0
#: A repeated complaint (database away, SNMP packets dropped) is logged at most this often.
LOG_EVERY_S = 60.0


class Clock:
    """The poller's wall clock, watched against the monotonic one.

    Schedules (`next_poll_at`) and records are wall time; waits and timeouts are monotonic
    (asyncio's loop time). A wall clock that steps — NTP after a bad start, a VM resumed, an
    operator — is noticed here: the two clocks disagree by more than `tolerance_s`.
    `jumped_at` is the wall time just after the latest step (the recorder then takes new
    sysUpTime baselines instead of seeing reboots everywhere); `claim_due` pulls back
    schedules left in the future by a step back. `wall` and `monotonic` are the seam tests
    use to step the clock.
    """

    def __init__(
        self,
        wall: Callable[[], datetime] = timezone.now,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        tolerance_s: float = 5.0,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self.tolerance_s = tolerance_s
        self._last: tuple[datetime, float] | None = None
        self.jumped_at: datetime | None = None
        self.jumps = 0
        self.back_jumps = 0

    def now(self) -> datetime:
        wall, mono = self._wall(), self._monotonic()
        if self._last is not None:
            last_wall, last_mono = self._last
            elapsed = mono - last_mono
            step = (wall - last_wall).total_seconds() - elapsed
            if abs(step) > self.tolerance_s + 0.001 * elapsed:
                self.jumps += 1
                self.jumped_at = wall
                if step < 0:
                    self.back_jumps += 1
                log.warning("the wall clock stepped %+.0f s; schedules and reboot checks adjust", step)
        self._last = (wall, mono)
        return wall


class PullBackGate:
    """When `claim_due` looks for schedules left ahead by a clock gone back (`_pull_back`, a query over every
    enabled target): on the first claim, after `clock` saw a new backward step, and at least every `every_s`
    (a clock that went back while no process watched it, a Celery dispatcher that runs now and then)."""

    def __init__(self, clock: Clock, every_s: float = PULL_BACK_EVERY_S) -> None:
        self.clock = clock
        self.every_s = every_s
        self._seen: tuple[int, float] | None = None  # (back_jumps, monotonic) at the last pull-back

    def due(self) -> bool:
        if self._seen is None:
            return True
        back_jumps, at = self._seen
        return self.clock.back_jumps != back_jumps or self.clock._monotonic() - at >= self.every_s

    def done(self) -> None:
        self._seen = (self.clock.back_jumps, self.clock._monotonic())


class Throttled:
    """Log one kind of complaint at most every `every_s` seconds (monotonic), with a count."""

    def __init__(self, every_s: float = LOG_EVERY_S, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.every_s = every_s
        self._monotonic = monotonic
        self._last: float | None = None
        self.suppressed = 0

    def __call__(self, level: int, message: str, *args) -> bool:
        now = self._monotonic()
        if self._last is not None and now - self._last < self.every_s:
            self.suppressed += 1
            return False
        if self.suppressed:
            message += " (%d similar messages suppressed)"
            args = (*args, self.suppressed)
        log.log(level, message, *args)
        self._last, self.suppressed = now, 0
        return True

    def reset(self) -> None:
        self._last, self.suppressed = None, 0


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
    rescheduled: int = 0  # found scheduled too far ahead (the clock went back) and given a new phase


def probe_settings() -> ProbeSettings:
    return ProbeSettings(
        icmp_concurrency=settings.NETMON_ICMP_CONCURRENCY,
        icmp_rate=settings.NETMON_ICMP_RATE or None,
        snmp_concurrency=settings.NETMON_SNMP_CONCURRENCY,
    )


def claim_due(
    now: datetime,
    *,
    shard: Shard = Shard(),
    limit: int | None = None,
    everything: bool = False,
    pull_back: bool = True,
) -> Claim:
    """Take the targets due at `now` (all enabled ones with `everything`) and move their
    schedule one interval on. Returns their ids in the order they fell due. `pull_back`: first
    reschedule the targets a clock gone back left ahead (see `PullBackGate`)."""
    claim = Claim()
    with transaction.atomic():
        if pull_back:
            claim.rescheduled = _pull_back(now, shard)
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


def _pull_back(now: datetime, shard: Shard) -> int:
    """Targets scheduled further ahead than one interval (plus `CLOCK_SLACK`) were scheduled
    by a clock that has since gone back (or before their interval was shortened): left alone
    they would not be polled until the clock caught up — an hour of silence after a step back
    of an hour. Give each a new random phase within its interval from `now`, as a new target
    gets, so they neither wait nor all come at once."""
    # order_by(): the model's default ordering would make DISTINCT per row
    intervals = sorted(
        set(Target.objects.filter(enabled=True).order_by().values_list("interval_s", flat=True).distinct())
    )
    if not intervals:
        return 0
    ahead = Q()
    for interval in intervals:
        ahead |= Q(interval_s=interval, next_poll_at__gt=now + timedelta(seconds=interval) + CLOCK_SLACK)
    qs = Target.objects.filter(ahead, enabled=True)
    if shard.count > 1:
        qs = qs.alias(shard_no=Mod("pk", shard.count)).filter(shard_no=shard.index)
    rows = list(qs.values_list("pk", "interval_s"))
    for pk, interval in rows:
        Target.objects.filter(pk=pk).update(next_poll_at=now + timedelta(seconds=random.uniform(0, 1) * interval))
    if rows:
        log.warning("%d targets were scheduled beyond their interval (the clock went back?): rescheduled", len(rows))
    return len(rows)


def record_with_retry(
    outcomes: list[Outcome],
    *,
    stop: threading.Event | None = None,
    attempts: int = 6,
    clock_jumped_at: datetime | None = None,
):
    """Store outcomes, retrying while the database is locked or away. The outcomes stay in
    memory meanwhile; if every attempt fails the error is raised (the standalone poller then
    keeps them until the database returns; a Celery task's are dropped — the states were not
    moved on, so the next poll finds the same transitions again)."""
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return services.record_outcomes(outcomes, clock_jumped_at=clock_jumped_at)
        except DB_ERRORS as exc:
            _reconnect()
            if attempt == attempts or (stop is not None and stop.is_set()):
                raise  # the caller says so, once (the standalone poller at most once a minute)
            # a lock held for a moment is ordinary: a note, not a warning per try
            log.info("database busy recording %d outcomes (try %d/%d): %s", len(outcomes), attempt, attempts, exc)
            if stop is not None and stop.wait(delay):
                raise
            if stop is None:
                time.sleep(delay)
            delay = min(delay * 2, 10.0)
    raise AssertionError("unreachable")


def _reconnect() -> None:
    """Drop the connection so the next query opens a new one (a killed backend, a restarted server)."""
    try:
        connection.close()
    except DB_ERRORS:  # closing a connection the server already dropped
        pass


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
        self,
        *,
        started: datetime,
        duration_s: float,
        claim: Claim,
        polls: int,
        errors: int,
        last_error: str = "",
        dropped: int = 0,
        pending: int = 0,
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
            "dropped_packets_total": F("dropped_packets_total") + dropped,
            "pending_outcomes": pending,
        }
        if last_error:
            values["last_error"] = last_error[:1000]
        PollerStatus.objects.filter(name=self.name).update(**values)

    def beat(self) -> None:
        PollerStatus.objects.filter(name=self.name).update(heartbeat_at=timezone.now())

    def stopped(self) -> None:
        PollerStatus.objects.filter(name=self.name).update(stopped_at=timezone.now())


def poll_batch(
    ids: list[int],
    prober: Prober,
    loop: asyncio.AbstractEventLoop,
    stop: threading.Event | None = None,
    *,
    clock: Clock | None = None,
) -> services.RecordStats:
    """Probe and record one batch of targets (a Celery worker's step). `clock`: the process's own, kept across
    batches, so that a wall clock step is noticed and the recorder takes new sysUpTime baselines instead of
    seeing every SNMP device reboot (as the standalone poller does)."""
    now = clock.now() if clock is not None else timezone.now()
    outcomes = probe_batch(ids, prober, loop, now)
    return record_with_retry(outcomes, stop=stop, clock_jumped_at=clock.jumped_at if clock is not None else None)


def probe_batch(ids: list[int], prober: Prober, loop: asyncio.AbstractEventLoop, now: datetime) -> list[Outcome]:
    """Probe one batch of targets (reads their jobs from the database; writes nothing)."""
    jobs = services.jobs_for(ids, now)
    return loop.run_until_complete(prober.run(jobs, now=now))


class StandalonePoller:
    """`manage.py poll`: the scheduler loop and the probes in one process.

    The database may be locked or away for a while (a long migration, a restart, a killed
    backend): the poller then keeps the outcomes it has probed but not written (`pending`:
    at most the one batch whose write failed, since nothing new is claimed until the kept
    outcomes are written, so it needs no cap), claims nothing new, and retries with a growing pause
    (`BACKOFF_MIN_S` … `BACKOFF_MAX_S`), logging once a minute. When the database answers
    again it writes the kept outcomes first — their transitions, outages and tickets, each
    written only if the target was not polled by someone else meanwhile — and goes on. It
    never exits because of the database, so a supervisor never sees it crash-loop.
    `db_timeout_s` is how long one statement waits for a lock before it counts as "away"
    (SQLite's busy timeout, PostgreSQL's lock_timeout), so a held lock cannot stall the
    loop unseen.
    """

    def __init__(
        self,
        *,
        shard: Shard = Shard(),
        batch_size: int | None = None,
        name: str | None = None,
        clock: Clock | None = None,
        db_timeout_s: float | None = None,
    ) -> None:
        self.shard = shard
        self.batch_size = batch_size or settings.NETMON_BATCH_SIZE
        self.name = name or f"poll {shard}@{socket.gethostname()}"
        self.stop = threading.Event()
        self.cycles = 0
        self.clock = clock or Clock()
        self.pull_back = PullBackGate(self.clock)
        self.db_timeout_s = db_timeout_s
        self.pending: deque[list[Outcome]] = deque()
        self.db_down_since: float | None = None  # monotonic
        self.backoff_s = BACKOFF_MIN_S
        self.dropped_seen = 0  # the prober's dropped-packet count at the last heartbeat
        self.finite_patience_s = FINITE_PATIENCE_S
        self._db_log = Throttled()
        self._drop_log = Throttled()

    # -- the loop

    def run(self, *, once: bool = False, max_cycles: int | None = None) -> None:
        self.limit_lock_waits()
        loop = asyncio.new_event_loop()
        prober = Prober(probe_settings())
        loop.run_until_complete(prober.__aenter__())
        heartbeat = self._start_heartbeat()
        last_housekeeping = timezone.now() - HOUSEKEEPING_EVERY
        last_escalation = timezone.now() - ESCALATE_EVERY
        log.info("poller %s started (shard %s, batch %d)", self.name, self.shard, self.batch_size)
        try:
            while not self.stop.is_set():
                if heartbeat is None:
                    heartbeat = self._start_heartbeat()
                self.cycle(prober, loop, heartbeat, everything=once)
                self.cycles += 1
                finite = once or (max_cycles is not None and self.cycles >= max_cycles)
                if finite and self.db_down_since is None:
                    break
                if finite and time.monotonic() - self.db_down_since > self.finite_patience_s:
                    # a one-shot run gives up (the daemon never does): its outcomes are repeated next run
                    log.error("poller %s gives up: the database has been away for too long", self.name)
                    break
                if self.db_down_since is not None:
                    self.stop.wait(self.backoff_s)
                    self.backoff_s = min(self.backoff_s * 2, BACKOFF_MAX_S)
                    continue
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
            if self.pending:
                log.error(
                    "poller %s stops with %d outcomes not written (the database is away); the next poll repeats them",
                    self.name,
                    sum(len(batch) for batch in self.pending),
                )
            if heartbeat is not None:
                try:
                    heartbeat.stopped()
                except DB_ERRORS as exc:
                    log.warning("could not mark the poller stopped: %s", exc)
            connection_created.disconnect(dispatch_uid=self._dispatch_uid)
            log.info("poller %s stopped after %d cycles", self.name, self.cycles)

    def _start_heartbeat(self) -> Heartbeat | None:
        try:
            heartbeat = Heartbeat(self.name, mode="standalone", shard=str(self.shard))
        except DB_ERRORS as exc:
            self._database_away(exc, "starting")
            return None
        return heartbeat

    @property
    def _dispatch_uid(self) -> str:
        return f"netmon-poller-{id(self)}"

    def limit_lock_waits(self) -> None:
        """Apply `db_timeout_s` to this process's connections, from the next one on (`run` does this)."""
        if self.db_timeout_s is not None:
            connection_created.connect(self._session_timeout, dispatch_uid=self._dispatch_uid)
            _reconnect()

    def _session_timeout(self, sender, connection, **kwargs) -> None:
        """Every connection of this process waits at most `db_timeout_s` for a lock."""
        ms = max(1, int(self.db_timeout_s * 1000))
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA busy_timeout = {ms}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"SET lock_timeout = {ms}")

    # -- one cycle

    def cycle(
        self, prober: Prober, loop: asyncio.AbstractEventLoop, heartbeat: Heartbeat | None, *, everything: bool = False
    ) -> Claim:
        """Write what is pending, claim what is due and poll it, batch by batch. SIGTERM lets
        the cycle finish. Never raises because of the database (see the class notes)."""
        started = self.clock.now()
        t0 = time.monotonic()
        if not connection.in_atomic_block:  # a long-lived process drops dead or old connections
            close_old_connections()
        claim = Claim()
        polls = errors = 0
        last_error = ""
        if self._flush_pending():
            try:
                pull_back = self.pull_back.due()
                claim = claim_due(started, shard=self.shard, everything=everything, pull_back=pull_back)
            except DB_ERRORS as exc:
                self._database_away(exc, "claiming due targets")
            else:
                if pull_back:
                    self.pull_back.done()
                self._database_back()
        for start in range(0, len(claim.ids), self.batch_size):
            if self.db_down_since is not None:
                break  # the rest of the claim waits one interval: its schedule has moved on
            batch = claim.ids[start : start + self.batch_size]
            try:
                now = self.clock.now()
                outcomes = probe_batch(batch, prober, loop, now)
            except DB_ERRORS as exc:
                self._database_away(exc, "reading the targets")
                break
            except Exception as exc:  # one bad batch must not stop the poller
                log.exception("batch of %d targets failed", len(batch))
                errors += 1
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            try:
                stats = record_with_retry(outcomes, stop=self.stop, attempts=3, clock_jumped_at=self.clock.jumped_at)
            except DB_ERRORS as exc:
                self._keep(outcomes)
                self._database_away(exc, "recording outcomes")
                break
            except Exception as exc:
                log.exception("recording a batch of %d targets failed", len(batch))
                errors += 1
                last_error = f"{type(exc).__name__}: {exc}"
                continue
            polls += stats.polled
            errors += stats.errors
            if stats.error_messages:
                last_error = stats.error_messages[-1]
            self._log_stats(stats)
        duration = time.monotonic() - t0
        dropped = prober.dropped_packets - self.dropped_seen
        if dropped:
            self._drop_log(
                logging.WARNING,
                "%d malformed or unexpected SNMP packets dropped (garbage, truncated, oversized, wrong request id"
                " or source); %d in all",
                dropped,
                prober.dropped_packets,
            )
        if heartbeat is not None and self.db_down_since is None:
            try:
                heartbeat.cycle(
                    started=started,
                    duration_s=duration,
                    claim=claim,
                    polls=polls,
                    errors=errors,
                    last_error=last_error,
                    dropped=dropped,
                    pending=self.pending_count,
                )
                self.dropped_seen += dropped
            except DB_ERRORS as exc:
                self._database_away(exc, "writing the heartbeat")
        return claim

    def _log_stats(self, stats: services.RecordStats) -> None:
        if stats.transitions:
            log.info(
                "%d transitions, %d tickets opened, %d reused, %d recoveries",
                stats.transitions,
                stats.tickets_opened,
                stats.tickets_reused,
                stats.recoveries,
            )

    # -- the database away and back

    @property
    def pending_count(self) -> int:
        return sum(len(batch) for batch in self.pending)

    def _keep(self, outcomes: list[Outcome]) -> None:
        # the cycle stops here and the next one claims nothing before `_flush_pending` empties `pending`
        self.pending.append(outcomes)

    def _flush_pending(self) -> bool:
        """Write the kept outcomes, oldest first. True when nothing is left."""
        while self.pending:
            batch = self.pending[0]
            try:
                stats = services.record_outcomes(batch, clock_jumped_at=self.clock.jumped_at)
            except DB_ERRORS as exc:
                _reconnect()
                self._database_away(exc, "writing kept outcomes")
                return False
            self.pending.popleft()
            log.info("wrote %d outcomes kept while the database was away (%d conflicts)", stats.polled, stats.conflicts)
            self._log_stats(stats)
            self._database_back()
        return True

    def _database_away(self, exc: Exception, doing: str) -> None:
        _reconnect()
        now = time.monotonic()
        if self.db_down_since is None:
            self.db_down_since = now
            self.backoff_s = BACKOFF_MIN_S
            self._db_log.reset()
        self._db_log(
            logging.WARNING,
            "database unavailable while %s for %.0f s (%d outcomes kept, next try in %.0f s): %s",
            doing,
            now - self.db_down_since,
            self.pending_count,
            self.backoff_s,
            exc,
        )

    def _database_back(self) -> None:
        if self.db_down_since is not None:
            log.warning("database available again after %.0f s", time.monotonic() - self.db_down_since)
            self.db_down_since = None
            self.backoff_s = BACKOFF_MIN_S

    # -- idle time and shard-0 chores

    def idle_time(self) -> float:
        """Seconds until the next target of this shard falls due (at most 5, at least 0.2)."""
        qs = Target.objects.filter(enabled=True, next_poll_at__isnull=False)
        if self.shard.count > 1:
            qs = qs.alias(shard_no=Mod("pk", self.shard.count)).filter(shard_no=self.shard.index)
        try:
            nxt = qs.order_by("next_poll_at").values_list("next_poll_at", flat=True).first()
        except DB_ERRORS:
            _reconnect()
            return 5.0
        if nxt is None:
            return 5.0
        return min(5.0, max(0.2, (nxt - self.clock.now()).total_seconds()))

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
