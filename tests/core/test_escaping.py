"""User text in Arabic and English is escaped everywhere: pages, the report (dashboard, HTML export, its
charts), the printed form (its HTML source and the PDF's text), spreadsheets, and notification bodies.

Hostile names and descriptions are seeded through the real services; each page or export is fetched
and must show the text literally, never run it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from maintenance import services
from notifications import catalog
from tests.assets.ui_fixtures import client_for
from tests.factories import make_user

SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE

SCHOOL_AR = f"مدرسة {SCRIPT} الأمل{RLO}"
SCHOOL_EN = f"Hope {IMG} School"
ASSET_NAME = f"حاسوب {IMG}"
TITLE = f"الشاشة سوداء {SCRIPT}"
DESCRIPTION = f"Black screen {IMG} {RLO}gnp.exe"
TECH_FIRST = f"<b>Sami</b>{SCRIPT}"

RAW = ["<script>alert(", "<img src=x onerror", "<b>Sami</b>"]


def assert_inert(body: str, where: str) -> None:
    for raw in RAW:
        assert raw not in body, f"{where}: {raw!r} is not escaped"


@pytest.fixture
def hostile(school, lab, asset, directorate):
    school.name_ar, school.name_en = SCHOOL_AR, SCHOOL_EN
    school.save()
    asset.name = ASSET_NAME
    asset.save()
    head = make_user("esc-head", Role.IT_HEAD, directorate=directorate)
    tech = make_user("esc-tech", Role.TECHNICIAN, directorate=directorate)
    tech.first_name = TECH_FIRST
    tech.save()
    ticket = services.ticket_create(
        opened_at=timezone.now(),
        title=TITLE,
        description=DESCRIPTION,
        category="device",
        source="phone",
        school=school,
        location=lab,
        requester_name=f"هدى {SCRIPT}",
        requester_phone="0790000001",
        author=head,
        assets=[asset],
    )
    ticket = services.ticket_assign(ticket=ticket, assignee=tech, by=head, expected_version=None)
    services.ticket_comment(ticket=ticket, text=f"ملاحظة {IMG}", by=head, public=True)
    return {"head": head, "tech": tech, "ticket": ticket, "school": school, "asset": asset}


@pytest.mark.parametrize("language", ["ar", "en"])
def test_pages_show_hostile_text_literally(hostile, language):
    head, ticket, school, asset = hostile["head"], hostile["ticket"], hostile["school"], hostile["asset"]
    client = client_for(head)
    client.cookies["django_language"] = language
    pages = {
        "school": school.get_absolute_url(),
        "schools": reverse("assets:school_list"),
        "asset": asset.get_absolute_url(),
        "assets": reverse("assets:asset_list") + "?q=MOE",
        "ticket": ticket.get_absolute_url(),
        "tickets": reverse("maintenance:ticket_list"),
        "print": reverse("maintenance:ticket_print", args=[ticket.pk]),
        "labels": reverse("assets:location_labels", args=[asset.location_id]),
        "register": reverse("maintenance:correctiveaction_list"),
        "dashboard": reverse("reports:dashboard"),
        "assets dashboard": reverse("assets:dashboard"),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        body = response.content.decode()
        assert_inert(body, name)
    shown = client.get(ticket.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown  # shown, as text
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in shown


def test_the_tablet_shows_hostile_text_literally(hostile):
    client = client_for(hostile["tech"])
    for url in (reverse("tablet:queue"), reverse("tablet:ticket", args=[hostile["ticket"].pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)


def test_the_report_html_export_and_its_charts(hostile):
    client = client_for(hostile["head"])
    response = client.get(reverse("reports:export"), {"format": "html"})
    if response.status_code != 200:  # the export view takes the quarter from the form's defaults
        response = client.get(reverse("reports:export"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_inert(body, "report export")
    # The charts' JSON sits in <script type="application/json">: no "<" may close it early.
    for block in body.split('type="application/json"')[1:]:
        json_text = block.split("</script>", 1)[0]
        assert "<" not in json_text.split(">", 1)[1]


def test_the_printed_pdf_shows_the_text_literally(hostile, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed")
    client = client_for(hostile["head"])
    response = client.get(reverse("maintenance:ticket_pdf", args=[hostile["ticket"].pk]), {"lang": "en"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "<script>alert" in flat or "<script>" in flat  # printed as the characters typed
    assert "onerror=alert(1)>" in flat


def test_spreadsheets_of_hostile_text_are_formula_safe(hostile):
    from assets.exports import export_csv
    from assets.models import Asset

    hostile["asset"].name = "=cmd|' /C calc'!A0"
    hostile["asset"].save()
    rows = list(csv.reader(io.StringIO(export_csv("assets", Asset.objects.all()).decode("utf-8-sig"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_notification_bodies_escape_user_text(hostile, language):
    ticket = hostile["ticket"]
    context = {"number": ticket.number, "title": TITLE, "lookup_url": "http://127.0.0.1/track/", "school": SCHOOL_AR}
    email = catalog.render(template="ticket_received", channel="email", language=language, context=context)
    assert_inert(email.html, "e-mail html")
    assert "&lt;script&gt;" in email.html
    assert "\n" not in email.subject and "<script>" in email.subject + email.body  # plain text stays literal
    assert "&lt;" not in email.body and "&quot;" not in email.subject  # plain text is not HTML: no entities
    sms = catalog.render(template="ticket_received", channel="sms", language=language, context=context)
    assert sms.body and "&lt;" not in sms.body and "&amp;" not in sms.body


def test_the_records_archive_csv_is_formula_safe_too():
    from maintenance.retention_services import _csv

    rows = list(csv.reader(io.StringIO(_csv([{"number": "2026-000001", "title": "=cmd|' /C calc'!A0", "n": -5}]))))
    assert rows[1] == ["2026-000001", "'=cmd|' /C calc'!A0", "-5"]  # numbers stay numbers
