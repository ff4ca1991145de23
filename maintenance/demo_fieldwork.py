"""The demo's field work (issue 7), played after the help desk (maintenance/demo.py) through the
services, so it obeys the same rules as people:

- this term's visit programme (QF70-2-1) and three preventive maintenance plans — every computer
  lab each term, the UPS batteries every year, the fiber sites every quarter — whose visits are
  generated for the period under way;
- two visits already made and reported (QF75-13): a lab readiness check with findings, one of
  them a follow-up waiting for someone to open its ticket (the demo opens none: the help desk's
  eight tickets stay the demo's only ones), and the receipt of a project's devices;
- the needs those found, an executed tender that provided part of them, a standard allocation
  per lab type (so the surplus / shortage list has something to say);
- a disposal list with the laptop the help desk's technical report recommended for disposal and
  assets set to "awaiting disposal" by hand, decided by the committee: all approved but one.

Idempotent: each piece is looked up by its natural key (a programme's term, a plan's name, a visit's
planning note, a need's justification, a project's name, a list's title) and made only when
missing, so a second load_demo changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from assets.choices import AssetStatus
from assets.models import Asset, Directorate, Location, School
from maintenance import disposal_services, need_services, visit_services
from maintenance.choices import DisposalDecision, PlanFrequency, PlanTarget, ProjectStatus, Term, VisitPurpose
from maintenance.models import (
    DisposalItem,
    DisposalList,
    MaintenancePlan,
    Need,
    Project,
    StandardAllocation,
    Visit,
    VisitProgramme,
)

PLANS = [
    {
        "name": "الصيانة الوقائية لمختبرات الحاسوب",
        "frequency": PlanFrequency.TERM,
        "location_kind": "computer_lab",
        "checklist": "\n".join(
            [
                "تنظيف الأجهزة والشاشات من الغبار",
                "فحص مزودات الطاقة والكوابل",
                "تحديث نظام التشغيل وبرنامج الحماية",
                "فحص اتصال الأجهزة بالشبكة",
                "فحص جهاز العرض واللوح التفاعلي",
            ]
        ),
    },
    {
        "name": "فحص بطاريات أجهزة UPS",
        "frequency": PlanFrequency.YEARLY,
        "asset_category": "ups",
        "checklist": "قياس جهد البطاريات\nاختبار التحويل إلى البطارية\nفحص درجة حرارة الغرفة",
    },
    {
        "name": "فحص مواقع شبكة الألياف الضوئية",
        "frequency": PlanFrequency.QUARTERLY,
        "target": PlanTarget.FIBER_SITES,
        "purpose": VisitPurpose.FIBER_SITE_CHECK,
        "checklist": "فحص لوحة توزيع الألياف (ODF)\nفحص جهاز الطرفية ومؤشراته\nفحص تأريض الخزانة",
    },
]

STANDARDS = [
    ("computer_lab", "desktop", 15),
    ("computer_lab", "interactive_board", 1),
    ("computer_lab", "access_point", 2),
    ("science_lab", "science_equipment", 4),
    ("science_lab", "lab_instrument", 2),
    ("library", "laptop", 3),
]

READINESS_NOTE = "زيارة للتحقق من جاهزية مختبر الحاسوب قبل الامتحانات العملية"
RECEIPT_NOTE = "استلام أجهزة عطاء المختبرات الذكية"
PROJECT_NAME = "عطاء تجهيز مختبرات الحاسوب"
LIST_TITLE = "كشف المواد المراد إتلافها — الدفعة الأولى"


def current_term(today: dt.date) -> tuple[int, str, dt.date, dt.date]:
    """(school year, term, first day, last day) of the term that holds `today`, else the next one."""
    year = today.year
    if today >= dt.date(year, 8, 25):
        return year, Term.FIRST, dt.date(year, 8, 25), dt.date(year + 1, 1, 20)
    if today <= dt.date(year, 1, 20):
        return year - 1, Term.FIRST, dt.date(year - 1, 8, 25), dt.date(year, 1, 20)
    if today <= dt.date(year, 6, 20):
        return year - 1, Term.SECOND, dt.date(year, 2, 1), dt.date(year, 6, 20)
    return year - 1, Term.SUMMER, dt.date(year, 6, 21), dt.date(year, 8, 24)


def school_days_ago(today: dt.date, days: int) -> dt.date:
    """`days` school days before today (Sunday to Thursday)."""
    day = today
    while days:
        day -= dt.timedelta(days=1)
        if day.weekday() not in (4, 5):
            days -= 1
    return day


def load(out, *, users: dict[str, Any]) -> None:
    head, tech = users["head"], users["tech"]
    directorate = Directorate.objects.get(code="AMM-QASABA")
    today = timezone.localdate()
    now = timezone.now()
    programme = _programme(directorate, today)
    plans = [_plan(directorate, spec, tech, head, today) for spec in PLANS]
    readiness = _readiness_visit(tech, today, now)
    _receipt_visit(tech, today, now)
    needs = _needs(readiness, tech, today)
    _project(directorate, needs, head, today)
    for kind, category, quantity in STANDARDS:
        if not StandardAllocation.objects.filter(location_kind=kind, category=category).exists():
            need_services.standard_save(
                standard=StandardAllocation(location_kind=kind, category=category, quantity=quantity), by=head
            )
    disposal_list = _disposal(directorate, head, today, now)
    out.write(
        gettext(
            "Demo field work ready: programme %(programme)s, %(plans)d maintenance plans, %(visits)d visits, "
            "%(needs)d needs, disposal list “%(list)s”."
        )
        % {
            "programme": programme,
            "plans": len(plans),
            "visits": Visit.objects.filter(
                Q(school__directorate=directorate) | Q(fiber_site__directorate=directorate)
            ).count(),
            "needs": len(needs),
            "list": disposal_list,
        }
        + "\n"
    )


def _programme(directorate: Directorate, today: dt.date) -> VisitProgramme:
    year, term, start, end = current_term(today)
    existing = VisitProgramme.objects.filter(directorate=directorate, academic_year=year, term=term).first()
    if existing is not None:
        return existing
    return visit_services.programme_save(
        programme=VisitProgramme(
            directorate=directorate,
            academic_year=year,
            term=term,
            start_date=start,
            end_date=end,
            notes="برنامج الزيارات الميدانية للمدارس ومواقع الألياف الضوئية",
        )
    )


def _plan(directorate: Directorate, spec: dict[str, Any], tech, head, today: dt.date) -> MaintenancePlan:
    existing = MaintenancePlan.objects.filter(directorate=directorate, name=spec["name"]).first()
    if existing is not None:
        return existing
    plan = MaintenancePlan(directorate=directorate, technician=tech, start_date=today.replace(month=1, day=1), **spec)
    return visit_services.plan_save(plan=plan, by=head, today=today)


def _readiness_visit(tech, today: dt.date, now: dt.datetime) -> Visit:
    existing = Visit.objects.filter(plan__isnull=True, notes=READINESS_NOTE).first()
    if existing is not None:
        return existing
    school = School.objects.get(code="110104")
    lab = Location.objects.get(school=school, kind="computer_lab")
    day = school_days_ago(today, 3)
    visit = visit_services.visit_save(
        visit=Visit(
            purpose=VisitPurpose.LAB_READINESS,
            school=school,
            location=lab,
            planned_date=day,
            technician=tech,
            notes=READINESS_NOTE,
        )
    )
    visit_services.visit_report_save(
        visit=visit,
        by=tech,
        visited_on=day,
        visitors="منسقة مختبرات المديرية",
        met_with="مديرة المدرسة وأمينة المختبر",
        summary="المختبر جاهز للامتحانات العملية باستثناء اللوح التفاعلي وجهازين بطيئين.",
        actions_taken="تنظيف الأجهزة وتحديث برنامج الحماية على جميع الأجهزة.",
        recommendations="تزويد المختبر بخمسة أجهزة حاسوب إضافية ليتسع لطلبة الشعبة كاملة.",
        at=now,
    )
    devices = list(Asset.objects.filter(location=lab, asset_model__category="desktop").order_by("asset_tag")[:2])
    board = Asset.objects.filter(location=lab, asset_model__category="interactive_board").first()
    if board is not None:
        visit_services.finding_add(
            visit=visit,
            by=tech,
            asset=board,
            condition="fault",
            finding="اللوح التفاعلي لا يستجيب للمس، وله بلاغ مفتوح في نظام الدعم الفني.",
            action_taken="إعادة معايرة اللمس دون فائدة.",
        )
    for device in devices:
        visit_services.finding_add(
            visit=visit,
            by=tech,
            asset=device,
            condition="attention",
            finding="الجهاز بطيء بسبب قلة الذاكرة (4 غيغابايت).",
            follow_up="تركيب شريحة ذاكرة إضافية سعة 8 غيغابايت",
        )
    return visit


def _receipt_visit(tech, today: dt.date, now: dt.datetime) -> Visit:
    existing = Visit.objects.filter(plan__isnull=True, notes=RECEIPT_NOTE).first()
    if existing is not None:
        return existing
    school = School.objects.get(code="110110")
    day = school_days_ago(today, 8)
    visit = visit_services.visit_save(
        visit=Visit(
            purpose=VisitPurpose.PROJECT_RECEIPT,
            school=school,
            location=Location.objects.get(school=school, kind="computer_lab"),
            planned_date=day,
            technician=tech,
            notes=RECEIPT_NOTE,
        )
    )
    visit_services.visit_report_save(
        visit=visit,
        by=tech,
        visited_on=day,
        visitors="لجنة الاستلام",
        met_with="مدير المدرسة",
        summary="استلام الأجهزة الموردة ومطابقتها للمواصفات؛ الأجهزة مطابقة وتعمل.",
        actions_taken="تشغيل الأجهزة وتوصيلها بالشبكة وتسجيلها في قاعدة البيانات.",
        at=now,
    )
    return visit


def _needs(readiness: Visit, tech, today: dt.date) -> list[Need]:
    from maintenance.models import Ticket

    wanted = [
        {
            "school": readiness.school,
            "category": "desktop",
            "description": "حاسوب مكتبي بمعالج i5 وذاكرة 8 غيغابايت",
            "quantity": 5,
            "justification": "عدد أجهزة مختبر الحاسوب لا يكفي طلبة الشعبة الواحدة.",
            "source_visit": readiness,
        },
        {
            "school": School.objects.get(code="110109"),
            "category": "laptop",
            "description": "حاسوب محمول للمكتبة",
            "quantity": 1,
            "justification": "بديل الحاسوب المحمول الذي أوصى الفني بإتلافه.",
            "source_ticket": Ticket.objects.filter(
                entries__kind="created", entries__data__demo="library-laptop"
            ).first(),
        },
    ]
    needs = []
    for spec in wanted:
        need = Need.objects.filter(school=spec["school"], justification=spec["justification"]).first()
        if need is None:
            need = need_services.need_save(need=Need(identified_on=school_days_ago(today, 3), **spec), by=tech)
        needs.append(need)
    return needs


def _project(directorate: Directorate, needs: list[Need], head, today: dt.date) -> Project:
    project = Project.objects.filter(directorate=directorate, name=PROJECT_NAME).first()
    if project is not None:
        return project
    project = need_services.project_save(
        project=Project(
            directorate=directorate,
            name=PROJECT_NAME,
            kind="tender",
            reference="ع/7/2025",
            funder="وزارة التربية والتعليم",
            status=ProjectStatus.EXECUTED,
            started_on=today - dt.timedelta(days=90),
            completed_on=today - dt.timedelta(days=2),
            description="توريد أجهزة حاسوب مكتبية ومحمولة لمدارس المديرية.",
        ),
        by=head,
    )
    need_services.need_provide(need=needs[0], project=project, quantity=3, provided_on=today - dt.timedelta(days=2))
    return project


def _disposal(directorate: Directorate, head, today: dt.date, now: dt.datetime) -> DisposalList:
    existing = DisposalList.objects.filter(directorate=directorate, title=LIST_TITLE).first()
    if existing is not None:
        return existing
    items = list(
        DisposalItem.objects.filter(
            decision=DisposalDecision.PENDING, asset__school__directorate=directorate, disposal_list__isnull=True
        )
    )
    by_hand = list(
        Asset.objects.filter(school__directorate=directorate, status=AssetStatus.AWAITING_DISPOSAL)
        .exclude(disposal_items__decision=DisposalDecision.PENDING)
        .order_by("asset_tag")[:3]
    )
    disposal_list = disposal_services.disposal_list_create(
        directorate=directorate, title=LIST_TITLE, by=head, items=items, assets=by_hand
    )
    disposal_services.disposal_list_submit(disposal_list=disposal_list, by=head, at=now)
    decided = list(disposal_list.items.order_by("asset__asset_tag"))
    # the committee keeps one of the assets set aside by hand; the laptop of the help desk's report goes
    kept = [i for i in decided if i.report_id is None][-1:]
    refused = {i.pk: "الجهاز صالح للاستخدام بعد استبدال القطعة التالفة" for i in kept}
    disposal_services.disposal_decision_record(
        disposal_list=disposal_list,
        by=head,
        decision_number="إ/1/" + str(today.year),
        decision_date=today,
        members=[
            "رئيس قسم تكنولوجيا التعليم والمعلومات — رئيساً",
            "مندوب قسم الشؤون المالية — عضواً",
            "مندوب قسم اللوازم — عضواً",
        ],
        approved=[i.pk for i in decided if i.pk not in refused],
        refused=refused,
        notes="تُتلف المواد الموافق عليها وفق تعليمات اللوازم العامة.",
        at=now,
    )
    return disposal_list
