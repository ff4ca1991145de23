"""The dashboard, its exports and the API: who may read what."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from core.roles import Role
from tests.factories import english, make_user
from tests.reports.test_exports import parse_tables

Q1 = {"year": 2025, "quarter": 1}


def summary_values(page) -> dict[str, str]:
    rows = parse_tables(page.content.decode("utf-8")).tables["summary"]
    return {row[0]: row[1] for row in rows}


def test_the_it_head_sees_the_whole_report_in_arabic_with_local_plotly(client, world):
    client.force_login(world.users[Role.IT_HEAD])
    page = client.get("/reports/", Q1)
    assert page.status_code == 200
    html = page.content.decode("utf-8")
    assert 'dir="rtl"' in html and "التقرير الفني الربعي: الربع 1 من 2025" in html
    assert '<script src="/static/vendor/plotly/plotly.min.js"></script>' in html
    assert "https://cdn" not in html and 'src="http' not in html
    assert html.count('id="chart-data-') == 6
    tables = parse_tables(html).tables
    assert {"summary", "by_technician", "budget", "outages", "actions"} <= set(tables)
    assert summary_values(page)["الطلبات الواردة"] == "6"
    assert 'href="/reports/"' in html  # the nav link


def test_plotly_js_is_served_from_the_plotly_wheel(client, world, settings, tmp_path):
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found and found.endswith("plotly/package_data/plotly.min.js")
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--no-input", "-v", "0")
    copied = tmp_path / "static" / "vendor" / "plotly" / "plotly.min.js"
    assert copied.read_bytes()[:200] == open(found, "rb").read()[:200]


def test_the_picker_defaults_to_the_current_quarter_and_refuses_a_bad_one(client, world):
    client.force_login(world.users[Role.IT_HEAD])
    page = client.get("/reports/")
    assert page.status_code == 200 and "summary" in parse_tables(page.content.decode()).tables
    assert client.get("/reports/", {"year": 2025, "quarter": 5}).status_code == 400
    assert client.get("/reports/export/", {**Q1, "format": "docx"}).status_code == 400


def test_english_dashboard(client, world):
    english(client)
    client.force_login(world.users[Role.VIEWER])
    page = client.get("/reports/", Q1)
    assert page.status_code == 200 and 'dir="ltr"' in page.content.decode()
    assert summary_values(page)["Requests received"] == "6"
    assert "by_technician" in parse_tables(page.content.decode()).tables  # viewers see the staff table


def test_a_technician_reads_the_report_without_the_per_technician_table(client, world):
    client.force_login(world.users[Role.TECHNICIAN])
    page = client.get("/reports/", Q1)
    assert page.status_code == 200
    tables = parse_tables(page.content.decode()).tables
    assert "by_technician" not in tables and "summary" in tables
    assert "budget" in tables  # technicians may view the parts budget (core.roles)


def test_school_staff_get_only_their_schools_figures(client, world, school):
    client.force_login(world.users[Role.SCHOOL_STAFF])
    page = client.get("/reports/", Q1)
    assert page.status_code == 200
    values = summary_values(page)
    assert values["الطلبات الواردة"] == "4"  # T2, T4, T6, T9 — not T3 and T5 of the other school
    tables = parse_tables(page.content.decode()).tables
    assert {row[0] for row in tables["by_school"]} == {school.name_ar}
    assert {row[2] for row in tables["outages"]} == {school.name_ar}
    assert "by_technician" not in tables and "budget" not in tables
    assert [row[2] for row in tables["actions"]] == ["2025-000003"]  # the other school's action is not theirs
    xlsx = client.get("/reports/export/", {**Q1, "format": "xlsx"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["الملخص"]["B2"].value == 4 and "الموازنة" not in book.sheetnames


def test_someone_without_a_role_or_signed_out_cannot(client, world):
    assert client.get("/reports/", Q1).status_code == 302  # to the login page
    assert client.get("/reports/export/", {**Q1, "format": "csv"}).status_code == 302
    client.force_login(make_user("norole", role=None))
    assert client.get("/reports/", Q1).status_code == 403
    assert client.get("/reports/export/", {**Q1, "format": "csv"}).status_code == 403


def test_exports_from_the_dashboard(client, world):
    client.force_login(world.users[Role.IT_HEAD])
    page = client.get("/reports/", Q1).content.decode()
    assert 'href="export/?year=2025&amp;quarter=1&amp;format=xlsx"' in page
    for fmt, content_type in (("xlsx", "spreadsheetml"), ("csv", "zip"), ("html", "text/html")):
        response = client.get("/reports/export/", {**Q1, "format": fmt})
        assert response.status_code == 200 and content_type in response["Content-Type"]
        assert 'filename="siyana-report-2025-Q1.' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/reports/export/", {**Q1, "format": "csv"}).content))
    assert "01-summary.csv" in archive.namelist()


def test_api_json(api_for, world):
    head = world.users[Role.IT_HEAD]
    response = api_for(head).get("/api/reports/quarterly/", Q1, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    data = response.json()
    assert (data["year"], data["quarter"], data["previous"]) == (2025, 1, {"year": 2024, "quarter": 4})
    assert (
        data["period"]["start"] == "2025-01-01T00:00:00+03:00" and data["period"]["end"] == "2025-04-01T00:00:00+03:00"
    )
    summary = data["tables"]["summary"]
    values = dict(zip(summary["row_keys"], (row["value"] for row in summary["rows"]), strict=True))
    assert values["received"] == 6 and values["sla_compliance"] == 33.3 and values["mttr"] == 16.0
    assert summary["columns"][0] == {"key": "indicator", "label": "Indicator", "kind": "text"}
    outage = data["tables"]["outages"]["rows"][0]
    assert outage["start"] == "2024-12-31T13:30" and outage["hours"] == 32.5
    ar = api_for(head).get("/api/reports/quarterly/", Q1, HTTP_ACCEPT_LANGUAGE="ar").json()
    assert ar["tables"]["summary"]["rows"][0]["indicator"] == "الطلبات الواردة"


@pytest.mark.parametrize("role, status", [(None, 403), (Role.SCHOOL_STAFF, 200), (Role.TECHNICIAN, 200)])
def test_api_permissions(api_for, world, role, status):
    user = world.users[role] if role else None
    response = api_for(user).get("/api/reports/quarterly/", Q1)
    assert response.status_code in ((401, 403) if status == 403 else (status,))
    if role == Role.SCHOOL_STAFF:
        tables = response.json()["tables"]
        assert "budget" not in tables and "by_technician" not in tables


def test_api_needs_a_valid_quarter(api_for, world):
    client = api_for(world.users[Role.IT_HEAD])
    assert client.get("/api/reports/quarterly/", {"year": 2025}).status_code == 400
    assert client.get("/api/reports/quarterly/", {"year": 2025, "quarter": 7}).status_code == 400


def test_the_api_is_in_the_openapi_schema(api_for, world):
    schema = api_for(world.users[Role.IT_HEAD]).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/reports/quarterly/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"year", "quarter"}


def test_long_tables_are_cut_on_the_dashboard_but_not_in_the_downloads(client, world, monkeypatch):
    from reports import exports

    monkeypatch.setattr(exports, "SHOWN_ROWS", 3)
    client.force_login(world.users[Role.IT_HEAD])
    page = client.get("/reports/", Q1).content.decode()
    assert len(parse_tables(page).tables["outages"]) == 3
    assert "أول 3 من 6 سطراً" in page
    html = client.get("/reports/export/", {**Q1, "format": "html"}).content.decode()
    assert len(parse_tables(html).tables["outages"]) == 6
