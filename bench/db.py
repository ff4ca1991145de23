"""The hot queries on PostgreSQL at scale: plans, times, index sizes; BRIN vs btree on the samples.

    python -m bench.db [--tickets 100000] [--actions 500000] [--assets 20000] [--targets 10000]
                       [--sample-hours 48] [--url postgres://postgres@127.0.0.1:5432]

Creates a throw-away database (`siyana_bench_db`, dropped at the end, also on error), migrates it,
fills it with `bench.reports`' generator (tickets over five years with their timelines, corrective
actions, assets, targets, outages; COPY) and then the raw samples: one `rtt_ms` per target and minute
for `--sample-hours`, written in time order as the poller writes them (PostgreSQL's own
generate_series, an hour at a time). ANALYZE, then EXPLAIN (ANALYZE, BUFFERS) of every query of:

- the pages: the tablet's queue, the web ticket list (open queue), the ticket API list, the asset
  list and asset API list, as a directorate technician sees them (the real views, through the test
  client: every SQL statement they run is captured and explained);
- the poller's claim of due targets (`netmon.scheduler.claim_due`, SKIP LOCKED, unsharded and one
  shard of four) with a twelfth of the targets due;
- the quarterly report's frames (`reports.build.build_report`, 2025-Q3) and the availability
  frame over a month (`reports.selectors.outage_frame`);
- the samples: roll-up of the last two hours (`netmon.services.rollup_samples`), one target's day,
  all targets' day, the prune of the oldest hour — each with the btree on `at`, with a BRIN on `at`
  instead, and with neither; the sizes and build times of the three indexes; a daily-partitioned copy
  of a slice to compare the prune (DELETE vs DROP of a partition).

Prints one JSON object. Plans are recorded as their node types per table (Index Scan, Seq Scan …).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STARTED = time.monotonic()
DB_NAME = "siyana_bench_db"

#: The tables that grow with the deployment: a sequential scan of one of them in a hot query is a finding.
BIG_TABLES = {
    "maintenance_ticket",
    "maintenance_ticketentry",
    "maintenance_ticket_assets",
    "maintenance_correctiveaction",
    "maintenance_partusage",
    "maintenance_ticketfeedback",
    "assets_asset",
    "netmon_target",
    "netmon_outage",
    "netmon_flip",
    "netmon_sample",
    "netmon_samplerollup",
}


def _log(message: str) -> None:
    print(f"[bench.db {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


# -- the throw-away database ------------------------------------------------------------------------


def _admin(url: str):
    import psycopg

    return psycopg.connect(f"{url}/postgres", autocommit=True, connect_timeout=5)


def create_database(url: str, name: str = DB_NAME) -> None:
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str, name: str = DB_NAME) -> None:
    from django.db import connections

    connections.close_all()
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup(url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"{url}/{DB_NAME}"
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def fill(n_tickets: int, n_actions: int, *, n_assets: int, n_targets: int, n_outages: int) -> dict:
    """`bench.reports`' generator, plus what it leaves out and the pages read: SLA due times, one asset
    per ticket."""
    from django.db import connection

    from bench.reports import _populate

    counts = _populate(n_tickets, n_actions, n_assets=n_assets, n_targets=n_targets, n_outages=n_outages)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE maintenance_ticket SET response_due_at = opened_at + interval '4 hours', "
            "resolve_due_at = opened_at + interval '3 days'"
        )
        cursor.execute(
            "INSERT INTO maintenance_ticket_assets (ticket_id, asset_id) SELECT t.id, a.id FROM maintenance_ticket t "
            "JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM assets_asset) a ON a.n = t.id %% %s",
            [n_assets],
        )
        counts["ticket_assets"] = cursor.rowcount
        cursor.execute("ANALYZE")
    return counts


def insert_samples(n_targets: int, start: dt.datetime, hours: int) -> None:
    """One rtt_ms sample per target and minute for `hours` from `start`, in time order (the poller's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for h in range(hours):
            lo = start + dt.timedelta(hours=h)
            cursor.execute(
                """
                INSERT INTO netmon_sample (target_id, metric, at, value)
                SELECT t.id, 'rtt_ms', ts, 1 + random() * 20
                FROM generate_series(%s::timestamptz, %s::timestamptz - interval '1 minute', interval '1 minute') ts,
                -- LATERAL (it names ts): the targets inside, once a minute, so the rows go in time order
                LATERAL (SELECT id FROM netmon_target WHERE ts IS NOT NULL ORDER BY id LIMIT %s) t
                """,
                [lo, lo + dt.timedelta(hours=1), n_targets],
            )


# -- plans ---------------------------------------------------------------------------------------------


def _walk(node: dict, out: list[dict]) -> None:
    out.append(
        {
            k: node[k]
            for k in ("Node Type", "Relation Name", "Index Name", "Actual Rows", "Actual Total Time")
            if k in node
        }
    )
    for child in node.get("Plans", []):
        _walk(child, out)


def explain(sql: str, params=None, *, analyze: bool = True) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of one statement, summarised: execution time, the scans
    (node type, table, index) and the big tables read sequentially."""
    from django.db import connection

    options = "ANALYZE, BUFFERS, FORMAT JSON" if analyze else "FORMAT JSON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    nodes: list[dict] = []
    _walk(plan["Plan"], nodes)
    scans = [
        {"node": n["Node Type"], "table": n["Relation Name"], "index": n.get("Index Name")}
        for n in nodes
        if "Relation Name" in n
    ]
    # a bitmap heap scan names the table, its bitmap index scan(s) the index
    scans += [{"node": n["Node Type"], "table": None, "index": n["Index Name"]} for n in nodes
              if n["Node Type"] == "Bitmap Index Scan"]  # fmt: skip
    top = plan["Plan"]
    return {
        "ms": plan.get("Execution Time"),
        "planning_ms": plan.get("Planning Time"),
        "rows": top.get("Actual Rows", top.get("Plan Rows")),
        "shared_hit": top.get("Shared Hit Blocks"),
        "shared_read": top.get("Shared Read Blocks"),
        "scans": scans,
        "seq_scans": sorted({s["table"] for s in scans if s["node"] == "Seq Scan" and s["table"] in BIG_TABLES}),
        "plan": plan["Plan"],
    }


def _short_sql(sql: str, limit: int = 240) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


def plans_of(fn) -> tuple[list[dict], float]:
    """Run `fn` (timed), then EXPLAIN ANALYZE every statement it ran, in a transaction rolled back
    (the claim of due targets writes). Returns the explained statements in order and `fn`'s time (ms)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            fn()
            wall_ms = (time.perf_counter() - t0) * 1000
        transaction.set_rollback(True)
    statements = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(
        ("SELECT", "UPDATE", "INSERT", "DELETE", "WITH"))]  # fmt: skip
    explained = []
    with transaction.atomic():
        for sql in statements:
            with transaction.atomic():  # a savepoint: one failed EXPLAIN does not end the others
                try:
                    result = explain(sql.replace("%", "%%"))
                except Exception as exc:  # noqa: BLE001 - reported, not fatal
                    result = {"error": f"{exc.__class__.__name__}: {exc}"[:300], "ms": 0, "seq_scans": [], "scans": []}
            result["sql"] = sql
            result.pop("plan", None)
            explained.append(result)
        transaction.set_rollback(True)
    return explained, wall_ms


def explain_captured(fn, *, keep: int = 6) -> dict:
    """`plans_of(fn)` summarised: the slowest statements (at most `keep`) and every big table any of
    them read sequentially."""
    explained, wall_ms = plans_of(fn)
    for result in explained:
        result["sql"] = _short_sql(result["sql"])
    explained.sort(key=lambda r: -(r.get("ms") or 0))
    return {
        "wall_ms": wall_ms,
        "queries": len(explained),
        "db_ms": sum(r.get("ms") or 0 for r in explained),
        "seq_scans": sorted({t for r in explained for t in r["seq_scans"]}),
        "slowest": explained[:keep],
    }


# -- the pages, the claim, the report ----------------------------------------------------------------


def _technician():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="tech7").get()


def pages() -> dict:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # the test client's host name
    warnings.filterwarnings("ignore", "No directory at")  # STATIC_ROOT: collectstatic is not part of the bench
    client = Client()
    client.force_login(_technician())
    urls = {
        "tablet_queue": reverse("tablet:queue"),
        "ticket_list_open": reverse("maintenance:ticket_list") + "?open=true",
        "ticket_list_mine": reverse("maintenance:ticket_list") + "?mine=true",
        "ticket_list": reverse("maintenance:ticket_list"),
        "ticket_api": "/api/tickets/",
        "asset_list": reverse("assets:asset_list"),
        "asset_api": "/api/assets/",
    }
    out = {}
    for name, url in urls.items():
        client.get(url)  # warm: sessions, caches, first connection

        def get(url=url, name=name):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{name}: GET {url} answered {response.status_code}")

        out[name] = {"url": url, **explain_captured(get)}
    return out


def claim(n_targets: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from netmon.scheduler import Shard, claim_due

    now = timezone.now()
    with connection.cursor() as cursor:  # one twelfth due now: a 60 s interval seen every 5 s
        cursor.execute(
            "UPDATE netmon_target SET enabled = true, interval_s = 60, "
            "next_poll_at = %s::timestamptz + ((id %% 60) - 4) * interval '1 second'",
            [now],
        )
        cursor.execute("ANALYZE netmon_target")
    return {
        "targets": n_targets,
        "all": explain_captured(lambda: claim_due(now)),
        "shard_1_of_4": explain_captured(lambda: claim_due(now, shard=Shard(1, 4))),
    }


def report_frames() -> dict:
    from django.utils import translation

    from reports.build import build_report
    from reports.periods import Quarter
    from reports.selectors import Scope, outage_frame

    since = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
    until = dt.datetime(2025, 8, 1, tzinfo=dt.UTC)
    with translation.override("ar"):
        build_report(Quarter(2025, 3))  # warm
        quarterly = explain_captured(lambda: build_report(Quarter(2025, 3)), keep=10)
    return {
        "quarterly_2025_q3": quarterly,
        "availability_month": explain_captured(lambda: outage_frame(Scope(), since=since, until=until)),
    }


# -- the samples -----------------------------------------------------------------------------------------


def _relsize(name: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s::regclass)", [name])
        return cursor.fetchone()[0]


def _timed(sql: str, params=None) -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return time.perf_counter() - t0


def fill_samples(n_targets: int, hours: int, end: dt.datetime) -> dict:
    """`hours` of one rtt_ms sample per target and minute up to `end`, in time order, without the
    indexes (built after, timed)."""
    from django.db import connection

    start = end - dt.timedelta(hours=hours)
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '128MB'")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("DROP INDEX IF EXISTS netmon_sample_at")
        cursor.execute("DROP INDEX IF EXISTS netmon_sample_series")
        t0 = time.perf_counter()
        insert_samples(n_targets, start, hours)
        insert_s = time.perf_counter() - t0
        cursor.execute("SELECT count(*) FROM netmon_sample")
        rows = cursor.fetchone()[0]
    _log(f"{rows:,} samples in {insert_s:.0f} s; indexes")
    build = {
        "series_btree": _timed("CREATE INDEX netmon_sample_series ON netmon_sample (target_id, metric, at)"),
        "at_btree": _timed("CREATE INDEX bench_sample_at_btree ON netmon_sample (at)"),
        # the index migration netmon 0003 makes on PostgreSQL
        "at_brin": _timed("CREATE INDEX netmon_sample_at ON netmon_sample USING brin (at)"),
    }
    _timed("VACUUM ANALYZE netmon_sample")
    return {
        "rows": rows,
        "hours": hours,
        "targets": n_targets,
        "insert_s": insert_s,
        "rows_per_s": rows / insert_s if insert_s else None,
        "index_build_s": build,
        "bytes": {
            "table": _relsize("netmon_sample"),
            "series_btree": _relsize("netmon_sample_series"),
            "at_btree": _relsize("bench_sample_at_btree"),
            "at_brin": _relsize("netmon_sample_at"),
        },
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


#: The variants of the time index: which of the two to drop (inside a rolled-back transaction) before the query.
VARIANTS = {
    "btree": ["netmon_sample_at"],
    "brin": ["bench_sample_at_btree"],
    "none": ["netmon_sample_at", "bench_sample_at_btree"],
}


def _explain_variant(sql: str, params, drop: list[str], repeat: int) -> dict:
    from django.db import connection, transaction

    runs = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name in drop:
                cursor.execute(f"DROP INDEX {name}")
        for _ in range(repeat):
            runs.append(explain(sql, params))
        transaction.set_rollback(True)
    last = runs[-1]
    return {
        "ms": statistics.median(r["ms"] for r in runs),
        "ms_runs": [r["ms"] for r in runs],
        "scans": last["scans"],
        "seq_scans": last["seq_scans"],
        "rows": last["rows"],
        "shared_read": last["shared_read"],
        "shared_hit": last["shared_hit"],
    }


def sample_queries(fill: dict, repeat: int) -> dict:
    from django.db import connection

    from netmon import services

    end = dt.datetime.fromisoformat(fill["end"])
    start = dt.datetime.fromisoformat(fill["start"])
    day = min(dt.timedelta(days=1), end - start)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM netmon_target ORDER BY id LIMIT 1 OFFSET %s", [fill["targets"] // 2])
        target = cursor.fetchone()[0]
    # the roll-up as the poller runs it: capture its INSERT … SELECT
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        services.rollup_samples(end)
        transaction.set_rollback(True)
    rollup_sql = next(q["sql"] for q in captured.captured_queries if "netmon_samplerollup" in q["sql"])
    queries = {
        "one_target_day": (
            "SELECT at, value FROM netmon_sample WHERE target_id = %s AND metric = 'rtt_ms' AND at >= %s AND at < %s "
            "ORDER BY at",
            [target, end - day, end],
        ),
        "one_target_all": (
            "SELECT at, value FROM netmon_sample WHERE target_id = %s AND metric = 'rtt_ms' AND at >= %s AND at < %s "
            "ORDER BY at",
            [target, start, end],
        ),
        "all_targets_hour": (
            "SELECT target_id, count(*), avg(value) FROM netmon_sample WHERE at >= %s AND at < %s GROUP BY target_id",
            [end - dt.timedelta(hours=1), end],
        ),
        "all_targets_day": (
            "SELECT target_id, count(*), avg(value) FROM netmon_sample WHERE at >= %s AND at < %s GROUP BY target_id",
            [end - day, end],
        ),
        "rollup_2h": (rollup_sql.replace("%", "%%"), None),
        "prune_oldest_hour": ("DELETE FROM netmon_sample WHERE at < %s", [start + dt.timedelta(hours=1)]),
    }
    out = {}
    for name, (sql, params) in queries.items():
        out[name] = {"sql": _short_sql(sql)}
        for variant, drop in VARIANTS.items():
            if name.startswith("one_target") and variant == "none":
                # the series index alone, and the BRIN alone (no series index): does BRIN serve one target?
                out[name]["brin_only"] = _explain_variant(
                    sql, params, ["netmon_sample_series", "bench_sample_at_btree"], 1
                )
                continue
            # the roll-up's time is its aggregate and upsert, not its scan: once is enough
            once = variant == "none" or name.startswith("rollup")
            out[name][variant] = _explain_variant(sql, params, drop, 1 if once else repeat)
    # The roll-up as it runs every 5 minutes: the same statement once a run 5 minutes earlier has written its
    # buckets (it starts from the last bucket rolled, so it aggregates the new minutes only).
    from django.db import transaction

    with transaction.atomic():
        services.rollup_samples(end - dt.timedelta(minutes=5))
        out["rollup_next"] = {"sql": _short_sql(rollup_sql)}
        for variant, drop in VARIANTS.items():
            out["rollup_next"][variant] = _explain_variant(rollup_sql.replace("%", "%%"), None, drop, 1)
        transaction.set_rollback(True)
    return out


def partitioning(fill: dict, hours: int) -> dict:
    """A copy of the first `hours` of samples, partitioned by hour, against the same rows in one table:
    dropping the oldest hour (DETACH + DROP) vs DELETE of it; one target's series over the copy."""
    from django.db import connection, transaction

    start = dt.datetime.fromisoformat(fill["start"])
    hours = min(hours, fill["hours"])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_sample_part (LIKE netmon_sample INCLUDING DEFAULTS) PARTITION BY RANGE (at)")
        for h in range(hours):
            lo, hi = start + dt.timedelta(hours=h), start + dt.timedelta(hours=h + 1)
            cursor.execute(
                f"CREATE TABLE bench_sample_part_{h} PARTITION OF bench_sample_part FOR VALUES FROM (%s) TO (%s)",
                [lo, hi],
            )
        t0 = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_sample_part SELECT * FROM netmon_sample WHERE at < %s",
            [start + dt.timedelta(hours=hours)],
        )
        copy_s = time.perf_counter() - t0
        cursor.execute("CREATE INDEX ON bench_sample_part (target_id, metric, at)")
        cursor.execute("ANALYZE bench_sample_part")
        cursor.execute("SELECT count(*) FROM bench_sample_part_0")
        hour_rows = cursor.fetchone()[0]
    result = {"hours": hours, "copy_s": copy_s, "rows_per_partition": hour_rows}
    with transaction.atomic():
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE bench_sample_part DETACH PARTITION bench_sample_part_0")
            cursor.execute("DROP TABLE bench_sample_part_0")
        result["drop_partition_ms"] = (time.perf_counter() - t0) * 1000
        transaction.set_rollback(True)
    with transaction.atomic():
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM netmon_sample WHERE at < %s", [start + dt.timedelta(hours=1)])
            result["delete_rows"] = cursor.rowcount
        result["delete_hour_ms"] = (time.perf_counter() - t0) * 1000
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM netmon_target ORDER BY id LIMIT 1")
        target = cursor.fetchone()[0]
    sql = "SELECT at, value FROM {} WHERE target_id = %s AND metric = 'rtt_ms' AND at >= %s AND at < %s ORDER BY at"
    params = [target, start, start + dt.timedelta(hours=hours)]
    result["one_target_partitioned_ms"] = explain(sql.format("bench_sample_part"), params)["ms"]
    result["one_target_plain_ms"] = explain(sql.format("netmon_sample"), params)["ms"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_sample_part")
    return result


# -- sizes -----------------------------------------------------------------------------------------------


def sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relkind, pg_relation_size(c.oid), c.reltuples::bigint, t.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND pg_relation_size(c.oid) > 1048576
            ORDER BY pg_relation_size(c.oid) DESC
            """
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
    return {
        "database_bytes": total,
        "relations": [
            {"name": name, "kind": "table" if kind == "r" else "index", "bytes": size, "rows": rows_,
             "table": table}
            for name, kind, size, rows_, table in rows
        ],
    }  # fmt: skip


# -- RESULTS.md ---------------------------------------------------------------------------------------


def _ms(x: float | None) -> str:
    return "—" if x is None else (f"{x:,.0f} ms" if x >= 100 else f"{x:.1f} ms" if x >= 1 else f"{x:.2f} ms")


def _mb(n: int | None) -> str:
    return (
        "—"
        if n is None
        else (f"{n / 1e6:,.0f} MB" if n >= 1e7 else f"{n / 1e6:,.2f} MB" if n >= 1e4 else f"{n / 1e3:.0f} kB")
    )


def _plan(result: dict) -> str:
    """The access paths of one statement on the big tables: `Index Scan (netmon_target_due)` …"""
    seen = []
    for scan in result.get("scans", []):
        if scan["node"] == "Bitmap Heap Scan":
            continue
        if scan["table"] is not None and scan["table"] not in BIG_TABLES:
            continue
        text = f"{scan['node']} {scan['table'] or ''}".strip()
        text += f" ({scan['index']})" if scan["index"] else ""
        if text not in seen:
            seen.append(text)
    return "; ".join(seen) or "small tables only"


#: Rows of the hot-query table: (section, key, label).
HOT = [
    ("pages", "tablet_queue", "Tablet: my queue"),
    ("pages", "ticket_list_open", "Web: open tickets (the open queue)"),
    ("pages", "ticket_list_mine", "Web: my tickets"),
    ("pages", "ticket_list", "Web: all tickets"),
    ("pages", "ticket_api", "API: /api/tickets/"),
    ("pages", "asset_list", "Web: assets"),
    ("pages", "asset_api", "API: /api/assets/"),
    ("claim", "all", "Poller: claim due targets"),
    ("claim", "shard_1_of_4", "Poller: claim, shard 1 of 4"),
    ("reports", "quarterly_2025_q3", "Quarterly report 2025-Q3"),
    ("reports", "availability_month", "Availability frame, one month"),
]

SAMPLE_ROWS = [
    ("one_target_day", "One target, one day"),
    ("one_target_all", "One target, every hour kept"),
    ("all_targets_hour", "All targets, one hour"),
    ("all_targets_day", "All targets, one day"),
    ("rollup_2h", "Roll-up, first run (netmon.services, 2 h look-back, no roll-up yet)"),
    ("rollup_next", "Roll-up, the next run 5 minutes later (from the last bucket rolled)"),
    ("prune_oldest_hour", "Prune the oldest hour (DELETE)"),
]


def section(result: dict | None) -> list[str]:
    """The "PostgreSQL at scale" section of bench/RESULTS.md."""
    lines = ["", "## PostgreSQL at scale (bench/db.py)", ""]
    if not result or "error" in result:
        return lines + [f"Not measured: {(result or {}).get('error', 'not run')}"]
    size, rows, smp = result["size"], result["rows"], result["samples"]
    steps = result.get("steps", {})
    lines += [
        f"A throw-away database on {result['postgres']} (shared_buffers {result['settings']['shared_buffers']}, "
        f"work_mem {result['settings']['work_mem']}: the stock configuration), "
        f"{_mb(result['sizes']['database_bytes'])} in all: {rows['tickets']:,} tickets with {rows['entries']:,} "
        f"timeline entries, {rows['actions']:,} corrective actions, {size['assets']:,} assets, "
        f"{size['targets']:,} monitored targets, {rows['outages']:,} outages, and **{smp['rows']:,} raw samples** "
        f"({smp['targets']:,} targets × {smp['hours']} h at one a minute, written in time order as the poller "
        f"writes them; {smp['rows_per_s']:,.0f} rows/s by INSERT … SELECT generate_series, foreign-key triggers "
        "off). Filled in "
        f"{steps.get('fill_s', 0):.0f} s + {steps.get('samples_s', 0):.0f} s. Every statement below was run, "
        "captured and EXPLAIN (ANALYZE, BUFFERS)ed as the planner chose (no enable_seqscan tricks); the pages as "
        "a directorate technician through the test client. The plan column names the access path of the "
        "slowest statement on the big tables; *seq scans* lists every big table any statement of the step read "
        "whole.",
        "",
        "| Hot query | wall | statements | slowest statement's plan | its time | DB time, all statements | seq scans |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, key, label in HOT:
        step = result.get(group, {}).get(key)
        if not step:
            continue
        slowest = step["slowest"][0] if step["slowest"] else {}
        lines.append(
            f"| {label} | {_ms(step['wall_ms'])} | {step['queries']} | {_plan(slowest)} | {_ms(slowest.get('ms'))} "
            f"| {_ms(step['db_ms'])} | {', '.join(step['seq_scans']) or 'none'} |"
        )
    built = smp["index_build_s"]
    b = smp["bytes"]
    lines += [
        "",
        "### Raw samples: BRIN, btree or partitions",
        "",
        f"The table: {_mb(b['table'])} for {smp['rows']:,} rows. Its indexes:",
        "",
        "| index | size | build |",
        "|---|---|---|",
        f"| `netmon_sample_series` btree (target, metric, at) | {_mb(b['series_btree'])} | "
        f"{built['series_btree']:.1f} s |",
        f"| btree (at) — until now | {_mb(b['at_btree'])} | {built['at_btree']:.1f} s |",
        f"| **`netmon_sample_at` BRIN (at)** — now, on PostgreSQL | {_mb(b['at_brin'])} | {built['at_brin']:.1f} s |",
        "",
        "Each query with the btree on `at` alone, with the BRIN alone, and with neither (median of the runs; "
        "the indexes dropped inside a rolled-back transaction). For one target: the series btree, and the "
        "BRIN without it.",
        "",
        "| query | btree (at) | BRIN (at) | no time index | plan with BRIN |",
        "|---|---|---|---|---|",
    ]
    sq = result["sample_queries"]
    for key, label in SAMPLE_ROWS:
        q = sq.get(key)
        if not q:
            continue
        if "brin_only" in q:
            lines.append(
                f"| {label} | series btree: {_ms(q['btree']['ms'])} | {_ms(q['brin']['ms'])} | BRIN alone, no series "
                f"btree: {_ms(q['brin_only']['ms'])} ({_plan(q['brin_only'])}) | {_plan(q['brin'])} |"
            )
        else:
            lines.append(
                f"| {label} | {_ms(q['btree']['ms'])} | {_ms(q['brin']['ms'])} | {_ms(q['none']['ms'])} "
                f"| {_plan(q['brin'])} |"
            )
    part = result.get("partitioning", {})
    lines += [""]
    if part:
        lines += [
            f"Partitions: the first {part['hours']} h copied into a table partitioned by hour "
            f"({part['rows_per_partition']:,} rows each). Dropping the oldest hour: DETACH + DROP "
            f"{_ms(part['drop_partition_ms'])}, against {_ms(part['delete_hour_ms'])} to DELETE the same "
            f"{part['delete_rows']:,} rows from the plain table (through the BRIN). One target's series over "
            f"those hours: {_ms(part['one_target_partitioned_ms'])} partitioned, "
            f"{_ms(part['one_target_plain_ms'])} plain.",
            "",
        ]
    lines += decision(result)
    found = findings(result)
    if found:
        lines += ["", "**Found on the way** (not indexes; for the owners of that code):", ""] + found
    return lines


def findings(result: dict) -> list[str]:
    """Slow spots the plans show that an index cannot fix."""
    out = []
    n = result["size"]["targets"]
    for key in ("all", "shard_1_of_4"):
        step = result.get("claim", {}).get(key, {})
        distinct = [
            q for q in step.get("slowest", []) if q["sql"].startswith('SELECT DISTINCT "netmon_target"."interval_s"')
        ]
        if distinct and (distinct[0].get("rows") or 0) >= n // 2:
            out.append(
                f"- `netmon.scheduler.claim_due` took {_ms(step['wall_ms'])} of wall time for {n:,} targets "
                f"({key}): its clock check lists the distinct intervals with `values_list(…).distinct()`, which "
                "keeps Target's default ordering (asset tag), so DISTINCT runs over (interval, asset tag) and "
                f"returns {distinct[0]['rows']:,} rows — one per target — and the next query is an OR of that "
                "many terms. `.order_by()` before `.distinct()` makes it one row per interval."
            )
            break
    avail = result.get("reports", {}).get("availability_month", {})
    if "maintenance_ticket" in avail.get("seq_scans", []):
        slowest = avail["slowest"][0]
        out.append(
            f"- The availability frame (`reports.selectors.outage_frame`) finds its {slowest.get('rows') or 0:,} "
            "outages through `netmon_outage_end` but joins them to their tickets (for the ticket number) by "
            f"a hash join that reads the whole ticket table: {_ms(slowest.get('ms'))}. Reading the numbers of "
            "the outages that have a ticket in a second query, by primary key, would skip that scan."
        )
    first = result.get("sample_queries", {}).get("rollup_2h", {})
    following = result.get("sample_queries", {}).get("rollup_next", {})
    if first and following:
        out.append(
            f"- `netmon.services.rollup_samples` starts from the last bucket it rolled: its first run over an "
            f"empty roll-up table aggregates the whole 2-hour look-back ({_ms(first['brin']['ms'])} for {n:,} "
            f"targets), each run after it only the minutes since ({_ms(following['brin']['ms'])} 5 minutes later)."
        )
    return out


def decision(result: dict) -> list[str]:
    """What the numbers decide for the samples' indexes, said with them."""
    smp, sq, part = result["samples"], result["sample_queries"], result.get("partitioning", {})
    b = smp["bytes"]
    labels = dict(SAMPLE_ROWS)
    ranges = [k for k in ("all_targets_hour", "all_targets_day", "rollup_2h", "prune_oldest_hour") if k in sq]
    ratio = {k: sq[k]["brin"]["ms"] / max(sq[k]["btree"]["ms"], 1e-6) for k in ranges}
    worst = max(ranges, key=ratio.get) if ranges else None
    faster = [labels[k].split(" (")[0].lower() for k in ranges if ratio[k] < 0.95]
    one = sq.get("one_target_day", {})
    per_row_ms = (part.get("delete_hour_ms") or 0) / max(part.get("delete_rows") or 1, 1)
    text = (
        "**Decision.** Keep the composite btree `netmon_sample_series` (target, metric, at): one target's "
        f"day takes {_ms(one.get('btree', {}).get('ms'))} through it and "
        f"{_ms(one.get('brin_only', {}).get('ms'))} with the BRIN alone — no time index can serve one "
        "series among thousands. "
    )
    if worst is not None and ratio[worst] <= 1.25:
        build = smp["index_build_s"]
        text += (
            "Replace the btree on `at` by a **BRIN** (migration netmon 0003, PostgreSQL only; SQLite keeps its "
            f"btree): {_mb(b['at_brin'])} instead of {_mb(b['at_btree'])} "
            f"({b['at_btree'] / max(b['at_brin'], 1):,.0f} times smaller, built in {build['at_brin']:.0f} s "
            f"instead of {build['at_btree']:.0f} s) and next to nothing to maintain on each poll's insert, "
            f"while the range queries that use it stay within {max(ratio[worst] - 1, 0):.0%} of the btree "
            f"(worst: {labels[worst].lower()}, {_ms(sq[worst]['brin']['ms'])} against "
            f"{_ms(sq[worst]['btree']['ms'])})"
        )
        text += f" and are faster for {', '.join(faster)}. " if faster else ". "
    elif worst is not None:
        text += (
            f"The BRIN on `at` was {ratio[worst] - 1:.0%} slower than the btree on {labels[worst].lower()} in this "
            "run (table above): more than the 25 % the migration's choice allows for — look again before "
            "keeping it. "
        )
    text += (
        "**No partitioning for now**: the raw samples are kept NETMON_RAW_DAYS (7) days and pruned every "
        "5 minutes, so a prune deletes minutes of rows, not days — "
        f"{per_row_ms * 1000:.1f} µs a row here, about {per_row_ms * smp['targets'] * 5:,.0f} ms for the five "
        f"minutes of {smp['targets']:,} targets — while dropping a partition costs "
        f"{_ms(part.get('drop_partition_ms'))} but brings a partition manager, DDL from the poller and a "
        "primary key that must include `at`. Partition by day when a deployment keeps raw samples for months "
        "or polls far more often than once a minute."
    )
    return [text]


# -- main --------------------------------------------------------------------------------------------------


def run(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="siyana-bench-db-"))
    create_database(args.url)
    steps: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        _setup(args.url, work)
        steps["migrate_s"] = time.perf_counter() - t0
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0]
            cursor.execute("SELECT current_setting('shared_buffers'), current_setting('work_mem')")
            shared_buffers, work_mem = cursor.fetchone()
        _log("fill")
        t0 = time.perf_counter()
        # the generated rows are consistent: no foreign-key triggers meanwhile (pg_restore's way; with them the
        # samples go in six times slower, a trigger call a row)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        counts = fill(args.tickets, args.actions, n_assets=args.assets, n_targets=args.targets, n_outages=args.outages)
        steps["fill_s"] = time.perf_counter() - t0
        _log("samples")
        t0 = time.perf_counter()
        samples = fill_samples(args.targets, args.sample_hours, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        steps["samples_s"] = time.perf_counter() - t0
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        steps["analyze_s"] = time.perf_counter() - t0
        result = {
            "postgres": version.split(" on ")[0],
            "settings": {"shared_buffers": shared_buffers, "work_mem": work_mem},
            "size": {k: getattr(args, k) for k in ("tickets", "actions", "assets", "targets", "outages")},
            "rows": counts,
            "samples": samples,
        }
        for key, fn in (
            ("pages", pages),
            ("claim", lambda: claim(args.targets)),
            ("reports", report_frames),
            ("sample_queries", lambda: sample_queries(samples, args.repeat)),
            ("partitioning", lambda: partitioning(samples, args.partition_hours)),
        ):
            _log(key)
            t0 = time.perf_counter()
            result[key] = fn()
            steps[f"{key}_s"] = time.perf_counter() - t0
        result["sizes"] = sizes()
        result["steps"] = steps
        return result
    finally:
        drop_database(args.url)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.db", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432", help="server, without database")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=500_000)
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--outages", type=int, default=100_000)
    parser.add_argument("--sample-hours", type=int, default=36, help="hours of raw samples (one a minute a target)")
    parser.add_argument("--partition-hours", type=int, default=4, help="hours copied into the partitioned table")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each samples query (median)")
    args = parser.parse_args(argv)
    if not (100 <= args.tickets <= 1_000_000 and 0 <= args.actions <= 5_000_000 and args.outages >= 1):
        parser.error("--tickets 100..1000000, --actions 0..5000000, --outages >= 1")
    if not (1 <= args.targets <= args.assets <= 1_000_000 and 2 <= args.sample_hours <= 24 * 31):
        parser.error("--targets 1..--assets, --assets <= 1000000, --sample-hours 2..744")
    print(json.dumps(run(args), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
