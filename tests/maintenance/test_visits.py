"""Field visits and their report (QF75-13): planning on a programme, the report with its checklist,
findings per location or asset, and a follow-up that opens a ticket in one step (source "field
visit", linked both ways). The pages, the print, the tablet page and /api/field-visits/ too."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assets.models import Location
from core.roles import Role
from maintenance import visit_services
from maintenance.choices import (
    CheckResult,
    FindingCondition,
    TicketCategory,
    TicketSource,
    TicketType,
    VisitPurpose,
    VisitStatus,
)
from maintenance.models import Ticket, Visit, VisitCheck, VisitFinding, VisitProgramme
from tests.assets.ui_fixtures import client_for, far_school, text
from tests.factories import english

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 3)
AT = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def programme(directorate):
    return VisitProgramme.objects.create(
        directorate=directorate,
        academic_year=2025,
        term="2",
        start_date=dt.date(2026, 2, 1),
        end_date=dt.date(2026, 6, 15),
    )


@pytest.fixture
def visit(programme, school, lab, users):
    visit = visit_services.visit_save(
        visit=Visit(
            purpose=VisitPurpose.LAB_READINESS,
            school=school,
            location=lab,
            planned_date=DAY,
            technician=users[Role.TECHNICIAN],
        )
    )
    VisitCheck.objects.bulk_create(
        [VisitCheck(visit=visit, position=1, text="الأجهزة تعمل"), VisitCheck(visit=visit, position=2, text="الشبكة")]
    )
    return visit


def file_report(visit, by, **overrides):
    values = dict(
        visit=visit,
        by=by,
        visited_on=DAY,
        summary="المختبر جاهز باستثناء جهاز واحد",
        visitors="م. هالة يوسف",
        met_with="مديرة المدرسة",
        actions_taken="تنظيف الأجهزة",
        recommendations="استبدال الطابعة",
        at=AT,
    )
    values.update(overrides)
    return visit_services.visit_report_save(**values)


# --------------------------------------------------------------------------- services


def test_a_visit_joins_the_programme_of_its_term(visit, programme):
    assert visit.programme == programme
    assert visit.number == f"V-{visit.pk:05d}"


def test_a_planned_date_outside_the_programme_is_refused(visit, programme):
    visit.planned_date = dt.date(2026, 8, 1)
    with pytest.raises(ValidationError) as refused:
        visit_services.visit_save(visit=visit)
    assert "planned_date" in refused.value.message_dict


def test_the_report_marks_the_visit_reported_with_its_checks(visit, users):
    tech = users[Role.TECHNICIAN]
    first, second = visit.checks.order_by("position")
    file_report(visit, tech, checks={first.pk: (CheckResult.OK, ""), second.pk: (CheckResult.FAULT, "منفذ معطل")})
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.visited_on == DAY
    assert visit.reported_by == tech and visit.reported_at == AT
    second.refresh_from_db()
    assert second.result == CheckResult.FAULT and second.note == "منفذ معطل"
    # a correction keeps who reported first, and when
    file_report(visit, users[Role.IT_HEAD], summary="تصحيح", at=AT + dt.timedelta(hours=2))
    visit.refresh_from_db()
    assert visit.summary == "تصحيح" and visit.reported_by == tech and visit.reported_at == AT


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_on": dt.date(2099, 1, 1)}, "visited_on"),
        ({"summary": "  "}, "summary"),
        ({"checks": {999999: ("ok", "")}}, "checks"),
    ],
)
def test_a_report_is_checked(visit, users, overrides, field):
    with pytest.raises(ValidationError) as refused:
        file_report(visit, users[Role.TECHNICIAN], **overrides)
    assert field in refused.value.message_dict
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED


def test_only_staff_file_reports_and_a_cancelled_visit_has_none(visit, users):
    with pytest.raises(ValidationError):
        file_report(visit, users[Role.SCHOOL_STAFF])
    visit_services.visit_cancel(visit=visit, by=users[Role.IT_HEAD], reason="إضراب")
    with pytest.raises(ValidationError):
        file_report(visit, users[Role.TECHNICIAN])


def test_a_follow_up_opens_a_ticket_in_one_step(visit, users, asset, lab):
    tech = users[Role.TECHNICIAN]
    file_report(visit, tech)
    finding = visit_services.finding_add(
        visit=visit,
        by=tech,
        asset=asset,
        condition=FindingCondition.FAULT,
        finding="الجهاز لا يقلع",
        action_taken="فحص مزود الطاقة",
        follow_up="استبدال مزود الطاقة\nالقطعة غير متوفرة في الحقيبة",
        open_ticket=True,
        priority="high",
        at=AT,
    )
    ticket = finding.ticket
    assert ticket is not None
    assert ticket.source == TicketSource.VISIT and ticket.type == TicketType.FAULT
    assert ticket.category == TicketCategory.DEVICE and ticket.priority == "high"
    assert ticket.school == visit.school and ticket.location == lab
    assert list(ticket.assets.all()) == [asset]
    assert ticket.title == "استبدال مزود الطاقة"
    assert visit.number in ticket.description and "الجهاز لا يقلع" in ticket.description
    assert ticket.created_by == tech and ticket.opened_at == AT
    opened = ticket.entries.get(kind="created")
    assert opened.data["visit"] == visit.pk and opened.data["finding"] == finding.pk
    assert list(ticket.visit_findings.all()) == [finding]
    # one ticket per follow-up
    with pytest.raises(ValidationError):
        visit_services.finding_open_ticket(finding=finding, by=tech)
    assert Ticket.objects.count() == 1
    # and a finding that opened a ticket stays
    with pytest.raises(ValidationError):
        visit_services.finding_delete(finding=finding)


def test_a_finding_without_follow_up_opens_no_ticket(visit, users, lab):
    tech = users[Role.TECHNICIAN]
    finding = visit_services.finding_add(
        visit=visit, by=tech, location=lab, condition=FindingCondition.GOOD, finding="المختبر نظيف"
    )
    with pytest.raises(ValidationError) as refused:
        visit_services.finding_open_ticket(finding=finding, by=tech)
    assert "follow_up" in refused.value.message_dict
    with pytest.raises(ValidationError):  # all or nothing: the finding is not kept either
        visit_services.finding_add(visit=visit, by=tech, location=lab, finding="x", open_ticket=True)
    assert VisitFinding.objects.count() == 1


def test_a_finding_stays_in_the_visited_school(visit, users, other_asset):
    with pytest.raises(ValidationError) as refused:
        visit_services.finding_add(visit=visit, by=users[Role.TECHNICIAN], asset=other_asset, finding="x")
    assert "asset" in refused.value.message_dict


def test_a_fiber_site_follow_up_is_a_fiber_ticket(directorate, circuits, users):
    tech = users[Role.TECHNICIAN]
    hq = circuits[0].termination_a
    visit = visit_services.visit_save(
        visit=Visit(purpose=VisitPurpose.FIBER_SITE_CHECK, fiber_site=hq, planned_date=DAY, technician=tech)
    )
    finding = visit_services.finding_add(
        visit=visit, by=tech, finding="لوحة ODF مكشوفة", follow_up="تركيب غطاء للوحة", open_ticket=True, at=AT
    )
    assert finding.ticket.category == TicketCategory.FIBER and finding.ticket.school is None


# --------------------------------------------------------------------------- pages


def en(user):
    client = client_for(user)
    english(client)
    return client


def test_the_technician_files_the_report_from_the_visit_page(visit, users, asset):
    tech = users[Role.TECHNICIAN]
    first, second = visit.checks.order_by("position")
    client = en(tech)
    page = client.get(visit.get_absolute_url())
    assert page.status_code == 200 and "File the visit report" in text(page)
    response = client.post(
        reverse("maintenance:visit_report", args=[visit.pk]),
        {
            "visited_on": DAY.isoformat(),
            "visitors": "",
            "met_with": "المديرة",
            "summary": "كل شيء جاهز",
            "actions_taken": "",
            "recommendations": "",
            f"check-{first.pk}-result": "ok",
            f"check-{first.pk}-note": "",
            f"check-{second.pk}-result": "fault",
            f"check-{second.pk}-note": "منفذ",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.summary == "كل شيء جاهز"
    assert VisitCheck.objects.get(pk=second.pk).result == "fault"
    response = client.post(
        reverse("maintenance:visit_finding", args=[visit.pk]),
        {
            "asset": asset.pk,
            "condition": "fault",
            "finding": "لا يعمل",
            "action_taken": "",
            "follow_up": "إصلاح الجهاز",
            "open_ticket": "on",
            "priority": "normal",
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = client.get(visit.get_absolute_url())
    assert ticket.number in text(page)
    # and the ticket's page links back to the visit
    ticket_page = text(client.get(ticket.get_absolute_url()))
    assert "The follow-up of field visit" in ticket_page and visit.get_absolute_url() in ticket_page


def test_a_bad_report_shows_its_errors(visit, users):
    response = en(users[Role.TECHNICIAN]).post(
        reverse("maintenance:visit_report", args=[visit.pk]), {"visited_on": "2099-01-01", "summary": "x"}
    )
    assert response.status_code == 400
    assert "future" in text(response)


def test_roles_on_the_visit_pages(visit, users, school):
    staff, viewer, tech = users[Role.SCHOOL_STAFF], users[Role.VIEWER], users[Role.TECHNICIAN]
    assert en(staff).get(visit.get_absolute_url()).status_code == 200  # their school
    assert en(staff).post(reverse("maintenance:visit_report", args=[visit.pk]), {}).status_code == 403
    assert en(viewer).post(reverse("maintenance:visit_report", args=[visit.pk]), {}).status_code == 403
    # another school's staff see nothing of it
    far = far_school()
    from tests.factories import make_user

    stranger = make_user("stranger", Role.SCHOOL_STAFF, school=far)
    assert en(stranger).get(visit.get_absolute_url()).status_code == 404
    listing = en(stranger).get(reverse("maintenance:visit_list"))
    assert listing.status_code == 200 and visit.number not in text(listing)
    # planning (the programme) is the IT head's
    assert en(tech).get(reverse("maintenance:visitprogramme_add")).status_code == 403
    assert en(users[Role.IT_HEAD]).get(reverse("maintenance:visitprogramme_add")).status_code == 200


def test_the_printed_report_is_arabic_by_default_and_english_on_request(visit, users, lab):
    tech = users[Role.TECHNICIAN]
    file_report(visit, tech)
    visit_services.finding_add(visit=visit, by=tech, location=lab, finding="<b>مختبر</b> بحاجة إلى تكييف")
    client = en(tech)
    page = client.get(reverse("maintenance:visit_print", args=[visit.pk]))
    body = text(page)
    assert page.status_code == 200 and page["Content-Language"] == "ar"
    assert 'dir="rtl"' in body and "QF75-13" in body and "تقرير زيارة ميدانية" in body
    assert "&lt;b&gt;مختبر&lt;/b&gt;" in body  # escaped
    english = client.get(reverse("maintenance:visit_print", args=[visit.pk]) + "?lang=en")
    assert "Field visit report" in text(english) and 'dir="ltr"' in text(english)


def test_the_printed_report_as_pdf(visit, users, tmp_path):
    from tests.core.test_pdf import page_text

    file_report(visit, users[Role.TECHNICIAN])
    response = en(users[Role.TECHNICIAN]).get(reverse("maintenance:visit_pdf", args=[visit.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    first_page = page_text(response.content, tmp_path, 1)
    assert "QF75-13" in first_page and visit.number in first_page


def test_the_programme_prints_as_qf70_2_1(visit, programme, users):
    page = en(users[Role.IT_HEAD]).get(reverse("maintenance:visitprogramme_print", args=[programme.pk]))
    body = text(page)
    assert page.status_code == 200 and "QF70-2-1" in body and "برنامج الزيارات الميدانية" in body
    assert visit.number in body


def test_the_tablet_lists_my_visits_and_files_the_report(visit, users):
    tech = users[Role.TECHNICIAN]
    client = en(tech)
    page = client.get(reverse("tablet:visits"))
    assert page.status_code == 200 and visit.number in text(page)
    page = client.get(reverse("tablet:visit", args=[visit.pk]))
    assert page.status_code == 200 and 'name="summary"' in text(page)
    assert re.search(r'<meta name="viewport"', text(page))
    response = client.post(
        reverse("tablet:visit", args=[visit.pk]),
        {"visited_on": DAY.isoformat(), "summary": "تم", "met_with": "", "visitors": ""},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    assert client_for(users[Role.SCHOOL_STAFF]).get(reverse("tablet:visits")).status_code == 403


# --------------------------------------------------------------------------- API


def test_the_api_lists_plans_reports_and_opens_a_follow_up(visit, users, asset, api_for):
    tech = users[Role.TECHNICIAN]
    api = api_for(tech)
    listing = api.get("/api/field-visits/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [visit.pk]
    first = visit.checks.order_by("position").first()
    report = api.post(
        f"/api/field-visits/{visit.pk}/report/",
        {
            "visited_on": DAY.isoformat(),
            "summary": "جاهز",
            "checks": [{"id": first.pk, "result": "ok", "note": ""}],
        },
        format="json",
    )
    assert report.status_code == 200, report.content
    assert report.json()["status"] == "done"
    finding = api.post(
        f"/api/field-visits/{visit.pk}/findings/",
        {"asset": asset.pk, "finding": "لا يعمل", "follow_up": "إصلاح", "condition": "fault"},
        format="json",
    )
    assert finding.status_code == 201, finding.content
    finding_id = finding.json()["id"]
    assert finding.json()["ticket"] is None
    opened = api.post(f"/api/field-visits/{visit.pk}/findings/{finding_id}/ticket/", {}, format="json")
    assert opened.status_code == 201, opened.content
    ticket = Ticket.objects.get(number=opened.json()["number"])
    assert ticket.source == TicketSource.VISIT
    again = api.post(f"/api/field-visits/{visit.pk}/findings/{finding_id}/ticket/", {}, format="json")
    assert again.status_code == 400
    # school staff read their school's visits, and cannot report
    staff_api = api_for(users[Role.SCHOOL_STAFF])
    assert staff_api.get(f"/api/field-visits/{visit.pk}/").status_code == 200
    assert staff_api.post(f"/api/field-visits/{visit.pk}/report/", {}, format="json").status_code == 403


def test_the_api_plans_a_visit(users, school, lab, api_for, programme):
    api = api_for(users[Role.IT_HEAD])
    created = api.post(
        "/api/field-visits/",
        {
            "purpose": "preventive",
            "school": school.pk,
            "location": lab.pk,
            "planned_date": DAY.isoformat(),
            "technician": users[Role.TECHNICIAN].pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["programme"] == programme.pk
    other = Location.objects.create(school=far_school(), name_ar="x", kind="office")
    refused = api.post(
        "/api/field-visits/",
        {"purpose": "preventive", "school": school.pk, "location": other.pk, "planned_date": DAY.isoformat()},
        format="json",
    )
    assert refused.status_code == 400


def test_my_visits_queue_is_in_date_order(users, school, lab, programme):
    tech = users[Role.TECHNICIAN]
    later = visit_services.visit_save(
        visit=Visit(purpose="preventive", school=school, planned_date=DAY + dt.timedelta(days=5), technician=tech)
    )
    sooner = visit_services.visit_save(
        visit=Visit(purpose="preventive", school=school, planned_date=DAY, technician=tech)
    )
    from maintenance import visit_selectors

    assert list(visit_selectors.my_visits(tech)) == [sooner, later]
    visit_services.visit_cancel(visit=sooner, by=tech, reason="تأجيل")
    assert list(visit_selectors.my_visits(tech)) == [later]


def test_every_field_work_page_renders_for_every_role(visit, programme, users, asset, directorate, lab):
    """Every page of the field work, in Arabic and English, for each role: the IT head sees all of it;
    the others get their pages or a clean 403 — never an error."""
    from maintenance import disposal_services, need_services
    from maintenance.models import MaintenancePlan, Need, Project, RetentionPolicy, StandardAllocation

    head = users[Role.IT_HEAD]
    visit_services.finding_add(visit=visit, by=head, location=lab, finding="x", follow_up="y")
    plan = MaintenancePlan.objects.create(
        directorate=directorate, name="خطة", frequency="term", start_date=dt.date(2026, 1, 1), checklist="أ\nب"
    )
    need = need_services.need_save(
        need=Need(school=visit.school, category="desktop", quantity=2, justification="x", identified_on=DAY)
    )
    project = Project.objects.create(directorate=directorate, name="مشروع")
    standard = StandardAllocation.objects.create(location_kind="computer_lab", category="desktop", quantity=20)
    item = disposal_services.disposal_recommend(asset=asset, by=head, reason="تالف")
    disposal_list = disposal_services.disposal_list_create(directorate=directorate, title="ق", by=head, items=[item])
    urls = [
        reverse("maintenance:visit_list"),
        reverse("maintenance:visit_list") + "?mine=true&status=planned",
        reverse("maintenance:visit_add"),
        visit.get_absolute_url(),
        reverse("maintenance:visit_edit", args=[visit.pk]),
        reverse("maintenance:visit_print", args=[visit.pk]),
        reverse("maintenance:visitprogramme_list"),
        reverse("maintenance:visitprogramme_add"),
        programme.get_absolute_url(),
        reverse("maintenance:visitprogramme_edit", args=[programme.pk]),
        reverse("maintenance:visitprogramme_print", args=[programme.pk]),
        reverse("maintenance:maintenanceplan_list"),
        reverse("maintenance:maintenanceplan_add"),
        plan.get_absolute_url(),
        reverse("maintenance:maintenanceplan_edit", args=[plan.pk]),
        reverse("maintenance:need_list"),
        reverse("maintenance:need_list") + "?status=open",
        reverse("maintenance:need_add"),
        need.get_absolute_url(),
        reverse("maintenance:need_edit", args=[need.pk]),
        reverse("maintenance:need_delete", args=[need.pk]),
        reverse("maintenance:needprovision_list"),
        reverse("maintenance:project_list"),
        reverse("maintenance:project_add"),
        project.get_absolute_url(),
        reverse("maintenance:standardallocation_list"),
        reverse("maintenance:standardallocation_add"),
        reverse("maintenance:standardallocation_edit", args=[standard.pk]),
        reverse("maintenance:standardallocation_delete", args=[standard.pk]),
        reverse("maintenance:surplus_shortage"),
        reverse("maintenance:surplus_shortage") + f"?school={visit.school.pk}",
        reverse("maintenance:surplus_shortage_print", args=[visit.school.pk]),
        reverse("maintenance:disposalitem_list"),
        reverse("maintenance:disposal_recommend"),
        reverse("maintenance:disposallist_list"),
        reverse("maintenance:disposallist_add"),
        disposal_list.get_absolute_url(),
        reverse("maintenance:disposallist_print", args=[disposal_list.pk]),
        reverse("maintenance:retentionpolicy_list"),
        reverse("maintenance:retentionpolicy_edit", args=[RetentionPolicy.objects.get(code="QF75-13").pk]),
        reverse("tablet:visits"),
        reverse("tablet:visit", args=[visit.pk]),
        reverse("assets:dashboard"),  # the menu
    ]
    for language in ("ar", "en"):
        for role, user in users.items():
            client = client_for(user)
            client.cookies["django_language"] = language
            for url in urls:
                response = client.get(url)
                allowed = (200,) if role == Role.IT_HEAD else (200, 403, 404)  # 404: out of their scope
                assert response.status_code in allowed, (role, language, url, response.status_code)
