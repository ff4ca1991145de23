"""Working time and SLA clocks: pure Python (no Django import), `now` and the calendar passed in.

A `WorkCalendar` is a school week: its working weekdays (Monday = 0 … Sunday = 6, as
`School.working_days` stores them), one working window per day (`day_start`–`day_end`, as
`School.day_start`/`day_end`), whole-day holidays and the time zone. `maintenance.sla_calendar`
builds one from the database; `netmon.calendar` uses the same value to tell school hours.

Working time is counted on the local wall clock: every working day is exactly
`day_end - day_start` long. In a zone without daylight saving (Asia/Amman since 2022,
Asia/Riyadh) that is the real elapsed time; in a zone that shifts its clocks inside the
working window the shifted hour is not added or lost — the day stays its nominal length,
as people there count a working day.

The arithmetic maps a moment to its position on an axis of working time (microseconds of
working time since 0001-01-01), in O(log holidays) with no loop over days:
`working_seconds` is the difference of two positions and `add_working_time` the inverse
map, so the two agree by construction — `working_seconds(c, s, add_working_time(c, s, n)) == n`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

#: Sunday to Thursday, Monday = 0 (the school week; the same as `assets.choices.DEFAULT_WORKING_DAYS`).
DEFAULT_WORKING_DAYS = frozenset({6, 0, 1, 2, 3})
#: The school day (the same as the defaults of `School.day_start` / `School.day_end`).
DEFAULT_DAY_START = time(7, 30)
DEFAULT_DAY_END = time(14, 30)

_US = 1_000_000  # microseconds per second: positions are integers, so the inverse law is exact
_US_PER_DAY = 86_400 * _US


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def holiday_dates(ranges: Iterable[tuple[date, date]]) -> frozenset[date]:
    """Every date of some (first day, last day) ranges, both ends included."""
    days: set[date] = set()
    for first, last in ranges:
        day = first
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


@dataclass(frozen=True, kw_only=True)
class WorkCalendar:
    """A working week, a working window per day, whole-day holidays, a time zone."""

    tz: tzinfo
    working_days: frozenset[int] = DEFAULT_WORKING_DAYS
    day_start: time = DEFAULT_DAY_START
    day_end: time = DEFAULT_DAY_END
    holidays: frozenset[date] = frozenset()

    # Derived once: the day's length, a prefix count of working weekdays within a week
    # starting on Monday, the working weekdays in order, and the ordinals of the holidays
    # that fall on working weekdays (the others change nothing), sorted for bisect.
    _day_us: int = field(init=False, repr=False, compare=False)
    _start_us: int = field(init=False, repr=False, compare=False)
    _end_us: int = field(init=False, repr=False, compare=False)
    _prefix: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _weekdays: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _holiday_ords: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        days = frozenset(self.working_days)
        if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValueError(f"working_days must be weekdays 0–6 (Monday = 0), at least one: {self.working_days!r}")
        if not isinstance(self.tz, tzinfo):
            raise ValueError(f"tz must be a tzinfo, not {self.tz!r}")
        if self.day_start.tzinfo is not None or self.day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are local wall-clock times without tzinfo")
        start_us = _time_us(self.day_start)
        # day_end 00:00 is the midnight that ends the day (24:00), so a day can be worked whole
        end_us = _time_us(self.day_end) or _US_PER_DAY
        if not start_us < end_us:
            raise ValueError(f"the working day must end after it starts: {self.day_start}–{self.day_end}")
        holidays = frozenset(self.holidays)
        set_ = object.__setattr__
        set_(self, "working_days", days)
        set_(self, "holidays", holidays)
        set_(self, "_start_us", start_us)
        set_(self, "_end_us", end_us)
        set_(self, "_day_us", self._end_us - self._start_us)
        set_(self, "_prefix", tuple(sum(1 for d in range(r) if d in days) for r in range(8)))
        set_(self, "_weekdays", tuple(sorted(days)))
        set_(self, "_holiday_ords", tuple(sorted(h.toordinal() for h in holidays if h.weekday() in days)))

    @classmethod
    def around_the_clock(cls, tz: tzinfo) -> WorkCalendar:
        """Every hour of every day counts (a target in plain elapsed hours)."""
        return cls(tz=tz, working_days=frozenset(range(7)), day_start=time(0), day_end=time(0))

    # -- questions about one day or moment ---------------------------------------------

    def local(self, at: datetime) -> datetime:
        """`at` on the calendar's wall clock (aware datetimes only)."""
        _require_aware(at)
        return at.astimezone(self.tz)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def is_working_time(self, at: datetime) -> bool:
        """Is `at` inside a working window: a working day, day_start <= time < day_end."""
        local = self.local(at)
        return self.is_working_day(local.date()) and self._start_us <= _time_us(local.time()) < self._end_us

    @property
    def day_seconds(self) -> int:
        """The length of one working day, in seconds."""
        return self._day_us // _US

    # -- the working-time axis ----------------------------------------------------------

    def _working_days_before(self, ordinal: int) -> int:
        """How many working days have an ordinal in [1, ordinal). Ordinal 1 (0001-01-01) is a Monday."""
        weeks, rest = divmod(ordinal - 1, 7)
        return weeks * len(self._weekdays) + self._prefix[rest] - bisect.bisect_left(self._holiday_ords, ordinal)

    def _plain_nth(self, j: int) -> int:
        """The ordinal of the j-th (0-based) working weekday, holidays ignored."""
        weeks, rest = divmod(j, len(self._weekdays))
        return 1 + weeks * 7 + self._weekdays[rest]

    def _nth_working_day(self, j: int) -> int:
        """The ordinal of the j-th (0-based) working day, holidays skipped.

        Start from the j-th working weekday and move past the holidays up to it until no new
        one is found: the guess never overtakes the answer, so the fixed point is the answer.
        """
        ordinal = self._plain_nth(j)
        while True:
            following = self._plain_nth(j + bisect.bisect_right(self._holiday_ords, ordinal))
            if following == ordinal:
                return ordinal
            ordinal = following

    def _position(self, local: datetime) -> int:
        """Microseconds of working time from the beginning of the axis to the wall-clock moment `local`."""
        day = local.date()
        ordinal = day.toordinal()
        position = self._working_days_before(ordinal) * self._day_us
        if self.is_working_day(day):
            of_day = _time_us(local.time())
            position += min(max(of_day, self._start_us), self._end_us) - self._start_us
        return position

    def _moment(self, position: int) -> datetime:
        """The earliest wall-clock moment at `position` (> 0): inside a working window, or at a day's end."""
        full_days, rest = divmod(position, self._day_us)
        try:
            if rest == 0:
                day = date.fromordinal(self._nth_working_day(full_days - 1))
                return datetime.combine(day, time(0)) + timedelta(microseconds=self._end_us)
            day = date.fromordinal(self._nth_working_day(full_days))
            return datetime.combine(day, self.day_start) + timedelta(microseconds=rest)
        except (ValueError, OverflowError):
            raise OverflowError("the working time runs out after the year 9999") from None


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got the naive {at!r}")


def working_seconds(calendar: WorkCalendar, start: datetime, end: datetime) -> int:
    """Whole seconds of working time in [start, end); 0 when end is not after start."""
    start, end = calendar.local(start), calendar.local(end)
    if end <= start:
        return 0
    elapsed = calendar._position(end) - calendar._position(start)
    return max(elapsed, 0) // _US


def add_working_time(calendar: WorkCalendar, start: datetime, seconds: int) -> datetime:
    """The moment `seconds` of working time after `start` (a due time), in the calendar's zone.

    The earliest such moment: inside a working window, or exactly at a working day's end
    when the time runs out with the day (never at the next morning's start). Zero seconds
    gives `start` itself.
    """
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    _require_aware(start)
    if seconds == 0:
        return start
    position = calendar._position(calendar.local(start)) + int(seconds) * _US
    return calendar._moment(position).replace(tzinfo=calendar.tz)


# -- SLA clocks ----------------------------------------------------------------------------

# Ticket statuses as `maintenance.choices.TicketStatus` spells them (this module imports no
# Django; tests/maintenance/test_sla.py checks that they still match).
NEW = "new"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
ON_HOLD = "on_hold"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
#: Before any of these the requester has not been answered: assigning a technician is routing, not a response.
AWAITING_RESPONSE = frozenset({NEW, ASSIGNED})
#: The clocks stand still while the ticket waits for parts, a vendor or the school.
PAUSED = frozenset({ON_HOLD})
#: The resolution clock stops here; a reopened ticket's clock runs on from where it stopped.
STOPPED = frozenset({RESOLVED, CLOSED})

RUNNING = "running"
PAUSED_STATE = "paused"
STOPPED_STATE = "stopped"


def first_response_at(
    history: Sequence[tuple[datetime, str]], *, public_replies: Iterable[datetime] = ()
) -> datetime | None:
    """When the ticket was first answered — the definition every SLA figure uses.

    The earliest of: the first change to a status other than new/assigned (work started,
    put on hold, resolved or closed), and the first public reply to the requester. An
    internal note is not a response (pass only public replies); assigning is not either.
    """
    moments = [at for at, status in history if status not in AWAITING_RESPONSE]
    moments.extend(public_replies)
    return min(moments, default=None)


@dataclass(frozen=True)
class SlaClock:
    """One SLA measure (time to first response, or to resolution) read at a moment `now`.

    elapsed_seconds   working time the clock has counted (pauses excluded)
    paused_seconds    working time spent paused (on hold) while the clock had not stopped
    target_seconds    the policy's allowance; None when there is no target
    remaining_seconds target - elapsed; negative once overdue; None without a target
    due_at            when the clock reaches (or reached) its target: if not yet reached, from
                      `now` (or from where it stopped) on, so every pause moves it later; if
                      reached, the moment it was reached; None without a target
    breached          elapsed > target (reaching the target exactly is still on time)
    percent_used      100 * elapsed / target, not capped; None without a target
    state             "running", "paused" or "stopped"
    stopped_at        when it stopped (first response / resolution), None unless stopped
    """

    elapsed_seconds: int
    paused_seconds: int
    target_seconds: int | None
    remaining_seconds: int | None
    due_at: datetime | None
    breached: bool
    percent_used: float | None
    state: str
    stopped_at: datetime | None

    @property
    def running(self) -> bool:
        return self.state == RUNNING


@dataclass(frozen=True)
class TicketSla:
    """Both clocks of a ticket, and the moments that stopped them."""

    response: SlaClock
    resolution: SlaClock
    responded_at: datetime | None
    resolved_at: datetime | None


def _segments(
    opened_at: datetime, history: Sequence[tuple[datetime, str]], now: datetime
) -> list[tuple[datetime, datetime, str]]:
    """The ticket's statuses as (start, end, status) pieces covering [opened_at, now]."""
    # Stable sort: of two changes at the same moment the later-listed one holds.
    changes = sorted(history, key=lambda change: change[0])
    pieces: list[tuple[datetime, datetime, str]] = []
    status, since = NEW, opened_at
    for at, new_status in changes:
        if at > now:
            break  # read as of `now`: what happened later is not known yet
        at = max(at, opened_at)
        if at > since:
            pieces.append((since, at, status))
        status, since = new_status, at
    pieces.append((since, max(since, now), status))
    return pieces


class _Positions:
    """Each moment's place on the working-time axis, worked out once for both clocks of a ticket."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.known: dict[datetime, int] = {}

    def __call__(self, moment: datetime) -> int:
        position = self.known.get(moment)
        if position is None:
            position = self.known[moment] = self.calendar._position(self.calendar.local(moment))
        return position

    def moment(self, position: int) -> datetime:
        return self.calendar._moment(position).replace(tzinfo=self.calendar.tz)


def _clock(
    position: _Positions,
    pieces: list[tuple[datetime, datetime, str]],
    *,
    stop_at: datetime | None,
    target_seconds: int | None,
    now: datetime,
) -> SlaClock:
    """Count a clock over status pieces: running outside PAUSED/STOPPED, until `stop_at` if given."""
    if target_seconds is not None and target_seconds <= 0:
        raise ValueError(f"an SLA target must be positive seconds or None, got {target_seconds}")
    elapsed = paused = 0  # microseconds of working time
    counted: list[tuple[int, int]] = []  # (position of its start, length) of each counting piece
    state, stopped_at = RUNNING, None
    for start, end, status in pieces:
        if stop_at is not None and start >= stop_at:
            break
        if stop_at is not None and end >= stop_at:
            end = stop_at
        begins = position(start)
        length = max(position(end) - begins, 0)
        if status in STOPPED:
            if state != STOPPED_STATE:  # resolved, then closed: it stopped when resolved
                state, stopped_at = STOPPED_STATE, start
        elif status in PAUSED:
            paused += length
            state, stopped_at = PAUSED_STATE, None
        else:
            elapsed += length
            counted.append((begins, length))
            state, stopped_at = RUNNING, None
    if stop_at is not None and stop_at <= now:
        state, stopped_at = STOPPED_STATE, stop_at
    elapsed_seconds, paused_seconds = elapsed // _US, paused // _US
    if target_seconds is None:
        return SlaClock(elapsed_seconds, paused_seconds, None, None, None, False, None, state, stopped_at)
    target = target_seconds * _US
    if elapsed < target:
        anchor = stopped_at if state == STOPPED_STATE else now
        due_at = position.moment(position(anchor) + target - elapsed)
    else:
        # Reached: find the counting piece in which the target ran out.
        due_at, before = None, 0
        for begins, length in counted:
            if before + length >= target:
                due_at = position.moment(begins + target - before)
                break
            before += length
    return SlaClock(
        elapsed_seconds=elapsed_seconds,
        paused_seconds=paused_seconds,
        target_seconds=target_seconds,
        remaining_seconds=target_seconds - elapsed_seconds,
        due_at=due_at,
        breached=elapsed_seconds > target_seconds,
        percent_used=100.0 * elapsed_seconds / target_seconds,
        state=state,
        stopped_at=stopped_at,
    )


def ticket_sla(
    calendar: WorkCalendar,
    *,
    opened_at: datetime,
    history: Sequence[tuple[datetime, str]],
    responded_at: datetime | None,
    response_seconds: int | None,
    resolve_seconds: int | None,
    now: datetime,
) -> TicketSla:
    """Read a ticket's two SLA clocks at `now`.

    history       (at, status) for each status the ticket entered, in any order; before the
                  first entry the ticket is "new". Entries after `now` are ignored, so a
                  report can read the clocks as they stood at a quarter's end.
    responded_at  the first response, as the caller defines it — normally
                  `first_response_at(history, public_replies=...)`; None if not answered yet.

    The response clock runs from opening until `responded_at`, standing still while on
    hold (and stopped if the ticket was resolved or closed unanswered). The resolution clock
    runs while the ticket is neither on hold nor resolved/closed; reopening resumes it from
    where it stopped. Both count working time only.
    """
    for moment in (opened_at, now, responded_at):
        if moment is not None:
            _require_aware(moment)
    pieces = _segments(opened_at, history, now)
    position = _Positions(calendar)
    response = _clock(
        position,
        pieces,
        stop_at=responded_at if responded_at is None else max(responded_at, opened_at),
        target_seconds=response_seconds,
        now=now,
    )
    resolution = _clock(position, pieces, stop_at=None, target_seconds=resolve_seconds, now=now)
    return TicketSla(
        response=response,
        resolution=resolution,
        responded_at=responded_at if responded_at is not None and responded_at <= now else None,
        resolved_at=resolution.stopped_at,
    )
