"""Holidays: the IT head keeps the school calendar; everyone sees the holidays that apply to them."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from assets.models import Holiday
from core.models import ObjectChange
from core.roles import Role
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    yield
    translation.deactivate()


@pytest.fixture
def holidays(school, other_school, directorate):
    return {
        "national": Holiday.objects.create(name="عيد العمال", start_date=date(2030, 5, 1), end_date=date(2030, 5, 1)),
        "directorate": Holiday.objects.create(
            name="عطلة المديرية", directorate=directorate, start_date=date(2030, 2, 10), end_date=date(2030, 2, 11)
        ),
        "school": Holiday.objects.create(
            name="يوم مدرسة الأمل", school=school, start_date=date(2030, 3, 1), end_date=date(2030, 3, 1)
        ),
        "other": Holiday.objects.create(
            name="يوم مدرسة النور", school=other_school, start_date=date(2030, 4, 1), end_date=date(2030, 4, 2)
        ),
    }


@pytest.mark.parametrize("role", [Role.IT_HEAD, Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER])
def test_the_holiday_list_renders_for_every_role_with_what_applies_to_them(holidays, users, role):
    html = text(client_for(users[role]).get(reverse("assets:holiday_list")))
    assert holidays["national"].name in html and holidays["school"].name in html
    assert (holidays["other"].name in html) is (role != Role.SCHOOL_STAFF)
    assert (holidays["directorate"].name in html) is (role != Role.SCHOOL_STAFF)


def test_only_the_it_head_edits_holidays(holidays, users):
    for role in (Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER):
        client = client_for(users[role])
        for url in (
            reverse("assets:holiday_add"),
            reverse("assets:holiday_edit", args=[holidays["school"].pk]),
            reverse("assets:holiday_delete", args=[holidays["school"].pk]),
        ):
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url, {}).status_code == 403, (role, url)


def test_the_it_head_adds_edits_and_deletes_a_holiday(holidays, users, school):
    client = client_for(users[Role.IT_HEAD])
    english(client)
    r = client.post(
        reverse("assets:holiday_add"),
        {"name": "Exams break", "start_date": "2030-06-10", "end_date": "2030-06-01", "school": school.pk},
    )
    assert r.status_code == 400 and "A holiday cannot end before it starts." in text(r)
    r = client.post(
        reverse("assets:holiday_add"),
        {"name": "Exams break", "start_date": "2030-06-01", "end_date": "2030-06-10", "school": school.pk},
    )
    assert r.status_code == 302, text(r)[:2000]
    holiday = Holiday.objects.get(name="Exams break")
    assert r["Location"].startswith(reverse("assets:holiday_list"))
    assert (
        ObjectChange.objects.get(changed_object_type__model="holiday", changed_object_id=holiday.pk).user
        == users[Role.IT_HEAD]
    )
    r = client.post(
        reverse("assets:holiday_edit", args=[holiday.pk]),
        {"name": "Exams break", "start_date": "2030-06-01", "end_date": "2030-06-12"},
    )
    assert r.status_code == 302
    holiday.refresh_from_db()
    assert str(holiday.end_date) == "2030-06-12" and holiday.school is None
    r = client.post(reverse("assets:holiday_delete", args=[holiday.pk]))
    assert r.status_code == 302 and not Holiday.objects.filter(pk=holiday.pk).exists()


def test_the_holiday_api_follows_the_roles_and_names_the_field(holidays, users, api_for, school):
    head, tech = api_for(users[Role.IT_HEAD]), api_for(users[Role.TECHNICIAN])
    assert tech.get("/api/holidays/").json()["count"] == 4
    r = tech.post("/api/holidays/", {"name": "x", "start_date": "2030-01-01", "end_date": "2030-01-01"}, format="json")
    assert r.status_code == 403
    r = head.post(
        "/api/holidays/",
        {"name": "Winter break", "start_date": "2030-01-10", "end_date": "2030-01-01"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and r.json() == {"end_date": ["A holiday cannot end before it starts."]}
    r = head.post(
        "/api/holidays/",
        {"name": "Winter break", "start_date": "2030-01-01", "end_date": "2030-01-10", "school": school.pk},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert head.get("/api/holidays/", {"on": "2030-01-05"}).json()["count"] == 1
    staff = api_for(users[Role.SCHOOL_STAFF])
    names = {h["name"] for h in staff.get("/api/holidays/").json()["results"]}
    assert names == {"عيد العمال", "يوم مدرسة الأمل", "Winter break"}
