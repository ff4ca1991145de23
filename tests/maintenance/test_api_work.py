"""The ticket API's writes: create, PATCH with a version (409 when stale), transitions, assignment,
the technical report, corrective actions with idempotent replays, and spare parts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from maintenance import services
from maintenance.models import CorrectiveAction, SparePart, Ticket
from tests.maintenance.conftest import T0

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def api(api_for, users):
    return {role: api_for(user) for role, user in users.items()}


def test_a_technician_opens_a_ticket(api, school, lab, asset):
    r = api[Role.TECHNICIAN].post(
        "/api/tickets/",
        {
            "title": "No network in lab 1",
            "category": "network",
            "source": "phone",
            "school": school.pk,
            "location": lab.pk,
            "assets": [asset.pk],
            "requester_name": "Huda",
            "priority": "high",
        },
        format="json",
        **EN,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].endswith("-000001") and body["version"] == 1 and body["status"] == "new"
    assert body["assets"] == [asset.pk] and body["entries"][0]["kind"] == "created"


def test_a_refused_ticket_says_which_field_and_why(api, school, other_lab):
    r = api[Role.TECHNICIAN].post(
        "/api/tickets/", {"title": "x", "category": "toaster", "source": "phone"}, format="json", **EN
    )
    assert r.status_code == 400 and "category" in r.json()
    r = api[Role.TECHNICIAN].post(
        "/api/tickets/",
        {"title": "x", "category": "device", "source": "phone", "school": school.pk, "location": other_lab.pk},
        format="json",
        **EN,
    )
    assert r.status_code == 400 and r.json() == {"location": ["The location is not in the ticket's school."]}
    assert not Ticket.objects.exists()


def test_school_staff_open_requests_for_their_school(api, school, other_school):
    r = api[Role.SCHOOL_STAFF].post(
        "/api/tickets/",
        {"title": "Printer", "category": "device", "source": "phone", "description": "jammed"},
        format="json",
    )
    assert r.status_code == 201
    ticket = Ticket.objects.get()
    assert ticket.school == school and ticket.source == "portal"
    assert (
        api[Role.SCHOOL_STAFF]
        .patch(f"/api/tickets/{ticket.pk}/", {"version": 1, "title": "y"}, format="json")
        .status_code
        == 403
    )


def test_school_staff_read_the_public_timeline_only(api, ticket, tech):
    services.ticket_comment(ticket=ticket, by=tech, text="Internal: the user broke it.", public=False)
    services.ticket_comment(ticket=ticket, by=tech, text="We will come on Sunday.", public=True)
    staff_texts = [e["text"] for e in api[Role.SCHOOL_STAFF].get(f"/api/tickets/{ticket.pk}/").json()["entries"]]
    assert "We will come on Sunday." in staff_texts and "Internal: the user broke it." not in staff_texts
    listed = api[Role.SCHOOL_STAFF].get("/api/tickets/").json()["results"][0]["entries"]
    assert all(e["public"] for e in listed)
    head_texts = [e["text"] for e in api[Role.IT_HEAD].get(f"/api/tickets/{ticket.pk}/").json()["entries"]]
    assert "Internal: the user broke it." in head_texts


def test_patch_needs_the_version_and_a_stale_one_is_409(api, ticket):
    url = f"/api/tickets/{ticket.pk}/"
    r = api[Role.TECHNICIAN].patch(url, {"priority": "urgent"}, format="json", **EN)
    assert r.status_code == 400 and r.json()["version"] == ["This field is required."]
    r = api[Role.TECHNICIAN].patch(url, {"priority": "urgent"}, format="json", HTTP_ACCEPT_LANGUAGE="ar")
    assert r.status_code == 400 and r.json()["version"] == ["هذا الحقل مطلوب."]
    r = api[Role.IT_HEAD].patch(url, {"version": 1, "priority": "urgent"}, format="json", **EN)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["priority"] == "urgent"
    r = api[Role.TECHNICIAN].patch(url, {"version": 1, "priority": "low"}, format="json", **EN)
    assert r.status_code == 409 and r.json()["version"] == 2 and ticket.number in r.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"


def test_transitions_through_the_api(api, ticket, tech):
    url = f"/api/tickets/{ticket.pk}/transition/"
    client = api[Role.TECHNICIAN]
    r = client.post(url, {"to": "resolved", "version": 1}, format="json", **EN)
    assert r.status_code == 400 and r.json() == {"status": ["A ticket cannot go from “New” to “Resolved”."]}
    r = client.post(url, {"to": "on_hold", "version": 1}, format="json", **EN)
    assert r.status_code == 400 and "hold_reason" in r.json()
    r = client.post(url, {"to": "in_progress", "version": 1}, format="json", **EN)
    assert r.status_code == 200 and r.json()["status"] == "in_progress" and r.json()["first_response_at"]
    r = client.post(url, {"to": "on_hold", "version": 1, "hold_reason": "parts"}, format="json", **EN)
    assert r.status_code == 409 and r.json()["version"] == 2
    r = client.post(f"/api/tickets/{ticket.pk}/assign/", {"assigned_to": tech.pk, "version": 2}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress" and r.json()["assigned_to"] == "tech"
    assert api[Role.VIEWER].post(url, {"to": "closed", "version": 3, "reason": "x"}, format="json").status_code == 403


def test_the_technical_report_through_the_api(api, ticket, tech):
    url = f"/api/tickets/{ticket.pk}/report/"
    missing = api[Role.TECHNICIAN].get(url, HTTP_ACCEPT_LANGUAGE="ar")
    assert missing.status_code == 404 and missing.json()["detail"] == "لا يوجد تقرير فني بعد."
    r = api[Role.TECHNICIAN].put(
        url,
        {
            "version": 1,
            "diagnosis": "Dead PSU",
            "actions_taken": "Replaced",
            "result": "replaced",
            "recommendation": "disposal",
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["technician"] == tech.pk
    assert api[Role.TECHNICIAN].get(url).json()["recommendation"] == "disposal"
    r = api[Role.TECHNICIAN].put(
        url, {"version": 1, "diagnosis": "x", "actions_taken": "y", "result": "fixed"}, format="json"
    )
    assert r.status_code == 409
    assert (
        api[Role.VIEWER]
        .put(url, {"version": 2, "diagnosis": "x", "actions_taken": "y", "result": "fixed"}, format="json")
        .status_code
        == 403
    )


def test_a_replayed_action_is_answered_200_with_the_same_action(api, ticket, parts, asset):
    url = f"/api/tickets/{ticket.pk}/actions/"
    payload = {
        "action_type": "part_replacement",
        "outcome": "done",
        "started_at": T0.isoformat(),
        "asset": asset.pk,
        "notes": "RAM",
        "parts_used": [{"part": parts["ram"].pk, "quantity": 2}],
        "idempotency_key": "tablet-3:0001",
    }
    first = api[Role.TECHNICIAN].post(url, payload, format="json")
    assert first.status_code == 201, first.content
    again = api[Role.TECHNICIAN].post(url, payload, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert CorrectiveAction.objects.count() == 1 and SparePart.objects.get(code="RAM-8").quantity_on_hand == 3
    other = api[Role.TECHNICIAN].post(url, {**payload, "notes": "something else"}, format="json")
    assert other.status_code == 409 and other.json()["action"] == first.json()["id"]
    listed = api[Role.SCHOOL_STAFF].get(url).json()["results"]
    assert [a["id"] for a in listed] == [first.json()["id"]] and listed[0]["is_current"]
    # school staff see what was used, not what it cost (the stock and its prices are the directorate's)
    assert listed[0]["parts"] == [{"part": parts["ram"].pk, "code": "RAM-8", "quantity": 2}]
    by_tech = api[Role.TECHNICIAN].get(url).json()["results"]
    assert by_tech[0]["parts"] == [{"part": parts["ram"].pk, "code": "RAM-8", "quantity": 2, "unit_cost": "18.500"}]


def test_the_actions_page_reads_the_actions_not_the_tickets_timelines(api, ticket, asset):
    url = f"/api/tickets/{ticket.pk}/actions/"
    payload = {"action_type": "repair", "outcome": "done", "started_at": T0.isoformat(), "asset": asset.pk}
    assert api[Role.TECHNICIAN].post(url, payload, format="json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        listed = api[Role.TECHNICIAN].get(url)
    assert listed.status_code == 200 and len(listed.json()["results"]) == 1
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "maintenance_ticketentry" not in read and "maintenance_ticket_assets" not in read


def test_an_action_short_of_stock_is_400_naming_the_part(api, ticket, parts):
    r = api[Role.TECHNICIAN].post(
        f"/api/tickets/{ticket.pk}/actions/",
        {
            "action_type": "repair",
            "outcome": "done",
            "started_at": T0.isoformat(),
            "parts_used": [{"part": parts["psu"].pk, "quantity": 2}],
        },
        format="json",
        **EN,
    )
    assert r.status_code == 400 and r.json() == {
        "parts": ["Not enough PSU-1 Power supply 450 W in stock: 1 left, 2 needed."]
    }
    assert not CorrectiveAction.objects.exists()


def test_actions_need_the_add_permission(api, ticket):
    payload = {"action_type": "repair", "outcome": "done", "started_at": T0.isoformat()}
    for role in (Role.SCHOOL_STAFF, Role.VIEWER):
        assert api[role].post(f"/api/tickets/{ticket.pk}/actions/", payload, format="json").status_code == 403


def test_spare_parts_api(api, parts):
    assert api[Role.TECHNICIAN].get("/api/spare-parts/").json()["count"] == 3
    assert api[Role.TECHNICIAN].post("/api/spare-parts/", {"code": "X", "name": "x"}, format="json").status_code == 403
    assert api[Role.SCHOOL_STAFF].get("/api/spare-parts/").status_code == 403
    r = api[Role.IT_HEAD].post(
        "/api/spare-parts/",
        {"code": "SSD", "name": "SSD 256", "quantity_on_hand": 4, "unit_cost": "25.000"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["quantity_on_hand"] == 4
    r = api[Role.IT_HEAD].patch(
        f"/api/spare-parts/{r.json()['id']}/", {"quantity_on_hand": 99, "name": "SSD"}, format="json"
    )
    assert r.status_code == 200 and r.json()["quantity_on_hand"] == 4 and r.json()["name"] == "SSD"


def test_the_schema_lists_the_new_endpoints(api):
    paths = api[Role.IT_HEAD].get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/tickets/{id}/transition/",
        "/api/tickets/{id}/actions/",
        "/api/tickets/{id}/report/",
        "/api/spare-parts/",
    ):
        assert path in paths
    assert "409" in paths["/api/tickets/{id}/"]["patch"]["responses"]
