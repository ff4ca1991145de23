"""Web latency under load: the technician's queue, the asset list and the ticket API, against gunicorn.

    python -m bench.web --db sqlite|postgres [--tickets 100000] [--actions 500000] [--assets 20000]
                        [--clients 20] [--think 1.0] [--requests 600] [--seconds 60]
                        [--capacity-requests 300] [--workers 3]

One database per run, thrown away at the end: SQLite in a temporary directory, or a PostgreSQL
database `siyana_bench_web_<pid>` created on 127.0.0.1:5432 and dropped. It is migrated and filled by
`bench.reports._populate` (the quarterly report's generator: one directorate, 120 schools, 40
technicians, `--assets` assets, the tickets over five years with their timelines, the corrective
actions, the outages).

The pages are read as a real technician: the one whose number of open tickets (assigned to him,
neither resolved nor closed) is the median of the 40 — a session cookie for the pages, a token for
the API. Each page in turn gets `--clients` threads (stdlib `http.client`, one connection each,
opened again after each answer since sync workers close it, as a proxy's connections upstream
are) that GET it until `--requests` responses have come back or `--seconds` have passed, after a
warm-up of one request per client. Each client starts at a random moment within `--think`
seconds, and after each answer pauses between half and one and a half `--think` seconds (people
read what they asked for: a technician's tablet asks every 30 s by itself, and one tapping every
second is several times a busy person's pace). Then, apart, the same clients without any pause
for `--capacity-requests` answers: the most the server answers per second (with no pause, 20
clients keep 20 requests waiting, so their latency is 20 ÷ that rate). Latency is from sending
the request to the last byte of the body. gunicorn runs with the image's configuration
(docker/gunicorn.conf.py: sync workers, each settling its garbage collector once loaded) and
listens on 127.0.0.1 only.

Apart from the load, each page is requested once in this process through Django's test client
with the queries captured: their number per page finds N+1s. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.proc import maxrss_kb, pid_cpu_s

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
READY_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 30
WARM_UP_S = 120  # for every client's first request (a busy machine makes it slow)

# The pages: (key, path, auth) — auth "session" (the technician's cookie) or "token" (the API).
PAGES = (
    ("tablet_queue", "/tablet/", "session"),
    ("my_tickets", "/tickets/?mine=true&open=true", "session"),
    ("asset_list", "/assets/", "session"),
    ("ticket_api", "/api/tickets/", "token"),
)


# -- the database ----------------------------------------------------------------------


def _pg_url(name: str) -> str:
    return f"postgres://{PG_ADMIN['user']}@{PG_ADMIN['host']}:{PG_ADMIN['port']}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(**PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def _setup_django(db: str, work: Path, pg_name: str) -> dict:
    """Point Django at the throw-away database, migrate it; the environment gunicorn gets too."""
    env = {"DATA_DIR": str(work), "SECRET_KEY": secrets.token_urlsafe(48), "DEBUG": "false"}
    os.environ.pop("DATABASE_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = _pg_url(pg_name)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return env


def populate(tickets: int, actions: int, assets: int) -> dict:
    from django.db import connection

    from bench import reports

    t0 = time.perf_counter()
    rows = reports._populate(tickets, actions, n_assets=assets, n_targets=min(3000, assets))
    with connection.cursor() as cursor:
        # PostgreSQL: what autovacuum leaves a table in (the visibility map lets a count read the index alone).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"rows": rows, "populate_s": time.perf_counter() - t0}


def counts() -> dict:
    from assets.models import Asset
    from maintenance.models import CorrectiveAction, Ticket, TicketEntry

    return {
        "tickets": Ticket.objects.count(),
        "actions": CorrectiveAction.objects.count(),
        "entries": TicketEntry.objects.count(),
        "assets": Asset.objects.count(),
    }


def technician() -> tuple:
    """The technician whose open-ticket count (what his queue shows) is the median of all of them."""
    from django.contrib.auth import get_user_model

    from core.roles import Role
    from tablet.selectors import queue_tickets

    users = list(get_user_model().objects.filter(profile__role=Role.TECHNICIAN).order_by("pk"))
    if not users:
        raise RuntimeError("the generator made no technician")
    ranked = sorted(((queue_tickets(u).count(), u.pk, u) for u in users), key=lambda x: (x[0], x[1]))
    open_counts = [c for c, _pk, _u in ranked]
    count, _pk, user = ranked[len(ranked) // 2]
    return user, {"username": user.username, "open_tickets": count, "open_tickets_all": open_counts}


def _session_key(user) -> str:
    """A signed-in session for `user`, written to the session store the way `login()` leaves it (without
    its signal: the sign-in audit and lock-out bookkeeping are not what is measured)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def credentials(user) -> dict:
    """A session cookie and an API token for `user`."""
    from django.conf import settings

    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={_session_key(user)}", "token": _api_key(user)}


def _api_key(user) -> str:
    """An API key for `user` (a hashed `core.models.ApiToken`)."""
    from core import services

    return services.issue_api_token(user, "bench")


def query_counts(user, token: str) -> dict:
    """Each page once through the test client (a second time, warm), its queries captured."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    session = Client(HTTP_HOST="127.0.0.1")
    session.cookies[settings.SESSION_COOKIE_NAME] = _session_key(user)
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    out = {}
    for key, path, auth in PAGES:
        client = api if auth == "token" else session
        client.get(path)  # warm: translations, templates, the SLA policies' caches
        bound: list[tuple[float, str, object]] = []  # each query's own time, SQL and parameters, as executed

        def timed(execute, sql, params, many, context, bound=bound):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                bound.append((time.perf_counter() - t, sql, params))

        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
            t0 = time.perf_counter()
            response = client.get(path)
            wall = time.perf_counter() - t0
        sqls = [q["sql"] for q in queries.captured_queries]
        slowest = max(bound, key=lambda q: q[0], default=None)
        out[key] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "queries": len(sqls),
            "wall_s": wall,
            "db_s": sum(float(q.get("time") or 0) for q in queries.captured_queries),
            "repeated": _repeated(sqls),
            "slowest_ms": 1000 * slowest[0] if slowest else None,
            "slowest_sql": slowest[1][:2000] if slowest else None,
            "slowest_plan": _plan(slowest[1], slowest[2]) if slowest else None,
        }
    return out


def _plan(sql: str, params) -> list[str]:
    """The plan the database picks for a query with its parameters bound as they were (SQLite can plan
    `directorate_id = ?` otherwise than `directorate_id = 1`)."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
    except Exception as exc:  # noqa: BLE001 - a plan is a diagnosis, never a failure of the bench
        return [f"{exc.__class__.__name__}: {exc}"[:300]]
    return [str(row[-1]) for row in rows][:20]


def _repeated(sqls: list[str]) -> int:
    """How many queries repeat another's shape (literals aside): the tell-tale of an N+1."""
    import re

    shapes = [re.sub(r"\b\d+\b|'[^']*'", "?", s) for s in sqls]
    return len(shapes) - len(set(shapes))


def _relation_bytes(names: tuple[str, ...]) -> int:
    """On-disk bytes of these tables and indexes: pg_total_relation_size on PostgreSQL, dbstat on SQLite."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return sum(_scalar(cursor, "SELECT pg_total_relation_size(%s)", [n]) for n in names)
        marks = ",".join(["%s"] * len(names))
        cursor.execute(f"SELECT name FROM sqlite_master WHERE tbl_name IN ({marks})", names)
        objects = [r[0] for r in cursor.fetchall()]
        marks = ",".join(["%s"] * len(objects))
        return _scalar(cursor, f"SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ({marks})", objects)


def _scalar(cursor, sql: str, params) -> int:
    cursor.execute(sql, params)
    return int(cursor.fetchone()[0] or 0)


def storage(samples: int, rollups: int) -> dict:
    """Bytes per row of the samples and their rollups, indexes included: `samples` raw rows (one a minute
    per series, as the poller writes them) and `rollups` 5-minute rows added to the empty tables, through
    the ORM's bulk_create; and the retention settings the estimate needs."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from netmon.models import Sample, SampleRollup, Target

    target_ids = list(Target.objects.order_by("pk").values_list("pk", flat=True)[:1000])
    if not target_ids:
        raise RuntimeError("no target to hang samples on")
    metrics = ("rtt_ms", "uptime_s", "cpu:1", "in_bps:4", "out_bps:4", "in_bps:6", "out_bps:6")
    series = [(t, m) for t in target_ids for m in metrics]
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=2)
    tables = {"sample": ("netmon_sample",), "rollup": ("netmon_samplerollup",)}
    before = {k: _relation_bytes(v) for k, v in tables.items()}
    t0 = time.perf_counter()
    Sample.objects.bulk_create(
        (
            Sample(target_id=t, metric=m, at=start + dt.timedelta(minutes=i // len(series)), value=12.5 + i % 977)
            for i, (t, m) in ((i, series[i % len(series)]) for i in range(samples))
        ),
        batch_size=5000,
    )
    sample_s = time.perf_counter() - t0
    SampleRollup.objects.bulk_create(
        (
            SampleRollup(target_id=t, metric=m, resolution_s=300, count=5, avg=10.0 + i % 91, min=1.0, max=99.0,
                         bucket=start + dt.timedelta(minutes=5 * (i // len(series))))
            for i, (t, m) in ((i, series[i % len(series)]) for i in range(rollups))
        ),
        batch_size=5000,
    )  # fmt: skip
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE netmon_sample")
            cursor.execute("ANALYZE netmon_samplerollup")
    after = {k: _relation_bytes(v) for k, v in tables.items()}
    return {
        "samples": samples,
        "rollups": rollups,
        "sample_bytes": after["sample"] - before["sample"],
        "rollup_bytes": after["rollup"] - before["rollup"],
        "bytes_per_sample": (after["sample"] - before["sample"]) / samples,
        "bytes_per_rollup": (after["rollup"] - before["rollup"]) / rollups,
        "insert_samples_per_s": samples / sample_s if sample_s else None,
        "raw_days": settings.NETMON_RAW_DAYS,
        "rollup_5m_days": settings.NETMON_ROLLUP_5M_DAYS,
        "rollup_1h_days": settings.NETMON_ROLLUP_1H_DAYS,
        "discovery_hours": getattr(settings, "NETMON_DISCOVERY_HOURS", None),
    }


# -- the server ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving the project on 127.0.0.1, started in its own process group and always stopped."""

    def __init__(self, env: dict, workers: int, log: Path):
        self.port = _free_port()
        self.workers = workers
        self.log = log
        # The image's configuration, bound to loopback (the command line overrides the file's 0.0.0.0).
        self.argv = [sys.executable, "-m", "gunicorn", "-c", str(REPO / "docker" / "gunicorn.conf.py"),
                     "siyana.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                     "--backlog", "256", "--log-level", "warning", "--access-logfile", "-"]  # fmt: skip
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self._log = self.log.open("w")
        self.proc = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}: {self.log.read_text()[-1500:]}")
            try:
                status, _ = _get(self.port, "/login/", {})
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not answer within {READY_TIMEOUT_S} s")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu_s(self) -> float:
        return pid_cpu_s(self.proc.pid) + sum(pid_cpu_s(p) for p in self.worker_pids())

    def rss_kb(self) -> int:
        total = 0
        for pid in [self.proc.pid, *self.worker_pids()]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self._log.close()


def _get(port: int, path: str, headers: dict, conn: http.client.HTTPConnection | None = None) -> tuple[int, int]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        if own:
            conn.close()


# -- the load --------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))
    return ordered[k]


def load(server: Gunicorn, path: str, headers: dict, clients: int, requests: int, seconds: float,
         think: float = 0.0) -> dict:  # fmt: skip
    """`clients` threads GET `path`, one connection each, until `requests` answers or `seconds`; after each
    answer a client pauses a random time, uniform between half and one and a half `think` seconds (0: none)."""
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    errors: list[str] = []
    issued = 0
    deadline = {"at": time.monotonic() + WARM_UP_S + seconds}

    def started() -> None:  # the clock starts when every client is warm
        deadline["at"] = time.monotonic() + seconds

    start = threading.Barrier(clients + 1, action=started)

    def client(seed: int) -> None:
        nonlocal issued
        pause = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT_S)
        try:
            _get(server.port, path, headers, conn)  # warm-up: the connection, the worker's first request
            start.wait(WARM_UP_S)
            if think:  # people do not all tap at the same instant: each client starts somewhere in one pause
                time.sleep(pause.uniform(0, think))
            while time.monotonic() < deadline["at"]:
                with lock:
                    if issued >= requests:
                        break
                    issued += 1
                t0 = time.perf_counter()
                try:
                    status, _size = _get(server.port, path, headers, conn)
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"{exc.__class__.__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT_S)
                    continue
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
                if think:
                    left = max(0.0, deadline["at"] - time.monotonic())
                    time.sleep(min(pause.uniform(0.5 * think, 1.5 * think), left))
        except threading.BrokenBarrierError:
            pass
        except (OSError, http.client.HTTPException) as exc:
            with lock:
                errors.append(f"warm-up: {exc.__class__.__name__}: {exc}")
            start.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(clients)]
    for t in threads:
        t.start()
    try:
        start.wait(WARM_UP_S)
    except threading.BrokenBarrierError:
        errors.append(f"the warm-up did not finish within {WARM_UP_S} s")
    cpu0, t0 = server.cpu_s(), time.perf_counter()
    for t in threads:
        t.join(seconds + REQUEST_TIMEOUT_S + 5)
    wall = time.perf_counter() - t0
    cpu = server.cpu_s() - cpu0
    ok = statuses.get("200", 0)
    return {
        "path": path,
        "clients": clients,
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": len(errors),
        "error_samples": errors[:5],
        "wall_s": wall,
        "per_s": len(latencies) / wall if wall else None,
        "server_cpu_s": cpu,
        "server_cpu_ms_per_request": 1000 * cpu / len(latencies) if latencies else None,
        "server_rss_kb": server.rss_kb(),
        "p50_ms": _ms(percentile(latencies, 50)),
        "p95_ms": _ms(percentile(latencies, 95)),
        "p99_ms": _ms(percentile(latencies, 99)),
        "mean_ms": _ms(statistics.fmean(latencies) if latencies else None),
        "max_ms": _ms(max(latencies) if latencies else None),
        "capped_by_time": len(latencies) < requests,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1000 * seconds


# -- the run ---------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="siyana-bench-web-"))
    pg_name = f"siyana_bench_web_{os.getpid()}"
    created = False
    try:
        t0 = time.perf_counter()
        if args.db == "postgres":
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}"')
            _pg_admin(f'CREATE DATABASE "{pg_name}"')
            created = True
        env = _setup_django(args.db, work, pg_name)
        migrate_s = time.perf_counter() - t0
        filled = populate(args.tickets, args.actions, args.assets)
        user, who = technician()
        creds = credentials(user)
        queries = query_counts(user, creds["token"])
        stored = storage(args.samples, args.samples // 4)
        from django.db import connection, connections

        vendor = connection.vendor
        db_bytes = _db_bytes(vendor, work)
        connections.close_all()  # gunicorn's workers open their own
        out: dict = {
            "db": args.db,
            "vendor": vendor,
            "rows": counts(),
            "generated": filled["rows"],
            "db_bytes": db_bytes,
            "migrate_s": migrate_s,
            "populate_s": filled["populate_s"],
            "technician": who,
            "queries": queries,
            "storage": stored,
            "server": {"workers": args.workers, "worker_class": "sync", "config": "docker/gunicorn.conf.py"},
            "think_s": args.think,
            "pages": {},
            "capacity": {},
        }
        headers = {
            "session": {"Cookie": creds["cookie"], "Accept-Language": "ar"},
            "token": {"Authorization": f"Token {creds['token']}", "Accept": "application/json"},
        }
        with Gunicorn(env, args.workers, work / "gunicorn.log") as server:
            out["server"]["rss_idle_kb"] = server.rss_kb()
            for key, path, auth in PAGES:
                page = load(server, path, headers[auth], args.clients, args.requests, args.seconds, args.think)
                out["pages"][key] = page
                print(f"web {args.db} {key}: p95 {page['p95_ms']} ms, {page['errors']} errors", file=sys.stderr,
                      flush=True)  # fmt: skip
            for key, path, auth in PAGES if args.capacity_requests else ():
                page = load(server, path, headers[auth], args.clients, args.capacity_requests, args.seconds)
                out["capacity"][key] = page
                print(f"web {args.db} {key} without pauses: {page['per_s']:.1f}/s, p95 {page['p95_ms']} ms",
                      file=sys.stderr, flush=True)  # fmt: skip
        out["maxrss_kb"] = maxrss_kb()
        return out
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up yet
            pass
        if created:
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def _db_bytes(vendor: str, work: Path) -> int:
    from django.db import connection

    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    return sum(p.stat().st_size for p in work.glob("siyana.sqlite3*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=500_000)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (threads)")
    parser.add_argument("--think", type=float, default=1.0, help="a client's mean pause after each answer, seconds")
    parser.add_argument("--capacity-requests", type=int, default=300,
                        help="answers per page with no pause (the server's capacity); 0: not measured")  # fmt: skip
    parser.add_argument("--requests", type=int, default=600, help="measured requests per page")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per page")
    parser.add_argument("--samples", type=int, default=200_000, help="raw sample rows for bytes per row")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    if not (100 <= args.tickets <= 200_000 and 0 <= args.actions <= 1_000_000 and 0 <= args.assets <= 100_000):
        parser.error("--tickets 100..200000, --actions 0..1000000, --assets 0..100000")
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 10_000 and 1 <= args.seconds <= 300):
        parser.error("--clients 1..64, --requests 1..10000, --seconds 1..300")
    if not (0 <= args.think <= 60 and 0 <= args.capacity_requests <= 10_000):
        parser.error("--think 0..60, --capacity-requests 0..10000")
    if not 1_000 <= args.samples <= 2_000_000:
        parser.error("--samples 1000..2000000")
    if not 1 <= args.workers <= 16:
        parser.error("--workers 1..16")
    print(json.dumps(run(args), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
