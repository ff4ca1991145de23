"""The register of corrective actions (search, CSV/XLSX export that a spreadsheet cannot run), spare
parts and the budget, and what each role may do on the maintenance pages."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.roles import Role
from maintenance import services
from maintenance.models import PartBudget, SparePart
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english
from tests.maintenance.conftest import T0

ROLES = [Role.IT_HEAD, Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER]


def en(user):
    client = client_for(user)
    english(client)
    return client


@pytest.fixture
def actions(ticket, new_ticket, tech, head, parts, asset, other_school):
    evil, _ = services.action_log(
        ticket=ticket,
        by=tech,
        action_type="repair",
        outcome="done",
        started_at=T0,
        notes='=HYPERLINK("http://127.0.0.1/x","click")',
        asset=asset,
        parts=[(parts["ram"], 1)],
    )
    other = new_ticket(title="Fiber cut", category="fiber", school=other_school, location=None)
    cable, _ = services.action_log(
        ticket=other,
        by=head,
        action_type="cable_repair",
        outcome="partial",
        started_at=T0.replace(month=5),
        notes="+spliced",
        parts=[(parts["cable"], 20)],
    )
    fixed, _ = services.action_correct(action=cable, by=head, reason="@typo", notes="-spliced 2 cores")
    return {"evil": evil, "cable": cable, "fixed": fixed}


def test_the_register_searches_and_lists_current_versions(actions, head):
    client = en(head)
    url = reverse("maintenance:correctiveaction_list")
    html = text(client.get(url))
    assert f">#{actions['evil'].pk}</a>" in html and f">#{actions['fixed'].pk}</a>" in html
    assert f">#{actions['cable'].pk}</a>" not in html  # replaced by its correction
    assert f">#{actions['cable'].pk}</a>" in text(client.get(url, {"corrected": "true"}))
    html = text(client.get(url, {"action_type": "cable_repair"}))
    assert f">#{actions['fixed'].pk}</a>" in html and f">#{actions['evil'].pk}</a>" not in html
    html = text(client.get(url, {"q": "MOE-0001"}))
    assert f">#{actions['evil'].pk}</a>" in html and f">#{actions['fixed'].pk}</a>" not in html
    html = text(client.get(url, {"started_after": "2026-04-01"}))
    assert f">#{actions['fixed'].pk}</a>" in html and f">#{actions['evil'].pk}</a>" not in html


def test_the_csv_export_cannot_run_a_formula(actions, head):
    r = en(head).get(reverse("maintenance:correctiveaction_list"), {"export": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    notes = {row[0]: row[11] for row in rows[1:]}
    assert notes[str(actions["evil"].pk)] == '\'=HYPERLINK("http://127.0.0.1/x","click")'
    assert notes[str(actions["fixed"].pk)] == "'-spliced 2 cores"
    reasons = {row[0]: row[13] for row in rows[1:]}
    assert reasons[str(actions["fixed"].pk)] == "'@typo"
    costs = {row[0]: row[10] for row in rows[1:]}
    assert costs[str(actions["evil"].pk)] == "18.500"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_the_xlsx_export_holds_text_not_formulas(actions, head):
    r = en(head).get(reverse("maintenance:correctiveaction_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://127.0.0.1/x","click")' in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_school_staff_see_and_export_their_school_only(actions, staff):
    r = en(staff).get(reverse("maintenance:correctiveaction_list"), {"export": "csv"})
    ids = [row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))][1:]
    assert ids == [str(actions["evil"].pk)]


def test_parts_budget_page_shows_spending_against_the_budget(actions, head):
    PartBudget.objects.create(year=2026, amount=Decimal("1000"))
    html = text(en(head).get(reverse("maintenance:partbudget_list")))
    table = html[html.index('id="budget-table"') :]
    # current actions of 2026: 1 RAM (18.500) + 20 m of cable (0.350) = 25.500
    assert "25.500" in table and "974.500" in table


def test_the_it_head_manages_parts_and_technicians_only_look(head, tech, parts):
    r = en(head).post(
        reverse("maintenance:sparepart_add"),
        {
            "code": "SSD-256",
            "name": "SSD 256 GB",
            "unit": "piece",
            "quantity_on_hand": 4,
            "unit_cost": "25",
            "active": "on",
        },
    )
    part = SparePart.objects.get(code="SSD-256")
    assert r.status_code == 302 and part.quantity_on_hand == 4
    r = en(head).post(reverse("maintenance:sparepart_receive", args=[part.pk]), {"quantity": 6})
    assert r.status_code == 302 and SparePart.objects.get(pk=part.pk).quantity_on_hand == 10
    r = en(head).post(reverse("maintenance:sparepart_receive", args=[part.pk]), {"quantity": -11})
    assert r.status_code == 400 and SparePart.objects.get(pk=part.pk).quantity_on_hand == 10
    assert en(tech).get(reverse("maintenance:sparepart_list")).status_code == 200
    assert en(tech).get(reverse("maintenance:sparepart_add")).status_code == 403
    assert en(tech).post(reverse("maintenance:sparepart_receive", args=[part.pk]), {"quantity": 1}).status_code == 403
    assert en(tech).get(reverse("maintenance:partbudget_add")).status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_may_do(role, users, ticket, parts):
    client = en(users[role])
    expected = {
        # (method, url name, args, data): {role: status}
        "ticket add": (
            "get",
            "maintenance:ticket_add",
            [],
            {Role.IT_HEAD: 200, Role.TECHNICIAN: 200, Role.SCHOOL_STAFF: 302, Role.VIEWER: 403},
        ),
        "request": (
            "get",
            "maintenance:ticket_request",
            [],
            {Role.IT_HEAD: 302, Role.TECHNICIAN: 302, Role.SCHOOL_STAFF: 200, Role.VIEWER: 403},
        ),
        "edit": (
            "get",
            "maintenance:ticket_edit",
            [ticket.pk],
            {Role.IT_HEAD: 200, Role.TECHNICIAN: 200, Role.SCHOOL_STAFF: 403, Role.VIEWER: 403},
        ),
        "transition": (
            "post",
            "maintenance:ticket_transition",
            [ticket.pk],
            {Role.IT_HEAD: 400, Role.TECHNICIAN: 400, Role.SCHOOL_STAFF: 403, Role.VIEWER: 403},
        ),
        "action": (
            "post",
            "maintenance:ticket_action",
            [ticket.pk],
            {Role.IT_HEAD: 400, Role.TECHNICIAN: 400, Role.SCHOOL_STAFF: 403, Role.VIEWER: 403},
        ),
        "report": (
            "post",
            "maintenance:ticket_report",
            [ticket.pk],
            {Role.IT_HEAD: 400, Role.TECHNICIAN: 400, Role.SCHOOL_STAFF: 403, Role.VIEWER: 403},
        ),
        "feedback": (
            "post",
            "maintenance:ticket_feedback",
            [ticket.pk],
            {Role.IT_HEAD: 400, Role.TECHNICIAN: 400, Role.SCHOOL_STAFF: 400, Role.VIEWER: 403},
        ),
        "register": ("get", "maintenance:correctiveaction_list", [], {r: 200 for r in ROLES}),
        "parts": (
            "get",
            "maintenance:sparepart_list",
            [],
            {Role.IT_HEAD: 200, Role.TECHNICIAN: 200, Role.SCHOOL_STAFF: 403, Role.VIEWER: 200},
        ),
        "budget": (
            "get",
            "maintenance:partbudget_list",
            [],
            {Role.IT_HEAD: 200, Role.TECHNICIAN: 200, Role.SCHOOL_STAFF: 403, Role.VIEWER: 200},
        ),
    }
    for name, (method, url_name, args, statuses) in expected.items():
        response = getattr(client, method)(reverse(url_name, args=args), {})
        assert response.status_code == statuses[role], (name, response.status_code)
    page = text(client.get(ticket.get_absolute_url()))
    assert ('id="transition-form"' in page) is (role in (Role.IT_HEAD, Role.TECHNICIAN))
    assert ('id="action-form"' in page) is (role in (Role.IT_HEAD, Role.TECHNICIAN))
