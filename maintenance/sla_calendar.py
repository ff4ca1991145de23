"""`WorkCalendar`s from the database: a school's week and hours, and the holidays that apply to it.

Which holidays apply is decided here once, for the SLA clocks, the reports and the poller
(`netmon.calendar`): a national holiday (no directorate, no school) applies everywhere, a
directorate's to its schools and its office, a school's only to that school.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from assets.choices import DEFAULT_WORKING_DAYS
from assets.models import Directorate, Holiday, School
from maintenance.sla import WorkCalendar, holiday_dates


def _day(moment: dt.datetime | dt.date) -> dt.date:
    if isinstance(moment, dt.datetime):
        return timezone.localdate(moment, timezone.get_default_timezone())
    return moment


def holiday_applies(holiday: Holiday, school: School | None, directorate: Directorate | None = None) -> bool:
    """Does `holiday` close `school` — or, without a school, the office of `directorate` (or every office)?"""
    if school is not None:
        if holiday.school_id is not None:
            return holiday.school_id == school.pk
        return holiday.directorate_id is None or holiday.directorate_id == school.directorate_id
    if holiday.school_id is not None:
        return False
    return holiday.directorate_id is None or (directorate is not None and holiday.directorate_id == directorate.pk)


def holidays_between(start: dt.datetime | dt.date, end: dt.datetime | dt.date | None) -> Q:
    """Holidays with a day in [start, end] (local dates); end None: from start on, with no end."""
    query = Q(end_date__gte=_day(start))
    if end is not None:
        query &= Q(start_date__lte=_day(end))
    return query


def work_calendar(
    school: School | None, holidays: Iterable[Holiday], *, directorate: Directorate | None = None
) -> WorkCalendar:
    """The calendar of `school` (or of a directorate's office) from already loaded holiday rows.

    A school brings its own working days and hours; an office keeps the defaults of a
    school (Sunday–Thursday, 07:30–14:30) — the same defaults `School` starts with.
    """
    ranges = tuple((h.start_date, h.end_date) for h in holidays if holiday_applies(h, school, directorate))
    tz = timezone.get_default_timezone()
    if school is None:
        return _calendar(
            tz,
            frozenset(DEFAULT_WORKING_DAYS),
            School._meta.get_field("day_start").default,
            School._meta.get_field("day_end").default,
            ranges,
        )
    return _calendar(tz, frozenset(school.working_days), school.day_start, school.day_end, ranges)


@functools.lru_cache(maxsize=256)
def _calendar(tz, working_days: frozenset[int], day_start: dt.time, day_end: dt.time, ranges: tuple) -> WorkCalendar:
    """One calendar per distinct definition: most schools share one, and a page of tickets reads dozens of schools
    (a calendar is immutable, and this is a pure function of its arguments)."""
    return WorkCalendar(
        tz=tz, working_days=working_days, day_start=day_start, day_end=day_end, holidays=holiday_dates(ranges)
    )


def calendar_for(
    school: School | None = None,
    *,
    start: dt.datetime | dt.date,
    end: dt.datetime | dt.date | None,
    directorate: Directorate | None = None,
) -> WorkCalendar:
    """One school's calendar (or a directorate office's, or with neither the national one) in one query.

    Holidays are loaded for the local days from `start` to `end`. A due time computed past
    `end` would not see the holidays after it: pass the furthest moment you will ask about,
    or `end=None` to load every holiday from `start` on (there are a few dozen a year).
    """
    if school is not None and directorate is not None and school.directorate_id != directorate.pk:
        raise ValueError("the school belongs to another directorate")
    rows = Holiday.objects.filter(holidays_between(start, end)).only(
        "start_date", "end_date", "school_id", "directorate_id"
    )
    return work_calendar(school, rows, directorate=directorate)


def calendars_for(
    schools: Iterable[School], *, start: dt.datetime | dt.date, end: dt.datetime | dt.date | None
) -> dict[int, WorkCalendar]:
    """Calendars of many schools by school id, from one query (for reports over many tickets)."""
    rows = list(
        Holiday.objects.filter(holidays_between(start, end)).only(
            "start_date", "end_date", "school_id", "directorate_id"
        )
    )
    return {school.pk: work_calendar(school, rows) for school in schools}
