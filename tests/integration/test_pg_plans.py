"""The hot queries' plans on PostgreSQL use the indexes meant for them (no sequential scan of a big table).

A functional test of the indexes, not of speed: the database is filled with `bench.db`'s generator at a
moderate size (10,000 tickets over five years, 20,000 corrective actions, 4,000 assets, 1,000 targets,
10,000 outages, 360,000 raw samples written in time order), ANALYZEd, and each query — built by the
project's own selectors and services, or run through them and captured — is EXPLAIN ANALYZEd as the
planner chooses freely (no enable_seqscan=off). At this size the selective queries (a few percent of a
table or less) are only fast through their index, so an honest planner picks it; the bench
(`python -m bench.db`, bench/RESULTS.md) shows the same plans at 100,000 tickets and tens of millions of
samples.

The plans are PostgreSQL's: the SQLite pass of `make test` skips them (and checks only that the samples'
time index is there as a btree); the PostgreSQL pass (DATABASE_URL=postgres://…) runs them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from bench.db import explain, fill, insert_samples, plans_of

SAMPLE_TARGETS, SAMPLE_HOURS = 500, 12
SAMPLES_END = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _uses(plan: dict, index: str) -> bool:
    return any(scan["index"] == index for scan in plan["scans"])


def _describe(plan: dict) -> str:
    return f"{plan.get('sql', '')[:300]} → {[(s['node'], s['table'], s['index']) for s in plan['scans']]}"


def _one(plans: list[dict], needle: str) -> dict:
    found = [p for p in plans if needle in p["sql"]]
    assert found, f"no statement with {needle!r} among {[p['sql'][:120] for p in plans]}"
    return found[0]


@pytest.fixture(scope="module")
def plans(django_db_setup, django_db_blocker):
    """Every hot query's plan, computed once on one filled database (rolled back at the end)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans: this runs in the PostgreSQL pass (DATABASE_URL=postgres://…), not on SQLite")
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assets import selectors as asset_selectors
    from core.roles import scope_queryset
    from maintenance import selectors as maintenance_selectors
    from netmon import services
    from netmon.scheduler import claim_due
    from reports import selectors as report_selectors
    from tablet import selectors as tablet_selectors

    out: dict[str, list[dict]] = {}
    with django_db_blocker.unblock(), transaction.atomic():
        fill(10_000, 20_000, n_assets=4000, n_targets=1000, n_outages=10_000)
        insert_samples(SAMPLE_TARGETS, SAMPLES_END - dt.timedelta(hours=SAMPLE_HOURS), SAMPLE_HOURS)
        now = timezone.now()
        with connection.cursor() as cursor:
            # a 5-minute interval claimed every 5 s: a sixtieth of the targets due
            cursor.execute(
                "UPDATE netmon_target SET enabled = true, interval_s = 300, "
                "next_poll_at = %s::timestamptz + ((id %% 300) - 4) * interval '1 second'",
                [now],
            )
            cursor.execute("ANALYZE")
        tech = get_user_model().objects.get(username="tech7")  # a directorate technician: scoped querysets

        open_queue = scope_queryset(maintenance_selectors.open_tickets(), tech)
        out["open_queue"], _ = plans_of(lambda: (list(open_queue[:50]), open_queue.count()))
        out["tablet_queue"], _ = plans_of(lambda: list(tablet_selectors.queue_tickets(tech)))
        tickets = scope_queryset(maintenance_selectors.ticket_api_list(), tech)
        out["ticket_list"], _ = plans_of(lambda: maintenance_selectors.with_api_relations(list(tickets[:50])))
        assets = scope_queryset(asset_selectors.asset_list(), tech)
        out["asset_list"], _ = plans_of(lambda: list(assets[:50]))
        out["claim_due"], _ = plans_of(lambda: claim_due(now))

        scope = report_selectors.Scope()
        q4, q_end = dt.datetime(2025, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        month = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
        out["report_tickets"], _ = plans_of(
            lambda: report_selectors.ticket_frame(report_selectors.relevant_tickets(scope, since=q4, until=q_end))
        )
        out["report_actions"], _ = plans_of(lambda: report_selectors.action_frame(scope, since=q4, until=q_end))
        out["availability"], _ = plans_of(lambda: report_selectors.outage_frame(scope, since=month, until=q_end))

        series = (
            "SELECT at, value FROM netmon_sample WHERE target_id = %s AND metric = 'rtt_ms' AND at >= %s AND at < %s "
            "ORDER BY at"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM netmon_target")
            (target_id,) = cursor.fetchone()
        day = SAMPLES_END - dt.timedelta(days=1)
        out["sample_series"] = [{**explain(series, [target_id, day, SAMPLES_END]), "sql": series}]
        out["rollup"], _ = plans_of(lambda: services.rollup_samples(SAMPLES_END))
        prune = "DELETE FROM netmon_sample WHERE at < %s"
        cutoff = SAMPLES_END - dt.timedelta(hours=SAMPLE_HOURS - 1)
        out["prune"] = [{**explain(prune, [cutoff]), "sql": prune}]  # EXPLAIN ANALYZE deletes: rolled back below
        transaction.set_rollback(True)
    return out


def test_the_open_queue_and_its_count_read_a_partial_index_of_open_tickets(plans):
    """Either partial index holds only the open tickets; the planner takes the smaller or the ordered one."""
    page = _one(plans["open_queue"], "LIMIT 50")
    count = _one(plans["open_queue"], "COUNT(*)")
    for plan in (page, count):
        assert _uses(plan, "maint_ticket_open_queue") or _uses(plan, "maint_ticket_open_assignee"), _describe(plan)
        assert "maintenance_ticket" not in plan["seq_scans"], _describe(plan)


def test_the_technicians_queue_reads_only_their_open_tickets(plans):
    queue = _one(plans["tablet_queue"], 'FROM "maintenance_ticket"')
    assert "maintenance_ticket" not in queue["seq_scans"], _describe(queue)
    assert _uses(queue, "maint_ticket_open_assignee"), _describe(queue)


def test_the_ticket_and_asset_lists_page_through_an_index(plans):
    tickets = _one(plans["ticket_list"], 'FROM "maintenance_ticket"')
    assert any(s["index"] and "opened_at" in s["index"] for s in tickets["scans"]), _describe(tickets)
    entries = _one(plans["ticket_list"], 'FROM "maintenance_ticketentry"')
    assert "maintenance_ticketentry" not in entries["seq_scans"], _describe(entries)
    assets = _one(plans["asset_list"], 'FROM "assets_asset"')
    assert _uses(assets, "assets_asset_asset_tag_key"), _describe(assets)
    assert not assets["seq_scans"], _describe(assets)


def test_the_claim_of_due_targets_reads_the_due_index(plans):
    claim = _one(plans["claim_due"], '"next_poll_at" <=')
    assert "FOR UPDATE" in claim["sql"] and "SKIP LOCKED" in claim["sql"]
    assert _uses(claim, "netmon_target_due"), _describe(claim)
    assert claim["rows"] > 0
    for update in (p for p in plans["claim_due"] if p["sql"].startswith("UPDATE")):
        assert not update["seq_scans"], _describe(update)


def test_the_report_frames_read_a_quarter_through_their_indexes(plans):
    tickets = _one(plans["report_tickets"], '"closed_at" >=')
    assert _uses(tickets, "maint_ticket_closed"), _describe(tickets)
    assert "maintenance_ticket" not in tickets["seq_scans"], _describe(tickets)
    actions = _one(plans["report_actions"], '"started_at" >=')
    assert _uses(actions, "maint_action_started"), _describe(actions)
    assert "maintenance_correctiveaction" not in actions["seq_scans"], _describe(actions)


def test_availability_reads_the_outages_of_the_period_by_their_end(plans):
    outages = _one(plans["availability"], 'FROM "netmon_outage"')
    assert _uses(outages, "netmon_outage_end"), _describe(outages)
    assert "netmon_outage" not in outages["seq_scans"], _describe(outages)


def test_samples_one_series_by_the_btree_time_ranges_by_brin(plans):
    series = plans["sample_series"][0]
    assert _uses(series, "netmon_sample_series"), _describe(series)
    rollup = _one(plans["rollup"], "FROM netmon_sample WHERE")
    prune = plans["prune"][0]
    for plan in (rollup, prune):
        assert _uses(plan, "netmon_sample_at"), _describe(plan)
        assert "netmon_sample" not in plan["seq_scans"], _describe(plan)


@pytest.mark.django_db
def test_the_samples_time_index_is_brin_on_postgresql_and_a_btree_on_sqlite():
    """Migration netmon 0003 makes `netmon_sample_at` by hand (outside the model's state): check both vendors."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'netmon_sample_at'")
            (definition,) = cursor.fetchone()
            assert "USING brin (at)" in definition
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'netmon_sample_at'")
            (definition,) = cursor.fetchone()
            assert definition == 'CREATE INDEX "netmon_sample_at" ON "netmon_sample" ("at")'
