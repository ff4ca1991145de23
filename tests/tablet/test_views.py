"""The tablet's pages without a browser: the queue's order and today's school, the ticket page (asset
history, the poller's timeline), status moves with versions (409 on a stale one), the action endpoint
(201 / 200 replay / 409 / 400, photo and parts), the report-and-resolve step, the scan codes, the PWA files."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from core.roles import Role
from maintenance import services
from maintenance.choices import TicketStatus
from maintenance.models import CorrectiveAction, SparePart, TechnicalReport, Ticket
from tests.assets.ui_fixtures import far_school
from tests.factories import english, make_user
from tests.maintenance.conftest import png_bytes
from tests.tablet.world import action_payload, client_for, open_ticket

S = TicketStatus
pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def queue_order(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', html(response))]


# --------------------------------------------------------------------------- access


def test_pages_need_a_signed_in_staff_role(users, ticket):
    anonymous = Client()
    r = anonymous.get(reverse("tablet:queue"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    # The offline queue gets JSON it understands, never a login page it would take for success.
    r = anonymous.post(reverse("tablet:action", args=[ticket.pk]), HTTP_ACCEPT="application/json")
    assert r.status_code == 401 and "detail" in r.json()
    for role in (Role.SCHOOL_STAFF, Role.VIEWER):
        assert client_for(users[role]).get(reverse("tablet:queue")).status_code == 403
    assert client_for(users[Role.IT_HEAD]).get(reverse("tablet:queue")).status_code == 200


def test_a_ticket_of_another_directorate_is_not_found(head, tech, directorate):
    school = far_school()
    other = open_ticket(head=head, tech=tech, school=school)
    scoped_tech = make_user("scoped", Role.TECHNICIAN, directorate=directorate)
    assert client_for(scoped_tech).get(reverse("tablet:ticket", args=[other.pk])).status_code == 404


# --------------------------------------------------------------------------- the queue


def test_the_queue_is_mine_open_and_most_pressing_first(head, tech, school, other_school, lab, asset):
    opened = timezone.now() - timedelta(minutes=30)
    low = open_ticket(head=head, tech=tech, school=school, title="Mouse", priority="low", opened_at=opened)
    urgent = open_ticket(
        head=head, tech=tech, school=other_school, title="Core switch", priority="urgent", opened_at=opened
    )
    normal = open_ticket(head=head, tech=tech, school=school, title="Printer", priority="normal", opened_at=opened)
    someone_elses = open_ticket(head=head, tech=head, school=school, title="Not mine")
    resolved = open_ticket(head=head, tech=tech, school=school, title="Done")
    services.ticket_transition(ticket=resolved, to=S.IN_PROGRESS, by=tech, expected_version=resolved.version)
    services.report_save(
        ticket=resolved,
        by=tech,
        expected_version=resolved.version + 1,
        diagnosis="d",
        actions_taken="a",
        result="fixed",
    )
    services.ticket_resolve(ticket=resolved, by=tech, expected_version=resolved.version + 2)

    r = client_for(tech).get(reverse("tablet:queue"))
    assert r.status_code == 200
    order = queue_order(r)
    assert someone_elses.pk not in order and resolved.pk not in order
    # All opened together: the SLA's due time follows the priority (urgent first).
    assert order == [urgent.pk, normal.pk, low.pk]
    dues = [Ticket.objects.get(pk=pk).response_due_at for pk in order]
    assert dues == sorted(dues)
    page = html(r)
    assert "Al-Amal Girls School" in page and "Response:" in page and " left" in page


def test_a_later_due_time_comes_after_an_earlier_one_whatever_the_priority(head, tech, school):
    now = timezone.now()
    old_low = open_ticket(
        head=head, tech=tech, school=school, title="Old", priority="low", opened_at=now - timedelta(days=6)
    )
    new_high = open_ticket(head=head, tech=tech, school=school, title="New", priority="high", opened_at=now)
    old_low.refresh_from_db()
    new_high.refresh_from_db()
    assert old_low.response_due_at < new_high.response_due_at
    assert queue_order(client_for(tech).get(reverse("tablet:queue"))) == [old_low.pk, new_high.pk]


def test_the_queue_loads_the_holidays_once_whatever_its_order(head, tech, school):
    now = timezone.now()
    tickets = [
        open_ticket(head=head, tech=tech, school=school, title=f"Fault {days}", opened_at=now - timedelta(days=days))
        for days in (0, 400, 800)
    ]
    # The newest first in the queue: each older one lies more than the reader's look-back before the last.
    for rank, ticket in enumerate(tickets):
        due = now + timedelta(days=rank + 1)
        Ticket.objects.filter(pk=ticket.pk).update(response_due_at=due, resolve_due_at=due)
    with CaptureQueriesContext(connection) as queries:
        r = client_for(tech).get(reverse("tablet:queue"))
    assert queue_order(r) == [t.pk for t in tickets]
    assert len([q for q in queries.captured_queries if "assets_holiday" in q["sql"]]) == 1


def test_todays_school_narrows_the_queue_until_midnight(head, tech, school, other_school):
    here = open_ticket(head=head, tech=tech, school=school, title="Here")
    there = open_ticket(head=head, tech=tech, school=other_school, title="There")
    client = client_for(tech)
    assert sorted(queue_order(client.get(reverse("tablet:queue")))) == sorted([here.pk, there.pk])

    r = client.post(reverse("tablet:todays_school"), {"school": other_school.pk})
    assert r.status_code == 302
    r = client.get(reverse("tablet:queue"))
    assert queue_order(r) == [there.pk]
    assert "Showing today's school only" in html(r)

    # Yesterday's pick is forgotten.
    session = client.session
    session["tablet.todays_school"]["date"] = (timezone.localdate() - timedelta(days=1)).isoformat()
    session.save()
    assert len(queue_order(client.get(reverse("tablet:queue")))) == 2

    client.post(reverse("tablet:todays_school"), {"school": other_school.pk})
    client.post(reverse("tablet:todays_school"), {"school": ""})
    assert len(queue_order(client.get(reverse("tablet:queue")))) == 2


# --------------------------------------------------------------------------- the ticket page


def test_the_ticket_page_shows_the_asset_its_history_and_the_buttons(head, tech, school, lab, asset, parts):
    earlier = open_ticket(head=head, tech=tech, school=school, location=lab, assets=[asset], title="Last year's fault")
    services.action_log(
        ticket=earlier,
        by=tech,
        action_type="repair",
        outcome="done",
        started_at=timezone.now() - timedelta(hours=2),
        asset=asset,
        notes="Reseated the RAM",
        parts=[(parts["ram"], 1)],
    )
    services.ticket_transition(ticket=earlier, to=S.CLOSED, by=head, expected_version=None, reason="duplicate call")
    current = open_ticket(head=head, tech=tech, school=school, location=lab, assets=[asset])

    r = client_for(tech).get(reverse("tablet:ticket", args=[current.pk]))
    assert r.status_code == 200
    page = html(r)
    assert current.number in page and "MOE-0001" in page and "Computer lab 1" in page and "CZC1234" in page
    assert "Last year&#x27;s fault" in page and "Reseated the RAM" in page and "RAM-8" in page
    assert 'id="start-work"' in page and 'id="log-action"' in page
    assert 'id="resolve"' not in page  # work must start first
    assert f'name="version" value="{current.version}"' in page
    assert "outage-timeline" not in page  # not an automatic ticket


def test_an_automatic_ticket_shows_the_pollers_outage_timeline(head, tech, school, lab, asset):
    from netmon.models import Flip, Outage, Target

    target = Target.objects.create(asset=asset, address="127.0.0.5")
    start = timezone.now() - timedelta(minutes=20)
    fault = services.AutomaticTicket(
        key=target.monitor_key,
        problem="icmp",
        title="MOE-0001: Ping",
        description="Opened automatically.",
        category="network",
        priority="high",
        school_id=school.pk,
        location_id=lab.pk,
        asset_ids=(asset.pk,),
    )
    ticket, created = services.automatic_ticket_open(fault, at=start)
    assert created
    outage = Outage.objects.create(
        target=target,
        check_name="icmp",
        status="down",
        cause="own",
        context="working_hours",
        start=start,
        ticket=ticket,
    )
    flip = Flip.objects.create(target=target, check_name="icmp", seq=1, old="up", new="down", at=start, reason="fail")
    other_check = Flip.objects.create(
        target=target, check_name="snmp", seq=1, old="up", new="down", at=start, reason="fail"
    )
    r = client_for(tech).get(reverse("tablet:ticket", args=[ticket.pk]))
    page = html(r)
    assert 'id="outage-timeline"' in page and "127.0.0.5" in page
    assert f'data-outage="{outage.pk}"' in page and "still down" in page
    assert f'data-flip="{flip.pk}"' in page and f'data-flip="{other_check.pk}"' not in page


def test_start_work_then_hold_with_a_reason(tech, ticket):
    client = client_for(tech)
    url = reverse("tablet:transition", args=[ticket.pk])
    r = client.post(url, {"to": "in_progress", "version": ticket.version})
    assert r.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS and ticket.first_response_at is not None
    r = client.post(url, {"to": "on_hold", "version": ticket.version, "hold_reason": "parts", "reason": "PSU ordered"})
    ticket.refresh_from_db()
    assert ticket.status == S.ON_HOLD and ticket.hold_reason == "parts"
    page = html(client.get(reverse("tablet:ticket", args=[ticket.pk])))
    assert "Resume work" in page and "Waiting for parts" in page


def test_a_stale_version_is_explained_and_shows_the_current_state(head, tech, ticket):
    client = client_for(tech)
    seen = ticket.version
    # Someone else starts work in the office meanwhile.
    services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=head, expected_version=seen)
    r = client.post(
        reverse("tablet:transition", args=[ticket.pk]), {"to": "on_hold", "version": seen, "hold_reason": "school"}
    )
    assert r.status_code == 409
    page = html(r)
    assert 'id="conflict"' in page and "changed by someone else" in page
    assert 'data-ticket-status="in_progress"' in page
    ticket.refresh_from_db()
    assert ticket.status == S.IN_PROGRESS and ticket.version == seen + 1


# --------------------------------------------------------------------------- corrective actions


def post_json(client, url, data):
    return client.post(url, data, HTTP_ACCEPT="application/json")


def photo(name="lab.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_an_action_from_the_queue_is_recorded_once_with_its_photo_and_parts(tech, ticket, asset, parts):
    client = client_for(tech)
    url = reverse("tablet:action", args=[ticket.pk])
    key = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    data = action_payload(asset, idempotency_key=key, part=[str(parts["ram"].pk)], quantity=["2"])
    r = post_json(client, url, {**data, "photo": photo()})
    assert r.status_code == 201, r.content
    body = r.json()
    action = CorrectiveAction.objects.get(idempotency_key=key)
    assert body == {
        "id": action.pk,
        "created": True,
        "ticket": ticket.pk,
        "detail": "The corrective action was recorded.",
    }
    assert action.photo and action.photo_name == "lab.png" and action.photo.read().startswith(b"\x89PNG")
    assert action.ended_at - action.started_at == timedelta(minutes=45)
    assert action.started_at.isoformat() == "2026-03-01T08:00:00+00:00"
    assert [(u.part.code, u.quantity) for u in action.parts.all()] == [("RAM-8", 2)]
    assert SparePart.objects.get(pk=parts["ram"].pk).quantity_on_hand == 3

    # The sync is replayed (the answer was lost on the way): the same action, not a second one.
    r = post_json(client, url, {**data, "photo": photo()})
    assert r.status_code == 200 and r.json()["id"] == action.pk and r.json()["created"] is False
    assert CorrectiveAction.objects.filter(idempotency_key=key).count() == 1
    assert SparePart.objects.get(pk=parts["ram"].pk).quantity_on_hand == 3

    # Another action under the same key is refused and explained.
    r = post_json(client, url, {**data, "notes": "Something else", "photo": photo()})
    assert r.status_code == 409 and r.json()["action"] == action.pk and "idempotency key" in r.json()["detail"]
    assert CorrectiveAction.objects.count() == 1


def test_a_refused_action_says_why_field_by_field(tech, ticket, asset, parts):
    client = client_for(tech)
    url = reverse("tablet:action", args=[ticket.pk])
    r = post_json(client, url, {"outcome": "done", "started_at": ""})
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert set(errors) == {"action_type", "started_at"}
    # The service's refusals too: not enough stock.
    r = post_json(
        client, url, action_payload(asset, idempotency_key="k-0000001", part=[str(parts["psu"].pk)], quantity=["3"])
    )
    assert r.status_code == 400 and "Not enough" in r.json()["detail"]
    assert not CorrectiveAction.objects.exists()
    # Minutes and an end time that disagree.
    r = post_json(client, url, action_payload(asset, ended_at="2026-03-01T11:00:00Z"))
    assert r.status_code == 400 and "duration_minutes" in r.json()["errors"]


def test_the_action_form_works_without_the_script_too(tech, ticket, asset):
    client = client_for(tech)
    url = reverse("tablet:action", args=[ticket.pk])
    page = html(client.get(url))
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "data-offline-action" in page
    data = action_payload(asset, started_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"), idempotency_key="")
    r = client.post(url, {**data, "photo": photo()})
    action = CorrectiveAction.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"#action-{action.pk}")
    assert action.idempotency_key is None and action.photo


# --------------------------------------------------------------------------- report and resolve


def start(ticket, tech) -> Ticket:
    return services.ticket_transition(ticket=ticket, to=S.IN_PROGRESS, by=tech, expected_version=ticket.version)


REPORT = {
    "diagnosis": "Dead power supply",
    "actions_taken": "Replaced the PSU",
    "result": "fixed",
    "recommendation": "none",
    "recommendation_notes": "",
}


def test_resolve_with_the_technical_report(tech, ticket):
    ticket = start(ticket, tech)
    client = client_for(tech)
    url = reverse("tablet:resolve", args=[ticket.pk])
    page = html(client.get(url))
    assert f'name="version" value="{ticket.version}"' in page and 'id="resolve-submit"' in page
    r = client.post(url, {**REPORT, "version": ticket.version})
    assert r.status_code == 302
    ticket.refresh_from_db()
    report = TechnicalReport.objects.get(ticket=ticket)
    assert ticket.status == S.RESOLVED and report.diagnosis == "Dead power supply" and report.technician == tech


def test_a_stale_report_keeps_nothing(head, tech, ticket):
    ticket = start(ticket, tech)
    seen = ticket.version
    services.ticket_transition(ticket=ticket, to=S.ON_HOLD, by=head, expected_version=seen, hold_reason="vendor")
    r = client_for(tech).post(reverse("tablet:resolve", args=[ticket.pk]), {**REPORT, "version": seen})
    assert r.status_code == 409 and "changed by someone else" in html(r)
    assert not TechnicalReport.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).status == S.ON_HOLD


def test_the_report_alone_can_be_saved_before_resolving(tech, ticket):
    client = client_for(tech)
    r = client.post(
        reverse("tablet:resolve", args=[ticket.pk]), {**REPORT, "version": ticket.version, "save_only": "1"}
    )
    assert r.status_code == 302
    assert TechnicalReport.objects.filter(ticket=ticket).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == S.ASSIGNED


# --------------------------------------------------------------------------- scan and asset


@pytest.mark.parametrize(
    "code",
    [
        "http://127.0.0.2:8000/assets/{pk}/",  # a label printed from another address of the server
        "https://siyana.example/assets/{pk}/",
        "/tablet/asset/MOE-0001/",
        "http://127.0.0.1:8000/tablet/asset/MOE-0001/",
        "MOE-0001",
        "  moe-0001 ",
    ],
)
def test_a_scanned_or_typed_code_opens_the_asset(tech, asset, code):
    r = client_for(tech).get(reverse("tablet:scan"), {"code": code.format(pk=asset.pk)})
    assert r.status_code == 302 and r["Location"] == reverse("tablet:asset", args=["MOE-0001"])


@pytest.mark.parametrize("code", ["MOE-9999", "http://127.0.0.1/tickets/1/", "/nowhere/", "MOE-0002"])
def test_an_unknown_code_says_so(tech, directorate, code):
    school = far_school()
    Asset.objects.create(asset_tag="MOE-0002", asset_model=_model(), school=school)
    scoped = make_user("scoped", Role.TECHNICIAN, directorate=directorate)
    r = client_for(scoped).get(reverse("tablet:scan"), {"code": code})
    assert r.status_code == 404 and 'id="scan-not-found"' in html(r)


def _model():
    from assets.models import AssetModel, Manufacturer

    return AssetModel.objects.create(
        manufacturer=Manufacturer.objects.create(name="Dell"), name="OptiPlex", category="desktop"
    )


def test_the_asset_page_lists_its_open_tickets(tech, ticket, asset):
    r = client_for(tech).get(reverse("tablet:asset", args=["MOE-0001"]))
    assert r.status_code == 200
    page = html(r)
    assert f'data-ticket="{ticket.pk}"' in page and "ProDesk 400 G7" in page


# --------------------------------------------------------------------------- the PWA's files


def test_the_service_worker_covers_the_tablet_and_keeps_the_shell():
    r = Client().get(reverse("tablet:service_worker"))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/tablet/"
    script = r.content.decode()
    assert "__" not in re.sub(r"/\*.*?\*/", "", script, flags=re.S).replace("__proto__", "")
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", script).group(1))
    assert "/tablet/offline/" in shell
    for url in shell:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    assert 'const SCOPE = "/tablet/"' in script and 'const STATIC = "/static/"' in script


def test_the_manifest_follows_the_language():
    client = Client()
    manifest = json.loads(client.get(reverse("tablet:manifest")).content)
    assert manifest["dir"] == "rtl" and manifest["lang"] == "ar" and manifest["start_url"] == "/tablet/"
    assert manifest["name"] == "صيانة — الفني"
    english(client)
    manifest = json.loads(client.get(reverse("tablet:manifest")).content)
    assert manifest["dir"] == "ltr" and manifest["name"] == "Siyana — technician"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_the_offline_page_holds_no_ones_data(tech):
    r = client_for(tech).get(reverse("tablet:offline"))
    assert r.status_code == 200
    page = html(r)
    assert 'data-user=""' in page and "Log out" not in page


def test_the_main_menu_leads_technicians_to_the_tablet(users):
    page = html(client_for(users[Role.TECHNICIAN]).get(reverse("assets:dashboard")))
    assert f'href="{reverse("tablet:queue")}"' in page and "Technician's tablet" in page
    viewer_page = html(client_for(users[Role.VIEWER]).get(reverse("assets:dashboard")))
    assert f'href="{reverse("tablet:queue")}"' not in viewer_page
