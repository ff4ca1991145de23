"""Form QF75-11 printed: the page and the PDF of a ticket — the form's header, both parts, the
corrective actions with totals, Arabic by default, escaped requester text, page x of y, photos,
and only for who may see the ticket."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from core.roles import Role
from maintenance import services
from maintenance.choices import TicketStatus
from maintenance.records import FORMS, QF75_11
from maintenance.views_print import duration_text
from tests.assets.ui_fixtures import client_for, far_school, text
from tests.core.test_pdf import page_count, page_text, run
from tests.factories import make_user
from tests.maintenance.conftest import T0, upload

S = TicketStatus

DESCRIPTION = "شاشة الحاسوب سوداء بعد انقطاع الكهرباء\n<script>alert('x')</script> <b>bold</b>"
REQUESTER = "هدى محمود"


def photo(name: str, size=(64, 48), colour=(30, 120, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return upload(name, buffer.getvalue(), "image/png")


def client(user, language: str | None = None):
    c = client_for(user)
    if language:
        c.cookies["django_language"] = language
    return c


def print_url(ticket, **query) -> str:
    url = reverse("maintenance:ticket_print", args=[ticket.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def pdf_url(ticket, **query) -> str:
    url = reverse("maintenance:ticket_pdf", args=[ticket.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def step(ticket, service, **kwargs):
    ticket.refresh_from_db()
    return service(ticket=ticket, expected_version=ticket.version, **kwargs)


def work(ticket, tech, parts, *, actions: int = 2, notes: str = "") -> None:
    """Assign, start, record `actions` corrective actions (the first two with parts), write the report."""
    step(ticket, services.ticket_assign, assignee=tech, by=tech, at=T0)
    step(ticket, services.ticket_transition, to=S.IN_PROGRESS, by=tech, at=T0 + timedelta(minutes=5))
    for i in range(actions):
        start = T0 + timedelta(hours=1 + i)
        used = {0: [(parts["ram"], 2)], 1: [(parts["psu"], 1)]}.get(i, [])
        services.action_log(
            ticket=ticket,
            by=tech,
            action_type=["diagnosis", "part_replacement"][min(i, 1)],
            outcome="done",
            started_at=start,
            ended_at=start + timedelta(minutes=[90, 45][i % 2]),
            notes=notes or f"إجراء رقم {i + 1}",
            parts=used,
            at=start,
        )
    step(
        ticket,
        services.report_save,
        by=tech,
        diagnosis="تلف في مزود الطاقة",
        actions_taken="استبدال مزود الطاقة وتركيب ذاكرة جديدة",
        result="fixed",
        recommendation="upgrade",
        at=T0 + timedelta(hours=4),
    )


@pytest.fixture
def worked(new_ticket, asset, tech, parts):
    ticket = new_ticket(
        assets=[asset], description=DESCRIPTION, requester_name=REQUESTER, requester_phone="+962 79 123 4567"
    )
    work(ticket, tech, parts)
    ticket.refresh_from_db()
    return ticket


def test_the_form_registry_names_qf75_11():
    form = FORMS[QF75_11]
    assert form.code == "QF75-11" and form.issue and form.issue_date.year == 2021 and form.retention_years == 1
    with translation.override("ar"):
        assert str(form.title) == "نموذج طلب صيانة (أجهزة، شبكة) تقرير فني"  # the record's name in QP-70-2
    with translation.override("en"):
        assert str(form.title) == "Maintenance request (devices, network) – technical report"


def test_durations_are_hours_and_minutes():
    assert duration_text(None) == ""
    assert duration_text(0) == "0:00"
    assert duration_text(90 * 60) == "1:30"
    assert duration_text(26 * 3600 + 5 * 60 + 20) == "26:05"


def test_the_pdf_is_the_form_in_arabic_whatever_the_ui_language(worked, head, tmp_path):
    response = client(head, "en").get(pdf_url(worked))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="QF75-11-{worked.number}.pdf"'
    assert response["Content-Language"] == "ar"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and page_count(pdf, tmp_path) == 1
    page = page_text(pdf, tmp_path, 1)
    form = FORMS[QF75_11]
    for expected in ("QF75-11", form.issue_date.strftime("%Y-%m-%d"), worked.number):
        assert expected in page, expected
    assert re.search(r"صفحة ?1 ?من ?1", page)
    # Arabic labels of both parts (chosen without lam-alef, which pdftotext reorders)
    for label in ("رمز النموذج", "طلب الصيانة", "التقرير الفني", "مقدم الطلب", "وصف العطل", "تشخيص", "رئيس القسم",
                  "المجموع", "التوقيع"):  # fmt: skip
        assert label in page, label
    # the requester's own words, as text: the markup in them is shown, never obeyed
    assert REQUESTER in page and "شاشة الحاسوب سوداء بعد انقطاع الكهرباء" in page
    # (in a right-to-left line pdftotext gives the brackets mirrored; the English test reads them exactly)
    assert "script>alert" in page and "b>bold" in page
    assert "+962 79 123 4567" in page  # kept in one piece inside the Arabic line
    # the asset, the report, the actions with their parts and costs, and the totals
    for expected in ("MOE-0001", "CZC1234", "ProDesk 400 G7", "تلف في مزود الطاقة", "RAM-8", "PSU-1"):
        assert expected in page, expected
    assert "37.000" in page and "22.000" in page and "59.000" in page  # 2 × 18.500, 1 × 22, total
    assert "1:30" in page and "0:45" in page and "2:15" in page


def test_the_pdf_in_english_on_request(worked, head, tmp_path):
    response = client(head).get(pdf_url(worked, lang="en"))
    assert response.status_code == 200 and response["Content-Language"] == "en"
    page = page_text(response.content, tmp_path, 1)
    for expected in (
        "QF75-11",
        "Form code",
        "Issue number",
        "Maintenance request (devices, network) – technical report",
        "Part 1: the maintenance request",
        "Part 2: the technical report",
        "Corrective actions",
        "Requester",
        "Head of department",
        "Page 1 of 1",
        "Part replacement",
        "Recommend upgrade",
        worked.number,
    ):
        assert expected in page, expected
    assert "<script>alert('x')</script>" in page
    # an unknown language falls back to the form's Arabic
    fallback = client(head).get(pdf_url(worked, lang="xx"))
    assert fallback["Content-Language"] == "ar"


def test_the_printable_page_escapes_the_requesters_text(worked, head):
    response = client(head, "en").get(print_url(worked))
    html = text(response)
    assert response.status_code == 200
    assert '<html lang="ar" dir="rtl" class="screen">' in html  # Arabic whatever the UI speaks
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "شاشة الحاسوب سوداء بعد انقطاع الكهرباء<br>" in html
    assert "window.print()" in html
    assert f'href="{pdf_url(worked)}"' in html and f'href="{print_url(worked, lang="en")}"' in html
    english = text(client(head).get(print_url(worked, lang="en")))
    assert '<html lang="en" dir="ltr" class="screen">' in english
    assert f'href="{pdf_url(worked, lang="en")}"' in english and f'href="{print_url(worked)}"' in english


def test_a_long_ticket_runs_onto_a_second_page_with_the_header_on_each(new_ticket, asset, tech, parts, head, tmp_path):
    ticket = new_ticket(assets=[asset], description=DESCRIPTION)
    work(ticket, tech, parts, actions=14, notes="فحص الجهاز وتنظيف المراوح وتحديث نظام التشغيل")
    response = client(head).get(pdf_url(ticket, lang="en"))
    pdf = response.content
    assert page_count(pdf, tmp_path) == 2
    first, second = page_text(pdf, tmp_path, 1), page_text(pdf, tmp_path, 2)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    for page in (first, second):
        assert "QF75-11" in page and "Form code" in page
    assert "Technician" in second and "Duration (h:min)" in second  # the actions' header row repeats
    assert "Total" in second and "Head of department" in second  # totals and signatures close the form
    # 14 actions alternating 90 and 45 minutes: 7 × 2:15 = 15:45; parts only in the first two
    assert "15:45" in second and "59.000" in second
    arabic = client(head).get(pdf_url(ticket)).content
    assert page_count(arabic, tmp_path) == 2
    assert re.search(r"صفحة ?1 ?من ?2", page_text(arabic, tmp_path, 1))
    assert re.search(r"صفحة ?2 ?من ?2", page_text(arabic, tmp_path, 2))


def test_a_new_ticket_prints_blank_boxes_for_the_technician(new_ticket, head, tmp_path):
    ticket = new_ticket()
    html = text(client(head).get(print_url(ticket, lang="en")))
    assert "No corrective action recorded yet." in html
    assert html.count('class="blank"') == 2 + 3  # diagnosis, actions taken; three empty action rows
    page = page_text(client(head).get(pdf_url(ticket, lang="en")).content, tmp_path, 1)
    assert "Part 2: the technical report" in page and "Signature" in page


def test_the_requesters_answer_and_rating_are_on_the_form(worked, tech, staff, head):
    step(worked, services.ticket_resolve, by=tech, at=T0 + timedelta(hours=5))
    services.feedback_accept(
        ticket=worked, by=staff, by_name=REQUESTER, rating=4, comment="شكرا", at=T0 + timedelta(days=1)
    )
    html = text(client(head, "en").get(print_url(worked, lang="en")))
    assert "The requester's answer" in html and "Accepted" in html and "4 of 5" in html


def test_another_schools_staff_and_anonymous_users_get_nothing(worked, other_school, directorate):
    outsider = make_user("outsider", Role.SCHOOL_STAFF, school=other_school)
    for url in (print_url(worked), pdf_url(worked)):
        assert client(outsider).get(url).status_code == 404
        anonymous = client(None).get(url)
        assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    far_tech = make_user("far-tech", Role.TECHNICIAN, directorate=far_school().directorate)
    assert client(far_tech).get(pdf_url(worked)).status_code == 404


def test_the_schools_own_staff_see_their_form_without_costs(worked, staff, head):
    staff_html = text(client(staff, "en").get(print_url(worked, lang="en")))
    assert worked.number in staff_html and "RAM-8" in staff_html
    assert "Cost" not in staff_html and "59.000" not in staff_html  # the directorate's spending is not theirs
    head_html = text(client(head, "en").get(print_url(worked, lang="en")))
    assert ">Cost</th>" in head_html and "59.000" in head_html
    assert client(staff).get(pdf_url(worked)).status_code == 200


def test_photos_are_embedded_only_when_the_reader_may_see_them(worked, tech, staff, head, tmp_path):
    services.attachment_add(ticket=worked, file=photo("public.png"), by=tech, public=True, at=T0)
    services.attachment_add(ticket=worked, file=photo("internal.png", colour=(200, 0, 0)), by=tech, at=T0)
    services.attachment_add(ticket=worked, file=upload("notes.pdf", b"%PDF-1.4 not a photo"), by=tech, at=T0)
    start = T0 + timedelta(hours=6)
    services.action_log(
        ticket=worked,
        by=tech,
        action_type="repair",
        outcome="done",
        started_at=start,
        photo=photo("after.png"),
        at=start,
    )
    staff_html = text(client(staff, "en").get(print_url(worked, lang="en")))
    head_html = text(client(head).get(print_url(worked, lang="en")))
    # school staff: their public photo and the action's photo (both on their ticket page), not the internal one
    assert staff_html.count('<img src="data:image/jpeg;base64,') == 2
    assert "public.png" in staff_html and "Corrective action 3" in staff_html and "internal.png" not in staff_html
    assert head_html.count('<img src="data:image/jpeg;base64,') == 3 and "internal.png" in head_html
    assert "/attachments/" not in head_html and "/photo/" not in head_html  # embedded, never linked
    pdf = client(staff).get(pdf_url(worked)).content
    listing = run("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]
    assert len(listing) == 2 and all(" 64 " in row and " 48 " in row for row in listing)


def test_the_ticket_page_links_to_the_print_and_the_pdf(worked, head, staff):
    for user in (head, staff):
        html = text(client(user, "en").get(worked.get_absolute_url()))
        assert f'href="{print_url(worked)}"' in html and f'href="{pdf_url(worked)}"' in html


def test_costs_are_the_recorded_unit_costs(worked, head, parts):
    # a later price change does not rewrite what the form says was spent
    parts["ram"].unit_cost = Decimal("99")
    services.spare_part_save(part=parts["ram"], by=head)
    html = text(client(head).get(print_url(worked, lang="en")))
    assert "37.000" in html and "59.000" in html
