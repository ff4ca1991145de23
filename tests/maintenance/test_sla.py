"""Working time and SLA clocks (maintenance.sla): plain Python, no database.

March 2026 in Amman, the dates the examples use: Sun 1, Wed 4, Thu 5, Fri 6, Sat 7, Sun 8,
Mon 9, Tue 10. The school week is Sunday–Thursday, 07:30–14:30 (7 h = 25,200 s).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from maintenance import sla
from maintenance.sla import (
    WorkCalendar,
    add_working_time,
    first_response_at,
    holiday_dates,
    ticket_sla,
    working_seconds,
)

AMMAN = ZoneInfo("Asia/Amman")
HOUR = 3600
DAY = 7 * HOUR  # one school day of working time
SCHOOL = WorkCalendar(tz=AMMAN)


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=AMMAN)


def reference_seconds(calendar: WorkCalendar, start: datetime, end: datetime) -> int:
    """The obvious day-by-day overlap, written apart from the module's axis arithmetic."""
    if end <= start:
        return 0
    start, end = start.astimezone(calendar.tz), end.astimezone(calendar.tz)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if day.weekday() in calendar.working_days and day not in calendar.holidays:
            opens = datetime.combine(day, calendar.day_start, tzinfo=calendar.tz)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.tz)
                if calendar.day_end == time(0)
                else datetime.combine(day, calendar.day_end, tzinfo=calendar.tz)
            )
            low, high = max(opens, start), min(closes, end)
            if high > low:
                total += high - low
        day += timedelta(days=1)
    return total // timedelta(seconds=1)


# -- the module stays pure and agrees with the models ------------------------------------


def test_it_imports_no_django():
    root = Path(__file__).resolve().parents[2]
    code = "import maintenance.sla, sys; assert not any(m.startswith('django') for m in sys.modules), 'django'"
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_its_statuses_and_defaults_are_the_models_ones():
    from assets.choices import DEFAULT_WORKING_DAYS
    from assets.models import School
    from maintenance.choices import TicketStatus

    known = {sla.NEW, sla.ASSIGNED, sla.IN_PROGRESS, sla.ON_HOLD, sla.RESOLVED, sla.CLOSED, sla.REOPENED}
    # A new ticket status needs a decision here: does it pause, stop or run the clocks?
    assert set(TicketStatus.values()) == known
    assert sla.AWAITING_RESPONSE | sla.PAUSED | sla.STOPPED <= known
    assert sla.DEFAULT_WORKING_DAYS == frozenset(DEFAULT_WORKING_DAYS)
    assert sla.DEFAULT_DAY_START == School._meta.get_field("day_start").default
    assert sla.DEFAULT_DAY_END == School._meta.get_field("day_end").default


# -- WorkCalendar ---------------------------------------------------------------------------


def test_a_calendar_refuses_what_cannot_be_a_working_week():
    with pytest.raises(ValueError, match="working_days"):
        WorkCalendar(tz=AMMAN, working_days=frozenset())
    with pytest.raises(ValueError, match="working_days"):
        WorkCalendar(tz=AMMAN, working_days=frozenset({7}))
    with pytest.raises(ValueError, match="end after it starts"):
        WorkCalendar(tz=AMMAN, day_start=time(14, 30), day_end=time(7, 30))
    with pytest.raises(ValueError, match="end after it starts"):
        WorkCalendar(tz=AMMAN, day_start=time(8), day_end=time(8))
    with pytest.raises(ValueError, match="wall-clock"):
        WorkCalendar(tz=AMMAN, day_start=time(8, tzinfo=UTC))
    with pytest.raises(ValueError, match="tzinfo"):
        WorkCalendar(tz="Asia/Amman")


def test_a_calendar_answers_about_days_and_moments():
    calendar = WorkCalendar(tz=AMMAN, holidays=holiday_dates([(date(2026, 3, 9), date(2026, 3, 10))]))
    assert calendar.is_working_day(date(2026, 3, 8))  # Sunday
    assert not calendar.is_working_day(date(2026, 3, 6))  # Friday
    assert not calendar.is_working_day(date(2026, 3, 9)) and calendar.is_holiday(date(2026, 3, 10))
    assert calendar.is_working_time(at(8, 7, 30)) and calendar.is_working_time(at(8, 14, 29, 59))
    assert not calendar.is_working_time(at(8, 14, 30)) and not calendar.is_working_time(at(8, 7, 29))
    assert calendar.is_working_time(datetime(2026, 3, 8, 4, 30, tzinfo=UTC))  # 07:30 in Amman
    assert not calendar.is_working_time(at(9, 10))  # a holiday
    assert calendar.day_seconds == DAY


def test_holiday_ranges_expand_to_every_day_of_them():
    days = holiday_dates([(date(2026, 3, 30), date(2026, 4, 2)), (date(2026, 4, 1), date(2026, 4, 1))])
    assert days == {date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2)}
    assert holiday_dates([]) == frozenset()


# -- working_seconds --------------------------------------------------------------------------


def test_thursday_afternoon_to_sunday_morning_skips_the_weekend():
    assert working_seconds(SCHOOL, at(5, 13), at(8, 9)) == 3 * HOUR  # 1.5 h Thursday + 1.5 h Sunday


def test_holidays_count_nothing_and_a_holiday_on_a_weekend_changes_nothing():
    without = working_seconds(SCHOOL, at(5, 13), at(10, 9))
    assert without == 1.5 * HOUR + 2 * DAY + 1.5 * HOUR
    eid = WorkCalendar(tz=AMMAN, holidays=holiday_dates([(date(2026, 3, 8), date(2026, 3, 9))]))
    assert working_seconds(eid, at(5, 13), at(10, 9)) == 3 * HOUR
    weekend = WorkCalendar(tz=AMMAN, holidays=holiday_dates([(date(2026, 3, 6), date(2026, 3, 7))]))
    assert working_seconds(weekend, at(5, 13), at(10, 9)) == without


def test_moments_outside_hours_count_from_the_next_opening():
    assert working_seconds(SCHOOL, at(6, 10), at(8, 8)) == 30 * 60  # from Friday
    assert working_seconds(SCHOOL, at(8, 6), at(8, 7, 30)) == 0  # before opening
    assert working_seconds(SCHOOL, at(8, 6), at(8, 14, 30)) == DAY
    assert working_seconds(SCHOOL, at(8, 15), at(9, 7, 45)) == 15 * 60  # after closing
    assert working_seconds(SCHOOL, at(8, 15), at(8, 23)) == 0


def test_partial_days_and_moments_in_other_zones():
    assert working_seconds(SCHOOL, at(8, 9, 15), at(8, 11, 45, 30)) == 2.5 * HOUR + 30
    # 04:30 UTC is 07:30 in Amman (UTC+3)
    assert working_seconds(SCHOOL, datetime(2026, 3, 8, 4, 30, tzinfo=UTC), at(8, 8, 30)) == HOUR


def test_an_end_before_the_start_or_at_it_is_zero():
    assert working_seconds(SCHOOL, at(8, 10), at(8, 9)) == 0
    assert working_seconds(SCHOOL, at(8, 10), at(8, 10)) == 0


def test_fractions_of_a_second_are_dropped():
    start = at(8, 9)
    assert working_seconds(SCHOOL, start, start + timedelta(seconds=1, microseconds=999_999)) == 1


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        working_seconds(SCHOOL, datetime(2026, 3, 8, 9), at(8, 10))
    with pytest.raises(ValueError, match="naive"):
        add_working_time(SCHOOL, datetime(2026, 3, 8, 9), 60)


def test_a_whole_year_and_several_years():
    # 2025 starts on a Wednesday: 52 full weeks of 5 school days and one more Wednesday.
    year = (at(1, 0, month=1, year=2025), at(1, 0, month=1, year=2026))
    assert working_seconds(SCHOOL, *year) == 261 * DAY
    # three days off from Sunday 2025-06-08 to Tuesday 2025-06-10, and a Friday that changes nothing
    off = holiday_dates([(date(2025, 6, 8), date(2025, 6, 10)), (date(2025, 6, 13), date(2025, 6, 13))])
    assert working_seconds(WorkCalendar(tz=AMMAN, holidays=off), *year) == 258 * DAY
    decade = (at(1, 0, month=1, year=2020), at(1, 0, month=1, year=2030))
    assert working_seconds(SCHOOL, *decade) == reference_seconds(SCHOOL, *decade)


def test_a_week_of_other_days_and_hours():
    office = WorkCalendar(tz=AMMAN, working_days=frozenset({0, 1, 2, 3, 4}), day_start=time(8), day_end=time(16))
    assert working_seconds(office, at(5, 15), at(9, 9)) == HOUR + 8 * HOUR + HOUR  # Thu 15–16, Fri, Mon 8–9


def test_around_the_clock_counts_every_hour():
    always = WorkCalendar.around_the_clock(AMMAN)
    assert working_seconds(always, at(5, 13), at(8, 13)) == 3 * 24 * HOUR
    assert add_working_time(always, at(6, 10), 24 * HOUR) == at(7, 10)
    assert add_working_time(always, at(6, 0), 24 * HOUR) == at(7, 0)


def test_a_working_day_keeps_its_wall_clock_length_across_a_clock_change():
    # London springs forward at 01:00 on 2024-03-31: that day has 23 real hours, 24 on the wall clock.
    london = ZoneInfo("Europe/London")
    always = WorkCalendar.around_the_clock(london)
    day = (datetime(2024, 3, 31, tzinfo=london), datetime(2024, 4, 1, tzinfo=london))
    assert (day[1] - day[0]).total_seconds() == 24 * HOUR  # what Python says of wall clocks too
    assert working_seconds(always, *day) == 24 * HOUR


# -- add_working_time -----------------------------------------------------------------------


def test_time_that_runs_out_with_the_day_ends_at_the_day_end():
    assert add_working_time(SCHOOL, at(5, 13, 30), HOUR) == at(5, 14, 30)  # not Sunday 07:30
    assert add_working_time(SCHOOL, at(5, 13, 30), HOUR + 1) == at(8, 7, 30, 1)
    assert add_working_time(SCHOOL, at(5, 13, 30), 2 * HOUR) == at(8, 8, 30)


def test_from_outside_hours_the_time_starts_at_the_next_opening():
    assert add_working_time(SCHOOL, at(6, 10), DAY) == at(8, 14, 30)
    assert add_working_time(SCHOOL, at(8, 5), 60) == at(8, 7, 31)
    assert add_working_time(SCHOOL, at(8, 20), 60) == at(9, 7, 31)


def test_holidays_push_the_due_time_past_them():
    eid = WorkCalendar(tz=AMMAN, holidays=holiday_dates([(date(2026, 3, 8), date(2026, 3, 9))]))
    assert add_working_time(eid, at(5, 14), HOUR) == at(10, 8)
    # two whole weeks off: the next working moment is three Sundays later
    spring = WorkCalendar(tz=AMMAN, holidays=holiday_dates([(date(2026, 3, 8), date(2026, 3, 21))]))
    assert add_working_time(spring, at(5, 14, 30), 1) == at(22, 7, 30, 1)
    assert add_working_time(spring, at(5, 10), 2 * DAY) == at(23, 10)


def test_a_due_time_after_the_year_9999_is_refused_clearly():
    with pytest.raises(OverflowError, match="9999"):
        add_working_time(SCHOOL, at(8, 8), 8000 * 261 * DAY)


def test_the_due_time_is_in_the_calendars_zone_and_zero_is_the_start():
    due = add_working_time(SCHOOL, datetime(2026, 3, 8, 5, 0, tzinfo=UTC), HOUR)
    assert due.tzinfo == AMMAN and due == at(8, 9)
    start = at(6, 22)  # a Friday night stays where it is
    assert add_working_time(SCHOOL, start, 0) is start
    with pytest.raises(ValueError, match=">= 0"):
        add_working_time(SCHOOL, start, -1)


# -- properties ---------------------------------------------------------------------------

ZONES = [ZoneInfo("Asia/Amman"), ZoneInfo("Asia/Riyadh"), UTC]  # Amman has kept UTC+3 all year since late 2022


@st.composite
def calendars(draw) -> WorkCalendar:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    opens = draw(st.integers(0, 24 * 60 - 1))
    closes = draw(st.integers(opens + 1, 24 * 60))  # 24:00 is written as time(0)
    holidays = draw(st.frozensets(st.dates(date(2023, 1, 1), date(2027, 12, 31)), max_size=40))
    return WorkCalendar(
        tz=draw(st.sampled_from(ZONES)),
        working_days=days,
        day_start=time(opens // 60, opens % 60),
        day_end=time(closes // 60 % 24, closes % 60),
        holidays=holidays,
    )


# whole seconds, so that sums of working time are exact
moments = st.datetimes(datetime(2023, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)


def at_day_end(calendar: WorkCalendar, moment: datetime) -> bool:
    local = calendar.local(moment)
    if local.time() != calendar.day_end:
        return False
    day = local.date() - timedelta(days=1) if calendar.day_end == time(0) else local.date()
    return calendar.is_working_day(day)


def allowances(calendar: WorkCalendar, low: int = 1) -> st.SearchStrategy[int]:
    # up to 300 working days: at one short day a week that is still within six years
    return st.integers(low, 300 * calendar.day_seconds)


@given(calendar=calendars(), start=moments, data=st.data())
def test_adding_working_time_is_the_inverse_of_measuring_it(calendar, start, data):
    seconds = data.draw(allowances(calendar))
    due = add_working_time(calendar, start, seconds)
    assert working_seconds(calendar, start, due) == seconds
    assert calendar.is_working_time(due) or at_day_end(calendar, due)
    # and it is the earliest such moment
    assert working_seconds(calendar, start, due - timedelta(microseconds=1)) == seconds - 1


@given(calendar=calendars(), a=moments, b=moments)
def test_it_agrees_with_counting_day_by_day(calendar, a, b):
    assume(abs(b - a) <= timedelta(days=800))
    assert working_seconds(calendar, a, b) == reference_seconds(calendar, a, b)


@given(calendar=calendars(), points=st.lists(moments, min_size=3, max_size=3))
def test_working_time_adds_up_and_only_grows(calendar, points):
    a, b, c = sorted(points)
    assert working_seconds(calendar, a, c) == working_seconds(calendar, a, b) + working_seconds(calendar, b, c)
    assert working_seconds(calendar, a, b) <= working_seconds(calendar, a, c)
    assert working_seconds(calendar, b, c) <= working_seconds(calendar, a, c)


@given(calendar=calendars(), start=moments, data=st.data())
def test_a_longer_allowance_is_never_due_earlier(calendar, start, data):
    short, long = sorted(data.draw(st.lists(allowances(calendar, low=0), min_size=2, max_size=2)))
    assert add_working_time(calendar, start, short) <= add_working_time(calendar, start, long)


# -- first response ---------------------------------------------------------------------------


def test_first_response_is_the_first_move_past_new_and_assigned_or_a_public_reply():
    history = [(at(4, 10), "new"), (at(4, 10, 20), "assigned"), (at(4, 11), "in_progress"), (at(4, 12), "on_hold")]
    assert first_response_at(history) == at(4, 11)
    assert first_response_at(history, public_replies=[at(4, 10, 40)]) == at(4, 10, 40)
    assert first_response_at(history, public_replies=[at(4, 13)]) == at(4, 11)
    assert first_response_at(history[:2]) is None  # assigning is routing, not an answer
    assert first_response_at([(at(4, 10), "new"), (at(4, 10, 5), "closed")]) == at(4, 10, 5)


# -- SLA clocks ----------------------------------------------------------------------------

# Opened Wednesday 10:00, assigned 10:20, work starts 10:30, on hold for parts from 13:00 over
# Thursday and the weekend, work again Sunday 09:00, resolved 11:00, closed 12:00.
HELD = [
    (at(4, 10), "new"),
    (at(4, 10, 20), "assigned"),
    (at(4, 10, 30), "in_progress"),
    (at(4, 13), "on_hold"),
    (at(8, 9), "in_progress"),
    (at(8, 11), "resolved"),
    (at(8, 12), "closed"),
]


def read(history, *, now, response=HOUR, resolve=8 * HOUR, responded_at="first", calendar=SCHOOL):
    if responded_at == "first":
        responded_at = first_response_at(history)
    return ticket_sla(
        calendar,
        opened_at=history[0][0],
        history=history,
        responded_at=responded_at,
        response_seconds=response,
        resolve_seconds=resolve,
        now=now,
    )


def test_on_hold_across_a_night_and_a_weekend_pauses_the_resolution_clock():
    clocks = read(HELD, now=at(9, 10))
    resolution = clocks.resolution
    assert resolution.elapsed_seconds == 3 * HOUR + 2 * HOUR  # Wednesday 10–13, Sunday 9–11
    assert resolution.paused_seconds == 1.5 * HOUR + DAY + 1.5 * HOUR  # Wed 13–14:30, Thursday, Sun 7:30–9
    assert resolution.state == "stopped" and resolution.stopped_at == at(8, 11)  # resolved, not closed
    assert clocks.resolved_at == at(8, 11)
    assert resolution.remaining_seconds == 3 * HOUR and not resolution.breached
    assert resolution.percent_used == 62.5
    assert resolution.due_at == at(8, 14)  # the deadline it met: 3 h after it stopped


def test_the_response_clock_stops_at_the_first_response():
    response = read(HELD, now=at(9, 10)).response
    assert response.elapsed_seconds == 30 * 60 and response.paused_seconds == 0
    assert response.state == "stopped" and response.stopped_at == at(4, 10, 30)
    assert response.remaining_seconds == 30 * 60 and response.percent_used == 50.0
    assert response.due_at == at(4, 11) and not response.breached


def test_a_running_clock_keeps_its_due_time_and_a_pause_moves_it_later():
    before_hold = [read(HELD, now=now).resolution for now in (at(4, 11), at(4, 12, 30))]
    assert {clock.state for clock in before_hold} == {"running"}
    # 8 h from Wednesday 10:00: 4.5 h on Wednesday, 3.5 h on Thursday
    assert [clock.due_at for clock in before_hold] == [at(5, 11), at(5, 11)]
    on_hold = read(HELD, now=at(5, 10)).resolution
    assert on_hold.state == "paused" and on_hold.elapsed_seconds == 3 * HOUR
    assert on_hold.paused_seconds == 1.5 * HOUR + 2.5 * HOUR
    # 4 h of pause so far: Thursday 11:00 + 4 h of working time = Sunday 08:00
    assert on_hold.due_at == at(8, 8) and on_hold.remaining_seconds == 5 * HOUR


def test_changes_after_now_are_not_known_yet():
    clocks = read(HELD, now=at(4, 12))
    assert clocks.resolution.state == "running" and clocks.resolution.elapsed_seconds == 2 * HOUR
    assert clocks.resolved_at is None
    early = read(HELD, now=at(4, 10, 25))
    assert early.response.state == "running" and early.responded_at is None
    assert early.response.elapsed_seconds == 25 * 60


def test_a_late_response_is_a_breach_due_when_the_target_ran_out():
    history = [(at(5, 13), "new"), (at(8, 9), "in_progress")]
    response = read(history, now=at(8, 10), response=2 * HOUR).response
    assert response.elapsed_seconds == 3 * HOUR and response.breached
    assert response.remaining_seconds == -HOUR and response.percent_used == 150.0
    assert response.due_at == at(8, 8)  # 1.5 h on Thursday, then 30 min on Sunday
    at_the_deadline = read(history, now=at(8, 8), response=2 * HOUR).response
    assert not at_the_deadline.breached and at_the_deadline.remaining_seconds == 0
    assert at_the_deadline.due_at == at(8, 8) and at_the_deadline.state == "running"
    a_second_later = read(history, now=at(8, 8, 0, 1), response=2 * HOUR).response
    assert a_second_later.breached and a_second_later.due_at == at(8, 8)


def test_reopening_resumes_the_resolution_clock_from_where_it_stopped():
    history = [
        (at(8, 8), "new"),
        (at(8, 8), "in_progress"),
        (at(8, 10), "resolved"),
        (at(9, 9), "reopened"),  # the requester objected
        (at(9, 9, 30), "in_progress"),
        (at(9, 11), "resolved"),
    ]
    between = read(history, now=at(9, 8)).resolution
    assert between.state == "stopped" and between.stopped_at == at(8, 10) and between.elapsed_seconds == 2 * HOUR
    after = read(history, now=at(10, 8))
    assert after.resolution.elapsed_seconds == 4 * HOUR  # the night it stood resolved does not count
    assert after.resolution.stopped_at == at(9, 11) and after.resolved_at == at(9, 11)
    assert after.response.stopped_at == at(8, 8) and after.response.elapsed_seconds == 0


def test_the_caller_decides_what_a_response_is():
    # a policy that counts only a public reply: the hold before it pauses the response clock
    history = [(at(8, 8), "new"), (at(8, 9), "on_hold"), (at(8, 11), "assigned")]
    response = read(history, now=at(8, 13), responded_at=at(8, 12)).response
    assert response.elapsed_seconds == 2 * HOUR and response.paused_seconds == 2 * HOUR
    assert response.stopped_at == at(8, 12)


def test_a_ticket_closed_unanswered_stops_its_response_clock():
    history = [(at(8, 8), "new"), (at(8, 9), "closed")]
    clocks = read(history, now=at(8, 12), responded_at=None)
    assert clocks.response.state == "stopped" and clocks.response.stopped_at == at(8, 9)
    assert clocks.response.elapsed_seconds == HOUR and clocks.responded_at is None


def test_without_a_target_the_clock_only_counts():
    clocks = read(HELD, now=at(9, 10), response=None, resolve=None)
    assert clocks.resolution.elapsed_seconds == 5 * HOUR
    assert clocks.resolution.target_seconds is None and clocks.resolution.remaining_seconds is None
    assert clocks.resolution.due_at is None and clocks.resolution.percent_used is None
    assert not clocks.resolution.breached


def test_a_target_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        read(HELD, now=at(9, 10), resolve=0)


@st.composite
def histories(draw):
    opened = draw(moments)
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, 5 * 86_400), st.sampled_from(["assigned", "in_progress", "on_hold"])),
            max_size=8,
        )
    )
    history, moment = [(opened, "new")], opened
    for gap, status in steps:
        moment += timedelta(seconds=gap)
        history.append((moment, status))
    return history


@given(calendar=calendars(), history=histories(), later=st.integers(0, 60 * 86_400), data=st.data())
def test_an_unresolved_ticket_is_due_its_target_plus_its_pauses(calendar, history, later, data):
    target = data.draw(allowances(calendar))
    opened, now = history[0][0], history[-1][0] + timedelta(seconds=later)
    clock = ticket_sla(
        calendar, opened_at=opened, history=history, responded_at=None,
        response_seconds=None, resolve_seconds=target, now=now,
    ).resolution  # fmt: skip
    assert clock.elapsed_seconds + clock.paused_seconds == working_seconds(calendar, opened, now)
    if not clock.breached and clock.remaining_seconds > 0:
        assert working_seconds(calendar, opened, clock.due_at) == target + clock.paused_seconds
    elif clock.breached:
        assert clock.due_at <= now and clock.remaining_seconds < 0
