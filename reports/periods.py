"""Calendar quarters in the directorate's time zone (settings.TIME_ZONE).

Q1 is 1 January 00:00 to 1 April 00:00 local time, and so on: a moment belongs to a quarter
when start <= moment < end. Both ends are aware datetimes in the current default zone, so
a ticket opened at 23:30 on 31 March in Amman (20:30 UTC) is in Q1 and one opened at 00:10 on
1 April (21:10 UTC on 31 March) is in Q2.

A report is read "as of" a moment: normally the quarter's end; for the quarter in progress,
now. Nothing after `as_of` is counted (a status change written later is not known yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    def __post_init__(self) -> None:
        if not 1 <= self.quarter <= 4:
            raise ValueError(f"a quarter is 1 to 4, not {self.quarter!r}")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"the year {self.year!r} is out of range (2000–2100)")

    @classmethod
    def containing(cls, moment: dt.datetime) -> Quarter:
        local = timezone.localtime(moment, timezone.get_default_timezone())
        return cls(local.year, (local.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.containing(timezone.now())

    @property
    def first_month(self) -> int:
        return 3 * (self.quarter - 1) + 1

    @property
    def months(self) -> list[tuple[int, int]]:
        """(year, month) of the quarter's three months."""
        return [(self.year, self.first_month + i) for i in range(3)]

    @property
    def start(self) -> dt.datetime:
        return _local_midnight(dt.date(self.year, self.first_month, 1))

    @property
    def end(self) -> dt.datetime:
        return self.next().start

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)

    @property
    def year_start(self) -> dt.datetime:
        return _local_midnight(dt.date(self.year, 1, 1))

    def as_of(self, now: dt.datetime | None = None) -> dt.datetime:
        """The moment the report is read at: the quarter's end, or `now` while it is in progress."""
        now = now or timezone.now()
        return min(self.end, max(now, self.start))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"


def _local_midnight(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the default zone (a zone whose clocks jump at midnight
    starts that day at 01:00; zoneinfo's fold rule picks the moment after the gap)."""
    zone = timezone.get_default_timezone()
    naive = dt.datetime.combine(day, dt.time(0))
    aware = naive.replace(tzinfo=zone)
    # Round-trip through UTC: a wall time inside a DST gap normalises to the real moment.
    return aware.astimezone(dt.UTC).astimezone(zone)
