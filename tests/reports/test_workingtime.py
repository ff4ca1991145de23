"""reports.workingtime is maintenance.sla.working_seconds over arrays: the same numbers, to the second."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from maintenance.sla import WorkCalendar, working_seconds
from reports.workingtime import positions, working_seconds_between, working_seconds_by_calendar

ZONES = [
    ZoneInfo("Asia/Amman"),
    ZoneInfo("Europe/London"),
    ZoneInfo("America/New_York"),
    ZoneInfo("UTC"),
    ZoneInfo("Asia/Riyadh"),
]

BASE = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


@st.composite
def calendars(draw) -> WorkCalendar:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start_minutes = draw(st.integers(0, 22 * 60))
    end_minutes = draw(st.one_of(st.just(0), st.integers(start_minutes + 1, 24 * 60 - 1)))
    holidays = draw(st.frozensets(st.dates(dt.date(2020, 12, 1), dt.date(2024, 3, 1)), max_size=20))
    return WorkCalendar(
        tz=draw(st.sampled_from(ZONES)),
        working_days=days,
        day_start=dt.time(start_minutes // 60, start_minutes % 60),
        day_end=dt.time(end_minutes // 60, end_minutes % 60),
        holidays=holidays,
    )


moments = st.integers(0, 3 * 366 * 86_400 * 1_000_000).map(lambda us: BASE + dt.timedelta(microseconds=us))


@settings(max_examples=300, deadline=None)
@given(calendars(), st.lists(st.tuples(moments, moments), min_size=1, max_size=30))
def test_it_agrees_with_maintenance_sla_to_the_second(calendar, pairs):
    starts = [a for a, _ in pairs]
    ends = [b for _, b in pairs]
    ours = working_seconds_between(calendar, starts, ends)
    theirs = [working_seconds(calendar, a, b) for a, b in pairs]
    assert ours.tolist() == theirs


def test_it_counts_a_school_day_in_amman_across_midnight_utc():
    amman = ZoneInfo("Asia/Amman")
    calendar = WorkCalendar(tz=amman, holidays=frozenset({dt.date(2025, 3, 20)}))
    # Wednesday 19 March 2025 14:00 to Sunday 23 March 09:00, Amman: 30 min Wednesday, Thursday is a
    # holiday, Friday and Saturday are off, 1 h 30 on Sunday.
    start = dt.datetime(2025, 3, 19, 14, 0, tzinfo=amman)
    end = dt.datetime(2025, 3, 23, 9, 0, tzinfo=amman)
    assert working_seconds_between(calendar, [start], [end]).tolist() == [2 * 3600]
    assert working_seconds(calendar, start, end) == 2 * 3600


def test_missing_moments_count_nothing():
    calendar = WorkCalendar(tz=ZoneInfo("Asia/Amman"))
    start = pd.Series([pd.Timestamp("2025-03-19 08:00", tz="Asia/Amman"), pd.NaT], dtype="datetime64[ns, UTC]")
    end = pd.Series([pd.NaT, pd.Timestamp("2025-03-19 09:00", tz="Asia/Amman")], dtype="datetime64[ns, UTC]")
    assert working_seconds_between(calendar, start, end).tolist() == [0, 0]
    assert positions(calendar, start)[1] == -1


def test_by_calendar_uses_each_rows_calendar():
    amman = ZoneInfo("Asia/Amman")
    school = WorkCalendar(tz=amman)
    late = WorkCalendar(tz=amman, day_start=dt.time(12), day_end=dt.time(18))
    start = dt.datetime(2025, 3, 19, 7, 0, tzinfo=amman)
    end = dt.datetime(2025, 3, 19, 13, 0, tzinfo=amman)
    result = working_seconds_by_calendar(
        pd.Series([school, late, school]), pd.Series([start] * 3), pd.Series([end] * 3)
    )
    assert result.tolist() == [int(5.5 * 3600), 3600, int(5.5 * 3600)]
    assert isinstance(result, np.ndarray)


def test_it_is_fast_for_a_quarter_of_tickets():
    import time

    calendar = WorkCalendar(tz=ZoneInfo("Asia/Amman"), holidays=frozenset({dt.date(2025, 1, 1)}))
    rng = np.random.default_rng(1)
    start = pd.Series(pd.to_datetime(rng.integers(1.735e18, 1.74e18, 200_000), utc=True))
    end = start + pd.to_timedelta(rng.integers(0, 30 * 86_400, 200_000), unit="s")
    t0 = time.perf_counter()
    working_seconds_between(calendar, start, end)
    assert time.perf_counter() - t0 < 0.5
