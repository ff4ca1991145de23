"""Fault injection for the poller's tests: a database held locked (or its backends killed)
from another connection, and a prober that lets that happen at a chosen point of a cycle."""

from __future__ import annotations

import sqlite3
import threading

from django.db import connection

from netmon.cycle import Prober


class DatabaseLock:
    """Hold the test database locked from a second connection of our own.

    SQLite: `BEGIN EXCLUSIVE` — every writer waits (readers go on: WAL). PostgreSQL: `LOCK
    TABLE … IN ACCESS EXCLUSIVE MODE` on the poller's tables — nobody reads or writes them.
    Either way the poller's statements wait out their lock timeout and fail."""

    TABLES = "netmon_target, netmon_targetcheck, netmon_pollerstatus"

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.settings = connection.settings_dict
        self._conn = None
        self._timer: threading.Timer | None = None

    def acquire(self) -> DatabaseLock:
        if self._conn is not None:
            return self
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.settings["NAME"], isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("BEGIN EXCLUSIVE")
        else:
            conn = _pg_connect(self.settings)
            conn.execute("BEGIN")
            conn.execute(f"LOCK TABLE {self.TABLES} IN ACCESS EXCLUSIVE MODE")
        self._conn = conn
        return self

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.rollback()
            conn.close()

    def release_after(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self.release)
        self._timer.daemon = True
        self._timer.start()

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _pg_connect(settings: dict):
    import psycopg

    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )


def terminate_other_backends(keep_pids: set[int]) -> int:
    """pg_terminate_backend every other session of the test database (the poller's). Returns how many."""
    with _pg_connect(connection.settings_dict) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND NOT (pid = ANY(%s))",
            [list(keep_pids)],
        ).fetchall()
    return sum(1 for (ok,) in rows if ok)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class LockAfterProbing:
    """The real prober; once its probes of the next batch are done, `lock` is taken — the
    database goes away between probing and recording, where the transitions are in memory only."""

    def __init__(self, prober: Prober, lock: DatabaseLock) -> None:
        self.prober = prober
        self.lock = lock

    @property
    def dropped_packets(self) -> int:
        return self.prober.dropped_packets

    async def run(self, jobs, *, now=None):
        outcomes = await self.prober.run(jobs, now=now)
        self.lock.acquire()
        return outcomes
