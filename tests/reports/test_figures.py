"""Every figure of the hand-built quarter (tests/reports/conftest.py), checked exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test.utils import override_settings
from django.utils import translation

from reports.build import build_report
from reports.periods import Quarter
from tests.reports.conftest import at, q1_working_hours

Q1 = Quarter(2025, 1)


@pytest.fixture
def report(world):
    with translation.override("en"):
        return build_report(Q1)


def rows(report, key, *columns):
    table = report.tables[key]
    idx = [table.column(c) for c in columns]
    return [tuple(row[i] for i in idx) for row in table.rows]


def test_the_quarter_is_read_on_ammans_wall_clock(amman):
    assert Q1.start == dt.datetime(2025, 1, 1, tzinfo=amman)
    assert Q1.start.astimezone(dt.UTC) == dt.datetime(2024, 12, 31, 21, 0, tzinfo=dt.UTC)
    assert Q1.end == dt.datetime(2025, 4, 1, tzinfo=amman)
    assert Q1.previous() == Quarter(2024, 4) and Quarter(2024, 4).next() == Q1
    assert Quarter.containing(at(2025, 3, 31, 23, 30)) == Q1
    assert Quarter.containing(at(2025, 4, 1, 0, 10)) == Quarter(2025, 2)


@override_settings(TIME_ZONE="UTC")
def test_in_utc_the_same_moments_fall_elsewhere():
    # 00:05 on 1 January in Amman is 21:05 on 31 December in UTC: a UTC report puts it in Q4.
    assert Quarter.containing(at(2025, 1, 1, 0, 5)) == Quarter(2024, 4)


def test_help_desk_summary(report):
    value = report.tables["summary"].by_row_key("value")
    previous = report.tables["summary"].by_row_key("previous")
    change = report.tables["summary"].by_row_key("change")
    expected = {
        # T2 T3 T4 T5 T6 T9 (T6 at 23:30 and T9 at 00:05 Amman time; T7 at 00:10 on 1 April is Q2's)
        "received": 6,
        "received_automatic": 1,  # T4
        "received_filed": 5,
        "carried_out": 4,  # T1 T3 T4 resolved, T5 closed without resolution
        "resolved": 3,
        "closed_unresolved": 1,
        "still_open": 4,  # T2 (resolved in Q2), T6, T8, T9
        "carried_over": 2,  # T1 (in progress on 1 Jan), T8
        "responses": 5,  # T2 1 h, T3 1 h, T4 1 h, T5 2 h, T9 0.5 h (T1 answered in Q4)
        "response_median": 1.0,
        "response_p90": 1.6,  # 1 + 0.6 × (2 − 1)
        "resolution_median": 12.0,  # T4 3 h, T3 12 h, T1 17 h
        "resolution_p90": 16.0,  # 12 + 0.8 × (17 − 12)
        "sla_measured": 3,
        "sla_compliance": 33.3,  # only T3 (12 h against 12 h, exactly on time)
        "resolutions": 4,  # T1, T3 twice, T4
        "objections": 1,
        "reopen_rate": 25.0,
        "satisfaction_average": 4.5,  # 4 and 5
        "satisfaction_count": 2,
    }
    assert {k: value[k] for k in expected} == expected
    assert previous["received"] == 3  # T0, T1, T8
    assert previous["carried_out"] == 1 and previous["still_open"] == 2 and previous["carried_over"] == 0
    assert previous["response_median"] == 1.25 and previous["response_p90"] == 1.45  # T0 1 h, T1 1.5 h
    assert previous["resolution_median"] == 2.0 and previous["sla_compliance"] == 100.0
    assert previous["satisfaction_average"] is None and previous["reopen_rate"] == 0.0
    assert change["received"] == 3 and change["response_median"] == -0.25 and change["sla_compliance"] == -66.7
    relative = report.tables["summary"].by_row_key("change_pct")
    assert relative["received"] == 100.0 and relative["carried_over"] is None and relative["sla_compliance"] is None


def test_breakdowns(report):
    assert rows(report, "by_category", "name", "received", "received_prev", "carried_out", "still_open",
                "carried_over", "resolution_median", "sla_compliance") == [
        ("Device", 4, 2, 1, 4, 1, 12.0, 100.0),  # T2 T3 T6 T9 | T0 T8; T3 carried out; T8 carried over
        ("Network", 1, 1, 2, 0, 1, 10.0, 0.0),  # T4 | T1; T1 and T4 carried out: median of 17 and 3
        ("Software system", 1, 0, 1, 0, 0, None, None),  # T5: closed without resolution
    ]  # fmt: skip
    assert rows(report, "by_source", "name", "received") == [
        ("Automatic monitoring", 1), ("School portal", 1), ("Phone", 3), ("E-mail", 1)
    ]  # fmt: skip
    assert rows(report, "by_priority", "name", "received", "carried_out") == [
        ("Low", 1, 1), ("Normal", 3, 2), ("High", 2, 1)
    ]  # fmt: skip
    assert rows(report, "by_type", "name", "received") == [("Fault report", 5), ("Inquiry", 1)]
    assert rows(report, "by_school", "name", "received", "still_open") == [
        ("Al-Amal Girls School", 4, 4), ("مدرسة النور الأساسية", 2, 0)
    ]  # fmt: skip
    assert rows(report, "by_technician", "name", "received", "carried_out") == [("Unassigned", 4, 2), ("tech", 2, 2)]


def test_requests_per_month_by_category(report):
    assert rows(report, "monthly", "month", "device", "network", "software", "total") == [
        ("January 2025", 2, 0, 0, 2),  # T3, T9
        ("February 2025", 0, 1, 1, 2),  # T4, T5
        ("March 2025", 2, 0, 0, 2),  # T2, T6 (23:30 on 31 March)
    ]


def test_resolution_distribution_and_sla_by_priority(report):
    assert rows(report, "resolution_distribution", "hours", "tickets") == [
        ("0–1", 0), ("1–2", 0), ("2–4", 1), ("4–7", 0), ("7–14", 1), ("14–35", 1), ("35–70", 0), ("70+", 0)
    ]  # fmt: skip
    assert rows(report, "sla_by_priority", "priority", "measured", "met", "breached", "compliance") == [
        ("Low", 0, 0, 0, None),
        ("Normal", 2, 1, 1, 50.0),  # T1 (its own urgent policy, 8 h: 17 h late), T3 (12 h of 12 h)
        ("High", 1, 0, 1, 0.0),  # T4: (high, network) 2 h beats (high, any) 16 h: 3 h late
        ("Urgent", 0, 0, 0, None),
        ("All priorities", 3, 1, 2, 33.3),
    ]


def test_fault_list_clips_to_the_quarter_and_splits_school_hours(report):
    assert rows(report, "outages", "asset_tag", "check", "start", "end", "hours", "in_hours", "outside_hours",
                "ticket", "actions") == [
        # across the boundary: counted from 1 January 00:00; 1 January is a holiday
        ("NET-SW-01", "Ping", dt.datetime(2024, 12, 31, 13, 30), dt.datetime(2025, 1, 2, 8, 30), 32.5, 1.0, 31.5, "",
         ""),
        ("NET-SW-01", "SNMP", dt.datetime(2024, 12, 31, 13, 31), dt.datetime(2025, 1, 2, 8, 0), 32.0, 0.5, 31.5, "",
         ""),
        ("NET-SW-01", "Ping", dt.datetime(2025, 2, 10, 8, 45), dt.datetime(2025, 2, 10, 11, 45), 3.0, 3.0, 0.0,
         "2025-000003", "Repair"),
        # at night: all outside school hours
        ("NET-SW-01", "Interface 2", dt.datetime(2025, 2, 11, 20, 0), dt.datetime(2025, 2, 11, 22, 0), 2.0, 0.0,
         2.0, "", ""),
        ("NET-RT-02", "Round-trip time", dt.datetime(2025, 3, 3, 9, 0), dt.datetime(2025, 3, 3, 9, 30), 0.5, 0.5,
         0.0, "", ""),
        # still down: clipped at the quarter's end, no end shown
        ("NET-RT-02", "Ping", dt.datetime(2025, 3, 31, 14, 0), None, 10.0, 0.5, 9.5, "", ""),
    ]  # fmt: skip
    # the parent-caused outage of 20 February is not listed


def test_fault_summary(report):
    value = report.tables["summary"].by_row_key("value")
    previous = report.tables["summary"].by_row_key("previous")
    w = q1_working_hours()
    elapsed = 90 * 24.0
    assert value["outages"] == 4  # begun in Q1: 10 Feb, 11 Feb, 3 Mar, 31 Mar
    assert value["outages_outside_hours"] == 1
    assert value["downtime_hours"] == 4.5  # TA1: 1 + 3 (the night outage counts nothing); TA2: 0.5
    assert value["downtime_outside_hours"] == 43.0  # TA1: 31.5 + 2; TA2: 9.5
    assert value["availability"] == round(100 * (1 - 4.5 / (3 * w)), 1)
    assert value["failures"] == 3  # TA1 10 Feb and 11 Feb, TA2 31 Mar (the two Ping+SNMP outages merged began in Q4)
    assert value["mttr"] == 16.0  # repaired in Q1: 43 h (31 Dec → 2 Jan), 3 h, 2 h
    assert value["mtbf"] == round((3 * elapsed - (32.5 + 3 + 2 + 10)) / 3, 2)
    assert previous["outages"] == 2 and previous["failures"] == 1 and previous["downtime_hours"] == 1.0
    assert previous["mttr"] is None


def test_availability_tables_and_worst_sites(report):
    w = q1_working_hours()
    assert rows(report, "availability_school", "name", "targets", "failures", "down_hours", "outside", "availability",
                "mttr") == [
        ("Al-Amal Girls School", 2, 2, 4.0, 33.5, round(100 * (1 - 4 / (2 * w)), 1), 16.0),
        ("مدرسة النور الأساسية", 1, 1, 0.5, 9.5, round(100 * (1 - 0.5 / w), 1), None),
    ]  # fmt: skip
    assert rows(report, "availability_circuit", "name", "availability") == [
        ("FO-1001", round(100 * (1 - 4 / w), 1)), ("FO-1002", round(100 * (1 - 0.5 / w), 1))
    ]  # fmt: skip
    assert rows(report, "availability_class", "name", "availability") == [
        ("Switch", round(100 * (1 - 4 / w), 1)), ("Router", round(100 * (1 - 0.5 / w), 1)), ("Access point", 100.0)
    ]  # fmt: skip
    assert rows(report, "worst_sites", "rank", "school") == [(1, "Al-Amal Girls School"), (2, "مدرسة النور الأساسية")]


def test_heatmap_and_top_assets(report):
    heat = {row[0]: row[1:] for row in report.tables["outage_heatmap"].rows}
    assert list(heat) == ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    assert {(day, hour) for day, counts in heat.items() for hour, n in enumerate(counts) if n} == {
        ("Monday", 8), ("Monday", 9), ("Monday", 14), ("Tuesday", 20)
    }  # fmt: skip
    assert rows(report, "top_assets", "asset_tag", "tickets", "outages") == [("NET-SW-01", 2, 2), ("NET-RT-02", 1, 2)]


def test_corrective_actions_register_and_budget(report):
    assert rows(report, "actions", "ticket", "type", "parts", "cost") == [
        ("2025-000002", "Part replacement", "=SUM(A1) × 1; PSU-1 × 1", 52.5),  # the correction, not the original
        ("2025-000003", "Repair", "PSU-1 × 2", 25.0),
    ]
    assert rows(report, "parts", "code", "quantity", "cost") == [("=SUM(A1)", 1, 40.0), ("PSU-1", 3, 37.5)]
    budget = report.tables["budget"].by_row_key()
    assert budget == {"budget": 1200.0, "spent_quarter": 77.5, "spent_year": 77.5, "remaining": 1122.5, "used": 6.5}
    value = report.tables["summary"].by_row_key("value")
    previous = report.tables["summary"].by_row_key("previous")
    assert (value["actions"], value["parts_cost"], previous["actions"], previous["parts_cost"]) == (2, 77.5, 1, 12.5)


def test_the_quarter_in_progress_is_read_as_of_now(world):
    now = at(2025, 3, 31, 15, 0)
    with translation.override("en"):
        report = build_report(Q1, now=now)
    value = report.tables["summary"].by_row_key("value")
    assert report.as_of == now
    assert value["received"] == 5  # T6 (23:30) has not been opened yet
    # the open outage counts to now: 14:00–15:00, half an hour of it in school hours
    outage = report.tables["outages"].rows[-1]
    assert outage[report.tables["outages"].column("hours")] == 1.0


def test_an_empty_quarter(world):
    with translation.override("en"):
        report = build_report(Quarter(2023, 2))
    value = report.tables["summary"].by_row_key("value")
    assert value["received"] == 0 and value["carried_out"] == 0 and value["still_open"] == 0
    assert value["response_median"] is None and value["sla_compliance"] is None and value["reopen_rate"] is None
    assert value["availability"] is None  # the targets were created in June 2024: nothing was monitored yet
    assert value["outages"] == 0 and value["actions"] == 0 and value["parts_cost"] == 0.0
    assert report.tables["outages"].rows == [] and report.tables["actions"].rows == []
    assert all(row[1:] == [0] * 24 for row in report.tables["outage_heatmap"].rows)


def test_it_reads_with_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(20), translation.override("en"):
        build_report(Q1)


def test_it_reads_timelines_in_chunks_with_the_same_result(world, monkeypatch):
    from reports import selectors

    with translation.override("en"):
        whole = build_report(Q1)
        monkeypatch.setattr(selectors, "CHUNK", 3)
        chunked = build_report(Q1)
    assert chunked.tables["summary"].rows == whole.tables["summary"].rows
