"""The technician's tablet in a real browser (Debian's Chromium at tablet size, with touch).

- A day's work, in English and in Arabic: sign in → my queue → the ticket → start work → log a
  corrective action with a photo and a part → resolve with the technical report; axe-core finds
  no serious or critical violation on any of these pages.
- Offline: two actions logged with the network off wait on the device (counter 2), each is
  recorded exactly once when the network returns (counter 0); a forced resend creates nothing;
  a refused one is explained and kept until the technician discards it.
- The scan page reads a picture of an asset's QR label (jsQR: headless Linux Chromium has no
  BarcodeDetector) and opens the asset; the camera path runs on Chromium's fake camera fed with
  a video of the label.
- Layouts: tablet portrait and landscape and a phone, touch targets of 44 px at least.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.roles import Role
from maintenance import services
from maintenance.choices import TicketStatus
from maintenance.models import CorrectiveAction, SparePart, TechnicalReport, Ticket
from tests.factories import make_user
from tests.tablet.world import seed_sla_policies
from tests.ui.conftest import PHONE, TABLET, TABLET_LANDSCAPE, axe_violations, png_picture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S = TicketStatus
EXPECT_TIMEOUT = 15_000

#: The visible controls smaller than 44×44 px (touch targets).
SMALL_TARGETS = """() => {
  const small = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.classList.contains('visually-hidden-focusable')) continue;
    if (box.height < 44 || box.width < 44) {
      const text = (el.textContent || el.value || '').trim().slice(0, 30);
      small.push(`${el.tagName.toLowerCase()}#${el.id} ${Math.round(box.width)}x${Math.round(box.height)} "${text}"`);
    }
  }
  return small;
}"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(school, lab, asset, directorate):
    seed_sla_policies()  # a transactional test's flush removes migration 0002's rows
    head = make_user("head", Role.IT_HEAD, directorate=directorate)
    tech = make_user("tech", Role.TECHNICIAN, directorate=directorate)
    ram = SparePart.objects.create(code="RAM-8", name="RAM 8 GB DDR4", quantity_on_hand=5, unit_cost=Decimal("18.5"))
    ticket = services.ticket_create(
        opened_at=timezone.now() - timedelta(hours=1),
        title="PC 3 does not boot",
        description="Black screen after the school's power cut.",
        category="device",
        source="phone",
        school=school,
        location=lab,
        requester_name="Huda",
        requester_phone="0790000001",
        assets=[asset],
        author=head,
    )
    ticket = services.ticket_assign(ticket=ticket, assignee=tech, by=head, expected_version=ticket.version)
    return {"head": head, "tech": tech, "ticket": ticket, "ram": ram, "asset": asset}


def sign_in(page, live_server, username: str, *, language: str | None = None):
    if language:
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/?next=/tablet/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.locator("button[type=submit]").last.tap()
    page.wait_for_url(f"{live_server.url}/tablet/")


def no_serious_axe_violations(page, where: str):
    violations = axe_violations(page)
    assert not violations, f"axe on {where}: {violations}"


def wait_for_service_worker(page):
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15_000
    )


def outbox_count(page):
    return page.locator("#outbox-count")


# --------------------------------------------------------------------------- a day's work


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_technician_works_a_ticket_from_queue_to_resolution(page, live_server, world, shot, language):
    ticket, tech = world["ticket"], world["tech"]
    words = {
        "en": {
            "queue": "My queue",
            "start": "Start work",
            "log": "Log corrective action",
            "resolve": "Resolve with the technical report",
            "save": "Save the action",
            "resolve_submit": "Save and resolve the ticket",
            "dir": "ltr",
        },
        "ar": {
            "queue": "بلاغاتي",
            "start": "بدء العمل",
            "log": "تسجيل إجراء تصحيحي",
            "resolve": "الحل مع التقرير الفني",
            "save": "حفظ الإجراء",
            "resolve_submit": "حفظ وحلّ البلاغ",
            "dir": "rtl",
        },
    }[language]
    sign_in(page, live_server, "tech", language=language if language == "en" else None)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", words["dir"])
    expect(page.get_by_role("heading", name=words["queue"])).to_be_visible()
    card = page.locator(f'a[data-ticket="{ticket.pk}"]')
    expect(card).to_contain_text(ticket.number)
    expect(card).to_contain_text("MOE-0001")
    no_serious_axe_violations(page, f"the queue ({language})")
    shot("1-queue")

    card.tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/")
    expect(page.locator("h1")).to_contain_text(ticket.number)
    no_serious_axe_violations(page, f"the ticket ({language})")
    shot("2-ticket")

    page.get_by_role("button", name=words["start"]).tap()
    expect(page.locator("[data-ticket-status]")).to_have_attribute("data-ticket-status", S.IN_PROGRESS)
    assert Ticket.objects.get(pk=ticket.pk).status == S.IN_PROGRESS

    page.get_by_role("link", name=words["log"]).tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/actions/")
    form = page.locator("#action-form")
    form.locator("select[name=action_type]").select_option("part_replacement")
    form.locator("input[name=duration_minutes]").fill("35")
    form.locator("textarea[name=notes]").fill("Replaced the faulty RAM module")
    form.locator("select[name=part]").select_option(str(world["ram"].pk))
    form.locator("input[name=quantity]").fill("1")
    form.locator("input[name=photo]").set_input_files(
        {"name": "pc3.png", "mimeType": "image/png", "buffer": png_picture()}
    )
    expect(page.locator("#photo-preview")).to_be_visible()
    no_serious_axe_violations(page, f"the action form ({language})")
    shot("3-action")
    page.get_by_role("button", name=words["save"]).tap()
    page.wait_for_url(re.compile(rf".*/tablet/tickets/{ticket.pk}/#action-\d+$"), timeout=EXPECT_TIMEOUT)

    action = CorrectiveAction.objects.get(ticket=ticket)
    uuid.UUID(action.idempotency_key)  # made on the device (crypto.randomUUID)
    assert action.photo and action.photo_name == "pc3.png" and action.photo.read().startswith(b"\x89PNG")
    assert action.ended_at - action.started_at == timedelta(minutes=35)
    assert abs(action.started_at - timezone.now()) < timedelta(minutes=5)  # the tablet's clock, its time zone
    assert SparePart.objects.get(pk=world["ram"].pk).quantity_on_hand == 4
    expect(page.locator(f"#action-{action.pk}")).to_contain_text("Replaced the faulty RAM module")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0")

    page.get_by_role("link", name=words["resolve"]).tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/resolve/")
    page.fill("textarea[name=diagnosis]", "Faulty RAM after the power cut")
    expect(page.locator("textarea[name=actions_taken]")).to_have_value("Replaced the faulty RAM module")
    page.select_option("select[name=result]", "fixed")
    no_serious_axe_violations(page, f"the technical report ({language})")
    shot("4-report")
    page.get_by_role("button", name=words["resolve_submit"]).tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/")
    expect(page.locator("[data-ticket-status]")).to_have_attribute("data-ticket-status", S.RESOLVED)
    shot("5-resolved")

    ticket.refresh_from_db()
    report = TechnicalReport.objects.get(ticket=ticket)
    assert ticket.status == S.RESOLVED and report.technician == tech and report.result == "fixed"
    if language == "ar":
        expect(page.locator("#ticket-report")).to_contain_text("التقرير الفني")


# --------------------------------------------------------------------------- offline


def fill_action(page, notes: str, *, photo_name: str | None = None):
    form = page.locator("#action-form")
    form.locator("select[name=action_type]").select_option("diagnosis")
    form.locator("input[name=duration_minutes]").fill("10")
    form.locator("textarea[name=notes]").fill(notes)
    if photo_name:
        form.locator("input[name=photo]").set_input_files(
            {"name": photo_name, "mimeType": "image/png", "buffer": png_picture(80, 60)}
        )
    page.locator("#action-submit").tap()


def test_actions_logged_offline_sync_once_when_the_network_returns(page, context, live_server, world, shot):
    ticket = world["ticket"]
    posts: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: (
            posts.append((r.request.method, r.status)) if r.request.method == "POST" and "/actions/" in r.url else None
        ),
    )
    sign_in(page, live_server, "tech", language="en")
    wait_for_service_worker(page)
    page.locator(f'a[data-ticket="{ticket.pk}"]').tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/")
    page.locator("#log-action").tap()
    page.wait_for_url(f"**/tablet/tickets/{ticket.pk}/actions/")

    context.set_offline(True)
    expect(page.locator("#network-state")).to_be_visible()
    fill_action(page, "Checked the power supply", photo_name="psu.png")
    expect(page.locator("#action-result")).to_contain_text("Kept on this tablet")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    fill_action(page, "Checked the cables")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "2")
    expect(outbox_count(page)).to_contain_text("2")
    shot("1-two-waiting")
    assert not CorrectiveAction.objects.exists() and posts == []

    # The ticket opened before is kept on the tablet, and shows what waits to be sent. (The office
    # renames it meanwhile: the page shown is the tablet's copy, not the server's answer.)
    Ticket.objects.filter(pk=ticket.pk).update(title="Renamed in the office")
    response = page.goto(f"{live_server.url}/tablet/tickets/{ticket.pk}/")
    assert response.from_service_worker
    expect(page.locator("h1")).to_contain_text(ticket.number)
    expect(page.locator("p.lead")).to_have_text("PC 3 does not boot")
    expect(page.locator("[data-pending-list] li")).to_have_count(2)
    shot("2-ticket-offline")
    keys = page.evaluate(
        "() => siyanaTablet.outbox.mine().then(items => { window.__saved = items; return items.map(i => i.key); })"
    )
    assert len(keys) == 2

    context.set_offline(False)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0", timeout=EXPECT_TIMEOUT)
    for key in keys:
        assert CorrectiveAction.objects.filter(idempotency_key=key).count() == 1
    assert CorrectiveAction.objects.count() == 2
    assert CorrectiveAction.objects.get(notes="Checked the power supply").photo_name == "psu.png"
    assert sorted(status for _m, status in posts) == [201, 201]

    # A sync replayed whole (its answers were lost on the way): the server answers 200, no duplicate.
    page.evaluate(
        "async () => { for (const item of window.__saved) await siyanaTablet.outbox.put(item);"
        " await siyanaTablet.sync(); }"
    )
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0")
    assert sorted(status for _m, status in posts) == [200, 200, 201, 201]
    assert CorrectiveAction.objects.count() == 2


def test_a_refused_action_is_explained_and_kept_until_discarded(page, context, live_server, world, shot):
    ticket = world["ticket"]
    sign_in(page, live_server, "tech", language="en")
    wait_for_service_worker(page)
    page.goto(f"{live_server.url}/tablet/tickets/{ticket.pk}/actions/")
    context.set_offline(True)
    fill_action(page, "Reinstalled the drivers")
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "1")
    key = page.evaluate("() => siyanaTablet.outbox.mine().then(items => items[0].key)")
    # Meanwhile the same key reached the server with another action (a second device, a bug): a conflict.
    services.action_log(
        ticket=ticket,
        by=world["tech"],
        action_type="repair",
        outcome="done",
        started_at=timezone.now() - timedelta(minutes=5),
        notes="Something else",
        idempotency_key=key,
    )
    context.set_offline(False)
    expect(page.locator("#outbox-problems")).to_be_visible(timeout=EXPECT_TIMEOUT)
    expect(outbox_count(page)).to_have_attribute("data-outbox-count", "0")

    page.locator("#outbox-problems a").tap()
    page.wait_for_url("**/tablet/outbox/")
    item = page.locator(f'li[data-key="{key}"]')
    expect(item).to_have_attribute("data-status", "failed")
    expect(item).to_contain_text("idempotency key was already used")
    no_serious_axe_violations(page, "the outbox")
    assert page.evaluate(SMALL_TARGETS) == []
    shot("1-refused")
    assert CorrectiveAction.objects.count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Discard").tap()
    expect(page.locator("#outbox-empty")).to_be_visible()
    expect(page.locator("#outbox-problems")).to_be_hidden()
    assert CorrectiveAction.objects.count() == 1


# --------------------------------------------------------------------------- scan


def label_png(text: str) -> bytes:
    from assets import labels

    return labels.qr_png(text)


def test_the_scan_page_reads_a_picture_of_the_label(page, live_server, world, shot):
    asset, ticket = world["asset"], world["ticket"]
    sign_in(page, live_server, "tech", language="en")
    page.goto(f"{live_server.url}/tablet/scan/")
    no_serious_axe_violations(page, "the scan page")
    shot("1-scan")
    # The inventory's printed label holds the asset's absolute URL (assets.labels).
    page.locator("#scan-file").set_input_files(
        {"name": "label.png", "mimeType": "image/png", "buffer": label_png(live_server.url + asset.get_absolute_url())}
    )
    page.wait_for_url("**/tablet/asset/MOE-0001/", timeout=EXPECT_TIMEOUT)
    expect(page.locator("#asset-open-tickets")).to_contain_text(ticket.number)
    no_serious_axe_violations(page, "the asset page")
    shot("2-asset")

    page.goto(f"{live_server.url}/tablet/scan/")
    page.fill("#scan-code", "moe-0001")
    page.locator("#scan-form button[type=submit]").tap()
    page.wait_for_url("**/tablet/asset/MOE-0001/")

    page.goto(f"{live_server.url}/tablet/scan/")
    page.locator("#scan-file").set_input_files(
        {"name": "other.png", "mimeType": "image/png", "buffer": label_png("MOE-9999")}
    )
    expect(page.locator("#scan-not-found")).to_contain_text("MOE-9999", timeout=EXPECT_TIMEOUT)


def test_the_camera_reads_the_label_and_opens_the_asset(page, context, live_server, world, shot):
    """Chromium's fake camera films a QR label holding the bare asset tag (tests/ui/conftest.py)."""
    context.grant_permissions(["camera"])
    sign_in(page, live_server, "tech", language="en")
    page.goto(f"{live_server.url}/tablet/scan/")
    page.locator("#scan-start").tap()
    page.wait_for_url("**/tablet/asset/MOE-0001/", timeout=EXPECT_TIMEOUT)
    expect(page.locator("#asset-open-tickets")).to_contain_text(world["ticket"].number)


# --------------------------------------------------------------------------- layouts and touch targets


@pytest.mark.parametrize(
    "size", [TABLET, TABLET_LANDSCAPE, PHONE], ids=["tablet-portrait", "tablet-landscape", "phone"]
)
def test_pages_fit_the_screen_with_touch_sized_controls(page, live_server, world, shot, size):
    ticket = world["ticket"]
    page.set_viewport_size(size)
    sign_in(page, live_server, "tech")
    for name, path in [
        ("queue", "/tablet/"),
        ("ticket", f"/tablet/tickets/{ticket.pk}/"),
        ("action", f"/tablet/tickets/{ticket.pk}/actions/"),
        ("report", f"/tablet/tickets/{ticket.pk}/resolve/"),
        ("scan", "/tablet/scan/"),
        ("asset", "/tablet/asset/MOE-0001/"),
        ("outbox", "/tablet/outbox/"),
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        small = page.evaluate(SMALL_TARGETS)
        assert not small, f"{name}: controls smaller than 44px: {small}"
        shot(name)
