"""Real `celery worker` processes on a private Redis database, for the scale-out tests.

Each worker is `celery -A siyana worker -Q netmon --concurrency=1 --pool=prefork -n NAME@%h`
in a process group of its own (a SIGKILL to the group takes its pool process too, as when
a machine dies), pointed at the current test database, logging to a file that the tests
read to see which tasks each worker received and finished.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from kombu import pools

from siyana.celery import app
from tests.netmon.processes import ROOT, database_url

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_DB = 13  # used by nothing else in the suite; flushed before and after each test
BROKER_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
QUEUE = "netmon"

_TASK = re.compile(r"Task netmon\.poll_batch\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded|raised|retry)")


@contextmanager
def exclusive_redis_db(timeout: float = 180) -> Iterator[bool]:
    """Hold a file lock on the private Redis database for the duration: a second run of this
    suite on the machine (another engineer's, say) would otherwise flush our queue and
    its workers poll our batches. Yields False when the lock did not come within `timeout`."""
    path = Path(tempfile.gettempdir()) / f"siyana-tests-redis-{REDIS_PORT}-{REDIS_DB}.lock"
    with open(path, "a") as lock:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.5)
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def redis_client() -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2, socket_timeout=10)


def reset_producer_connections() -> None:
    """Make the test process's Celery app connect afresh, to whatever broker CELERY_BROKER_URL
    names now (Celery reads that variable before its settings, but caches its pools)."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(condition, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `condition` until it returns something truthy (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Worker:
    """One `celery worker` process (and its one pool process)."""

    def __init__(self, name: str, logfile: Path, env: dict[str, str] | None = None, *, queue: str = QUEUE) -> None:
        self.name = name
        self.logfile = logfile
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "siyana",
            "worker",
            "-Q",
            queue,
            "--concurrency=1",
            "--pool=prefork",
            "-n",
            f"{name}@%h",
            "--loglevel=INFO",
            "--without-mingle",  # no start-up exchange with the other workers: faster
            "--without-gossip",
        ]
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "siyana.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER_URL,
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
        with open(logfile, "wb") as out:  # a file, not a pipe: a full pipe would stall the worker
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")

    def pool_pids(self) -> list[int]:
        """The pids of this worker's pool processes (Linux: /proc)."""
        try:
            return [int(p) for p in Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()]
        except OSError:
            return []

    def tasks(self) -> tuple[Counter[str], Counter[str]]:
        """How often this worker received each poll_batch task, and how often it finished it
        (succeeded or raised; a redelivered task can be received twice)."""
        received: Counter[str] = Counter()
        finished: Counter[str] = Counter()
        for match in _TASK.finditer(self.log()):
            (received if match["what"] == "received" else finished)[match["id"]] += 1
        return received, finished

    def in_flight(self) -> list[str]:
        """The tasks this worker received and has not finished, so far as its log says (a task
        lost with a killed pool process is logged without its id, so it stays "in flight")."""
        received, finished = self.tasks()
        return list(received - finished)

    def wait_ready(self, timeout: float = 45) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited with {self.process.returncode}:\n{self.log()}")
            return " ready." in self.log() and bool(self.pool_pids())

        wait_for(ready, timeout=timeout, what=f"worker {self.name} to be ready")

    def kill(self) -> None:
        """SIGKILL the worker and its pool process at once: nothing of it can clean up."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 15) -> int | None:
        """Warm shutdown (SIGTERM: finish the task in hand); SIGKILL the group if it takes too long."""
        stop_all([self], timeout=timeout)
        return self.process.returncode


def stop_all(workers: list[Worker], timeout: float = 15) -> None:
    """Stop several workers at once (a warm shutdown takes a second or two each)."""
    running = [w for w in workers if w.process.poll() is None]
    for worker in running:
        worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for worker in running:
        try:
            worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)  # not reaped yet: the group is still ours
            worker.process.wait(timeout=10)
