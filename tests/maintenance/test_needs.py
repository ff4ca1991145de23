"""Needs (from a visit or a ticket) and what projects provided; executed projects; the standard
allocation per lab type and the surplus / shortage list QF70-2-12 computed against it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from assets.models import Asset, AssetModel, Location, Manufacturer
from core.roles import Role
from maintenance import need_selectors, need_services, visit_services
from maintenance.choices import NeedStatus, ProjectStatus
from maintenance.models import Need, Project, StandardAllocation, Visit
from tests.assets.ui_fixtures import client_for, far_school, text
from tests.factories import english, make_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 3)


def en(user):
    client = client_for(user)
    english(client)
    return client


# --------------------------------------------------------------------------- needs and projects


@pytest.fixture
def project(directorate):
    return need_services.project_save(
        project=Project(
            directorate=directorate,
            name="مشروع المختبرات الذكية",
            kind="tender",
            reference="ع/12/2025",
            status=ProjectStatus.EXECUTED,
            started_on=dt.date(2025, 10, 1),
            completed_on=dt.date(2026, 2, 1),
        )
    )


@pytest.fixture
def need(school, users):
    return need_services.need_save(
        need=Need(
            school=school,
            category="desktop",
            description="حاسوب مكتبي i5",
            quantity=5,
            justification="خمسة أجهزة في مختبر الحاسوب خارج الخدمة",
            identified_on=DAY,
        ),
        by=users[Role.TECHNICIAN],
    )


def test_a_need_is_provided_in_parts_and_never_beyond(need, project, users):
    assert need.identified_by == users[Role.TECHNICIAN]
    status = lambda: need_selectors.need_status(need_selectors.need_list().get(pk=need.pk))  # noqa: E731
    assert status() == NeedStatus.OPEN
    need_services.need_provide(need=need, project=project, quantity=3, provided_on=dt.date(2026, 2, 1))
    assert status() == NeedStatus.PARTLY
    with pytest.raises(ValidationError) as too_many:
        need_services.need_provide(need=need, project=project, quantity=3, provided_on=dt.date(2026, 2, 2))
    assert "quantity" in too_many.value.message_dict
    need_services.need_provide(need=need, project=project, quantity=2, provided_on=dt.date(2026, 2, 3))
    assert status() == NeedStatus.PROVIDED
    assert need_selectors.need_list().get(pk=need.pk).provided == 5
    # the need cannot shrink below what was provided, nor be deleted
    need.quantity = 4
    with pytest.raises(ValidationError):
        need_services.need_save(need=need)
    with pytest.raises(ValidationError):
        need_services.need_delete(need=need)


def test_a_need_comes_from_a_visit_or_ticket_of_its_school(school, other_school, users, project):
    visit = visit_services.visit_save(visit=Visit(purpose="lab_readiness", school=other_school, planned_date=DAY))
    with pytest.raises(ValidationError) as refused:
        need_services.need_save(
            need=Need(
                school=school, category="ups", quantity=1, justification="x", identified_on=DAY, source_visit=visit
            )
        )
    assert "source_visit" in refused.value.message_dict


def test_a_project_of_another_directorate_cannot_provide(need, users):
    elsewhere = far_school().directorate
    foreign = Project.objects.create(directorate=elsewhere, name="x")
    with pytest.raises(ValidationError):
        need_services.need_provide(need=need, project=foreign, quantity=1, provided_on=DAY)


def test_an_executed_project_has_its_date(directorate):
    with pytest.raises(ValidationError):
        need_services.project_save(project=Project(directorate=directorate, name="x", status=ProjectStatus.EXECUTED))


def test_executed_projects_list_and_pages(project, need, directorate, users):
    Project.objects.create(directorate=directorate, name="مشروع قادم", status=ProjectStatus.PLANNED)
    need_services.need_provide(need=need, project=project, quantity=2, provided_on=dt.date(2026, 2, 1))
    assert list(need_selectors.executed_projects()) == [project]
    head = en(users[Role.IT_HEAD])
    page = head.get(reverse("maintenance:project_list") + "?status=executed")
    assert page.status_code == 200 and "Executed projects" in text(page)
    assert "مشروع المختبرات الذكية" in text(page) and "مشروع قادم" not in text(page)
    provided = head.get(reverse("maintenance:needprovision_list"))
    assert "مشروع المختبرات الذكية" in text(provided)
    # the need's page records a provision
    response = head.post(
        reverse("maintenance:need_provide", args=[need.pk]),
        {"project": project.pk, "quantity": 3, "provided_on": "2026-02-10", "notes": ""},
    )
    assert response.status_code == 302
    assert need_selectors.need_list().get(pk=need.pk).provided == 5
    refused = head.post(
        reverse("maintenance:need_provide", args=[need.pk]),
        {"project": project.pk, "quantity": 1, "provided_on": "2026-02-10", "notes": ""},
    )
    assert refused.status_code == 400


def test_needs_are_scoped_and_technicians_record_them(need, users, school):
    stranger = make_user("stranger", Role.SCHOOL_STAFF, school=far_school())
    assert en(stranger).get(need.get_absolute_url()).status_code == 404
    assert en(users[Role.SCHOOL_STAFF]).get(need.get_absolute_url()).status_code == 200
    assert en(users[Role.SCHOOL_STAFF]).get(reverse("maintenance:need_add")).status_code == 403
    response = en(users[Role.TECHNICIAN]).post(
        reverse("maintenance:need_add"),
        {
            "school": school.pk,
            "category": "printer",
            "description": "",
            "quantity": 1,
            "justification": "الطابعة تالفة",
            "source_visit": "",
            "identified_on": DAY.isoformat(),
            "ticket_number": "",
        },
    )
    assert response.status_code == 302
    assert Need.objects.filter(category="printer", identified_by=users[Role.TECHNICIAN]).exists()
    assert en(users[Role.TECHNICIAN]).get(reverse("maintenance:project_add")).status_code == 403


# --------------------------------------------------------------------------- surplus / shortage (QF70-2-12)


@pytest.fixture
def kit(school, lab, desktop_model):
    """`lab` (a computer lab) holds 4 desktops (one in repair, one spare, one disposed) and 2 printers;
    a second computer lab holds 1 desktop; a science lab holds 3 microscopes."""
    maker = Manufacturer.objects.create(name="Olympus")
    printer = AssetModel.objects.create(manufacturer=maker, name="P-1", category="printer")
    microscope = AssetModel.objects.create(manufacturer=maker, name="CX23", category="science_equipment")
    lab2 = Location.objects.create(school=school, name_ar="مختبر الحاسوب الثاني", kind="computer_lab")
    science = Location.objects.create(school=school, name_ar="مختبر العلوم", kind="science_lab")
    library = Location.objects.create(school=school, name_ar="المكتبة", kind="library")
    n = 0

    def add(model, where, status="in_service"):
        nonlocal n
        n += 1
        return Asset.objects.create(asset_tag=f"K-{n}", asset_model=model, school=school, location=where, status=status)

    for status in ["in_service", "in_service", "in_service", "in_repair", "spare", "disposed"]:
        add(desktop_model, lab, status)
    add(printer, lab)
    add(printer, lab)
    add(desktop_model, lab2)
    for _ in range(3):
        add(microscope, science)
    add(desktop_model, library)  # a lab type without a standard: not compared
    return {"lab": lab, "lab2": lab2, "science": science}


@pytest.fixture
def standard(db):
    for kind, category, quantity in [
        ("computer_lab", "desktop", 4),
        ("computer_lab", "printer", 1),
        ("computer_lab", "projector", 1),
        ("science_lab", "science_equipment", 2),
    ]:
        need_services.standard_save(
            standard=StandardAllocation(location_kind=kind, category=category, quantity=quantity)
        )


def test_surplus_shortage_per_lab_and_school(school, kit, standard):
    allocation = need_selectors.surplus_shortage([school])[0]
    by_lab = {
        lab.location.pk: {r.category: (r.standard, r.held, r.surplus, r.shortage) for r in lab.rows}
        for lab in allocation.labs
    }
    assert set(by_lab) == {kit["lab"].pk, kit["lab2"].pk, kit["science"].pk}  # the library is not compared
    # 3 in service + 1 in repair are held; the spare and the disposed one are not
    assert by_lab[kit["lab"].pk] == {"desktop": (4, 4, 0, 0), "printer": (1, 2, 1, 0), "projector": (1, 0, 0, 1)}
    assert by_lab[kit["lab2"].pk] == {"desktop": (4, 1, 0, 3), "printer": (1, 0, 0, 1), "projector": (1, 0, 0, 1)}
    assert by_lab[kit["science"].pk] == {"science_equipment": (2, 3, 1, 0)}
    totals = {t.category: (t.standard, t.held, t.surplus, t.shortage) for t in allocation.totals}
    assert totals == {
        "desktop": (8, 5, 0, 3),
        "printer": (2, 2, 1, 1),  # a surplus in one lab does not cancel a shortage in another
        "projector": (2, 0, 0, 2),
        "science_equipment": (2, 3, 1, 0),
    }
    assert (allocation.surplus, allocation.shortage) == (2, 6)


def test_the_standard_is_editable_and_unique(standard, kit, school, users):
    row = StandardAllocation.objects.get(location_kind="computer_lab", category="desktop")
    head = en(users[Role.IT_HEAD])
    response = head.post(
        reverse("maintenance:standardallocation_edit", args=[row.pk]),
        {"location_kind": "computer_lab", "category": "desktop", "quantity": 1, "notes": ""},
    )
    assert response.status_code == 302
    allocation = need_selectors.surplus_shortage([school])[0]
    lab_rows = {lab.location.pk: {r.category: r.surplus for r in lab.rows} for lab in allocation.labs}
    assert lab_rows[kit["lab"].pk]["desktop"] == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        StandardAllocation.objects.create(location_kind="computer_lab", category="desktop", quantity=9)
    assert en(users[Role.TECHNICIAN]).get(reverse("maintenance:standardallocation_add")).status_code == 403


def test_the_surplus_shortage_page_and_print(school, other_school, kit, standard, users):
    staff = en(users[Role.SCHOOL_STAFF])
    page = staff.get(reverse("maintenance:surplus_shortage"))
    assert page.status_code == 200 and page.context["chosen"] == school  # their one school
    head = en(users[Role.IT_HEAD])
    summary = head.get(reverse("maintenance:surplus_shortage"))
    assert [row.school for row in summary.context["summary"]] == [school, other_school]
    printed = head.get(reverse("maintenance:surplus_shortage_print", args=[school.pk]))
    body = text(printed)
    assert printed.status_code == 200 and "QF70-2-12" in body and 'dir="rtl"' in body
    assert "مختبر الحاسوب الثاني" in body
    assert staff.get(reverse("maintenance:surplus_shortage_print", args=[other_school.pk])).status_code == 404
