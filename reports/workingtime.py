"""Working time over many moments at once: the vectorised twin of `maintenance.sla.working_seconds`.

`maintenance.sla` defines working time (a school's working weekdays, its working window per
day on the local wall clock, whole-day holidays): each moment has a position on an axis of
working time, and the working seconds of [a, b) are position(b) − position(a), floored to
whole seconds. A report measures hundreds of thousands of intervals, so this module computes
the same positions for a whole array of moments with numpy — per moment a few integer
operations and one binary search among the holidays, no Python loop — from the calendar's
public fields only (`tz`, `working_days`, `day_start`, `day_end`, `holidays`).

It is not a second definition: tests/reports/test_workingtime.py checks, with hypothesis,
that `working_seconds_between` equals `maintenance.sla.working_seconds` to the second for
random calendars, zones with and without daylight saving, and random moments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from maintenance.sla import WorkCalendar

US = 1_000_000
US_PER_DAY = 86_400 * US
#: date.toordinal() of 1970-01-01: numpy's day numbers count from there, ordinals from 0001-01-01 (= 1).
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _time_us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US + t.microsecond


class _Axis:
    """The constants of one calendar's working-time axis, in numpy form."""

    def __init__(self, calendar: WorkCalendar) -> None:
        days = sorted(calendar.working_days)
        self.tz = calendar.tz
        self.per_week = len(days)
        # prefix[r]: working weekdays among the first r days of a week that starts on Monday
        self.prefix = np.array([sum(1 for d in days if d < r) for r in range(8)], dtype=np.int64)
        self.working = np.zeros(7, dtype=bool)
        self.working[days] = True
        self.start_us = _time_us(calendar.day_start)
        # day_end 00:00 is the midnight that ends the day (24:00), as in maintenance.sla
        self.end_us = _time_us(calendar.day_end) or US_PER_DAY
        self.day_us = self.end_us - self.start_us
        # holidays that fall on working weekdays (the others change nothing), sorted
        ords = sorted(h.toordinal() for h in calendar.holidays if h.weekday() in calendar.working_days)
        self.holiday_ords = np.array(ords, dtype=np.int64)


_AXES: dict[WorkCalendar, _Axis] = {}


def _axis(calendar: WorkCalendar) -> _Axis:
    axis = _AXES.get(calendar)
    if axis is None:
        if len(_AXES) > 256:
            _AXES.clear()
        axis = _AXES[calendar] = _Axis(calendar)
    return axis


def _as_utc_index(moments) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(moments)
    if index.tz is None:
        raise ValueError("working time needs aware moments")
    return index.tz_convert("UTC")


def positions(calendar: WorkCalendar, moments) -> np.ndarray:
    """Microseconds of working time from the start of the axis to each moment (int64; NaT → -1).

    `moments` is anything pandas reads as aware datetimes (a Series, an array, a list).
    """
    axis = _axis(calendar)
    index = _as_utc_index(moments)
    missing = np.asarray(index.isna())
    # the local wall clock, as naive microseconds since 1970-01-01
    wall = index.tz_convert(axis.tz).tz_localize(None).to_numpy(dtype="datetime64[us]").astype(np.int64)
    wall = np.where(missing, 0, wall)
    day, of_day = np.divmod(wall, US_PER_DAY)
    ordinal = day + _EPOCH_ORDINAL
    weeks, weekday = np.divmod(ordinal - 1, 7)  # ordinal 1 (0001-01-01) is a Monday
    holidays_before = np.searchsorted(axis.holiday_ords, ordinal, side="left")
    working_days_before = weeks * axis.per_week + axis.prefix[weekday] - holidays_before
    is_holiday = np.zeros(len(ordinal), dtype=bool)
    if len(axis.holiday_ords):
        found = np.minimum(holidays_before, len(axis.holiday_ords) - 1)
        is_holiday = axis.holiday_ords[found] == ordinal
    working_day = axis.working[weekday] & ~is_holiday
    within = np.clip(of_day, axis.start_us, axis.end_us) - axis.start_us
    result = working_days_before * axis.day_us + np.where(working_day, within, 0)
    return np.where(missing, -1, result)


def working_seconds_between(calendar: WorkCalendar, starts, ends) -> np.ndarray:
    """Whole seconds of working time in each [start, end); 0 where end is not after start or either is missing."""
    start_index, end_index = _as_utc_index(starts), _as_utc_index(ends)
    a, b = positions(calendar, start_index), positions(calendar, end_index)
    valid = (a >= 0) & (b >= 0) & np.asarray(end_index > start_index)
    return np.where(valid, np.maximum(b - a, 0) // US, 0)


def working_seconds_by_calendar(calendars: pd.Series, starts: pd.Series, ends: pd.Series) -> np.ndarray:
    """Working seconds of [starts[i], ends[i]) on calendars[i]: one vectorised pass per distinct calendar.

    A directorate's schools share a handful of calendars (same week, hours and holidays), and
    `WorkCalendar` compares by value, so the passes are few whatever the number of schools.
    """
    result = np.zeros(len(starts), dtype=np.int64)
    if not len(starts):
        return result
    codes, uniques = pd.factorize(calendars, sort=False)
    for code, calendar in enumerate(uniques):
        rows = np.flatnonzero(codes == code)
        result[rows] = working_seconds_between(calendar, starts.iloc[rows], ends.iloc[rows])
    return result


@dataclass
class Calendars:
    """The distinct calendars of a report's schools, each with a small integer code.

    Rows carry the code of their school's calendar (a plain integer column), so measuring a
    column of intervals is one vectorised pass per distinct calendar — schools sharing a week,
    hours and holidays share a code — with no per-row hashing of calendar objects.
    """

    office: int = 0
    by_school: dict[int, int] = field(default_factory=dict)
    calendars: list[WorkCalendar] = field(default_factory=list)

    @classmethod
    def build(cls, schools: Iterable[tuple[int, WorkCalendar]], office: WorkCalendar) -> Calendars:
        codes: dict[WorkCalendar, int] = {office: 0}
        by_school = {pk: codes.setdefault(calendar, len(codes)) for pk, calendar in schools}
        return cls(office=0, by_school=by_school, calendars=list(codes))

    def codes(self, school_ids: pd.Series) -> np.ndarray:
        """The calendar code of each school id (the office's where there is no school)."""
        return school_ids.map(self.by_school).fillna(self.office).astype(np.int64).to_numpy()

    def seconds(self, codes, starts, ends) -> np.ndarray:
        """Working seconds of [starts[i], ends[i]) on calendar codes[i]."""
        codes = np.asarray(codes, dtype=np.int64)
        start_index, end_index = _as_utc_index(starts), _as_utc_index(ends)
        result = np.zeros(len(codes), dtype=np.int64)
        for code in np.unique(codes):
            rows = np.flatnonzero(codes == code)
            result[rows] = working_seconds_between(self.calendars[code], start_index[rows], end_index[rows])
        return result
