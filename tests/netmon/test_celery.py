"""The scale-out mode for real: a Redis broker and `celery worker` processes.

The test process runs the dispatch step (`netmon.dispatch_due`, as beat would) and so
sends the batches to a private Redis database; two real prefork workers poll them into
the test database. Shown here: the workers share the load and no target is polled twice
in a cycle; and a worker killed mid-batch loses no target for longer than one interval,
without duplicate flips or tickets, while the other worker carries on. When only the pool
process dies, its worker gives the batch back to the queue at once (acks_late with
reject_on_worker_lost); when the whole worker dies, Redis keeps the batch unacknowledged
until its visibility timeout, and the targets are claimed again when they fall due.
"""

from __future__ import annotations

import json
import os
import signal
import time
from base64 import b64decode
from collections import Counter
from datetime import timedelta

import pytest
import redis
from celery.signals import after_task_publish
from django.utils import timezone

from maintenance.choices import TicketStatus
from maintenance.models import Ticket
from netmon.models import Flip, Outage, PollerStatus, Target, TargetCheck
from netmon.tasks import dispatch_due
from tests.netmon.celery_workers import (
    BROKER_URL,
    QUEUE,
    REDIS_DB,
    Worker,
    exclusive_redis_db,
    redis_client,
    reset_producer_connections,
    stop_all,
    wait_for,
)
from tests.netmon.netfixtures import make_target, v2c
from tests.netmon.test_poller import closed_udp_port

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 5


@pytest.fixture(scope="module", autouse=True)
def _redis_db():
    """Redis must answer, and the private database be ours alone while this module runs."""
    client = redis_client()
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 did not answer: {exc}")
    finally:
        client.close()
    with exclusive_redis_db() as ours:
        if not ours:
            pytest.skip(f"Redis database {REDIS_DB} stayed in use by another run of these tests")
        yield


@pytest.fixture
def broker(monkeypatch, settings):
    """The private Redis database, empty; the test process's Celery app sends there."""
    client = redis_client()
    client.flushdb()
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)  # Celery reads it before its settings
    settings.NETMON_BATCH_SIZE = BATCH
    reset_producer_connections()
    try:
        yield client
    finally:
        reset_producer_connections()
        client.flushdb()
        client.close()


@pytest.fixture
def published(broker) -> dict[str, list[int]]:
    """Every poll_batch the test process sends: task id → target ids."""
    sent: dict[str, list[int]] = {}

    def record(sender=None, headers=None, body=None, **_kwargs):
        if sender == "netmon.poll_batch":
            args, _kw, _embed = body
            sent[headers["id"]] = list(args[0])

    after_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(record)


@pytest.fixture
def start_workers(tmp_path, broker):
    """Start named workers (all stopped at the end of the test, whatever happens)."""
    started: list[Worker] = []

    def start(*names: str) -> list[Worker]:
        workers = []
        for name in names:
            worker = Worker(name, tmp_path / f"{name}.log", env={"NETMON_BATCH_SIZE": str(BATCH)})
            started.append(worker)
            workers.append(worker)
        for worker in workers:
            worker.wait_ready()
        return workers

    try:
        yield start
    finally:
        stop_all(started)
        for worker in started:  # shown by pytest when the test failed
            print(f"----- {worker.name} (pid {worker.pid}, exit {worker.process.returncode}) -----")
            print("\n".join(worker.log().splitlines()[-40:]))


def dispatch() -> int:
    return dispatch_due.apply().get(timeout=30)


def polled_ids() -> set[int]:
    return set(Target.objects.filter(last_poll_at__isnull=False).values_list("pk", flat=True))


def unacked_batches(client: redis.Redis) -> dict[str, list[int]]:
    """The messages Redis holds as delivered but not acknowledged: task id → target ids."""
    held = {}
    for raw in client.hvals("unacked"):
        message = json.loads(raw)[0]
        args, _kw, _embed = json.loads(b64decode(message["body"]))
        held[message["headers"]["id"]] = list(args[0])
    return held


def heartbeat_row(pid: int) -> PollerStatus | None:
    return PollerStatus.objects.filter(mode="celery", pid=pid).first()


# -- 1. the load is shared, nothing is polled twice in a cycle --------------------------


@pytest.fixture
def pingable(school, lab):
    return [
        make_target(school, lab, tag=f"AP-{i}", ip=f"127.0.8.{i}", interval_s=60, icmp_enabled=True)
        for i in range(1, 61)
    ]


def test_two_workers_share_the_load_and_poll_each_target_once(broker, published, start_workers, pingable):
    workers = start_workers("w1", "w2")
    assert dispatch() == len(pingable)
    assert len(published) == len(pingable) // BATCH
    assert sorted(pk for ids in published.values() for pk in ids) == sorted(t.pk for t in pingable)

    everyone = {t.pk for t in pingable}
    wait_for(  # polled, and each batch's heartbeat written (the task ends after it)
        lambda: polled_ids() == everyone and not any(w.in_flight() for w in workers),
        timeout=60,
        what="every target to be polled",
    )

    for target in pingable:
        check = TargetCheck.objects.get(target=target, check_name="icmp")
        assert check.status == "up"
        assert check.state["successes"] == 1, (target, check.state)  # one observation, not two
        flips = list(Flip.objects.filter(target=target).values_list("check_name", "seq", "old", "new"))
        assert flips == [("icmp", 1, "unknown", "up")], (target, flips)

    rows = PollerStatus.objects.filter(mode="celery")
    assert all(row.name.startswith("celery@") for row in rows)
    by_pid = {row.pid: row for row in rows}
    for worker in workers:
        (pool_pid,) = worker.pool_pids()
        assert pool_pid in by_pid, (worker.name, by_pid)
        assert by_pid[pool_pid].polls_total > 0, f"{worker.name} polled nothing"
    assert sum(row.polls_total for row in rows) == len(pingable)

    assert dispatch() == 0  # claimed targets are not due again before their interval
    assert broker.llen(QUEUE) == 0

    stop_all(workers)  # a warm shutdown marks each pool process's heartbeat row stopped
    assert [w.process.returncode for w in workers] == [0, 0], [w.log() for w in workers]
    assert all(row.stopped_at is not None for row in PollerStatus.objects.filter(mode="celery"))


# -- 2. a worker killed mid-batch ------------------------------------------------------


@pytest.fixture
def slow(school, lab):
    """Targets that answer ping but whose SNMP agent is a closed port: every batch waits
    out the SNMP timeout (discovery, then the poll), so a batch is in flight for ~2 s."""
    credential = v2c()
    port = closed_udp_port()
    return [
        make_target(
            school,
            lab,
            tag=f"UPS-{i}",
            ip=f"127.0.9.{i}",
            interval_s=60,
            snmp_enabled=True,
            credential=credential,
            snmp_port=port,
            timeout_s=1.0,
            retries=0,
            fail_threshold=1,  # the first silence is a problem: one ticket per target
            reboot_enabled=False,
        )
        for i in range(1, 31)
    ]


def assert_invariants(targets) -> None:
    """Each target polled exactly once; flips numbered without gaps and matching the states;
    one open ticket and one open outage per problem."""
    for target in targets:
        checks = {c.check_name: c for c in TargetCheck.objects.filter(target=target)}
        assert set(checks) == {"icmp", "snmp"}, target
        assert checks["icmp"].state["successes"] == 1, (target, checks["icmp"].state)
        assert checks["snmp"].status == "down", target
        for name, check in checks.items():
            flips = list(Flip.objects.filter(target=target, check_name=name).order_by("seq").values_list("seq", "new"))
            assert flips == [(1, check.status)] and check.state["seq"] == 1, (target, name, flips)
        tickets = Ticket.objects.filter(monitor_key=target.monitor_key, status__in=TicketStatus.OPEN)
        assert list(tickets.values_list("monitor_problem", flat=True)) == ["snmp"], target
        outages = Outage.objects.filter(target=target, end__isnull=True)
        assert list(outages.values_list("check_name", flat=True)) == ["snmp"], target
        assert outages.get().ticket == tickets.get()


@pytest.mark.parametrize("kill", ["worker", "pool process"])
def test_a_worker_killed_mid_batch_loses_no_target_for_more_than_an_interval(
    broker, published, start_workers, slow, kill
):
    victim, survivor = start_workers("w1", "w2")
    everyone = {t.pk for t in slow}
    assert dispatch() == len(slow)
    assert len(published) == len(slow) // BATCH

    # Wait until the victim has finished one batch and is well into the next one.
    def victim_mid_batch() -> str | None:
        received, finished = victim.tasks()
        in_flight = list(received - finished)
        return in_flight[0] if finished and in_flight else None

    task = wait_for(victim_mid_batch, timeout=30, interval=0.05, what="the victim to be mid-batch")
    time.sleep(0.4)  # into the probes: the batch's SNMP waits last ~2 s
    held = set(published[task])
    assert victim.in_flight() == [task] and not held & polled_ids(), "the kill must land before the batch is stored"
    (pool_pid,) = victim.pool_pids()
    row = heartbeat_row(survivor.pool_pids()[0])
    survivor_polls = row.polls_total if row else 0

    if kill == "worker":  # the machine dies: worker and pool process together
        victim.kill()

        # The survivor polls every other batch. The victim's stays unacknowledged in Redis:
        # the transport hands it out again only after its visibility timeout (an hour).
        def only_the_victims_batch_left() -> bool:
            if broker.llen(QUEUE) or not polled_ids() >= everyone - held:
                return False
            return set(unacked_batches(broker)) == {task}  # the survivor's last batch acknowledged

        wait_for(only_the_victims_batch_left, timeout=45, what="the survivor to poll every other batch")
        unacked = unacked_batches(broker)
        assert {k: set(v) for k, v in unacked.items()} == {task: held}, unacked
        # One interval later the targets still not polled are due again: exactly the
        # killed worker's batch. They are claimed and queued once more.
        missing = Target.objects.filter(last_poll_at__isnull=True)
        assert set(missing.values_list("pk", flat=True)) == held
        missing.update(next_poll_at=timezone.now() - timedelta(seconds=1))
        sent_before = set(published)
        assert dispatch() == len(held)
        (again,) = set(published) - sent_before
        assert set(published[again]) == held
        wait_for(
            lambda: polled_ids() == everyone and survivor.tasks()[1][again] == 1,  # the survivor took it
            timeout=30,
            what="the killed batch to be polled again",
        )
        assert survivor.tasks()[0][again] == 1
    else:  # only the pool process dies: its worker requeues the batch (reject_on_worker_lost)
        os.kill(pool_pid, signal.SIGKILL)
        wait_for(lambda: polled_ids() == everyone, timeout=45, what="the lost batch to be redelivered and polled")
        assert len(published) == len(slow) // BATCH  # no second dispatch was needed
        received = sum((w.tasks()[0] for w in (victim, survivor)), Counter())
        assert received[task] == 2, received  # delivered, lost with the process, delivered again
        assert victim.process.poll() is None and victim.pool_pids() not in ([], [pool_pid])  # a new pool process

    assert dispatch() == 0  # nothing is left due: every target is scheduled an interval on
    assert heartbeat_row(survivor.pool_pids()[0]).polls_total > survivor_polls  # the survivor carried on
    assert survivor.process.poll() is None
    assert_invariants(slow)
