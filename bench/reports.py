"""The quarterly report at PERF.md's size: 100,000 tickets and 500,000 corrective actions, SQLite.

    python -m bench.reports [--tickets 100000] [--actions 500000] [--repeat 3]

Builds a throw-away SQLite database in a temporary directory (migrated from scratch, removed
at the end) and fills it with bulk inserts: one directorate, 120 schools on three different
school calendars and holidays, 40 technicians, 6,000 assets, 3,000 monitored targets on 300
circuits; the tickets opened over 2021–2025 (twenty quarters: about 5,000 a quarter, and 25,000
corrective actions — a large directorate's load several times over), each with its status
history (opened → assigned → in progress → [on hold → in progress] → resolved → closed; one in
ten reopened by an objection and resolved again; one in eight of the last two months' still open),
ratings and
objections; the corrective actions spread over those tickets, every fifth with parts, every
fiftieth corrected; 60,000 outages. Then times `reports.build.build_report(2025 Q3)`:
the first (cold) run and the median of the warm ones, wall and CPU, with the number of queries;
and, apart, the HTML, XLSX and CSV exports of that report. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _setup(data_dir: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _ts(moment: dt.datetime | None) -> str | None:
    """A moment as the database takes it: naive UTC text on SQLite (how Django stores it there),
    UTC text with its offset on PostgreSQL (timestamptz)."""
    from django.db import connection

    if moment is None:
        return None
    utc = moment.astimezone(dt.UTC)
    return str(utc) if connection.vendor == "postgresql" else str(utc.replace(tzinfo=None))


def _insert(model, columns: list[str], rows) -> int:
    """Bulk INSERT of `rows` (tuples in `columns` order, values as the database takes them, see `_ts`):
    executemany() on SQLite, COPY on PostgreSQL; every other column gets its field default, "" or NULL.
    Model instances would cost minutes here."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = _ts(dt.datetime.now(dt.UTC))
    rest = []
    for f in fields:
        if f.column in columns:
            continue
        if f.column in ("created", "last_updated"):
            value = now
        elif f.has_default():
            value = f.get_default()
            value = json.dumps(value) if isinstance(value, dict | list) else value
        else:
            value = None if f.null else ""
        rest.append((f.column, value))
    names = columns + [c for c, _v in rest]
    extra = tuple(v for _c, v in rest)
    table = model._meta.db_table
    quoted = ", ".join(f'"{n}"' for n in names)
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(row) + extra)
                count += 1
        return count
    sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(tuple(row) + extra)
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _populate(
    n_tickets: int, n_actions: int, *, n_assets: int = 6000, n_targets: int = 3000, n_outages: int = 60_000,
    seed: int = 6
) -> dict:  # fmt: skip
    """Fill the (migrated, empty) default database; SQLite or PostgreSQL. `n_targets` <= `n_assets`."""
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from assets.models import (
        Asset,
        AssetModel,
        Circuit,
        Directorate,
        FiberSite,
        Holiday,
        Manufacturer,
        Profile,
        Provider,
        School,
    )
    from maintenance.models import (
        CorrectiveAction,
        PartBudget,
        PartUsage,
        SparePart,
        Ticket,
        TicketEntry,
        TicketFeedback,
    )
    from netmon.models import Outage, Target

    rng = random.Random(seed)
    amman = ZoneInfo("Asia/Amman")
    # five years: twenty quarters; the arithmetic in UTC (Amman still changed its clocks in 2021–2022)
    start = dt.datetime(2021, 1, 1, tzinfo=amman).astimezone(dt.UTC)
    end = dt.datetime(2026, 1, 1, tzinfo=amman).astimezone(dt.UTC)
    span_s = int((end - start).total_seconds())
    counts: dict[str, int] = {}
    with transaction.atomic():
        directorate = Directorate.objects.create(code="BENCH", name_ar="مديرية القياس")
        hours = [(dt.time(7, 30), dt.time(14, 30)), (dt.time(7, 0), dt.time(13, 30)), (dt.time(12, 0), dt.time(18, 0))]
        schools = School.objects.bulk_create(
            School(directorate=directorate, code=f"B{i:05d}", name_ar=f"مدرسة {i}", day_start=hours[i % 3][0],
                   day_end=hours[i % 3][1])
            for i in range(120)
        )  # fmt: skip
        Holiday.objects.bulk_create(
            [Holiday(name="عطلة", start_date=dt.date(y, 6, 5 + i), end_date=dt.date(y, 6, 5 + i))
             for i in range(4) for y in (2024, 2025)]
            + [Holiday(name="عطلة مدرسية", school=schools[i], start_date=dt.date(2025, 8, 1),
                       end_date=dt.date(2025, 8, 20)) for i in range(0, 120, 10)]
        )  # fmt: skip
        User = get_user_model()
        techs = User.objects.bulk_create(User(username=f"tech{i}") for i in range(40))
        Profile.objects.bulk_create(Profile(user=u, role="technician", directorate=directorate) for u in techs)
        maker = Manufacturer.objects.create(name="Bench")
        models = [AssetModel.objects.create(manufacturer=maker, name=c, category=c) for c in
                  ("desktop", "switch", "router", "access_point", "printer", "ups")]  # fmt: skip
        assets = Asset.objects.bulk_create(
            Asset(asset_tag=f"BA{i:06d}", asset_model=models[i % 6], manufacturer=maker, school=schools[i % 120])
            for i in range(n_assets)
        )
        provider = Provider.objects.create(name="Bench fiber")
        hq = FiberSite.objects.create(code="BHQ", kind="directorate", directorate=directorate, name_ar="المديرية")
        sites = FiberSite.objects.bulk_create(
            FiberSite(code=f"BS{i}", kind="school", directorate=directorate, school=schools[i % 120], name_ar="موقع")
            for i in range(300)
        )
        circuits = Circuit.objects.bulk_create(
            Circuit(cid=f"BC-{i}", provider=provider, type="gpon", termination_a=hq, termination_z=sites[i])
            for i in range(300)
        )
        targets = Target.objects.bulk_create(
            Target(asset=assets[i], address=f"127.{30 + i // 62500}.{i // 250 % 250}.{i % 250 + 1}",
                   circuit=circuits[i % 300] if i % 2 else None)
            for i in range(n_targets)
        )  # fmt: skip
        Target.objects.update(created=dt.datetime(2023, 6, 1, tzinfo=amman))
        parts = SparePart.objects.bulk_create(
            SparePart(code=f"P{i}", name=f"قطعة {i}", quantity_on_hand=10**6, unit_cost=Decimal("7.250") + i)
            for i in range(50)
        )
        PartBudget.objects.create(year=2025, amount=Decimal("250000"))

        school_ids = [x.pk for x in schools]
        tech_ids = [u.pk for u in techs]
        asset_ids = [a.pk for a in assets]
        categories = ["device", "network", "fiber", "lab_equipment", "software"]
        sources = ["monitoring", "portal", "phone", "email", "letter", "visit"]
        priorities = ["low", "normal", "high", "urgent"]
        tickets, entries, feedback, opened_of = [], [], [], []
        for i in range(n_tickets):
            ticket_id = i + 1
            opened = start + dt.timedelta(seconds=rng.randrange(span_s))
            t = opened
            steps: list[tuple[dt.datetime, str, str]] = []

            def step(minutes: float, to: str, kind: str = "status", steps=steps) -> None:
                nonlocal t
                t = t + dt.timedelta(minutes=minutes)
                steps.append((t, to, kind))

            step(rng.uniform(5, 240), "assigned")
            step(rng.uniform(5, 600), "in_progress")
            if rng.random() < 0.15:
                step(rng.uniform(30, 3000), "on_hold", "hold")
                step(rng.uniform(60, 5000), "in_progress", "resumed")
            reopened_at = None
            # one in eight of the last two months' tickets is still open; older ones have all been closed
            if end - opened > dt.timedelta(days=60) or rng.random() >= 0.125:
                step(rng.uniform(30, 6000), "resolved")
                if rng.random() < 0.1:
                    step(rng.uniform(60, 2000), "reopened")
                    reopened_at = t
                    step(rng.uniform(10, 600), "in_progress")
                    step(rng.uniform(30, 3000), "resolved")
                step(rng.uniform(60, 3000), "closed")
            status = steps[-1][1]
            resolved_at = next((a for a, st, _k in reversed(steps) if st == "resolved"), None)
            closed_at = steps[-1][0] if status == "closed" else None
            source = sources[i % 6]
            tickets.append((
                ticket_id, f"2025-{ticket_id:06d}", 2025, ticket_id, "عطل", school_ids[i % 120], categories[i % 5],
                "fault" if i % 4 else "service_request", source, priorities[rng.randrange(4)], status,
                tech_ids[i % 40], _ts(opened), _ts(resolved_at), _ts(closed_at), _ts(steps[1][0]),
                f"bench:{i}" if source == "monitoring" else "", "icmp" if source == "monitoring" else "",
            ))  # fmt: skip
            opened_of.append(opened)
            entries.append((ticket_id, "created", _ts(opened), "{}", 1))
            previous = "new"
            for at, to, kind in steps:
                entries.append((ticket_id, kind, _ts(at), json.dumps({"from": previous, "to": to}), 1))
                previous = to
            if reopened_at is not None:
                feedback.append((ticket_id, "objected", "لم يُحل", None, _ts(reopened_at)))
            if status == "closed" and i % 3 == 0:
                feedback.append((ticket_id, "rated", "", 1 + i % 5, _ts(steps[-1][0])))
        counts["tickets"] = _insert(Ticket, [
            "id", "number", "year", "seq", "title", "school_id", "category", "type", "source", "priority", "status",
            "assigned_to_id", "opened_at", "resolved_at", "closed_at", "first_response_at", "monitor_key",
            "monitor_problem",
        ], tickets)  # fmt: skip
        counts["entries"] = _insert(TicketEntry, ["ticket_id", "kind", "at", "data", "public"], entries)
        counts["feedback"] = _insert(TicketFeedback, ["ticket_id", "kind", "reason", "rating", "at"], feedback)
        del tickets, entries, feedback

        def actions():
            for i in range(n_actions):
                k = rng.randrange(n_tickets)
                at = opened_of[k] + dt.timedelta(minutes=rng.uniform(10, 9000))
                ended = _ts(at + dt.timedelta(minutes=45))
                yield (i + 1, k + 1, asset_ids[k % n_assets], tech_ids[k % 40], _ts(at), ended, "repair", "done",
                       _ts(at), tech_ids[k % 40], None)  # fmt: skip
            # every fiftieth action corrected by a new row that replaces it
            for j in range(0, n_actions, 50):
                k = j % n_tickets
                at = opened_of[k] + dt.timedelta(minutes=30)
                yield (n_actions + j // 50 + 1, k + 1, None, tech_ids[k % 40], _ts(at), None, "part_replacement",
                       "done", _ts(at), tech_ids[k % 40], j + 1)  # fmt: skip

        counts["actions"] = _insert(CorrectiveAction, [
            "id", "ticket_id", "asset_id", "technician_id", "started_at", "ended_at", "action_type", "outcome",
            "created_at", "created_by_id", "corrects_id",
        ], actions())  # fmt: skip
        counts["part_usages"] = _insert(PartUsage, ["action_id", "part_id", "quantity", "unit_cost"], (
            (j + 1, parts[j % 50].pk, 1 + j % 3, str(parts[j % 50].unit_cost)) for j in range(0, n_actions, 5)
        ))  # fmt: skip

        checks = ["icmp", "icmp", "snmp", "interface:1", "rtt"]
        outages, open_seen = [], set()
        for i in range(n_outages):
            target = targets[i % n_targets].pk
            begin = start + dt.timedelta(seconds=rng.randrange(span_s))
            length = dt.timedelta(minutes=rng.expovariate(1 / 90))
            end = begin + length
            if i % 400 == 0 and (target, checks[i % 5]) not in open_seen:  # one open outage per target and check
                open_seen.add((target, checks[i % 5]))
                end = None
            outages.append((target, checks[i % 5], "down", "parent" if i % 9 == 0 else "own",
                            "working_hours" if i % 3 else "outside_hours", _ts(begin), _ts(end),
                            None if end is None else length.total_seconds()))  # fmt: skip
        counts["outages"] = _insert(Outage, [
            "target_id", "check_name", "status", "cause", "context", "start", "end", "duration_s"
        ], outages)  # fmt: skip
        from django.core.management.color import no_style

        with connection.cursor() as cursor:  # the explicit ids above: the next ORM insert takes the next free one
            for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket, CorrectiveAction]):
                cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def run(n_tickets: int, n_actions: int, repeat: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="siyana-bench-reports-"))
    try:
        from bench.proc import maxrss_kb, self_cpu_s

        t0 = time.perf_counter()
        _setup(work)
        migrate_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        counts = _populate(n_tickets, n_actions)
        populate_s = time.perf_counter() - t0

        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext
        from django.utils import translation

        from reports.build import build_report
        from reports.exports import export
        from reports.periods import Quarter

        quarter = Quarter(2025, 3)
        runs = []
        report = None
        with translation.override("ar"):
            for _ in range(repeat + 1):
                reset_queries()
                with CaptureQueriesContext(connection) as queries:
                    cpu0, w0 = self_cpu_s(), time.perf_counter()
                    report = build_report(quarter)
                    runs.append({"wall_s": time.perf_counter() - w0, "cpu_s": self_cpu_s() - cpu0,
                                 "queries": len(queries)})  # fmt: skip
            exports = {}
            for fmt in ("html", "xlsx", "csv"):
                w0 = time.perf_counter()
                size = len(export(report, fmt).content)
                exports[fmt] = {"wall_s": time.perf_counter() - w0, "bytes": size}
        warm = sorted(r["wall_s"] for r in runs[1:])
        summary = report.tables["summary"].by_row_key("value")
        return {
            "tickets": n_tickets,
            "actions": n_actions,
            "rows": counts,
            "db_bytes": (work / "siyana.sqlite3").stat().st_size,
            "migrate_s": migrate_s,
            "populate_s": populate_s,
            "quarter": str(quarter),
            "runs": runs,
            "cold_s": runs[0]["wall_s"],
            "warm_median_s": warm[len(warm) // 2] if warm else runs[0]["wall_s"],
            "queries": runs[0]["queries"],
            "exports": exports,
            "figures": {k: summary[k] for k in ("received", "carried_out", "still_open", "carried_over",
                                                "resolution_median", "sla_compliance", "outages", "actions")},
            "maxrss_kb": maxrss_kb(),
        }  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--actions", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3, help="warm runs after the cold one")
    args = parser.parse_args(argv)
    if not (100 <= args.tickets <= 200_000 and 0 <= args.actions <= 1_000_000 and 1 <= args.repeat <= 10):
        parser.error("--tickets 100..200000, --actions 0..1000000, --repeat 1..10")
    print(json.dumps(run(args.tickets, args.actions, args.repeat), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
