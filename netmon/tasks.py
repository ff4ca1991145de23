"""Celery tasks: the scheduler's steps spread over workers (see netmon.scheduler).

Beat runs `netmon.dispatch_due` every few seconds: it claims the due targets (moving
their schedule on, as the standalone loop does) and sends them in batches to the
`netmon` queue. Every worker on that queue runs `netmon.poll_batch` with one event loop
and one SNMP engine per worker process, kept across tasks.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import socket

from celery import shared_task
from celery.signals import worker_process_shutdown
from django.conf import settings
from django.utils import timezone

from netmon import scheduler, services
from netmon.cycle import Prober

_process: dict[str, object] = {}
# The dispatcher's clock (whichever process runs it, it runs every few seconds): the search for schedules left
# ahead by a clock gone back runs after a backward step it saw, or every PULL_BACK_EVERY_S, not on every claim.
_clock = scheduler.Clock()
_dispatch = {"clock": _clock, "gate": scheduler.PullBackGate(_clock)}


def _prober() -> tuple[Prober, asyncio.AbstractEventLoop, scheduler.Heartbeat]:
    """This worker process's loop, prober and heartbeat (made on first use, after the fork)."""
    if _process.get("pid") != os.getpid():
        loop = asyncio.new_event_loop()
        prober = Prober(scheduler.probe_settings())
        loop.run_until_complete(prober.__aenter__())
        heartbeat = scheduler.Heartbeat(f"celery@{socket.gethostname()}:{os.getpid()}", mode="celery")
        # the process's clock, kept across tasks: it notices a wall clock step between two batches
        _process.update(pid=os.getpid(), loop=loop, prober=prober, heartbeat=heartbeat, clock=scheduler.Clock())
        atexit.register(heartbeat.stopped)
    return _process["prober"], _process["loop"], _process["heartbeat"]  # type: ignore[return-value]


@worker_process_shutdown.connect
def _pool_process_stopped(**_kwargs) -> None:
    """A prefork pool process leaves through os._exit, so its atexit hooks never run: mark
    its heartbeat row stopped here, or the health page and /metrics show it stale forever."""
    if _process.get("pid") == os.getpid():
        _process["heartbeat"].stopped()  # type: ignore[attr-defined]


@shared_task(name="netmon.dispatch_due", ignore_result=True)
def dispatch_due() -> int:
    """Claim the due targets and queue them in batches. Returns how many were queued."""
    clock = _dispatch["clock"]
    now = clock.now()
    pull_back = _dispatch["gate"].due()
    claim = scheduler.claim_due(now, pull_back=pull_back)
    if pull_back:
        _dispatch["gate"].done()
    size = settings.NETMON_BATCH_SIZE
    for start in range(0, len(claim.ids), size):
        poll_batch.apply_async(args=[claim.ids[start : start + size]], queue="netmon")
    return len(claim.ids)


@shared_task(name="netmon.poll_batch", ignore_result=True)
def poll_batch(target_ids: list[int]) -> dict[str, int]:
    prober, loop, heartbeat = _prober()
    started = timezone.now()
    claim = scheduler.Claim(ids=list(target_ids))
    stats = scheduler.poll_batch(list(target_ids), prober, loop, clock=_process["clock"])  # type: ignore[arg-type]
    duration = (timezone.now() - started).total_seconds()
    dropped = prober.dropped_packets - int(_process.get("dropped_seen", 0))  # type: ignore[call-overload]
    heartbeat.cycle(
        started=started,
        duration_s=duration,
        claim=claim,
        polls=stats.polled,
        errors=stats.errors,
        last_error=stats.error_messages[-1] if stats.error_messages else "",
        dropped=dropped,
    )
    _process["dropped_seen"] = prober.dropped_packets
    return {"polled": stats.polled, "conflicts": stats.conflicts, "transitions": stats.transitions}


@shared_task(name="netmon.housekeeping", ignore_result=True)
def housekeeping() -> dict[str, int]:
    return services.rollup_and_prune(timezone.now())
