"""Preventive maintenance plans → generated visits (maintenance.visit_services): the periods, the
places a plan covers, the spread over working days, the checklist, and idempotence (a second
run, a racing run, the command and the Celery task add nothing)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.models import Asset, AssetModel, FiberSite, Holiday, Location, Manufacturer
from core.roles import Role
from maintenance import tasks, visit_services
from maintenance.choices import PlanFrequency, PlanTarget, VisitPurpose, VisitStatus
from maintenance.models import MaintenancePlan, Visit, VisitCheck, VisitProgramme

pytestmark = pytest.mark.django_db

# A Sunday in the second term of 2025/2026 (Amman's school week is Sunday to Thursday).
TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def term(directorate):
    return VisitProgramme.objects.create(
        directorate=directorate,
        academic_year=2025,
        term="2",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 6, 15),
    )


@pytest.fixture
def labs(school, other_school, lab, desktop_model):
    """Three computer labs (two at `school`) and a science lab; desktops in the first two only."""
    lab2 = Location.objects.create(school=school, name_ar="مختبر الحاسوب الثاني", kind="computer_lab")
    lab3 = Location.objects.create(school=other_school, name_ar="مختبر الحاسوب", kind="computer_lab")
    Location.objects.create(school=other_school, name_ar="مختبر الفيزياء", kind="science_lab")
    for n, where in enumerate([lab, lab2], start=1):
        Asset.objects.create(asset_tag=f"PC-{n}", asset_model=desktop_model, school=where.school, location=where)
    return [lab, lab2, lab3]


@pytest.fixture
def tech(users):
    return users[Role.TECHNICIAN]


def plan(directorate, **fields) -> MaintenancePlan:
    values = dict(
        directorate=directorate,
        name="صيانة وقائية لمختبرات الحاسوب",
        frequency=PlanFrequency.TERM,
        location_kind="computer_lab",
        checklist="تنظيف الأجهزة من الغبار\nفحص مزود الطاقة\n\nتحديث برنامج الحماية",
        start_date=dt.date(2025, 9, 1),
    )
    values.update(fields)
    return MaintenancePlan.objects.create(**values)


def test_it_generates_one_visit_per_lab_on_the_term_with_the_checklist(directorate, term, labs, tech):
    every_lab = plan(directorate, technician=tech)
    result = visit_services.plans_generate(today=TODAY)
    visits = list(Visit.objects.order_by("location__pk"))
    assert result.created == 3
    assert [v.location for v in visits] == labs
    for visit in visits:
        assert visit.plan == every_lab and visit.period == "2025-T2" and visit.programme == term
        assert visit.purpose == VisitPurpose.PREVENTIVE and visit.status == VisitStatus.PLANNED
        assert visit.technician == tech
        assert TODAY <= visit.planned_date <= term.end_date
        assert visit.planned_date.weekday() in visit.school.working_days
        assert list(visit.checks.values_list("position", "text")) == [
            (1, "تنظيف الأجهزة من الغبار"),
            (2, "فحص مزود الطاقة"),
            (3, "تحديث برنامج الحماية"),
        ]
    # one trip per school: the two labs of the first school share a day; the other school has its own
    first, second, third = visits
    assert first.planned_date == second.planned_date
    assert third.planned_date != first.planned_date


def test_a_second_run_changes_nothing(directorate, term, labs):
    plan(directorate)
    visit_services.plans_generate(today=TODAY)
    before = list(Visit.objects.order_by("pk").values_list("pk", "location", "planned_date"))
    checks = VisitCheck.objects.count()
    again = visit_services.plans_generate(today=TODAY)
    later = visit_services.plans_generate(today=TODAY + dt.timedelta(days=20))
    assert again.created == 0 and later.created == 0
    assert list(Visit.objects.order_by("pk").values_list("pk", "location", "planned_date")) == before
    assert VisitCheck.objects.count() == checks


def test_a_moved_or_cancelled_visit_is_not_made_again(directorate, term, labs, users):
    plan(directorate)
    visit_services.plans_generate(today=TODAY)
    moved, cancelled = Visit.objects.order_by("pk")[:2]
    moved.planned_date = dt.date(2026, 5, 5)
    visit_services.visit_save(visit=moved)
    visit_services.visit_cancel(visit=cancelled, by=users[Role.IT_HEAD], reason="المدرسة مغلقة للصيانة")
    assert visit_services.plans_generate(today=TODAY).created == 0
    moved.refresh_from_db()
    assert moved.planned_date == dt.date(2026, 5, 5)
    assert Visit.objects.count() == 3


def test_a_lab_opened_later_gets_its_visit_and_only_it(directorate, term, labs, other_school):
    plan(directorate)
    visit_services.plans_generate(today=TODAY)
    new_lab = Location.objects.create(school=other_school, name_ar="مختبر الحاسوب الجديد", kind="computer_lab")
    result = visit_services.plans_generate(today=TODAY + dt.timedelta(days=3))
    assert [v.location for v in result.visits] == [new_lab]
    assert Visit.objects.count() == 4


def test_the_database_refuses_a_second_visit_for_the_same_plan_period_and_location(directorate, term, labs):
    p = plan(directorate)
    visit_services.plans_generate(today=TODAY)
    existing = Visit.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            plan=p,
            period=existing.period,
            purpose=existing.purpose,
            school=existing.school,
            location=existing.location,
            planned_date=existing.planned_date,
        )


def test_a_racing_run_is_absorbed(directorate, term, labs, monkeypatch):
    """Another worker made the visit between our look and our insert: the unique key keeps one."""
    p = plan(directorate)
    real_spread = visit_services._spread

    def spread_after_a_rival_ran(places, start, end, the_plan):
        dates = real_spread(places, start, end, the_plan)
        rival = next(iter(dates))
        Visit.objects.create(
            plan=p,
            period="2025-T2",
            purpose=p.purpose,
            school=rival.school,
            location=rival.location,
            planned_date=dates[rival],
        )
        return dates

    monkeypatch.setattr(visit_services, "_spread", spread_after_a_rival_ran)
    result = visit_services.plans_generate(today=TODAY)
    assert result.created == 2
    assert Visit.objects.count() == 3


def test_category_filter_takes_only_locations_holding_such_assets(directorate, term, labs):
    plan(directorate, location_kind="", asset_category="desktop")
    visit_services.plans_generate(today=TODAY)
    assert set(Visit.objects.values_list("location", flat=True)) == {labs[0].pk, labs[1].pk}


def test_yearly_ups_plan_visits_each_location_with_a_ups_once_a_year(directorate, school, lab):
    apc = Manufacturer.objects.create(name="APC")
    ups = AssetModel.objects.create(manufacturer=apc, name="Smart-UPS 1500", category="ups")
    room = Location.objects.create(school=school, name_ar="غرفة الشبكة", kind="server_room")
    Asset.objects.create(asset_tag="UPS-1", asset_model=ups, school=school, location=room)
    Asset.objects.create(asset_tag="UPS-2", asset_model=ups, school=school, location=room, status="disposed")
    plan(
        directorate,
        name="فحص بطاريات UPS",
        frequency=PlanFrequency.YEARLY,
        location_kind="",
        asset_category="ups",
        checklist="قياس جهد البطارية",
    )
    visit_services.plans_generate(today=TODAY)
    visit = Visit.objects.get()
    assert visit.location == room and visit.period == "2026"
    assert TODAY <= visit.planned_date <= dt.date(2026, 12, 31)
    # the next year is generated only when it is `lead_days` (14) away
    assert visit_services.plans_generate(today=dt.date(2026, 12, 10)).created == 0
    assert visit_services.plans_generate(today=dt.date(2026, 12, 20)).created == 1
    assert Visit.objects.filter(period="2027").get().planned_date >= dt.date(2027, 1, 1)


def test_monthly_fiber_plan_visits_every_active_site(directorate, circuits):
    FiberSite.objects.filter(code="S-110002").update(status="decommissioned")
    plan(
        directorate,
        name="فحص مواقع الألياف",
        frequency=PlanFrequency.MONTHLY,
        target=PlanTarget.FIBER_SITES,
        location_kind="",
        purpose=VisitPurpose.FIBER_SITE_CHECK,
        checklist="",
    )
    visit_services.plans_generate(today=TODAY)
    visits = Visit.objects.order_by("fiber_site__code")
    assert [v.fiber_site.code for v in visits] == ["HQ", "S-110001"]
    assert all(v.period == "2026-03" and not v.checks.exists() for v in visits)
    hq_visit = visits[0]
    assert hq_visit.school is None and hq_visit.location is None


def test_visits_avoid_holidays_and_weekends(directorate, term, school, lab):
    # Every school day of March but the last is a holiday for the directorate: the one visit lands there.
    Holiday.objects.create(
        name="عطلة", start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 30), directorate=directorate
    )
    plan(directorate, frequency=PlanFrequency.MONTHLY)
    visit_services.plans_generate(today=TODAY)
    assert Visit.objects.get().planned_date == dt.date(2026, 3, 31)  # a Tuesday


def test_no_term_programme_no_term_visits_and_plans_respect_their_dates(directorate, labs):
    plan(directorate)
    assert visit_services.plans_generate(today=TODAY).created == 0
    plan(directorate, name="شهرية", frequency=PlanFrequency.MONTHLY, start_date=dt.date(2026, 5, 1))
    assert visit_services.plans_generate(today=TODAY).created == 0
    plan(directorate, name="منتهية", frequency=PlanFrequency.MONTHLY, end_date=dt.date(2026, 2, 28))
    assert visit_services.plans_generate(today=TODAY).created == 0
    plan(directorate, name="متوقفة", frequency=PlanFrequency.MONTHLY, active=False)
    assert visit_services.plans_generate(today=TODAY).created == 0


def test_saving_an_active_plan_generates_its_current_period(directorate, term, labs, users):
    p = MaintenancePlan(
        directorate=directorate,
        name="خطة",
        frequency=PlanFrequency.TERM,
        location_kind="computer_lab",
        start_date=dt.date(2025, 9, 1),
    )
    visit_services.plan_save(plan=p, by=users[Role.IT_HEAD], today=TODAY)
    assert Visit.objects.filter(plan=p).count() == 3


def test_a_plan_technician_must_work_tickets(directorate, users):
    p = MaintenancePlan(
        directorate=directorate,
        name="خطة",
        frequency=PlanFrequency.MONTHLY,
        start_date=dt.date(2026, 1, 1),
        technician=users[Role.SCHOOL_STAFF],
    )
    with pytest.raises(ValidationError) as refused:
        visit_services.plan_save(plan=p)
    assert "technician" in refused.value.message_dict


def test_the_command_generates_and_a_dry_run_changes_nothing(directorate, term, labs):
    plan(directorate)
    out = StringIO()
    call_command("generate_visits", "--date", TODAY.isoformat(), "--dry-run", stdout=out)
    assert "3 visit(s) would be generated" in out.getvalue()
    assert Visit.objects.count() == 0
    call_command("generate_visits", "--date", TODAY.isoformat(), stdout=out)
    assert Visit.objects.count() == 3
    out = StringIO()
    call_command("generate_visits", "--date", TODAY.isoformat(), stdout=out)
    assert "0 visit(s) generated" in out.getvalue()


def test_the_celery_task_runs_the_same_generation(directorate, labs, settings):
    today = timezone.localdate()
    VisitProgramme.objects.create(
        directorate=directorate,
        academic_year=today.year,
        term="1",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=60),
    )
    plan(directorate, start_date=today - dt.timedelta(days=30))
    assert tasks.generate_visits.apply().get() == 3
    assert tasks.generate_visits.apply().get() == 0
    assert "maintenance.generate_visits" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert settings.CELERY_TASK_ROUTES["maintenance.generate_visits"] == {"queue": "tickets"}


def test_a_plan_of_other_schools_only(directorate, term, labs, other_school):
    p = plan(directorate)
    p.schools.set([other_school])
    visit_services.plans_generate(today=TODAY)
    assert list(Visit.objects.values_list("location", flat=True)) == [labs[2].pk]


def test_the_demo_field_work(db):
    """load_demo's field work: this term's programme, three plans with their visits, reported visits,
    needs, a decided disposal list — all through the services, and a second run changes nothing."""
    from core.models import ObjectChange
    from maintenance.models import DisposalItem, DisposalList, Need, Project

    call_command("load_demo", stdout=StringIO())
    assert VisitProgramme.objects.count() == 1
    assert MaintenancePlan.objects.count() == 3
    assert Visit.objects.filter(plan__isnull=False).count() == 10 + 10 + 11  # labs, UPS rooms, fiber sites
    reported = Visit.objects.filter(status=VisitStatus.DONE)
    assert reported.count() == 2 and all(v.findings.exists() or v.purpose == "project_receipt" for v in reported)
    follow_ups = [f for v in reported for f in v.findings.all() if f.follow_up]
    assert follow_ups and all(f.ticket is None for f in follow_ups)  # waiting for someone to open them
    assert Need.objects.count() == 2 and Project.objects.filter(status="executed").count() == 1
    disposal_list = DisposalList.objects.get()
    assert disposal_list.status == "decided"
    decisions = sorted(disposal_list.items.values_list("decision", flat=True))
    assert decisions.count("refused") == 1 and "pending" not in decisions
    laptop = DisposalItem.objects.get(report__isnull=False)
    assert laptop.asset.status == "disposed" and laptop.decision == "approved"
    changes = ObjectChange.objects.count()
    visits = Visit.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert ObjectChange.objects.count() == changes and Visit.objects.count() == visits
