"""Calendars from the database (maintenance.sla_calendar): whose holidays, which hours, which zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from assets.models import Directorate, Holiday, School
from maintenance.sla import DEFAULT_WORKING_DAYS, WorkCalendar, working_seconds
from maintenance.sla_calendar import calendar_for, calendars_for
from netmon.calendar import Calendar

pytestmark = pytest.mark.django_db

AMMAN = ZoneInfo("Asia/Amman")
START = datetime(2030, 1, 1, tzinfo=AMMAN)
END = datetime(2030, 12, 31, tzinfo=AMMAN)


def day(month: int, dom: int) -> date:
    return date(2030, month, dom)


@pytest.fixture
def far_school(db) -> School:
    elsewhere = Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد")
    return School.objects.create(directorate=elsewhere, code="210001", name_ar="مدرسة إربد الأولى")


@pytest.fixture
def holidays(directorate, school, other_school, far_school):
    def add(name, first, last, **scope):
        return Holiday.objects.create(name=name, start_date=first, end_date=last, **scope)

    return {
        "national": add("national", day(5, 1), day(5, 1)),
        "directorate": add("directorate", day(2, 10), day(2, 11), directorate=directorate),
        "school": add("school", day(3, 3), day(3, 3), school=school),
        # a school's holiday with its directorate named as well
        "school+directorate": add("school+directorate", day(3, 5), day(3, 5), school=school, directorate=directorate),
        "other school": add("other school", day(4, 1), day(4, 2), school=other_school),
        "elsewhere": add("elsewhere", day(6, 1), day(6, 1), directorate=far_school.directorate),
        "next year": add("next year", date(2031, 1, 5), date(2031, 1, 6)),
        "last year": add("last year", date(2029, 12, 30), date(2030, 1, 1)),  # reaches into the window
    }


def dates(*pairs) -> frozenset[date]:
    return frozenset(day(m, d) for m, d in pairs)


# "last year" runs from 30 December 2029 into the window: all its days come with it
LAST_YEAR = frozenset({date(2029, 12, 30), date(2029, 12, 31), date(2030, 1, 1)})


def test_a_schools_calendar_has_the_holidays_that_close_it_and_its_own_hours(holidays, school):
    school.working_days = [0, 1, 2, 3, 4]
    school.day_start, school.day_end = time(8), time(13)
    school.save()
    calendar = calendar_for(school, start=START, end=END)
    assert calendar.holidays == LAST_YEAR | dates((5, 1), (2, 10), (2, 11), (3, 3), (3, 5))
    assert calendar.working_days == frozenset({0, 1, 2, 3, 4})
    assert (calendar.day_start, calendar.day_end) == (time(8), time(13))
    assert calendar.tz == ZoneInfo(settings.TIME_ZONE)


def test_an_office_calendar_has_national_and_directorate_holidays_but_no_schools(holidays, directorate):
    office = calendar_for(directorate=directorate, start=START, end=END)
    assert office.holidays == LAST_YEAR | dates((5, 1), (2, 10), (2, 11))
    national = calendar_for(start=START, end=END)
    assert national.holidays == LAST_YEAR | dates((5, 1))
    # the office keeps a school's defaults
    assert national.working_days == DEFAULT_WORKING_DAYS
    assert (national.day_start, national.day_end) == (time(7, 30), time(14, 30))


def test_only_holidays_in_the_window_are_loaded_unless_it_is_open_ended(holidays, school):
    march = calendar_for(school, start=day(3, 1), end=day(3, 31))
    assert march.holidays == dates((3, 3), (3, 5))
    # local days: 23:00 UTC on 28 Feb is already 1 March in Amman
    from_utc = calendar_for(school, start=datetime(2030, 2, 28, 23, tzinfo=ZoneInfo("UTC")), end=day(3, 3))
    assert from_utc.holidays == dates((3, 3))
    onwards = calendar_for(start=day(12, 1), end=None)
    assert onwards.holidays == {date(2031, 1, 5), date(2031, 1, 6)}


def test_a_school_of_another_directorate_is_refused(far_school, directorate):
    with pytest.raises(ValueError, match="another directorate"):
        calendar_for(far_school, directorate=directorate, start=START, end=END)


def test_many_schools_calendars_come_from_one_query(
    holidays, school, other_school, far_school, django_assert_num_queries
):
    with django_assert_num_queries(1):
        calendars = calendars_for([school, other_school, far_school], start=START, end=END)
    assert calendars[school.pk] == calendar_for(school, start=START, end=END)
    assert calendars[other_school.pk].holidays == LAST_YEAR | dates((5, 1), (2, 10), (2, 11), (4, 1), (4, 2))
    assert calendars[far_school.pk].holidays == LAST_YEAR | dates((5, 1), (6, 1))


def test_the_clock_stands_still_on_the_schools_holiday_only(holidays, school, other_school):
    # Sunday 3 March 2030 is a holiday of `school` alone: a whole working day for the other one
    thursday, monday = datetime(2030, 2, 28, 14, tzinfo=AMMAN), datetime(2030, 3, 4, 8, tzinfo=AMMAN)
    assert (thursday.weekday(), monday.weekday()) == (3, 0)
    ours = calendar_for(school, start=thursday, end=monday)
    theirs = calendar_for(other_school, start=thursday, end=monday)
    assert working_seconds(ours, thursday, monday) == 30 * 60 + 30 * 60
    assert working_seconds(theirs, thursday, monday) == 30 * 60 + 7 * 3600 + 30 * 60


def test_the_poller_sees_the_same_school_calendar(holidays, school, other_school):
    batch = Calendar(START, END)
    for each in (school, other_school):
        assert batch.school_calendar(each) == calendar_for(each, start=START, end=END)
    assert isinstance(batch.school_calendar(school), WorkCalendar)
