"""Writes of the field work: visit programmes (QF70-2-1), preventive maintenance plans and the visits
they generate, visit reports (QF75-13) with their checks and findings, and the follow-up ticket a
finding opens in one step.

Generating visits from plans (`plans_generate`) is idempotent: each generated visit carries its
plan and period (e.g. "2026-03", "2026-Q1", "2026", "2025-T1"), and the database allows one
visit per plan, period and location (or fiber site). A second run — the next day, a retry, a
second worker at the same moment — adds only what is missing (a lab opened since) and never
touches a visit already made (moved, reassigned, cancelled or reported). It runs:

- every day from Celery beat (`maintenance.generate_visits` on the `tickets` queue), or
- `manage.py generate_visits` (once; `--loop` keeps it running for the embedded mode of
  `make run`, which has no broker), and
- when the IT head saves a plan (its current period at once).

Daily is enough: a plan's periods are months at the shortest, and the next period is generated
`lead_days` ahead of its start.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.choices import DEFAULT_WORKING_DAYS, AssetCategory, AssetStatus, FiberSiteStatus
from assets.models import Asset, FiberSite, Holiday, Location, School
from maintenance import services
from maintenance.choices import (
    CheckResult,
    FindingCondition,
    PlanFrequency,
    PlanTarget,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketType,
    VisitPurpose,
    VisitStatus,
)
from maintenance.models import MaintenancePlan, Ticket, Visit, VisitCheck, VisitFinding, VisitProgramme
from maintenance.sla_calendar import holiday_applies, holidays_between

#: Assets that make a location part of a plan filtered by category: the ones that are there to be looked after.
PRESENT = (AssetStatus.IN_SERVICE, AssetStatus.IN_REPAIR, AssetStatus.SPARE)


def _check_technician(user, field: str = "technician") -> None:
    if user is not None and (not services.is_staff(user) or not user.is_active):
        raise ValidationError({field: _("%(user)s is not a technician.") % {"user": user.get_username()}})


# --------------------------------------------------------------------------- programmes and visits


@transaction.atomic
def programme_save(*, programme: VisitProgramme, by=None) -> VisitProgramme:
    """Create or edit a term's programme. Visits already on it must stay inside its dates."""
    programme.full_clean()
    if programme.pk is not None:
        outside = programme.visits.exclude(planned_date__range=(programme.start_date, programme.end_date))
        if outside.exists():
            raise ValidationError(
                {
                    "end_date": _("%(count)d planned visit(s) fall outside these dates: move them first.")
                    % {"count": outside.count()}
                }
            )
    programme.save()
    return programme


def programme_for(directorate_id: int | None, day: dt.date) -> VisitProgramme | None:
    """The programme of the directorate's term that contains `day`, if there is one."""
    if directorate_id is None:
        return None
    return (
        VisitProgramme.objects.filter(directorate_id=directorate_id, start_date__lte=day, end_date__gte=day)
        .order_by("start_date", "pk")
        .first()
    )


def _visit_directorate_id(visit: Visit) -> int | None:
    if visit.school_id:
        return visit.school.directorate_id
    if visit.fiber_site_id:
        return visit.fiber_site.directorate_id
    return None


@transaction.atomic
def visit_save(*, visit: Visit, by=None) -> Visit:
    """Plan a visit, or change its planning (place, date, purpose, technician, programme).

    A fiber site's visit takes the site's school; a visit without a programme joins the one
    whose term holds its date.
    """
    if visit.fiber_site_id and not visit.school_id and visit.fiber_site.school_id:
        visit.school_id = visit.fiber_site.school_id
    if visit.location_id and not visit.school_id:
        visit.school_id = visit.location.school_id
    _check_technician(visit.technician)
    if visit.programme_id is None and visit.planned_date:
        visit.programme = programme_for(_visit_directorate_id(visit), visit.planned_date)
    if visit.programme_id and _visit_directorate_id(visit) not in (None, visit.programme.directorate_id):
        raise ValidationError({"programme": _("The programme belongs to another directorate.")})
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, by, reason: str) -> Visit:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": _("Say why the visit is cancelled.")})
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(_("Only a planned visit can be cancelled."))
    visit.status = VisitStatus.CANCELLED
    visit.cancel_reason = reason
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def visit_report_save(
    *,
    visit: Visit,
    by,
    visited_on: dt.date,
    summary: str,
    visitors: str = "",
    met_with: str = "",
    actions_taken: str = "",
    recommendations: str = "",
    technician=None,
    checks: Mapping[int, tuple[str, str]] | None = None,
    at: dt.datetime | None = None,
) -> Visit:
    """File (or correct) the visit report (QF75-13): the visit is then reported.

    `checks` maps a checklist line's id to (result, note); `technician` is who made the visit
    (default: the reporter). The first reporter and time are kept when the report is corrected.
    """
    at = at or timezone.now()
    _check_technician(by, "reported_by")
    technician = technician or by
    _check_technician(technician)
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("school", "fiber_site", "programme")
        .get(pk=visit.pk)
    )
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError(_("The visit was cancelled: it has no report."))
    if visited_on is None:
        raise ValidationError({"visited_on": _("Enter the date of the visit.")})
    if visited_on > timezone.localdate(at):
        raise ValidationError({"visited_on": _("A visit report cannot be dated in the future.")})
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Write what was found.")})
    visit.visited_on = visited_on
    visit.visitors = (visitors or "").strip()
    visit.met_with = (met_with or "").strip()
    visit.summary = summary.strip()
    visit.actions_taken = (actions_taken or "").strip()
    visit.recommendations = (recommendations or "").strip()
    visit.technician = technician
    if visit.reported_at is None:
        visit.reported_by, visit.reported_at = by, at
    visit.status = VisitStatus.DONE
    visit.full_clean()
    visit.save()
    if checks:
        rows = {c.pk: c for c in visit.checks.all()}
        unknown = set(checks) - set(rows)
        if unknown:
            raise ValidationError({"checks": _("Unknown checklist line(s): %(ids)s.") % {"ids": sorted(unknown)}})
        for pk, (result, note) in checks.items():
            if result not in ("", *CheckResult.values()):
                raise ValidationError({"checks": _("Unknown check result “%(result)s”.") % {"result": result}})
            row = rows[pk]
            row.result, row.note = result, (note or "").strip()[:300]
            row.full_clean()
            row.save(update_fields=["result", "note"])
    return visit


def _check_finding_place(visit: Visit, location: Location | None, asset: Asset | None) -> None:
    errors = {}
    if location is not None and location.school_id != visit.school_id:
        errors["location"] = _("The location is not in the visited school.")
    if asset is not None and asset.school_id != visit.school_id:
        errors["asset"] = _("The asset is not in the visited school.")
    if asset is not None and location is not None and asset.location_id not in (None, location.pk):
        errors["asset"] = _("The asset is not in this location.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def finding_add(
    *,
    visit: Visit,
    by,
    finding: str,
    condition: str = FindingCondition.ATTENTION,
    location: Location | None = None,
    asset: Asset | None = None,
    action_taken: str = "",
    follow_up: str = "",
    open_ticket: bool = False,
    priority: str = TicketPriority.NORMAL,
    at: dt.datetime | None = None,
) -> VisitFinding:
    """Record what was found at a location or on an asset; with `open_ticket`, its follow-up opens
    a ticket in the same step (see `finding_open_ticket`)."""
    visit = Visit.objects.select_related("school", "fiber_site").get(pk=visit.pk)
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError(_("The visit was cancelled: it has no findings."))
    if asset is not None and location is None:
        location = asset.location
    _check_finding_place(visit, location, asset)
    row = VisitFinding(
        visit=visit,
        location=location,
        asset=asset,
        condition=condition,
        finding=(finding or "").strip(),
        action_taken=(action_taken or "").strip(),
        follow_up=(follow_up or "").strip(),
        created_by=by,
    )
    row.full_clean()
    row.save()
    if open_ticket:
        row.ticket = finding_open_ticket(finding=row, by=by, priority=priority, at=at)
    return row


@transaction.atomic
def finding_delete(*, finding: VisitFinding, by=None) -> None:
    if finding.ticket_id is not None:
        raise ValidationError(_("This finding opened ticket %(number)s: it stays.") % {"number": finding.ticket.number})
    finding.delete()


def ticket_category_for(visit: Visit, asset: Asset | None) -> str:
    """The ticket category a follow-up falls into: from the asset, else from the visit's purpose."""
    if asset is not None:
        category = asset.asset_model.category
        if category == AssetCategory.FIBER_TERMINAL:
            return TicketCategory.FIBER
        if category in AssetCategory.NETWORK:
            return TicketCategory.NETWORK
        if category in (AssetCategory.LAB_INSTRUMENT, AssetCategory.SCIENCE_EQUIPMENT):
            return TicketCategory.LAB_EQUIPMENT
        return TicketCategory.DEVICE
    if visit.fiber_site_id or visit.purpose == VisitPurpose.FIBER_SITE_CHECK:
        return TicketCategory.FIBER
    return TicketCategory.DEVICE


@transaction.atomic
def finding_open_ticket(
    *,
    finding: VisitFinding,
    by,
    priority: str = TicketPriority.NORMAL,
    category: str | None = None,
    at: dt.datetime | None = None,
) -> Ticket:
    """Open the ticket of a finding's follow-up (source: field visit), linked both ways: the finding
    points at the ticket, the ticket's first entry names the visit and the finding."""
    at = at or timezone.now()
    _check_technician(by, "ticket")
    row = (
        VisitFinding.objects.select_for_update(of=("self",))
        .select_related("visit__school", "visit__fiber_site")
        .get(pk=finding.pk)
    )
    if row.ticket_id is not None:
        raise ValidationError(
            {"ticket": _("This follow-up already has ticket %(number)s.") % {"number": row.ticket.number}}
        )
    if not row.follow_up:
        raise ValidationError({"follow_up": _("Say what remains to be done: it is the ticket's request.")})
    visit = row.visit
    asset = Asset.objects.select_related("asset_model").get(pk=row.asset_id) if row.asset_id else None
    description = _(
        "Follow-up of field visit %(visit)s (%(date)s, %(place)s).\n\nFound: %(finding)s\nDone: %(done)s\n"
        "To do: %(follow_up)s"
    ) % {
        "visit": visit.number,
        "date": visit.date.isoformat(),
        "place": visit.place,
        "finding": row.finding,
        "done": row.action_taken or "—",
        "follow_up": row.follow_up,
    }
    ticket = services.ticket_create(
        opened_at=at,
        assets=[asset] if asset is not None else [],
        author=by,
        entry_data={"visit": visit.pk, "visit_number": visit.number, "finding": row.pk},
        title=row.follow_up.splitlines()[0][:200],
        description=description,
        school=visit.school,
        location=row.location,
        category=category or ticket_category_for(visit, asset),
        type=TicketType.FAULT if row.condition == FindingCondition.FAULT else TicketType.SERVICE_REQUEST,
        source=TicketSource.VISIT,
        priority=priority,
        requester_name=by.get_full_name() or by.get_username(),
        requester_email=by.email,
    )
    row.ticket = ticket
    row.save(update_fields=["ticket", "last_updated"])
    return ticket


# --------------------------------------------------------------------------- maintenance plans


@transaction.atomic
def plan_save(
    *, plan: MaintenancePlan, by=None, schools: Iterable[School] | None = None, today: dt.date | None = None
) -> MaintenancePlan:
    """Create or edit a plan; an active plan's current period is generated at once (as on `today`)."""
    _check_technician(plan.technician)
    plan.full_clean()
    plan.save()
    if schools is not None:
        schools = list(schools)
        foreign = [s for s in schools if s.directorate_id != plan.directorate_id]
        if foreign:
            raise ValidationError(
                {
                    "schools": _("%(schools)s: not in the plan's directorate.")
                    % {"schools": ", ".join(str(s) for s in foreign)}
                }
            )
        plan.schools.set(schools)
    if plan.active:
        plan_generate(plan=plan, today=today or timezone.localdate())
    return plan


@dataclass(frozen=True)
class Period:
    """One round of a plan: its key (stored on the visits), its dates and, for terms, its programme."""

    key: str
    start: dt.date
    end: dt.date
    programme: VisitProgramme | None = None


def _month(day: dt.date, offset: int = 0) -> Period:
    index = day.year * 12 + day.month - 1 + offset
    year, month = divmod(index, 12)
    start = dt.date(year, month + 1, 1)
    end = dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    return Period(f"{year}-{month + 1:02d}", start, end)


def _quarter(day: dt.date, offset: int = 0) -> Period:
    index = day.year * 4 + (day.month - 1) // 3 + offset
    year, quarter = divmod(index, 4)
    start = dt.date(year, quarter * 3 + 1, 1)
    last_month = quarter * 3 + 3
    end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(f"{year}-Q{quarter + 1}", start, end)


def _year(day: dt.date, offset: int = 0) -> Period:
    year = day.year + offset
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def plan_periods(plan: MaintenancePlan, today: dt.date) -> list[Period]:
    """The periods of `plan` to generate on `today`: the one under way, and the next one once it is
    at most `lead_days` away — within the plan's own dates. A term is a programme of the plan's
    directorate (no programme, no term visits)."""
    horizon = today + dt.timedelta(days=plan.lead_days)
    if plan.frequency == PlanFrequency.TERM:
        candidates = [
            Period(f"{p.academic_year}-T{p.term}", p.start_date, p.end_date, p)
            for p in VisitProgramme.objects.filter(
                directorate_id=plan.directorate_id, end_date__gte=today, start_date__lte=horizon
            ).order_by("start_date", "pk")
        ]
    else:
        step = {PlanFrequency.MONTHLY: _month, PlanFrequency.QUARTERLY: _quarter, PlanFrequency.YEARLY: _year}[
            plan.frequency
        ]
        candidates = [step(today), step(today, 1)]
    return [
        p
        for p in candidates
        if p.end >= today
        and p.start <= horizon
        and p.end >= plan.start_date
        and (plan.end_date is None or p.start <= plan.end_date)
    ]


@dataclass(frozen=True)
class Place:
    """Where one generated visit goes."""

    school: School | None
    location: Location | None = None
    fiber_site: FiberSite | None = None

    @property
    def key(self) -> tuple[int | None, int | None]:
        """(location id, fiber site id): with the plan and the period, what makes a generated visit unique."""
        return (self.location.pk if self.location else None, self.fiber_site.pk if self.fiber_site else None)

    @property
    def group(self) -> tuple[str, int]:
        """Visits of one school share a day (one trip); each site without a school has its own."""
        if self.school is not None:
            return ("school", self.school.pk)
        return ("site", self.fiber_site.pk if self.fiber_site else 0)


def plan_places(plan: MaintenancePlan) -> list[Place]:
    """What the plan covers now: its directorate's locations (of the kind, holding the category), or
    its active fiber sites — limited to the plan's schools when it names some."""
    school_ids = list(plan.schools.values_list("pk", flat=True))
    if plan.target == PlanTarget.FIBER_SITES:
        sites = FiberSite.objects.filter(directorate_id=plan.directorate_id, status=FiberSiteStatus.ACTIVE)
        if school_ids:
            sites = sites.filter(school_id__in=school_ids)
        return [Place(s.school, None, s) for s in sites.select_related("school").order_by("code")]
    locations = Location.objects.filter(school__directorate_id=plan.directorate_id)
    if school_ids:
        locations = locations.filter(school_id__in=school_ids)
    if plan.location_kind:
        locations = locations.filter(kind=plan.location_kind)
    if plan.asset_category:
        held = Asset.objects.filter(asset_model__category=plan.asset_category, status__in=PRESENT)
        locations = locations.filter(pk__in=held.values("location_id"))
    return [Place(loc.school, loc) for loc in locations.select_related("school").order_by("school__code", "name_ar")]


def _working_days(start: dt.date, end: dt.date, weekdays: Iterable[int], holidays: list[Holiday], school, directorate):
    open_days = set(weekdays)
    closed = set()
    for holiday in holidays:
        if holiday_applies(holiday, school, directorate):
            day = max(holiday.start_date, start)
            while day <= min(holiday.end_date, end):
                closed.add(day)
                day += dt.timedelta(days=1)
    days = []
    day = start
    while day <= end:
        if day.weekday() in open_days and day not in closed:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _spread(places: list[Place], start: dt.date, end: dt.date, plan: MaintenancePlan) -> dict[Place, dt.date]:
    """A date for each place: the schools (groups) spread evenly over the working days of [start, end],
    each on one of its own working days, away from holidays."""
    groups: dict[tuple[str, int], list[Place]] = {}
    for place in places:
        groups.setdefault(place.group, []).append(place)
    holidays = list(Holiday.objects.filter(holidays_between(start, end)))
    directorate = plan.directorate
    dates: dict[Place, dt.date] = {}
    for index, members in enumerate(groups.values()):
        school = members[0].school
        weekdays = school.working_days if school is not None else DEFAULT_WORKING_DAYS
        days = _working_days(start, end, weekdays, holidays, school, directorate) or [start]
        day = days[index * len(days) // len(groups)]
        for place in members:
            dates[place] = day
    return dates


@dataclass
class Generated:
    """What one generation run made: visits per (plan, period)."""

    visits: list[Visit] = field(default_factory=list)
    rounds: list[tuple[MaintenancePlan, Period, int]] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.visits)


def plan_generate(*, plan: MaintenancePlan, today: dt.date, result: Generated | None = None) -> Generated:
    """Generate the visits (and their checklists) of `plan` that `today` calls for and that do not exist yet."""
    result = result if result is not None else Generated()
    if not plan.active:
        return result
    places = None
    for period in plan_periods(plan, today):
        start = max(period.start, plan.start_date, today)
        end = min(period.end, plan.end_date or period.end)
        if start > end:
            continue
        if places is None:
            places = plan_places(plan)
        done = set(Visit.objects.filter(plan=plan, period=period.key).values_list("location_id", "fiber_site_id"))
        missing = [p for p in places if p.key not in done]
        if not missing:
            result.rounds.append((plan, period, 0))
            continue
        made = 0
        for place, day in _spread(missing, start, end, plan).items():
            visit = _generate_one(plan, period, place, day)
            if visit is not None:
                result.visits.append(visit)
                made += 1
        result.rounds.append((plan, period, made))
    return result


def _generate_one(plan: MaintenancePlan, period: Period, place: Place, day: dt.date) -> Visit | None:
    """One generated visit with its checklist; None when another run made it first (the unique key)."""
    programme = period.programme or programme_for(plan.directorate_id, day)
    visit = Visit(
        plan=plan,
        period=period.key,
        purpose=plan.purpose,
        school=place.school,
        location=place.location,
        fiber_site=place.fiber_site,
        planned_date=day,
        technician=plan.technician,
        programme=programme,
    )
    visit.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            visit.save()
            VisitCheck.objects.bulk_create(
                VisitCheck(visit=visit, position=i, text=text[:300])
                for i, text in enumerate(plan.checklist_items, start=1)
            )
    except IntegrityError:
        return None  # a concurrent run generated it: the database keeps one
    return visit


def plans_generate(*, today: dt.date | None = None, plans: Iterable[MaintenancePlan] | None = None) -> Generated:
    """Generate what every active plan calls for on `today` (default: the local date). Idempotent."""
    today = today or timezone.localdate()
    result = Generated()
    if plans is None:
        plans = (
            MaintenancePlan.objects.filter(active=True, start_date__lte=today + dt.timedelta(days=366))
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("directorate", "technician")
            .order_by("pk")
        )
    for plan in plans:
        plan_generate(plan=plan, today=today, result=result)
    return result
