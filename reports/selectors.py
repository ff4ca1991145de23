"""The report's reads: a handful of queries, each returning a pandas frame of the needed columns only.

Every query is bounded by the two quarters the report shows (this one and the previous) and
by the reader's scope (`Scope`: the user's `scope_queryset`, optionally one directorate or
one school). Rows come through `values_list` — no model instances, no query per row — so the
number of queries is fixed whatever the number of tickets (tests/reports check it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import (
    BooleanField,
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    Min,
    Q,
    QuerySet,
    Sum,
    TextField,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from assets.models import Holiday, School
from core.roles import Role, scope_queryset
from maintenance.choices import EntryKind, TicketStatus, TicketType
from maintenance.models import CorrectiveAction, PartBudget, PartUsage, SlaPolicy, Ticket, TicketEntry, TicketFeedback
from maintenance.sla_calendar import holidays_between
from netmon.choices import OutageCause
from netmon.models import Outage, Target

#: Timeline entries that record a status change (`data["to"]` is the new status).
STATUS_ENTRY_KINDS = (EntryKind.STATUS, EntryKind.HOLD, EntryKind.RESUMED)

#: (model, path to the school, path to the directorate) for the scope filters.
_PATHS = {
    Ticket: ("school", "school__directorate"),
    Target: ("asset__school", "asset__school__directorate"),
    Outage: ("target__asset__school", "target__asset__school__directorate"),
    CorrectiveAction: ("ticket__school", "ticket__school__directorate"),
    School: ("pk", "directorate"),
}


@dataclass(frozen=True)
class Scope:
    """Whose figures: what `user` may see (None: everything), narrowed to a directorate or a school."""

    user: Any = None
    directorate_id: int | None = None
    school_id: int | None = None

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.user is not None:
            queryset = scope_queryset(queryset, self.user)
        school_path, directorate_path = _PATHS[queryset.model]
        if self.directorate_id is not None:
            queryset = queryset.filter(**{directorate_path: self.directorate_id})
        if self.school_id is not None:
            queryset = queryset.filter(**{school_path: self.school_id})
        return queryset


def _frame(rows, columns: list[str]) -> pd.DataFrame:
    """A frame of a `values_list` queryset's rows, read straight from the database cursor.

    Django would convert every value on the way (on SQLite it parses each datetime from its
    text, one by one), which costs more than the query at a report's size; pandas converts
    whole columns instead (`_utc`, `_bool`). The SQL is the queryset's own.
    """
    if isinstance(rows, QuerySet):
        sql, params = rows.query.sql_with_params()
        with connections[rows.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    return pd.DataFrame.from_records(list(rows), columns=columns)


def _utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Datetime columns as UTC timestamps, whether the driver gave aware datetimes or SQLite's UTC text."""
    for column in columns:
        values = frame[column]
        present = values.dropna()
        text = len(present) and isinstance(present.iloc[0], str)
        frame[column] = pd.to_datetime(values, utc=True, format="ISO8601" if text else None, cache=False)
    return frame


def _name(field: str) -> str:
    return f"{field}__text" if connection.vendor == "sqlite" else field


def _names(columns: list[str], dates) -> list[str]:
    return [_name(c) if c in dates else c for c in columns]


def _with_text_dates(queryset: QuerySet, *fields: str) -> QuerySet:
    """On SQLite, datetime columns read as their text (parsed by pandas, a column at a time) instead of
    through the sqlite3 module's per-value converter. Select them as `_name(field)`."""
    if connection.vendor != "sqlite":
        return queryset
    return queryset.annotate(**{_name(f): Cast(f, TextField()) for f in fields})


def _bool(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].astype(bool)
    return frame


def _decimal(value) -> Decimal:
    """A decimal column's value as Decimal (SQLite hands back floats): money keeps its 3 decimals."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(Decimal("0.001"))


# --------------------------------------------------------------------------- tickets


def relevant_tickets(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> QuerySet:
    """Tickets that matter to a report over [since, until): opened before `until` and not closed before `since`.

    CLOSED is final, so a ticket closed before `since` can change nothing in the period.

    The rows come through `maint_ticket_closed` (the open ones, then those closed since `since`: a few
    quarters' worth). `opened_at < until` is almost every ticket for a recent quarter, yet SQLite's
    planner prefers its index to the two-index OR and walks the whole table that way (0.28 s against
    0.07 s at 100,000 tickets, bench/reports.py); on SQLite the condition is therefore written on
    `+opened_at` (unary plus: the same value, not indexable), so only the OR is left for the index.
    PostgreSQL plans the OR through `maint_ticket_closed` by itself (tests/integration/test_pg_plans.py).
    """
    tickets = scope.apply(Ticket.objects.all()).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
    if connection.vendor == "sqlite":
        opened = Func(F("opened_at"), template="+%(expressions)s", output_field=DateTimeField())
        return tickets.alias(opened_unindexed=opened).filter(opened_unindexed__lt=until)
    return tickets.filter(opened_at__lt=until)


TICKET_COLUMNS = [
    "id", "number", "school_id", "category", "type", "source", "priority", "assigned_to_id", "opened_at",
    "resolved_at", "closed_at", "first_response_at", "sla_policy_id",
]  # fmt: skip


def ticket_frame(tickets: QuerySet) -> pd.DataFrame:
    dates = ("opened_at", "resolved_at", "closed_at", "first_response_at")
    rows = _with_text_dates(tickets.order_by(), *dates).values_list(*_names(TICKET_COLUMNS, dates))
    return _utc(_frame(rows, TICKET_COLUMNS), *dates)


#: Ids per query when a list of ids is sent (well below SQLite's 32,766 variables).
CHUNK = 10_000


def _ids(values) -> list[int]:
    """The distinct ids among `values` (None and NaN left out), sorted; a column at a time, not a call per value."""
    series = pd.Series(values, dtype=None if len(values) else "float64")
    return sorted(set(series[series.notna()].astype("int64").tolist()))


def _chunks(ids) -> list[list[int]]:
    ids = _ids(ids)
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class InIds(Func):
    """`field IN (ids)` with the ids bound as one parameter: a JSON array read by `json_each` on SQLite, an
    array (`= ANY`, what PostgreSQL makes of an IN list anyway) on PostgreSQL. The same rows and the same
    index walk as `field__in=ids`, without Django preparing and the driver binding 10,000 parameters one by
    one (0.1 s of a quarter's report at 100,000 tickets)."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: list[int]):
        super().__init__(F(field))
        self.ids = [int(i) for i in ids]

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", [*params, self.ids]
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.ids)]


def status_history_frame(ticket_ids) -> pd.DataFrame:
    """(ticket_id, at, seq, status): every status the tickets entered, from their timelines.

    By explicit ids (the tickets already read), so each chunk is one walk of the (ticket, at) index.
    """
    columns = ["ticket_id", "at", "seq", "status"]
    frames = []
    for chunk in _chunks(ticket_ids):
        rows = (
            _with_text_dates(TicketEntry.objects.filter(InIds("ticket_id", chunk), kind__in=STATUS_ENTRY_KINDS), "at")
            .annotate(to_status=KT("data__to"))
            .order_by()
            .values_list("ticket_id", _name("at"), "id", "to_status")
        )
        chunk_frame = _frame(rows, columns)
        if len(chunk_frame):
            frames.append(chunk_frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else _frame([], columns))
    frame = frame[frame["status"].isin(TicketStatus.values())].copy()
    return _utc(frame, "at")


def staff_reply_frame(ticket_ids) -> pd.DataFrame:
    """(ticket_id, first_reply): the first public reply by the department's staff, for the given tickets.

    The caller passes only tickets without `first_response_at`: the services stamp it at the first
    staff reply, so the timeline is read only for tickets older than that column.
    """
    staff = Q(author__is_superuser=True) | Q(author__profile__role__in=[Role.IT_HEAD, Role.TECHNICIAN])
    rows: list = []
    for chunk in _chunks(ticket_ids):
        rows += (
            TicketEntry.objects.filter(InIds("ticket_id", chunk), kind=EntryKind.COMMENT, public=True)
            .filter(staff)
            .order_by()
            .values("ticket_id")
            .annotate(first_reply=Min("at"))
            .values_list("ticket_id", "first_reply")
        )
    return _utc(_frame(rows, ["ticket_id", "first_reply"]), "first_reply")


def feedback_frame(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    tickets = scope.apply(Ticket.objects.all()).order_by().values("pk")
    rows = (
        TicketFeedback.objects.filter(ticket__in=tickets, at__gte=since, at__lt=until)
        .order_by()
        .values_list("ticket_id", "kind", "rating", "at")
    )
    return _utc(_frame(rows, ["ticket_id", "kind", "rating", "at"]), "at")


def sla_policy_frame() -> pd.DataFrame:
    rows = list(SlaPolicy.objects.order_by().values_list("id", "priority", "category", "resolve_hours", "active"))
    frame = _frame(rows, ["id", "priority", "category", "resolve_hours", "active"])
    # Hours with two decimals are whole seconds (0.01 h = 36 s): exact, as the SLA clocks count.
    frame["resolve_seconds"] = [int(h * 3600) for h in frame["resolve_hours"]]
    return frame


def fault_ticket_assets_frame(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """(ticket_id, asset_id, tag, name, school_id, opened_at): assets named by fault tickets opened in the period."""
    tickets = scope.apply(Ticket.objects.all()).filter(type=TicketType.FAULT, opened_at__gte=since, opened_at__lt=until)
    rows = (
        Ticket.assets.through.objects.filter(ticket__in=tickets.order_by().values("pk"))
        .order_by()
        .values_list(
            "ticket_id", "asset_id", "asset__asset_tag", "asset__name", "asset__school_id", "ticket__opened_at"
        )
    )
    frame = _frame(rows, ["ticket_id", "asset_id", "asset_tag", "asset_name", "school_id", "opened_at"])
    return _utc(frame, "opened_at")


# --------------------------------------------------------------------------- places and people


def school_list(scope: Scope) -> list[School]:
    return list(
        scope.apply(School.objects.all()).only(
            "id", "code", "name_ar", "name_en", "directorate_id", "working_days", "day_start", "day_end"
        )
    )


def holiday_list(since: dt.datetime | dt.date) -> list[Holiday]:
    return list(
        Holiday.objects.filter(holidays_between(since, None)).only(
            "start_date", "end_date", "school_id", "directorate_id"
        )
    )


def user_names(ids) -> dict[int, str]:
    ids = _ids(ids)
    if not ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=ids).values_list("pk", "username", "first_name", "last_name")
    return {pk: (f"{first} {last}".strip() or username) for pk, username, first, last in rows}


# --------------------------------------------------------------------------- monitoring


TARGET_COLUMNS = [
    "id", "address", "enabled", "created", "asset_id", "asset__asset_tag", "asset__name", "asset__school_id",
    "asset__asset_model__category", "circuit_id", "circuit__cid",
]  # fmt: skip


def target_frame(scope: Scope) -> pd.DataFrame:
    rows = scope.apply(Target.objects.all()).order_by().values_list(*TARGET_COLUMNS)
    frame = _bool(_frame(rows, TARGET_COLUMNS), "enabled").rename(
        columns={
            "asset__asset_tag": "asset_tag",
            "asset__name": "asset_name",
            "asset__school_id": "school_id",
            "asset__asset_model__category": "device_class",
            "circuit__cid": "circuit",
        }
    )
    return _utc(frame, "created")


def outage_frame(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    """The devices' own outages (not those suppressed behind a failed parent) overlapping [since, until)."""
    rows = (
        scope.apply(Outage.objects.all())
        .filter(Q(end__isnull=True) | Q(end__gt=since), cause=OutageCause.OWN, start__lt=until)
        .order_by()
    )
    rows = _with_text_dates(rows, "start", "end").values_list(
        "id", "target_id", "check_name", "context", _name("start"), _name("end"), "ticket_id"
    )
    frame = _frame(rows, ["id", "target_id", "check_name", "context", "start", "end", "ticket_id"])
    # The ticket numbers in a second query, by primary key: joining the outages to the tickets
    # made PostgreSQL hash the whole ticket table (bench/RESULTS.md) for the few outages that opened one.
    numbers = ticket_numbers(frame["ticket_id"])
    frame["ticket_number"] = pd.Series(
        [numbers.get(int(i)) if pd.notna(i) else None for i in frame["ticket_id"]], index=frame.index, dtype=object
    )
    return _utc(frame, "start", "end")


def ticket_numbers(ticket_ids) -> dict[int, str]:
    """{ticket id: number} of the given ticket ids (None and NaN skipped), read by primary key."""
    numbers: dict[int, str] = {}
    for chunk in _chunks(ticket_ids):
        numbers.update(Ticket.objects.filter(InIds("pk", chunk)).order_by().values_list("pk", "number"))
    return numbers


# --------------------------------------------------------------------------- corrective actions and parts


def current_actions(scope: Scope) -> QuerySet:
    """Corrective actions in their current version: the rows no other row corrects."""
    return scope.apply(CorrectiveAction.objects.all()).filter(corrections__isnull=True)


ACTION_COLUMNS = [
    "id", "ticket_id", "ticket__number", "ticket__school_id", "asset__asset_tag", "technician_id", "action_type",
    "outcome", "started_at", "ended_at",
]  # fmt: skip


def action_frame(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    dates = ("started_at", "ended_at")
    rows = _with_text_dates(
        current_actions(scope).filter(started_at__gte=since, started_at__lt=until).order_by(), *dates
    ).values_list(*_names(ACTION_COLUMNS, dates))
    frame = _frame(rows, ACTION_COLUMNS).rename(
        columns={"ticket__number": "ticket_number", "ticket__school_id": "school_id", "asset__asset_tag": "asset_tag"}
    )
    return _utc(frame, "started_at", "ended_at")


def action_count(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> int:
    return current_actions(scope).filter(started_at__gte=since, started_at__lt=until).count()


def outage_ticket_actions_frame(outages: QuerySet | None, ticket_ids) -> pd.DataFrame:
    """(ticket_id, action_type, started_at) of the current actions on the tickets the outages opened."""
    ids = _ids(ticket_ids)
    if not ids:
        return pd.DataFrame(columns=["ticket_id", "action_type", "started_at"])
    # The ids are bounded by the outages of two quarters; chunk them below SQLite's variable limit.
    rows: list = []
    for i in range(0, len(ids), 10_000):
        rows += (
            CorrectiveAction.objects.filter(ticket_id__in=ids[i : i + 10_000], corrections__isnull=True)
            .order_by()
            .values_list("ticket_id", "action_type", "started_at")
        )
    return _utc(_frame(rows, ["ticket_id", "action_type", "started_at"]), "started_at")


def part_usage_frame(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> pd.DataFrame:
    actions = current_actions(scope).filter(started_at__gte=since, started_at__lt=until).order_by().values("pk")
    rows = (
        PartUsage.objects.filter(action__in=actions)
        .order_by()
        .values_list("action_id", "part_id", "part__code", "part__name", "quantity", "unit_cost")
    )
    frame = _frame(rows, ["action_id", "part_id", "part_code", "part_name", "quantity", "unit_cost"])
    frame["unit_cost"] = [_decimal(c) for c in frame["unit_cost"]]
    frame["cost"] = [int(q) * c for q, c in zip(frame["quantity"], frame["unit_cost"], strict=True)]
    return frame


def parts_spent(scope: Scope, *, since: dt.datetime, until: dt.datetime) -> Decimal:
    """What the parts of current actions started in [since, until) cost (unit cost at the time of use)."""
    actions = current_actions(scope).filter(started_at__gte=since, started_at__lt=until).order_by().values("pk")
    cost = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=16, decimal_places=3))
    total = PartUsage.objects.filter(action__in=actions).aggregate(total=Sum(cost))["total"]
    return Decimal(total or 0).quantize(Decimal("0.001"))


def part_budget(year: int) -> Decimal | None:
    amount = PartBudget.objects.filter(year=year).values_list("amount", flat=True).first()
    return None if amount is None else Decimal(amount)
