"""When may an outage open a ticket: school days and hours, holidays, maintenance windows."""

from __future__ import annotations

from datetime import datetime

from assets.models import Holiday, School
from maintenance.sla import WorkCalendar
from maintenance.sla_calendar import holidays_between, work_calendar
from netmon.choices import OutageContext
from netmon.models import MaintenanceWindow, Target


class Calendar:
    """Holidays and maintenance windows around one moment, loaded once for a batch of targets.

    A school's days, hours and holidays are the `WorkCalendar` the SLA clocks count on
    (`maintenance.sla_calendar`), so "school hours" means one thing to the poller and the reports.
    """

    def __init__(self, start: datetime, end: datetime | None = None) -> None:
        end = end or start
        self.holidays = list(Holiday.objects.filter(holidays_between(start, end)))
        self.windows = list(MaintenanceWindow.objects.filter(start__lte=end, end__gt=start))
        self._schools: dict[int, WorkCalendar] = {}

    def school_calendar(self, school: School) -> WorkCalendar:
        if school.pk not in self._schools:
            self._schools[school.pk] = work_calendar(school, self.holidays)
        return self._schools[school.pk]

    def context(self, target: Target, at: datetime) -> str:
        """Which `OutageContext` the moment `at` falls in for this target's school."""
        school = target.asset.school
        for window in self.windows:
            covers = (window.target_id is None or window.target_id == target.pk) and (
                window.school_id is None or window.school_id == school.pk
            )
            if covers and window.start <= at < window.end:
                return OutageContext.MAINTENANCE
        calendar = self.school_calendar(school)
        if calendar.is_holiday(calendar.local(at).date()):
            return OutageContext.HOLIDAY
        if not calendar.is_working_time(at):
            return OutageContext.OUTSIDE_HOURS
        return OutageContext.WORKING_HOURS

    def holds_ticket(self, target: Target, at: datetime) -> str | None:
        """Why a ticket must wait (the context), or None when it may open now."""
        context = self.context(target, at)
        if context == OutageContext.WORKING_HOURS:
            return None
        if context == OutageContext.MAINTENANCE or target.school_hours_only:
            return context
        return None
