"""Build the quarterly report: the frames of `reports.selectors` → figures → `Table`s.

`build_report(quarter, scope=…)` is the one entry point; the dashboard, the API, the
management command and every export call it and only render its tables. Labels are
translated in the active language when the report is built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from assets.choices import AssetCategory, Weekday
from maintenance.choices import ActionOutcome, ActionType, TicketCategory, TicketPriority, TicketSource, TicketType
from maintenance.sla_calendar import work_calendar
from netmon.choices import OutageContext, check_label
from reports import faults as fault_figures
from reports import helpdesk, selectors
from reports.periods import Quarter
from reports.tables import LTR, ROW, Column, Table, round_column, round_value
from reports.workingtime import Calendars

#: Resolution-time bins in working hours: [low, high); the last is open-ended. 7 h is one school day.
RESOLUTION_BINS = [0, 1, 2, 4, 7, 14, 35, 70]
#: Sunday first: the school week as the directorate reads it (Python weekday numbers, Monday = 0).
WEEK_ORDER = [6, 0, 1, 2, 3, 4, 5]
WORST_SITES = 10
TOP_ASSETS = 10


@dataclass
class Report:
    quarter: Quarter
    previous: Quarter
    as_of: dt.datetime
    generated_at: dt.datetime
    scope_label: str
    language: str
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _("Quarterly technical report: %(quarter)s") % {"quarter": quarter_label(self.quarter)}

    def sections(self) -> list[tuple[str, str, list[Table]]]:
        titles = {
            "helpdesk": _("Help-desk requests"),
            "faults": _("Faults detected by monitoring"),
            "actions": _("Corrective actions register"),
        }
        return [
            (key, str(title), [t for t in self.tables.values() if t.section == key]) for key, title in titles.items()
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.quarter.year,
            "quarter": self.quarter.quarter,
            "title": self.title,
            "period": {"start": _iso(self.quarter.start), "end": _iso(self.quarter.end), "as_of": _iso(self.as_of)},
            "previous": {"year": self.previous.year, "quarter": self.previous.quarter},
            "scope": self.scope_label,
            "generated_at": _iso(self.generated_at),
            "language": self.language,
            "tables": {
                key: {
                    "title": table.title,
                    "section": table.section,
                    "note": table.note,
                    "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
                    **({"row_kinds": table.row_kinds} if table.row_kinds else {}),
                    **({"row_keys": table.row_keys} if table.row_keys else {}),
                    "rows": table.as_dicts(),
                }
                for key, table in self.tables.items()
            },
        }


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment, timezone.get_default_timezone()).isoformat()


def quarter_label(quarter: Quarter) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter.quarter, "year": quarter.year}


def _local_naive(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    moment = pd.Timestamp(value).to_pydatetime()
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None)


def _labels(choices, values: pd.Series) -> pd.Series:
    """A choice column's translated labels, translated once per distinct value."""
    labels = {value: choices.label(value) for value in values.dropna().unique()}
    return values.map(labels).fillna("")


def _local_naive_list(values: pd.Series) -> list:
    """UTC timestamps as naive local datetimes to the minute (None for missing), converted as a column."""
    # cache=False: the cache's look for repeated values iterates the column as Timestamps, one by one
    local = (
        pd.to_datetime(values, utc=True, cache=False)
        .dt.tz_convert(timezone.get_default_timezone())
        .dt.tz_localize(None)
    )
    # numpy turns datetime64[us] into datetime objects (NaT into None) in C
    return local.dt.floor("min").to_numpy(dtype="datetime64[us]").astype(object).tolist()


def _rows(columns: list) -> list[list]:
    """Row lists from column sequences of equal length."""
    lists = [list(c) for c in columns]
    return [list(row) for row in zip(*lists, strict=True)] if lists else []


def _hours(seconds) -> float | None:
    if seconds is None or pd.isna(seconds):
        return None
    return float(seconds) / 3600.0


def _table(
    key, title, sheet, columns, rows, *, section, note="", row_kinds=None, row_keys=None, by_column=None
) -> Table:
    """A table with every value rounded as its column (or row) says.

    The big tables give their values `by_column` (one sequence per column, `rows` None): rounded a column
    at a time and zipped into rows once, with no rows built first only to be taken apart again."""
    table = Table(
        key=key, title=str(title), sheet=str(sheet), columns=columns, section=section, note=str(note),
        row_kinds=list(row_kinds or []), row_keys=list(row_keys or []),
    )  # fmt: skip
    if by_column is not None:
        columns_of_values = [round_column(list(values), column.kind)
                             for values, column in zip(by_column, table.columns, strict=True)]  # fmt: skip
        table.rows = list(map(list, zip(*columns_of_values, strict=True)))
    elif table.row_kinds:
        table.rows = [[round_value(v, table.kind(r, c)) for c, v in enumerate(row)] for r, row in enumerate(rows)]
    elif rows:
        # column by column: one kind per column, so the big tables (the register) round fast
        columns_of_values = [round_column(list(values), column.kind) for values, column in
                             zip(zip(*rows, strict=True), table.columns, strict=True)]  # fmt: skip
        table.rows = list(map(list, zip(*columns_of_values, strict=True)))
    return table


# --------------------------------------------------------------------------- the entry point


def build_report(
    quarter: Quarter,
    *,
    scope: selectors.Scope | None = None,
    now: dt.datetime | None = None,
    include_staff: bool = True,
    include_budget: bool = True,
    scope_label: str = "",
) -> Report:
    """The quarter's report as the scope sees it, read as of `now` (the quarter's end once it is over).

    include_staff=False leaves out the per-technician table (staff evaluation is the IT head's);
    include_budget=False leaves out the year's parts budget (not a school's business).
    """
    scope = scope or selectors.Scope()
    previous = quarter.previous()
    as_of = quarter.as_of(now)
    periods = {
        "current": helpdesk.Period(quarter.start, as_of),
        "previous": helpdesk.Period(previous.start, previous.end),
    }
    report = Report(
        quarter=quarter,
        previous=previous,
        as_of=as_of,
        generated_at=timezone.now(),
        scope_label=scope_label,
        language=translation.get_language() or "ar",
    )

    # -- reads: a fixed handful of queries
    tickets_qs = selectors.relevant_tickets(scope, since=previous.start, until=as_of)
    tickets = selectors.ticket_frame(tickets_qs)
    history = selectors.status_history_frame(tickets["id"])
    replies = selectors.staff_reply_frame(tickets.loc[tickets["first_response_at"].isna(), "id"])
    feedback = selectors.feedback_frame(scope, since=previous.start, until=as_of)
    policies = selectors.sla_policy_frame()
    schools = selectors.school_list(scope)
    oldest = tickets["opened_at"].min() if len(tickets) else None
    holidays = selectors.holiday_list(min(previous.start, oldest) if oldest is not None else previous.start)
    targets = selectors.target_frame(scope)
    outages = selectors.outage_frame(scope, since=previous.start, until=as_of)
    actions = selectors.action_frame(scope, since=quarter.start, until=as_of)
    previous_actions = selectors.action_count(scope, since=previous.start, until=previous.end)
    parts = selectors.part_usage_frame(scope, since=quarter.start, until=as_of)
    outage_actions = selectors.outage_ticket_actions_frame(None, outages["ticket_id"])
    fault_assets = selectors.fault_ticket_assets_frame(scope, since=previous.start, until=as_of)
    technicians = selectors.user_names(list(tickets["assigned_to_id"]) + list(actions["technician_id"]))

    calendars = Calendars.build(((s.pk, work_calendar(s, holidays)) for s in schools), work_calendar(None, holidays))
    school_names = {s.pk: s.name for s in schools}

    # -- help desk
    ticket_history = helpdesk.build_history(tickets, history, replies, calendars=calendars)
    hd = {
        name: helpdesk.period_figures(ticket_history, period, feedback=feedback, policies=policies)
        for name, period in periods.items()
    }
    # -- faults
    fault_data = fault_figures.build_faults(outages, targets, calendars=calendars)
    ff = {name: fault_figures.period_faults(fault_data, p.start, p.end) for name, p in periods.items()}
    # -- actions
    act = {"current": len(actions), "previous": previous_actions}
    cost = {"current": Decimal(sum(parts["cost"], Decimal(0)))}
    cost["previous"] = selectors.parts_spent(scope, since=previous.start, until=previous.end)
    budget_rows = None
    if include_budget:
        # The year so far is the quarters before the previous one, the previous one and this one, each
        # summed already but the first: read only that (exact sums of exact Decimals, the same total).
        if previous.start >= quarter.year_start:
            year_spent = cost["previous"] + cost["current"]
            if previous.start > quarter.year_start:
                year_spent += selectors.parts_spent(scope, since=quarter.year_start, until=previous.start)
        else:  # the first quarter: the year began with it
            year_spent = cost["current"]
        budget_rows = (selectors.part_budget(quarter.year), cost["current"], year_spent)

    tables = report.tables
    tables["summary"] = _summary(ticket_history.tickets, hd, ff, act, cost)
    tables["monthly"] = _monthly(quarter, ticket_history.tickets, hd["current"])
    dims = [
        ("by_category", _("By category"), _("By category"), "category", TicketCategory.label),
        ("by_school", _("By school"), _("By school"), "school_id", lambda v: school_names.get(v, _("No school"))),
        ("by_technician", _("By technician"), _("By technician"), "assigned_to_id",
         lambda v: technicians.get(v, str(_("Unassigned")))),
        ("by_source", _("By source"), _("By source"), "source", TicketSource.label),
        ("by_priority", _("By priority"), _("By priority"), "priority", TicketPriority.label),
        ("by_type", _("By type"), _("By type"), "type", TicketType.label),
    ]  # fmt: skip
    choice_order = {
        "category": TicketCategory.values(),
        "source": TicketSource.values(),
        "priority": TicketPriority.values(),
        "type": TicketType.values(),
    }
    for key, title, sheet, column, label in dims:
        if key == "by_technician" and not include_staff:
            continue
        tables[key] = _breakdown(key, title, sheet, ticket_history.tickets, hd, column, label, choice_order.get(column))
    tables["resolution_distribution"] = _distribution(hd["current"])
    tables["sla_by_priority"] = _sla_by_priority(ticket_history.tickets, hd["current"], policies)

    tables["outages"] = _outage_list(ff["current"], school_names, outage_actions)
    group_columns = [
        ("availability_school", _("Availability by school"), _("Availability by school"), "school_id",
         lambda v: school_names.get(v, "")),
        ("availability_circuit", _("Availability by fiber circuit"), _("Availability by circuit"), "circuit",
         lambda v: v),
        ("availability_class", _("Availability by device class"), _("Availability by device class"),
         "device_class", AssetCategory.label),
    ]  # fmt: skip
    for key, title, sheet, column, label in group_columns:
        tables[key] = _availability(key, title, sheet, ff["current"], column, label)
    tables["worst_sites"] = _worst_sites(tables["availability_school"])
    tables["outage_heatmap"] = _heatmap(ff["current"])
    tables["top_assets"] = _top_assets(ff["current"], fault_assets, periods["current"], school_names)

    tables["actions"] = _action_register(actions, parts, school_names, technicians)
    tables["parts"] = _parts(parts)
    if budget_rows is not None:
        tables["budget"] = _budget(quarter, *budget_rows)
    return report


def _list_separator() -> str:
    return "؛ " if translation.get_language_bidi() else "; "


def report_for(user, quarter: Quarter, *, directorate_id: int | None = None, now: dt.datetime | None = None) -> Report:
    """The report as `user` may read it (core.roles: REPORT_READERS and the scope of their role)."""
    from assets.models import Directorate, School
    from core.roles import can, can_see_staff_figures, user_role
    from maintenance.models import PartBudget

    scope = selectors.Scope(user=user, directorate_id=directorate_id)
    profile = getattr(user, "profile", None) if user_role(user) else None
    label = ""
    if profile is not None and profile.school_id is not None:
        label = str(School.objects.get(pk=profile.school_id))
    elif directorate_id is not None or (profile is not None and profile.directorate_id is not None):
        label = str(Directorate.objects.get(pk=directorate_id or profile.directorate_id))
    return build_report(
        quarter,
        scope=scope,
        now=now,
        include_staff=can_see_staff_figures(user),
        include_budget=can(user, "view", PartBudget),
        scope_label=label,
    )


# --------------------------------------------------------------------------- help-desk tables


def _summary(tickets: pd.DataFrame, hd, ff, act, cost) -> Table:
    rows: list[tuple[str, str, str, Any, Any]] = []  # (key, label, kind, current, previous)

    def add(key, label, kind, fn):
        rows.append((key, str(label), kind, fn("current"), fn("previous")))

    def count(flag):
        return lambda p: int(getattr(hd[p], flag).sum())

    automatic = tickets["source"] == TicketSource.MONITORING

    def received_from(is_automatic: bool):
        return lambda p: int((hd[p].received & (automatic == is_automatic)).sum())

    add("received", _("Requests received"), "int", count("received"))
    add("received_automatic", _("… of them from automatic monitoring"), "int", received_from(True))
    add("received_filed", _("… of them filed by schools and staff"), "int", received_from(False))
    add("carried_out", _("Requests carried out (resolved or closed)"), "int", count("carried_out"))
    add("resolved", _("… resolved"), "int", lambda p: len(hd[p].resolved))
    add(
        "closed_unresolved",
        _("… closed without resolution"),
        "int",
        lambda p: hd[p].closed_unresolved["ticket_id"].nunique(),
    )
    add("still_open", _("Still open at the quarter's end"), "int", count("still_open"))
    add("carried_over", _("Carried over from the previous quarter"), "int", count("carried_over"))
    add("responses", _("First responses"), "int", lambda p: len(hd[p].responses))
    add("response_median", _("Time to first response, median (working hours)"), "hours",
        lambda p: helpdesk.quantile(hd[p].responses["response_s"], 0.5))  # fmt: skip
    add("response_p90", _("Time to first response, 90th percentile (working hours)"), "hours",
        lambda p: helpdesk.quantile(hd[p].responses["response_s"], 0.9))  # fmt: skip
    add("resolution_median", _("Time to resolution, median (working hours)"), "hours",
        lambda p: helpdesk.quantile(hd[p].resolved["elapsed_s"], 0.5))  # fmt: skip
    add("resolution_p90", _("Time to resolution, 90th percentile (working hours)"), "hours",
        lambda p: helpdesk.quantile(hd[p].resolved["elapsed_s"], 0.9))  # fmt: skip
    add(
        "sla_measured",
        _("Resolutions measured against an SLA policy"),
        "int",
        lambda p: int(hd[p].resolved["target_s"].notna().sum()),
    )
    add("sla_compliance", _("SLA compliance (%)"), "pct", lambda p: _compliance(hd[p].resolved))
    add("resolutions", _("Resolutions (each time a ticket was resolved)"), "int", lambda p: len(hd[p].resolutions))
    add("objections", _("Objections to a resolution"), "int", lambda p: hd[p].objections)
    add("reopen_rate", _("Reopen (objection) rate (%)"), "pct",
        lambda p: 100.0 * hd[p].objections / len(hd[p].resolutions) if len(hd[p].resolutions) else None)  # fmt: skip
    add("satisfaction_average", _("Satisfaction, average rating (1–5)"), "avg",
        lambda p: float(hd[p].ratings.mean()) if len(hd[p].ratings) else None)  # fmt: skip
    add("satisfaction_count", _("Satisfaction, number of ratings"), "int", lambda p: len(hd[p].ratings))

    overall = {p: fault_figures.group_figures(ff[p], None) for p in ff}

    def fig(column, transform=lambda v: v):
        def fn(p):
            frame = overall[p]
            if not len(frame):
                return None
            value = frame[column].iloc[0]
            return None if pd.isna(value) else transform(value)

        return fn

    add("outages", _("Outages detected (own cause, begun in the quarter)"), "int",
        lambda p: int((ff[p].outages["start"] >= ff[p].outages["from"]).sum()))  # fmt: skip
    add("outages_outside_hours", _("… of them begun outside working hours"), "int",
        lambda p: int(((ff[p].outages["start"] >= ff[p].outages["from"])
                       & (ff[p].outages["context"] != OutageContext.WORKING_HOURS)).sum()))  # fmt: skip
    add("availability", _("Availability in working hours (%)"), "pct", fig("availability"))
    add("downtime_hours", _("Downtime in working hours (hours)"), "hours", fig("down_hours_s", _hours))
    add("downtime_outside_hours", _("Downtime outside working hours (hours)"), "hours", fig("outside_s", _hours))
    add("failures", _("Failures (devices or links down)"), "int", fig("failures", int))
    add("mttr", _("MTTR, mean time to repair (hours)"), "hours", fig("mttr_s", _hours))
    add("mtbf", _("MTBF, mean time between failures (hours)"), "hours", fig("mtbf_s", _hours))
    add("actions", _("Corrective actions"), "int", lambda p: act[p])
    add("parts_cost", _("Cost of spare parts used"), "money", lambda p: float(cost[p]))

    body = []
    kinds = []
    for _key, label, kind, current, previous in rows:
        change = None if current is None or previous is None else current - previous
        relative = None
        if kind != "pct" and current is not None and previous:
            relative = 100.0 * (current - previous) / previous
        body.append([label, current, previous, change, relative])
        kinds.append(kind)
    columns = [
        Column("indicator", _("Indicator")),
        Column("value", _("This quarter"), ROW),
        Column("previous", _("Previous quarter"), ROW),
        Column("change", _("Change"), ROW, signed=True),
        Column("change_pct", _("Change (%)"), "pct", signed=True),
    ]
    return _table(
        "summary", _("Summary"), _("Summary"), columns, body, section="helpdesk", row_kinds=kinds,
        row_keys=[row[0] for row in rows],
        note=_("A change in a percentage is in percentage points."),
    )  # fmt: skip


def _compliance(resolved: pd.DataFrame) -> float | None:
    measured = resolved[resolved["target_s"].notna()]
    if not len(measured):
        return None
    return 100.0 * float(measured["met"].astype(bool).sum()) / len(measured)


def _monthly(quarter: Quarter, tickets: pd.DataFrame, figures: helpdesk.PeriodFigures) -> Table:
    received = tickets[figures.received]
    local = received["opened_at"].dt.tz_convert(timezone.get_default_timezone())
    month = local.dt.month
    categories = TicketCategory.values()
    rows = []
    for year, number in quarter.months:
        in_month = received[month == number]
        counts = in_month["category"].value_counts()
        label = date_format(dt.date(year, number, 1), "F Y")
        rows.append([label, *[int(counts.get(c, 0)) for c in categories], len(in_month)])
    columns = [
        Column("month", _("Month")),
        *[Column(c, TicketCategory.label(c), "int") for c in categories],
        Column("total", _("Total"), "int"),
    ]
    return _table("monthly", _("Requests received per month by category"), _("Per month"), columns, rows,
                  section="helpdesk")  # fmt: skip


def _breakdown(key, title, sheet, tickets, hd, column, label, order) -> Table:
    cur, prev = hd["current"], hd["previous"]
    values = tickets[column]
    frame = pd.DataFrame(
        {
            "value": values.astype(object).where(values.notna(), None),
            "received": cur.received,
            "received_prev": prev.received,
            "carried_out": cur.carried_out,
            "carried_out_prev": prev.carried_out,
            "still_open": cur.still_open,
            "carried_over": cur.carried_over,
        }
    )
    frame["value"] = frame["value"].map(lambda v: "" if v is None else v)
    counts = frame.groupby("value").sum()
    resolved = cur.resolved.join(frame["value"], how="left")
    median = resolved.groupby("value")["elapsed_s"].median()
    measured = resolved[resolved["target_s"].notna()]
    met = measured.groupby("value")["met"].agg(["sum", "count"])
    compliance = 100.0 * met["sum"] / met["count"]
    counts = counts[counts.sum(axis=1) > 0]
    keys = list(counts.index)
    if order is not None:
        keys = [v for v in order if v in counts.index] + [v for v in keys if v not in order]
    else:
        keys.sort(key=lambda v: (-int(counts.loc[v, "received"]), str(label(v or None))))
    rows = []
    for value in keys:
        c = counts.loc[value]
        rows.append([
            str(label(value if value != "" else None)),
            c["received"], c["received_prev"], c["carried_out"], c["carried_out_prev"], c["still_open"],
            c["carried_over"], _hours(median.get(value)), compliance.get(value),
        ])  # fmt: skip
    columns = [
        Column("name", title_of_dimension(key)),
        Column("received", _("Received"), "int"),
        Column("received_prev", _("Received (previous quarter)"), "int"),
        Column("carried_out", _("Carried out"), "int"),
        Column("carried_out_prev", _("Carried out (previous quarter)"), "int"),
        Column("still_open", _("Still open at the end"), "int"),
        Column("carried_over", _("Carried over"), "int"),
        Column("resolution_median", _("Resolution median (working hours)"), "hours"),
        Column("sla_compliance", _("SLA compliance (%)"), "pct"),
    ]
    return _table(key, title, sheet, columns, rows, section="helpdesk")


def title_of_dimension(key: str) -> str:
    return str(
        {
            "by_category": _("Category"),
            "by_school": _("School"),
            "by_technician": _("Technician"),
            "by_source": _("Source"),
            "by_priority": _("Priority"),
            "by_type": _("Type"),
        }[key]
    )


def _distribution(figures: helpdesk.PeriodFigures) -> Table:
    hours = figures.resolved["elapsed_s"].to_numpy(dtype="float64") / 3600.0
    edges = [*RESOLUTION_BINS, np.inf]
    total = len(hours)
    rows = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        n = int(((hours >= low) & (hours < high)).sum())
        span = f"{low}–{high}" if np.isfinite(high) else f"{low}+"
        rows.append([span, n, 100.0 * n / total if total else None])
    columns = [
        Column("hours", _("Working hours to resolution"), LTR),
        Column("tickets", _("Tickets"), "int"),
        Column("share", _("Share (%)"), "pct"),
    ]
    return _table("resolution_distribution", _("Resolution time distribution"), _("Resolution times"), columns,
                  rows, section="helpdesk")  # fmt: skip


def _sla_by_priority(tickets: pd.DataFrame, figures: helpdesk.PeriodFigures, policies: pd.DataFrame) -> Table:
    resolved = figures.resolved.join(tickets["priority"], how="left")
    measured = resolved[resolved["target_s"].notna()]
    rows = []
    groups = [(TicketPriority.label(p), measured[measured["priority"] == p]) for p in TicketPriority.values()]
    groups.append((str(_("All priorities")), measured))
    for label, group in groups:
        met = int(group["met"].astype(bool).sum())
        rows.append([label, len(group), met, len(group) - met, 100.0 * met / len(group) if len(group) else None])
    columns = [
        Column("priority", _("Priority")),
        Column("measured", _("Resolutions measured"), "int"),
        Column("met", _("Within the SLA"), "int"),
        Column("breached", _("Late"), "int"),
        Column("compliance", _("SLA compliance (%)"), "pct"),
    ]
    note = _(
        "Resolution time is working time while the ticket was neither on hold nor resolved, from its opening "
        "to its last resolution in the quarter, against the resolve time of its SLA policy."
    )
    return _table("sla_by_priority", _("SLA compliance by priority"), _("SLA compliance"), columns, rows,
                  section="helpdesk", note=note)  # fmt: skip


# --------------------------------------------------------------------------- fault tables


def _outage_list(figures: fault_figures.FaultFigures, school_names, outage_actions: pd.DataFrame) -> Table:
    outages = figures.outages.sort_values(["start", "id"])
    done: dict = {}
    if len(outage_actions):
        ordered = outage_actions.sort_values("started_at")
        ordered = ordered.assign(label=_labels(ActionType, ordered["action_type"]))
        for ticket_id, labels in ordered.groupby("ticket_id")["label"]:
            done[ticket_id] = _list_separator().join(dict.fromkeys(labels))
    checks = {name: check_label(name) for name in outages["check_name"].unique()}
    columns_of_rows = [
        outages["asset_tag"],
        outages["asset_name"].fillna(""),
        outages["school_id"].map(school_names).fillna(""),
        outages["check_name"].map(checks),
        _labels(OutageContext, outages["context"]),
        _local_naive_list(outages["start"]),
        _local_naive_list(outages["end"].where(~outages["ongoing"].astype(bool))),
        outages["seconds"] / 3600.0,
        outages["in_hours_s"] / 3600.0,
        outages["outside_hours_s"] / 3600.0,
        outages["ticket_number"].where(outages["ticket_number"].map(lambda v: isinstance(v, str)), ""),
        outages["ticket_id"].map(done).fillna(""),
    ]
    rows = _rows(columns_of_rows)
    columns = [
        Column("asset_tag", _("Asset tag"), LTR),
        Column("device", _("Device")),
        Column("school", _("School")),
        Column("check", _("Check")),
        Column("began", _("Began")),
        Column("start", _("Start"), "datetime"),
        Column("end", _("End"), "datetime"),
        Column("hours", _("Duration in the quarter (hours)"), "hours"),
        Column("in_hours", _("In working hours (hours)"), "hours"),
        Column("outside_hours", _("Outside working hours (hours)"), "hours"),
        Column("ticket", _("Ticket"), LTR),
        Column("actions", _("Corrective actions taken")),
    ]
    note = _(
        "Each outage of a device's own cause that overlaps the quarter, clipped to it; an empty end means still "
        "down at the quarter's end."
    )
    return _table("outages", _("Faults handled"), _("Faults"), columns, rows, section="faults", note=note)


AVAILABILITY_COLUMNS = [
    ("targets", "Monitored devices", "int"),
    ("failures", "Failures", "int"),
    ("down_hours", "Downtime in working hours (hours)", "hours"),
    ("outside", "Downtime outside working hours (hours)", "hours"),
    ("availability", "Availability (%)", "pct"),
    ("mttr", "MTTR (hours)", "hours"),
    ("mtbf", "MTBF (hours)", "hours"),
]


def _availability(key, title, sheet, figures, column, label) -> Table:
    grouped = fault_figures.group_figures(figures, column)
    grouped = grouped.sort_values(["availability", "down_hours_s"], ascending=[True, False], na_position="last")
    rows = []
    for value, g in grouped.iterrows():
        rows.append([
            str(label(value)), int(g["targets"]), int(g["failures"]), _hours(g["down_hours_s"]), _hours(g["outside_s"]),
            g["availability"], _hours(g["mttr_s"]), _hours(g["mtbf_s"]),
        ])  # fmt: skip
    first = {"availability_school": _("School"), "availability_circuit": _("Circuit"),
             "availability_class": _("Device class")}[key]  # fmt: skip
    columns = [Column("name", first)] + [
        Column("targets", _("Monitored devices"), "int"),
        Column("failures", _("Failures"), "int"),
        Column("down_hours", _("Downtime in working hours (hours)"), "hours"),
        Column("outside", _("Downtime outside working hours (hours)"), "hours"),
        Column("availability", _("Availability (%)"), "pct"),
        Column("mttr", _("MTTR (hours)"), "hours"),
        Column("mtbf", _("MTBF (hours)"), "hours"),
    ]
    note = _(
        "Availability is over the school's working hours; downtime outside them is counted apart and does not lower it."
    )
    return _table(key, title, sheet, columns, rows, section="faults", note=note)


def _worst_sites(availability: Table) -> Table:
    name, avail, down, failures = (availability.column(k) for k in ("name", "availability", "down_hours", "failures"))
    affected = [r for r in availability.rows if r[down] and r[down] > 0]
    rows = [[i + 1, r[name], r[avail], r[down], r[failures]] for i, r in enumerate(affected[:WORST_SITES])]
    columns = [
        Column("rank", _("Rank"), "int"),
        Column("school", _("School")),
        Column("availability", _("Availability (%)"), "pct"),
        Column("down_hours", _("Downtime in working hours (hours)"), "hours"),
        Column("failures", _("Failures"), "int"),
    ]
    return _table("worst_sites", _("The ten worst sites"), _("Worst sites"), columns, rows, section="faults")


def _heatmap(figures: fault_figures.FaultFigures) -> Table:
    outages = figures.outages
    begun = outages[outages["start"] >= outages["from"]]
    local = begun["start"].dt.tz_convert(timezone.get_default_timezone())
    counts = pd.crosstab(local.dt.weekday, local.dt.hour) if len(begun) else pd.DataFrame()
    rows = []
    for weekday in WEEK_ORDER:
        row = [Weekday.label(str(weekday))]
        for hour in range(24):
            value = counts.at[weekday, hour] if weekday in counts.index and hour in counts.columns else 0
            row.append(int(value))
        rows.append(row)
    columns = [Column("weekday", _("Day"))] + [Column(f"h{hour:02d}", f"{hour:02d}", "int") for hour in range(24)]
    note = _("Outages begun in the quarter, by the local day and hour they began.")
    return _table("outage_heatmap", _("Outages by weekday and hour"), _("Outages by hour"), columns, rows,
                  section="faults", note=note)  # fmt: skip


def _top_assets(figures, fault_assets: pd.DataFrame, period: helpdesk.Period, school_names) -> Table:
    tickets = fault_assets[
        (fault_assets["opened_at"] >= pd.Timestamp(period.start))
        & (fault_assets["opened_at"] < pd.Timestamp(period.end))
    ]
    by_tickets = tickets.groupby("asset_id").agg(
        tickets=("ticket_id", "nunique"), asset_tag=("asset_tag", "first"), asset_name=("asset_name", "first"),
        school_id=("school_id", "first"),
    )  # fmt: skip
    outages = figures.outages
    begun = outages[outages["start"] >= outages["from"]]
    by_outages = begun.groupby("asset_id").agg(
        outages=("id", "size"), asset_tag=("asset_tag", "first"), asset_name=("asset_name", "first"),
        school_id=("school_id", "first"),
    )  # fmt: skip
    # Counts as floats before combining: combine_first casts back to the other frame's int dtype,
    # which fails on the NaN of an asset found on one side only (a quarter with outages, no tickets).
    both = by_tickets.astype({"tickets": "float64"}).combine_first(by_outages.astype({"outages": "float64"}))
    both[["tickets", "outages"]] = both[["tickets", "outages"]].fillna(0)
    both = both.reindex(columns=["asset_tag", "asset_name", "school_id", "tickets", "outages"])
    both = both.sort_values(["tickets", "outages", "asset_tag"], ascending=[False, False, True]).head(TOP_ASSETS)
    rows = [
        [r.asset_tag, r.asset_name or "", school_names.get(r.school_id, ""), int(r.tickets), int(r.outages)]
        for r in both.itertuples()
    ]
    columns = [
        Column("asset_tag", _("Asset tag"), LTR),
        Column("device", _("Device")),
        Column("school", _("School")),
        Column("tickets", _("Fault tickets"), "int"),
        Column("outages", _("Outages"), "int"),
    ]
    note = _("Assets named by the most fault tickets opened in the quarter, then by their own outages.")
    return _table("top_assets", _("Top faulty assets"), _("Top faulty assets"), columns, rows, section="faults",
                  note=note)  # fmt: skip


# --------------------------------------------------------------------------- corrective actions


def _action_register(actions: pd.DataFrame, parts: pd.DataFrame, school_names, technicians) -> Table:
    listed: dict = {}
    costs: dict = {}
    if len(parts):
        ordered = parts.sort_values(["action_id", "part_code"])
        items = ordered["part_code"].astype(str) + " × " + ordered["quantity"].astype(str)
        # joined in plain Python: a groupby's agg(str.join) takes pandas' slow path, a Series per action
        per_action: dict = {}
        for action_id, item in zip(ordered["action_id"].tolist(), items.tolist(), strict=True):
            per_action.setdefault(action_id, []).append(item)
        separator = _list_separator()
        listed = {action_id: separator.join(found) for action_id, found in per_action.items()}
        # money in whole thousandths (fils): sums of integers are exact
        mils = ordered["cost"].map(lambda c: int(c * 1000)).astype("int64")
        costs = (mils.groupby(ordered["action_id"], sort=False).sum() / 1000.0).to_dict()
    actions = actions.sort_values(["started_at", "id"])
    values = [
        _local_naive_list(actions["started_at"]), _local_naive_list(actions["ended_at"]), actions["ticket_number"],
        actions["school_id"].map(school_names).fillna(""), actions["asset_tag"].fillna(""),
        actions["technician_id"].map(technicians).fillna(""), _labels(ActionType, actions["action_type"]),
        _labels(ActionOutcome, actions["outcome"]), actions["id"].map(listed).fillna(""),
        actions["id"].map(costs).fillna(0.0),
    ]  # fmt: skip
    columns = [
        Column("started", _("Started"), "datetime"),
        Column("ended", _("Ended"), "datetime"),
        Column("ticket", _("Ticket"), LTR),
        Column("school", _("School")),
        Column("asset", _("Asset tag"), LTR),
        Column("technician", _("Technician")),
        Column("type", _("Action")),
        Column("outcome", _("Outcome")),
        Column("parts", _("Spare parts used")),
        Column("cost", _("Parts cost"), "money"),
    ]
    note = _(
        "Every corrective action begun in the quarter, as last corrected (a correction replaces the row it corrects)."
    )
    return _table("actions", _("Corrective actions register"), _("Corrective actions"), columns, None,
                  section="actions", note=note, by_column=values)  # fmt: skip


def _parts(parts: pd.DataFrame) -> Table:
    rows = []
    if len(parts):
        grouped = parts.groupby(["part_code", "part_name"], sort=True).agg(
            quantity=("quantity", "sum"), cost=("cost", lambda c: sum(c, Decimal(0)))
        )
        rows = [[code, name, int(g["quantity"]), float(g["cost"])] for (code, name), g in grouped.iterrows()]
    columns = [
        Column("code", _("Part code"), LTR),
        Column("name", _("Spare part")),
        Column("quantity", _("Quantity"), "int"),
        Column("cost", _("Cost"), "money"),
    ]
    return _table("parts", _("Spare parts used"), _("Spare parts"), columns, rows, section="actions")


def _budget(quarter: Quarter, budget: Decimal | None, quarter_cost: Decimal, year_cost: Decimal) -> Table:
    remaining = None if budget is None else budget - year_cost
    used = None if not budget else 100.0 * float(year_cost) / float(budget)
    rows = [
        [_("Parts budget of %(year)s") % {"year": quarter.year}, None if budget is None else float(budget)],
        [_("Spent in the quarter"), float(quarter_cost)],
        [_("Spent in the year to the quarter's end"), float(year_cost)],
        [_("Remaining"), None if remaining is None else float(remaining)],
        [_("Budget used (%)"), used],
    ]
    kinds = ["money", "money", "money", "money", "pct"]
    columns = [Column("item", _("Item")), Column("value", _("Value"), ROW)]
    return _table("budget", _("Spare parts against the year's budget"), _("Budget"), columns,
                  [[str(a), b] for a, b in rows], section="actions", row_kinds=kinds,
                  row_keys=["budget", "spent_quarter", "spent_year", "remaining", "used"])  # fmt: skip
