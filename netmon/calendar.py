"""When may an outage open a ticket: school days and hours, holidays, maintenance windows."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from assets.models import Holiday
from netmon.choices import OutageContext
from netmon.models import MaintenanceWindow, Target


class Calendar:
    """Holidays and maintenance windows around one moment, loaded once for a batch of targets."""

    def __init__(self, start: datetime, end: datetime | None = None) -> None:
        end = end or start
        first, last = timezone.localdate(start), timezone.localdate(end)
        self.holidays = list(Holiday.objects.filter(start_date__lte=last, end_date__gte=first))
        self.windows = list(MaintenanceWindow.objects.filter(start__lte=end, end__gt=start))

    def context(self, target: Target, at: datetime) -> str:
        """Which `OutageContext` the moment `at` falls in for this target's school."""
        school = target.asset.school
        for window in self.windows:
            covers = (window.target_id is None or window.target_id == target.pk) and (
                window.school_id is None or window.school_id == school.pk
            )
            if covers and window.start <= at < window.end:
                return OutageContext.MAINTENANCE
        local = timezone.localtime(at)
        day = local.date()
        for holiday in self.holidays:
            if not holiday.start_date <= day <= holiday.end_date:
                continue
            if holiday.school_id is not None:
                if holiday.school_id == school.pk:
                    return OutageContext.HOLIDAY
            elif holiday.directorate_id is None or holiday.directorate_id == school.directorate_id:
                return OutageContext.HOLIDAY
        if local.weekday() not in school.working_days or not school.day_start <= local.time() < school.day_end:
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
