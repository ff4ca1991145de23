"""The monitoring API: write-only secrets, runtime fields the API cannot write, roles, scoping, errors by field."""

from __future__ import annotations

import json

import pytest

from core.models import ObjectChange
from core.roles import Role
from netmon.models import MaintenanceWindow, SnmpCredential, Target
from tests.netmon import world as monitoring

pytestmark = pytest.mark.django_db


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


@pytest.fixture
def head(world, api_for):
    return api_for(world["users"][Role.IT_HEAD])


@pytest.fixture
def tech(world, api_for):
    return api_for(world["users"][Role.TECHNICIAN])


@pytest.fixture
def staff(world, api_for):
    return api_for(world["users"][Role.SCHOOL_STAFF])


def assert_no_secret(body: bytes | str) -> None:
    body = body.decode() if isinstance(body, bytes) else body
    for secret in monitoring.SECRETS:
        assert secret not in body
    for credential in SnmpCredential.objects.all():
        for field in ("community_enc", "auth_key_enc", "priv_key_enc"):
            token = getattr(credential, field)
            assert not token or token not in body
    assert "_enc" not in body


# --------------------------------------------------------------------------- SNMP credentials


def test_credentials_answer_whether_a_secret_is_stored_never_the_secret(world, head):
    r = head.get("/api/snmp-credentials/")
    assert r.status_code == 200
    assert_no_secret(r.content)
    by_name = {c["name"]: c for c in r.json()["results"]}
    assert by_name["schools-v2c"]["has_community"] is True and by_name["schools-v2c"]["has_auth_key"] is False
    assert by_name["core-v3"]["has_auth_key"] is True and by_name["core-v3"]["has_priv_key"] is True
    assert by_name["schools-v2c"]["target_count"] == 1
    assert not {"community", "auth_key", "priv_key"} & set(by_name["core-v3"])
    for path in (f"/api/snmp-credentials/{world['v3'].pk}/", f"/api/snmp-credentials/{world['v3'].pk}/history/"):
        r = head.get(path)
        assert r.status_code == 200
        assert_no_secret(r.content)


def test_a_new_credential_is_encrypted_and_its_secret_stays_out_of_the_response_and_the_log(world, head):
    secret = "Api-Community-Secret-3141"
    r = head.post("/api/snmp-credentials/", {"name": "api-v2c", "version": "v2c", "community": secret}, format="json")
    assert r.status_code == 201, r.content
    assert secret not in r.content.decode() and r.json()["has_community"] is True
    credential = SnmpCredential.objects.get(name="api-v2c")
    assert credential.get_secret("community") == secret and secret not in credential.community_enc
    changes = ObjectChange.objects.filter(changed_object_type__model="snmpcredential", changed_object_id=credential.pk)
    assert changes.exists()
    for change in changes:
        dumped = json.dumps([change.prechange_data, change.postchange_data])
        assert secret not in dumped and credential.community_enc not in dumped
    assert changes.first().user.username == "head"
    history = head.get(f"/api/snmp-credentials/{credential.pk}/history/")
    assert secret not in history.content.decode() and credential.community_enc not in history.content.decode()


def test_a_blank_or_missing_secret_keeps_the_stored_one(world, head):
    v3 = world["v3"]
    url = f"/api/snmp-credentials/{v3.pk}/"
    r = head.patch(url, {"user": "poller", "auth_key": "", "priv_key": ""}, format="json")
    assert r.status_code == 200, r.content
    r = head.patch(url, {"priv_protocol": "AES-256"}, format="json")
    assert r.status_code == 200, r.content
    v3.refresh_from_db()
    assert v3.user == "poller" and v3.priv_protocol == "AES-256"
    assert v3.get_secret("auth_key") == monitoring.AUTH_KEY and v3.get_secret("priv_key") == monitoring.PRIV_KEY
    r = head.put(
        url,
        {
            "name": v3.name,
            "version": "v3",
            "user": "poller",
            "auth_protocol": "SHA",
            "priv_protocol": "AES-128",
            "priv_key": "New-Priv-Key-77",
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    v3.refresh_from_db()
    assert v3.get_secret("priv_key") == "New-Priv-Key-77" and v3.get_secret("auth_key") == monitoring.AUTH_KEY
    assert "New-Priv-Key-77" not in r.content.decode()


def test_switching_version_drops_the_secrets_the_new_version_does_not_use(world, head):
    v3 = world["v3"]
    r = head.patch(f"/api/snmp-credentials/{v3.pk}/", {"version": "v2c", "community": "fresh-community"}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["has_auth_key"] is False and r.json()["has_priv_key"] is False
    v3.refresh_from_db()
    assert v3.auth_key_enc == "" and v3.priv_key_enc == "" and v3.get_secret("community") == "fresh-community"


def test_a_refused_credential_says_which_field_and_why(world, head):
    r = head.post(
        "/api/snmp-credentials/",
        {
            "name": "half",
            "version": "v3",
            "user": "u",
            "auth_protocol": "SHA",
            "priv_protocol": "AES-128",
            "auth_key": "k-123456789",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert r.json() == {"priv_key": ["An SNMP v3 credential needs a privacy key."]}
    assert "k-123456789" not in r.content.decode()
    r = head.post(
        "/api/snmp-credentials/", {"name": "no-community", "version": "v2c"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400 and r.json() == {"community": ["An SNMP v2c credential needs a community."]}
    r = head.post("/api/snmp-credentials/", {"name": "x", "version": "v4", "community": "c"}, format="json")
    assert r.status_code == 400 and list(r.json()) == ["version"]


def test_technicians_read_credential_names_but_cannot_write_them(world, tech):
    v2c = world["v2c"]
    assert tech.get("/api/snmp-credentials/").status_code == 200
    r = tech.post("/api/snmp-credentials/", {"name": "t", "version": "v2c", "community": "public"}, format="json")
    assert r.status_code == 403
    assert tech.patch(f"/api/snmp-credentials/{v2c.pk}/", {"community": "public"}, format="json").status_code == 403
    assert (
        tech.put(f"/api/snmp-credentials/{v2c.pk}/", {"name": "n", "version": "v2c"}, format="json").status_code == 403
    )
    assert tech.delete(f"/api/snmp-credentials/{v2c.pk}/").status_code == 403
    v2c.refresh_from_db()
    assert v2c.get_secret("community") == monitoring.COMMUNITY and not SnmpCredential.objects.filter(name="t").exists()


def test_a_credential_in_use_is_not_deleted(world, head):
    r = head.delete(f"/api/snmp-credentials/{world['v2c'].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "still used by" in r.json()["non_field_errors"][0]


# --------------------------------------------------------------------------- targets


def test_a_new_target_takes_the_management_ip_and_ignores_runtime_fields(world, head, desktop_model):
    from assets.models import Asset

    switch = Asset.objects.create(
        asset_tag="SW-9", asset_model=desktop_model, school=world["school"], management_ip="127.0.0.77"
    )
    r = head.post(
        "/api/targets/",
        {"asset": switch.pk, "role": "distribution", "status": "down", "sys_name": "forged", "interfaces": []},
        format="json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["address"] == "127.0.0.77" and body["status"] == "unknown" and body["sys_name"] == ""
    assert body["school"] == world["school"].pk and body["next_poll_at"] is None
    target = Target.objects.get(pk=body["id"])
    assert target.next_poll_at is None and target.status == "unknown"
    assert_no_secret(head.get(f"/api/targets/{world['target'].pk}/").content)


def test_a_refused_target_says_which_field_and_why(world, head, desktop_model):
    from assets.models import Asset

    bare = Asset.objects.create(asset_tag="SW-10", asset_model=desktop_model, school=world["school"])
    r = head.post("/api/targets/", {"asset": bare.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert list(r.json()) == ["address"] and "management IP" in r.json()["address"][0]
    r = head.post(
        "/api/targets/",
        {"asset": bare.pk, "address": "127.0.0.5", "snmp_enabled": True},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and r.json() == {"credential": ["SNMP checks need an SNMP credential."]}
    r = head.post(
        "/api/targets/",
        {"asset": bare.pk, "address": "127.0.0.5", "interval_s": 5},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and list(r.json()) == ["interval_s"]
    r = head.patch(f"/api/targets/{world['target'].pk}/", {"interfaces": [0]}, format="json")
    assert r.status_code == 400 and list(r.json()) == ["interfaces"]
    r = head.patch(
        f"/api/targets/{world['target'].pk}/", {"parent": world["target"].pk}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400 and "parent" in r.json()
    r = head.post("/api/targets/", {"asset": world["asset"].pk, "address": "127.0.0.5"}, format="json")
    assert r.status_code == 400 and list(r.json()) == ["asset"]  # one target per asset


def test_technicians_change_targets_but_do_not_add_or_delete_them(world, tech, desktop_model):
    from assets.models import Asset

    target = world["target"]
    r = tech.patch(f"/api/targets/{target.pk}/", {"max_loss_pct": 20, "status": "up"}, format="json")
    assert r.status_code == 200, r.content
    target.refresh_from_db()
    assert target.max_loss_pct == 20 and target.status == "down"  # runtime stays the poller's
    spare = Asset.objects.create(asset_tag="SW-11", asset_model=desktop_model, school=world["school"])
    assert tech.post("/api/targets/", {"asset": spare.pk, "address": "127.0.0.8"}, format="json").status_code == 403
    assert tech.delete(f"/api/targets/{target.pk}/").status_code == 403


def test_school_staff_see_their_schools_targets_and_outages_only(world, staff):
    targets = staff.get("/api/targets/").json()
    assert [t["id"] for t in targets["results"]] == [world["target"].pk]
    assert staff.get(f"/api/targets/{world['other_target'].pk}/").status_code == 404
    outages = staff.get("/api/outages/").json()
    assert [o["id"] for o in outages["results"]] == [world["outage"].pk]
    assert staff.get(f"/api/outages/{world['other_outage'].pk}/").status_code == 404
    assert staff.patch(f"/api/targets/{world['target'].pk}/", {"enabled": False}, format="json").status_code == 403


def test_targets_carry_their_checks_and_filter_by_status(world, head):
    body = head.get(f"/api/targets/{world['target'].pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(c["check_name"], c["label"], c["status"]) for c in body["checks"]] == [
        ("icmp", "Ping", "down"),
        ("interface:2", "Interface 2", "up"),
    ]
    assert head.get("/api/targets/", {"status": "down"}).json()["count"] == 1
    assert head.get("/api/targets/", {"school": world["other_school"].pk}).json()["count"] == 1
    assert head.get("/api/targets/", {"q": "127.0.0.12"}).json()["count"] == 1


def test_the_address_filter_takes_an_address_and_refuses_anything_else_naming_it(world, head):
    address = world["target"].address
    assert [t["id"] for t in head.get("/api/targets/", {"address": address}).json()["results"]] == [world["target"].pk]
    r = head.get("/api/targets/", {"address": "\U00033f22\u00a7"}, HTTP_ACCEPT_LANGUAGE="en")  # found by schemathesis
    assert r.status_code == 400 and "address" in r.json(), r.content


# --------------------------------------------------------------------------- outages


def test_outages_are_read_only_and_filter(world, head):
    assert head.post("/api/outages/", {}, format="json").status_code == 405
    assert head.delete(f"/api/outages/{world['outage'].pk}/").status_code == 405
    ongoing = head.get("/api/outages/", {"state": "ongoing"}).json()
    assert [o["id"] for o in ongoing["results"]] == [world["outage"].pk]
    row = ongoing["results"][0]
    assert row["ticket"] == world["ticket"].pk and row["ticket_number"] == world["ticket"].number
    assert row["school"] == world["school"].pk and row["context"] == "working_hours"
    assert head.get("/api/outages/", {"state": "ended"}).json()["count"] == 1
    assert head.get("/api/outages/", {"context": "outside_hours"}).json()["count"] == 1
    assert head.get("/api/outages/", {"school": world["school"].pk}).json()["count"] == 1
    assert head.get("/api/outages/", {"target": world["other_target"].pk}).json()["count"] == 1
    assert head.get("/api/outages/", {"ticket": world["ticket"].pk}).json()["count"] == 1


# --------------------------------------------------------------------------- maintenance windows


def test_technicians_plan_windows_and_a_bad_window_names_the_field(world, tech):
    r = tech.post(
        "/api/maintenance-windows/",
        {"name": "Night works", "start": "2030-02-01T22:00:00Z", "end": "2030-02-01T21:00:00Z"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400 and r.json() == {"end": ["A maintenance window must end after it starts."]}
    r = tech.post(
        "/api/maintenance-windows/",
        {
            "name": "Night works",
            "start": "2030-02-01T22:00:00Z",
            "end": "2030-02-02T02:00:00Z",
            "school": world["school"].pk,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    window = MaintenanceWindow.objects.get(pk=r.json()["id"])
    assert r.json()["in_force"] is False
    r = tech.patch(f"/api/maintenance-windows/{window.pk}/", {"name": "Night works (fiber)"}, format="json")
    assert r.status_code == 200
    assert tech.delete(f"/api/maintenance-windows/{window.pk}/").status_code == 403
    assert tech.get("/api/maintenance-windows/", {"active_at": "2030-02-01T23:00:00Z"}).json()["count"] == 1


def test_the_window_for_everyone_is_seen_by_every_role(world, api_for):
    for role in (Role.IT_HEAD, Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER):
        ids = [w["id"] for w in api_for(world["users"][role]).get("/api/maintenance-windows/").json()["results"]]
        assert world["global_window"].pk in ids, role
        assert (world["other_window"].pk in ids) is (role != Role.SCHOOL_STAFF), role


# --------------------------------------------------------------------------- schema


def test_the_openapi_schema_lists_the_new_collections(world, head):
    r = head.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for collection in ("targets", "outages", "snmp-credentials", "maintenance-windows", "holidays", "tickets"):
        assert f"/api/{collection}/" in paths, collection
    credential = r.json()["components"]["schemas"]["SnmpCredential"]["properties"]
    assert credential["has_community"]["readOnly"] is True
    assert credential["community"]["writeOnly"] is True
