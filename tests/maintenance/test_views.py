"""The ticket pages: list with filters, detail with its timeline, assets and outages; scoped by school."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from core.roles import Role
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english
from tests.netmon import world as monitoring

pytestmark = pytest.mark.django_db

ROLES = [Role.IT_HEAD, Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER]


@pytest.fixture(autouse=True)
def _language_back_to_default():
    yield
    translation.deactivate()


@pytest.fixture
def world(school, other_school, asset, other_asset, users):
    data = monitoring.build(school=school, other_school=other_school, asset=asset, other_asset=other_asset)
    return {**data, "school": school, "other_school": other_school, "asset": asset, "users": users}


def as_role(world, role: str):
    return client_for(world["users"][role])


def test_it_sends_anonymous_users_to_the_login_page(world, client):
    for url in (reverse("maintenance:ticket_list"), reverse("maintenance:ticket_detail", args=[world["ticket"].pk])):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ROLES)
def test_ticket_pages_render_for_every_role(world, role):
    client = as_role(world, role)
    html = text(client.get(reverse("maintenance:ticket_list")))
    assert world["ticket"].number in html
    assert (world["other_ticket"].number in html) is (role != Role.SCHOOL_STAFF)
    assert client.get(world["ticket"].get_absolute_url()).status_code == 200
    other = client.get(world["other_ticket"].get_absolute_url())
    assert other.status_code == (404 if role == Role.SCHOOL_STAFF else 200)


def test_the_ticket_list_filters(world):
    client = as_role(world, Role.IT_HEAD)
    url = reverse("maintenance:ticket_list")
    automatic, phoned = world["ticket"].number, world["other_ticket"].number
    html = text(client.get(url, {"source": "monitoring"}))
    assert automatic in html and phoned not in html
    html = text(client.get(url, {"school": world["other_school"].pk}))
    assert phoned in html and automatic not in html
    html = text(client.get(url, {"priority": "high"}))
    assert automatic in html and phoned not in html
    html = text(client.get(url, {"open": "false"}))
    assert automatic not in html and phoned not in html
    html = text(client.get(url, {"q": "طابعة"}))
    assert phoned in html and automatic not in html
    html = text(client.get(url, {"q": world["asset"].asset_tag}))
    assert automatic in html and html.count(f">{automatic}</a>") == 1


def test_the_ticket_page_shows_its_timeline_assets_and_outages(world):
    client = as_role(world, Role.TECHNICIAN)
    english(client)
    ticket, outage = world["ticket"], world["outage"]
    html = text(client.get(ticket.get_absolute_url()))
    timeline = html[html.index('id="ticket-timeline"') : html.index('id="ticket-outages"')]
    assert "Opened" in timeline and "Ping" in timeline and "by the system" in timeline
    assets = html[html.index('id="ticket-assets"') : html.index('id="ticket-timeline"')]
    assert world["asset"].get_absolute_url() in assets
    outages = html[html.index('id="ticket-outages"') :]
    assert outage.get_absolute_url() in outages and "Working hours" in outages
    assert ticket.number in html and 'id="history"' in html and 'id="journal"' in html
    # Tickets are edited (details, with their version) but never deleted: they are records.
    assert reverse("maintenance:ticket_edit", args=[ticket.pk]) in html and "/delete/" not in html


def test_a_recovery_and_a_status_change_read_well_in_the_timeline(world):
    from datetime import timedelta

    from maintenance import services

    ticket = world["ticket"]
    services.automatic_ticket_recover(
        key=ticket.monitor_key,
        problem="icmp",
        at=world["now"],
        outage=timedelta(minutes=3),
        self_close_within=timedelta(minutes=15),
        data={"check": "icmp"},
    )
    client = as_role(world, Role.VIEWER)
    english(client)
    html = text(client.get(ticket.get_absolute_url()))
    timeline = html[html.index('id="ticket-timeline"') :]
    assert "Recovered" in timeline and "The outage lasted 3 min 0 s." in timeline
    assert "Status: New → Closed" in timeline
    assert "The fault cleared by itself soon after it began." in html


def test_ticket_pages_are_arabic_and_rtl(world):
    client = as_role(world, Role.VIEWER)
    html = text(client.get(reverse("maintenance:ticket_list")))
    assert '<html lang="ar" dir="rtl">' in html and "البلاغات" in html
    html = text(client.get(world["ticket"].get_absolute_url()))
    for arabic in ("مجريات البلاغ", "رقم البلاغ", "المراقبة الآلية", "فُتح", "الانقطاعات", "سجل التغييرات"):
        assert arabic in html, arabic
    for phrase in ("Timeline", "Automatic monitoring", "Outages", ">Opened<"):
        assert phrase not in html, phrase
