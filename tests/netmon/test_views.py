"""The monitoring pages: who sees and edits what, secrets that never come back, forms through services."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from core.models import ObjectChange
from core.roles import Role
from netmon.models import MaintenanceWindow, SnmpCredential, Target
from tests.assets.ui_fixtures import client_for, select_options, text
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
    return {
        **data,
        "school": school,
        "other_school": other_school,
        "asset": asset,
        "other_asset": other_asset,
        "users": users,
    }


def as_role(world, role: str):
    return client_for(world["users"][role])


def list_pages() -> list[str]:
    return [
        reverse("netmon:target_list"),
        reverse("netmon:outage_list"),
        reverse("netmon:snmpcredential_list"),
        reverse("netmon:maintenancewindow_list"),
        reverse("netmon:pollers"),
    ]


# School staff do not see the directorate's monitoring plumbing.
STAFF_HIDDEN = {"/monitoring/snmp-credentials/", "/monitoring/pollers/"}


def assert_no_secret(body: str, world) -> None:
    for secret in monitoring.SECRETS:
        assert secret not in body
    for credential in SnmpCredential.objects.all():
        for field in ("community_enc", "auth_key_enc", "priv_key_enc"):
            token = getattr(credential, field)
            assert not token or token not in body


# --------------------------------------------------------------------------- who may see what


def test_it_sends_anonymous_users_to_the_login_page(world, client):
    target, window, v2c = world["target"], world["window"], world["v2c"]
    urls = [
        *list_pages(),
        reverse("netmon:target_detail", args=[target.pk]),
        reverse("netmon:target_add"),
        reverse("netmon:target_edit", args=[target.pk]),
        reverse("netmon:target_delete", args=[target.pk]),
        reverse("netmon:snmpcredential_add"),
        reverse("netmon:snmpcredential_edit", args=[v2c.pk]),
        reverse("netmon:snmpcredential_delete", args=[v2c.pk]),
        reverse("netmon:maintenancewindow_add"),
        reverse("netmon:maintenancewindow_edit", args=[window.pk]),
        reverse("netmon:maintenancewindow_delete", args=[window.pk]),
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_every_role(world, role):
    client = as_role(world, role)
    hidden = STAFF_HIDDEN if role == Role.SCHOOL_STAFF else set()
    for url in list_pages():
        r = client.get(url)
        assert r.status_code == (403 if url in hidden else 200), url
        assert_no_secret(text(r), world)
    r = client.get(reverse("netmon:target_detail", args=[world["target"].pk]))
    assert r.status_code == 200
    assert_no_secret(text(r), world)
    other = client.get(reverse("netmon:target_detail", args=[world["other_target"].pk]))
    assert other.status_code == (404 if role == Role.SCHOOL_STAFF else 200)


def test_school_staff_see_only_their_schools_targets_and_outages(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    mine, theirs = world["target"], world["other_target"]
    html = text(client.get(reverse("netmon:target_list")))
    assert mine.get_absolute_url() in html and theirs.get_absolute_url() not in html
    assert world["other_school"].name_ar not in html
    # Even when they ask for the other school.
    html = text(client.get(reverse("netmon:target_list"), {"school": world["other_school"].pk}))
    assert theirs.get_absolute_url() not in html
    assert [
        o for o in select_options(text(client.get(reverse("netmon:target_list"))), "school") if o != "---------"
    ] == [world["school"].name_ar]
    html = text(client.get(reverse("netmon:outage_list")))
    assert world["ticket"].number in html and f"/targets/{theirs.pk}/" not in html
    # Their school's window and the one for everyone; not the other school's target's.
    html = text(client.get(reverse("netmon:maintenancewindow_list")))
    assert world["window"].name in html and world["global_window"].name in html
    assert world["other_window"].name not in html


def test_directorate_roles_see_every_school_and_the_windows_for_everyone(world):
    client = as_role(world, Role.TECHNICIAN)  # bound to the directorate
    html = text(client.get(reverse("netmon:target_list")))
    assert world["target"].get_absolute_url() in html and world["other_target"].get_absolute_url() in html
    html = text(client.get(reverse("netmon:maintenancewindow_list")))
    for window in ("window", "other_window", "global_window"):
        assert world[window].name in html, window


# --------------------------------------------------------------------------- writes per role


def test_a_viewer_and_school_staff_get_403_on_every_write(world):
    for role in (Role.VIEWER, Role.SCHOOL_STAFF):
        client = as_role(world, role)
        target = world["target"]
        urls = [
            reverse("netmon:target_add"),
            reverse("netmon:target_edit", args=[target.pk]),
            reverse("netmon:target_delete", args=[target.pk]),
            reverse("netmon:snmpcredential_add"),
            reverse("netmon:snmpcredential_edit", args=[world["v2c"].pk]),
            reverse("netmon:snmpcredential_delete", args=[world["v2c"].pk]),
            reverse("netmon:maintenancewindow_add"),
            reverse("netmon:maintenancewindow_edit", args=[world["window"].pk]),
            reverse("netmon:maintenancewindow_delete", args=[world["window"].pk]),
        ]
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url, {}).status_code == 403, (role, url)
    assert Target.objects.filter(pk=world["target"].pk).exists()


def test_a_technician_tunes_targets_and_windows_but_never_touches_credentials(world):
    client = as_role(world, Role.TECHNICIAN)
    target, v2c = world["target"], world["v2c"]
    assert client.get(reverse("netmon:target_edit", args=[target.pk])).status_code == 200
    assert client.get(reverse("netmon:target_add")).status_code == 403
    assert client.get(reverse("netmon:target_delete", args=[target.pk])).status_code == 403
    assert client.get(reverse("netmon:maintenancewindow_add")).status_code == 200
    assert client.get(reverse("netmon:maintenancewindow_delete", args=[world["window"].pk])).status_code == 403
    before = SnmpCredential.objects.get(pk=v2c.pk).community_enc
    for url in (
        reverse("netmon:snmpcredential_add"),
        reverse("netmon:snmpcredential_edit", args=[v2c.pk]),
        reverse("netmon:snmpcredential_delete", args=[v2c.pk]),
    ):
        assert client.get(url).status_code == 403, url
        r = client.post(url, {"name": "stolen", "version": "v2c", "community": "public"})
        assert r.status_code == 403, url
    assert SnmpCredential.objects.get(pk=v2c.pk).community_enc == before
    assert not SnmpCredential.objects.filter(name="stolen").exists()
    # They see the names, and no edit buttons.
    html = text(client.get(reverse("netmon:snmpcredential_list")))
    assert v2c.name in html and reverse("netmon:snmpcredential_edit", args=[v2c.pk]) not in html
    assert reverse("netmon:snmpcredential_add") not in html


# --------------------------------------------------------------------------- SNMP credentials: write-only secrets


def test_a_credential_added_through_the_form_keeps_its_secret_out_of_every_page_and_the_log(world):
    client = as_role(world, Role.IT_HEAD)
    secret = "Brand-New-Community-0042"
    r = client.post(reverse("netmon:snmpcredential_add"), {"name": "labs-v2c", "version": "v2c", "community": secret})
    assert r.status_code == 302, text(r)[:2000]
    credential = SnmpCredential.objects.get(name="labs-v2c")
    assert credential.get_secret("community") == secret
    assert secret not in credential.community_enc  # encrypted at rest
    for url in (
        reverse("netmon:snmpcredential_list"),
        reverse("netmon:snmpcredential_edit", args=[credential.pk]),
        reverse("netmon:snmpcredential_delete", args=[credential.pk]),
    ):
        body = text(client.get(url))
        assert secret not in body and credential.community_enc not in body, url
    for change in ObjectChange.objects.filter(
        changed_object_id=credential.pk, changed_object_type__model="snmpcredential"
    ):
        dumped = repr(change.prechange_data) + repr(change.postchange_data)
        assert secret not in dumped and credential.community_enc not in dumped
        assert "community_enc" not in dumped
    created = ObjectChange.objects.get(
        changed_object_type__model="snmpcredential", changed_object_id=credential.pk, action="create"
    )
    assert created.user.username == "head"


def test_the_edit_form_shows_stored_or_not_set_and_a_blank_secret_keeps_the_stored_one(world):
    client = english(as_role(world, Role.IT_HEAD))
    v3 = world["v3"]
    url = reverse("netmon:snmpcredential_edit", args=[v3.pk])
    html = text(client.get(url))
    assert re.search(r'<input type="password" name="auth_key"[^>]*>', html)
    assert not re.search(r'name="auth_key"[^>]*value=', html)
    assert html.count("Stored ✓ — leave blank to keep it.") == 2 and "Not set." in html
    r = client.post(
        url,
        {
            "name": v3.name,
            "version": "v3",
            "user": "siyana2",
            "auth_protocol": "SHA-256",
            "priv_protocol": "AES-256",
            "auth_key": "",
            "priv_key": "",
        },
    )
    assert r.status_code == 302, text(r)[:3000]
    v3.refresh_from_db()
    assert v3.user == "siyana2" and v3.priv_protocol == "AES-256"
    assert v3.get_secret("auth_key") == monitoring.AUTH_KEY and v3.get_secret("priv_key") == monitoring.PRIV_KEY
    r = client.post(
        url,
        {
            "name": v3.name,
            "version": "v3",
            "user": "siyana2",
            "auth_protocol": "SHA-256",
            "priv_protocol": "AES-256",
            "auth_key": "rotated-auth-key",
            "priv_key": "",
        },
    )
    assert r.status_code == 302
    v3.refresh_from_db()
    assert v3.get_secret("auth_key") == "rotated-auth-key" and v3.get_secret("priv_key") == monitoring.PRIV_KEY


def test_a_refused_credential_names_the_field_and_does_not_echo_the_secret(world):
    client = english(as_role(world, Role.IT_HEAD))
    r = client.post(
        reverse("netmon:snmpcredential_add"),
        {
            "name": "half-v3",
            "version": "v3",
            "user": "u",
            "auth_protocol": "SHA",
            "priv_protocol": "AES-128",
            "auth_key": "Typed-Auth-Key-123",
        },
    )
    assert r.status_code == 400
    html = text(r)
    assert "An SNMP v3 credential needs a privacy key." in html
    assert re.search(r'name="priv_key"[^>]*is-invalid|is-invalid[^>]*name="priv_key"', html)
    assert "Typed-Auth-Key-123" not in html
    assert not SnmpCredential.objects.filter(name="half-v3").exists()
    r = client.post(reverse("netmon:snmpcredential_add"), {"name": "no-community", "version": "v2c"})
    assert r.status_code == 400 and "An SNMP v2c credential needs a community." in text(r)


def test_a_credential_in_use_cannot_be_deleted(world):
    client = english(as_role(world, Role.IT_HEAD))
    r = client.post(reverse("netmon:snmpcredential_delete", args=[world["v2c"].pk]))
    assert r.status_code == 409 and "still used by" in text(r)
    r = client.post(reverse("netmon:snmpcredential_delete", args=[world["v3"].pk]))
    assert r.status_code == 302 and not SnmpCredential.objects.filter(pk=world["v3"].pk).exists()


# --------------------------------------------------------------------------- targets


def test_adding_a_target_takes_the_assets_management_ip_and_is_polled_at_once(world, desktop_model):
    from assets.models import Asset

    switch = Asset.objects.create(
        asset_tag="SW-0100", asset_model=desktop_model, school=world["school"], management_ip="127.0.0.50"
    )
    client = as_role(world, Role.IT_HEAD)
    html = text(client.get(reverse("netmon:target_add")))
    offered = select_options(html, "asset")
    assert any("SW-0100" in o for o in offered) and not any("MOE-0001" in o for o in offered)  # already monitored
    form = {
        "asset": switch.pk,
        "address": "",
        "role": "access",
        "enabled": "on",
        "interval_s": 60,
        "timeout_s": 2,
        "retries": 1,
        "fail_threshold": 3,
        "recover_threshold": 2,
        "icmp_enabled": "on",
        "snmp_port": 161,
        "reboot_enabled": "on",
        "interfaces": "",
        "school_hours_only": "on",
    }
    r = client.post(reverse("netmon:target_add"), form)
    assert r.status_code == 302, text(r)[:3000]
    target = Target.objects.get(asset=switch)
    assert r["Location"] == target.get_absolute_url()
    assert target.address == "127.0.0.50" and target.next_poll_at is None and target.status == "unknown"
    change = ObjectChange.objects.get(changed_object_type__model="target", changed_object_id=target.pk)
    assert change.user.username == "head" and "next_poll_at" not in change.postchange_data


def test_a_target_without_any_address_says_so_on_the_address_field(world, desktop_model):
    from assets.models import Asset

    bare = Asset.objects.create(asset_tag="SW-0101", asset_model=desktop_model, school=world["school"])
    client = english(as_role(world, Role.IT_HEAD))
    r = client.post(
        reverse("netmon:target_add"),
        {
            "asset": bare.pk,
            "role": "access",
            "interval_s": 60,
            "timeout_s": 2,
            "retries": 1,
            "fail_threshold": 3,
            "recover_threshold": 2,
            "icmp_enabled": "on",
            "snmp_port": 161,
        },
    )
    assert r.status_code == 400
    assert re.search(r'name="address"[^>]*is-invalid|is-invalid[^>]*name="address"', text(r))
    assert "the asset has no management IP" in text(r)
    r = client.post(
        reverse("netmon:target_add"),
        {
            "asset": bare.pk,
            "address": "127.0.0.60",
            "role": "access",
            "interval_s": 60,
            "timeout_s": 2,
            "retries": 1,
            "fail_threshold": 3,
            "recover_threshold": 2,
            "snmp_port": 161,
            "snmp_enabled": "on",
            "interfaces": "1, x",
        },
    )
    assert r.status_code == 400
    html = text(r)
    assert "SNMP checks need an SNMP credential." in html
    assert "List ifIndex numbers (whole numbers from 1)." in html


def _edit_form(target: Target, **changes) -> dict:
    form = {
        "asset": target.asset_id,
        "address": target.address,
        "role": target.role,
        "parent": target.parent_id or "",
        "circuit": target.circuit_id or "",
        "interval_s": target.interval_s,
        "timeout_s": target.timeout_s,
        "retries": target.retries,
        "fail_threshold": target.fail_threshold,
        "recover_threshold": target.recover_threshold,
        "max_rtt_ms": "",
        "max_loss_pct": "",
        "credential": target.credential_id or "",
        "snmp_port": target.snmp_port,
        "interfaces": ", ".join(str(i) for i in target.interfaces),
        "max_errors_per_s": "",
        "max_errors_per_mille": "",
    }
    for flag in ("enabled", "icmp_enabled", "snmp_enabled", "reboot_enabled", "school_hours_only"):
        if getattr(target, flag):
            form[flag] = "on"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_a_technicians_edit_keeps_what_the_poller_wrote_meanwhile(world):
    client = as_role(world, Role.TECHNICIAN)
    target = world["target"]
    url = reverse("netmon:target_edit", args=[target.pk])
    assert client.get(url).status_code == 200
    # The poller moves on between the page load and the save.
    moved = timezone.now()
    Target.objects.filter(pk=target.pk).update(
        status="up", poll_version=77, last_poll_at=moved, next_poll_at=moved + timedelta(seconds=60)
    )
    r = client.post(url, _edit_form(target, max_rtt_ms="250", role="distribution"))
    assert r.status_code == 302, text(r)[:3000]
    target.refresh_from_db()
    assert target.max_rtt_ms == 250 and target.role == "distribution"
    assert target.status == "up" and target.poll_version == 77 and target.last_poll_at == moved
    assert target.next_poll_at is not None  # thresholds only: no reason to poll again at once
    change = ObjectChange.objects.filter(changed_object_type__model="target", changed_object_id=target.pk).first()
    assert change.user.username == "tech" and change.diff["role"] == ("uplink", "distribution")
    # A probing change is polled at once; a new address forgets the discovery.
    r = client.post(url, _edit_form(target, address="127.0.0.99"))
    assert r.status_code == 302
    target.refresh_from_db()
    assert target.next_poll_at is None and target.discovered_at is None and target.sys_name == ""


def test_the_target_form_offers_only_what_the_user_sees(world):
    from tests.assets.ui_fixtures import far_school

    far = far_school()
    client = as_role(world, Role.TECHNICIAN)
    html = text(client.get(reverse("netmon:target_edit", args=[world["target"].pk])))
    parents = select_options(html, "parent")
    assert any("MOE-0002" in p for p in parents) and not any("MOE-0001" in p for p in parents)  # not itself
    assert all(far.name_ar not in o for o in select_options(html, "asset"))


def test_the_target_page_shows_checks_flips_outages_tickets_and_discovery(world):
    client = english(as_role(world, Role.TECHNICIAN))
    target, ticket, outage = world["target"], world["ticket"], world["outage"]
    html = text(client.get(target.get_absolute_url()))
    checks = html[html.index('id="target-checks"') : html.index('id="target-outages"')]
    assert "Ping" in checks and "Interface 2" in checks and "text-bg-danger" in checks
    outages = html[html.index('id="target-outages"') : html.index('id="target-flips"')]
    assert f'id="outage-{outage.pk}"' in outages
    assert f'href="{ticket.get_absolute_url()}"' in outages and ticket.number in outages
    assert "Working hours" in outages and "ongoing" in outages
    flips = html[html.index('id="target-flips"') : html.index('id="target-windows"')]
    assert flips.count("<li") == 2
    discovery = html[html.index('id="target-discovery"') :]
    assert "sw-amal-core" in discovery and "Cisco IOS Software, C2960X" in discovery and "Gi1/0/2" in discovery
    assert 'id="history"' in html and 'id="journal"' in html


def test_deleting_a_target_warns_what_goes_with_it(world):
    client = english(as_role(world, Role.IT_HEAD))
    target = world["target"]
    html = text(client.get(reverse("netmon:target_delete", args=[target.pk])))
    assert "availability reports" in html
    r = client.post(reverse("netmon:target_delete", args=[target.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("netmon:target_list")
    assert not Target.objects.filter(pk=target.pk).exists()


def test_the_target_list_filters_by_status_role_and_school(world):
    client = as_role(world, Role.VIEWER)
    url = reverse("netmon:target_list")
    mine, theirs = world["target"].get_absolute_url(), world["other_target"].get_absolute_url()
    html = text(client.get(url, {"status": "down"}))
    assert mine in html and theirs not in html
    html = text(client.get(url, {"role": "access"}))
    assert theirs in html and mine not in html
    html = text(client.get(url, {"school": world["other_school"].pk}))
    assert theirs in html and mine not in html


def test_the_target_list_costs_the_same_queries_for_2_or_30_rows(world, desktop_model, django_assert_max_num_queries):
    from assets.models import Asset

    client = as_role(world, Role.IT_HEAD)
    client.get(reverse("netmon:target_list"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("netmon:target_list"))
    for i in range(28):
        asset = Asset.objects.create(asset_tag=f"BULK-{i:03}", asset_model=desktop_model, school=world["school"])
        Target.objects.create(asset=asset, address=f"127.0.1.{i + 1}", parent=world["target"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(reverse("netmon:target_list"))
    assert "BULK-027" in text(r)


# --------------------------------------------------------------------------- outages, pollers


def test_the_outage_list_filters_by_school_state_and_context(world):
    client = as_role(world, Role.IT_HEAD)
    url = reverse("netmon:outage_list")
    ongoing, ended = world["ticket"].number, f"/targets/{world['other_target'].pk}/"
    html = text(client.get(url))
    assert ongoing in html and ended in html
    html = text(client.get(url, {"state": "ongoing"}))
    assert ongoing in html and ended not in html
    html = text(client.get(url, {"state": "ended"}))
    assert ongoing not in html and ended in html
    html = text(client.get(url, {"context": "outside_hours"}))
    assert ongoing not in html and ended in html
    html = text(client.get(url, {"school": world["school"].pk}))
    assert ongoing in html and ended not in html


def test_the_poller_page_marks_a_silent_poller_stale(world):
    client = english(as_role(world, Role.VIEWER))
    html = text(client.get(reverse("netmon:pollers")))
    rows = re.findall(r'<tr class="poller[^"]*">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    alive, stale = rows
    assert "poller-a" in alive and "alive" in alive and "stale" not in alive and "12,345" in alive
    assert "poller-b" in stale and ">stale<" in stale and "database is locked" in stale
    assert 'hx-trigger="every 30s"' in html
    outages = html[html.index('id="open-outages"') :]
    assert re.search(r'<span class="stat-value fs-3">1</span>', outages)


# --------------------------------------------------------------------------- maintenance windows


def test_a_technician_plans_a_window_and_a_bad_one_names_the_field(world):
    client = english(as_role(world, Role.TECHNICIAN))
    url = reverse("netmon:maintenancewindow_add")
    r = client.post(
        url,
        {"name": "Fiber splice", "start": "2030-01-05T08:00", "end": "2030-01-05T07:00", "school": world["school"].pk},
    )
    assert r.status_code == 400
    assert re.search(r'name="end"[^>]*is-invalid|is-invalid[^>]*name="end"', text(r))
    assert "A maintenance window must end after it starts." in text(r)
    r = client.post(
        url,
        {
            "name": "Fiber splice",
            "start": "2030-01-05T08:00",
            "end": "2030-01-05T10:00",
            "target": world["other_target"].pk,
            "school": world["school"].pk,
        },
    )
    assert r.status_code == 400 and "The target is not at the chosen school." in text(r)
    r = client.post(
        url,
        {"name": "Fiber splice", "start": "2030-01-05T08:00", "end": "2030-01-05T10:00", "target": world["target"].pk},
    )
    assert r.status_code == 302 and r["Location"] == reverse("netmon:maintenancewindow_list")
    window = MaintenanceWindow.objects.get(name="Fiber splice")
    assert window.target == world["target"]
    assert (
        ObjectChange.objects.get(
            changed_object_type__model="maintenancewindow", changed_object_id=window.pk
        ).user.username
        == "tech"
    )
    # A window for one target shows for that target's school staff.
    assert "Fiber splice" in text(as_role(world, Role.SCHOOL_STAFF).get(reverse("netmon:maintenancewindow_list")))


# --------------------------------------------------------------------------- language


def test_monitoring_pages_are_arabic_and_rtl(world):
    client = as_role(world, Role.IT_HEAD)
    with translation.override("ar"):
        expected = {
            reverse("netmon:target_list"): str(Target._meta.verbose_name_plural),
            reverse("netmon:outage_list"): "الانقطاعات",
            reverse("netmon:pollers"): "حالة أدوات الاستطلاع",
            reverse("netmon:snmpcredential_list"): "بيانات اعتماد SNMP",
        }
    for url, title in expected.items():
        html = text(client.get(url))
        assert '<html lang="ar" dir="rtl">' in html, url
        assert "bootstrap.rtl.min.css" in html
        assert title in html, (url, title)
    html = text(client.get(world["target"].get_absolute_url()))
    for arabic in ("الفحوصات", "الانقطاعات", "مراقبة الشبكة", "البلاغات"):
        assert arabic in html, arabic
    for english_word in ("Checks", "Outages", "Recent status changes", "Discovered by SNMP", "Monitoring"):
        assert f">{english_word}<" not in html, english_word


def test_school_staff_see_neither_pollers_nor_credentials(world):
    client = as_role(world, Role.SCHOOL_STAFF)
    assert {reverse("netmon:pollers"), reverse("netmon:snmpcredential_list")} == STAFF_HIDDEN
    for url in STAFF_HIDDEN:
        assert client.get(url).status_code == 403
