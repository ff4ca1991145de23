"""The role × action matrix, through the API: what each role may see and do."""

from __future__ import annotations

import pytest

from assets.models import Asset, Circuit, Location, School
from core.roles import Role

pytestmark = pytest.mark.django_db

# role -> (may add an asset, may change an asset, may delete an asset, may add a school)
WRITE_MATRIX = {
    Role.IT_HEAD: (True, True, True, True),
    Role.TECHNICIAN: (True, True, False, False),
    Role.SCHOOL_STAFF: (False, False, False, False),
    Role.VIEWER: (False, False, False, False),
}


@pytest.fixture
def world(asset, other_asset, circuits):
    return {"asset": asset, "other_asset": other_asset, "circuits": circuits}


@pytest.mark.parametrize("role", list(WRITE_MATRIX))
def test_it_applies_the_write_matrix(role, users, api_for, world, desktop_model, school, directorate):
    may_add, may_change, may_delete, may_add_school = WRITE_MATRIX[role]
    client = api_for(users[role])

    r = client.post(
        "/api/assets/", {"asset_tag": "NEW-1", "asset_model": desktop_model.pk, "school": school.pk}, format="json"
    )
    assert r.status_code == (201 if may_add else 403), r.content
    assert Asset.objects.filter(asset_tag="NEW-1").exists() is may_add

    r = client.patch(f"/api/assets/{world['asset'].pk}/", {"custodian": "أ. سلمى"}, format="json")
    assert r.status_code == (200 if may_change else 403), r.content

    r = client.post(
        "/api/schools/", {"directorate": directorate.pk, "code": "9999", "name_ar": "مدرسة جديدة"}, format="json"
    )
    assert r.status_code == (201 if may_add_school else 403), r.content

    spare = Asset.objects.create(asset_tag="DEL-1", asset_model=desktop_model, school=school)
    r = client.delete(f"/api/assets/{spare.pk}/")
    assert r.status_code == (204 if may_delete else 403), r.content
    assert Asset.objects.filter(pk=spare.pk).exists() is not may_delete


@pytest.mark.parametrize("role", [Role.IT_HEAD, Role.TECHNICIAN, Role.VIEWER])
def test_directorate_roles_see_every_school(role, users, api_for, world):
    client = api_for(users[role])
    assert client.get("/api/schools/").json()["count"] == 2
    assert client.get("/api/assets/").json()["count"] == 2
    assert client.get("/api/circuits/").json()["count"] == 2
    assert client.get(f"/api/assets/{world['other_asset'].pk}/").status_code == 200


def test_school_staff_see_only_their_school(users, api_for, world, school):
    client = api_for(users[Role.SCHOOL_STAFF])
    schools = client.get("/api/schools/").json()
    assert [s["code"] for s in schools["results"]] == [school.code]
    assets = client.get("/api/assets/").json()
    assert [a["asset_tag"] for a in assets["results"]] == [world["asset"].asset_tag]
    assert [c["cid"] for c in client.get("/api/circuits/").json()["results"]] == ["FO-1001"]
    assert client.get("/api/locations/").json()["count"] == Location.objects.filter(school=school).count()
    # Another school's objects do not exist for them: 404, not 403, so nothing leaks.
    assert client.get(f"/api/assets/{world['other_asset'].pk}/").status_code == 404
    assert client.get(f"/api/schools/{world['other_asset'].school_id}/").status_code == 404
    other_circuit = Circuit.objects.get(cid="FO-1002")
    assert client.get(f"/api/circuits/{other_circuit.pk}/history/").status_code == 404


def test_a_directorate_bound_role_does_not_see_another_directorate(users, api_for, world, desktop_model):
    from assets.models import Directorate

    elsewhere = Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد")
    far_school = School.objects.create(directorate=elsewhere, code="220001", name_ar="مدرسة اليرموك")
    far_asset = Asset.objects.create(asset_tag="IRB-1", asset_model=desktop_model, school=far_school)
    head = api_for(users[Role.IT_HEAD])
    assert far_school.code not in [s["code"] for s in head.get("/api/schools/").json()["results"]]
    assert head.get(f"/api/assets/{far_asset.pk}/").status_code == 404
    # ...nor can they point an asset at it.
    r = head.post(
        "/api/assets/", {"asset_tag": "X-1", "asset_model": desktop_model.pk, "school": far_school.pk}, format="json"
    )
    assert r.status_code == 400 and "school" in r.json()
    # A viewer with no directorate sees every directorate.
    viewer = api_for(users[Role.VIEWER])
    assert viewer.get(f"/api/assets/{far_asset.pk}/").status_code == 200


def test_a_technician_cannot_move_an_asset_to_a_school_outside_scope(users, api_for, world):
    from assets.models import Directorate

    elsewhere = Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد")
    far_school = School.objects.create(directorate=elsewhere, code="220001", name_ar="مدرسة اليرموك")
    r = api_for(users[Role.TECHNICIAN]).patch(
        f"/api/assets/{world['asset'].pk}/", {"school": far_school.pk}, format="json"
    )
    assert r.status_code == 400
    assert "school" in r.json()


def test_anonymous_and_role_less_users_get_nothing(api_for, world, users):
    from tests.factories import make_user

    assert api_for(None).get("/api/assets/").status_code in (401, 403)
    nobody = make_user("nobody", None)
    assert api_for(nobody).get("/api/assets/").status_code == 403


def test_school_staff_may_add_a_journal_note_on_their_asset_only(users, api_for, world):
    client = api_for(users[Role.SCHOOL_STAFF])
    r = client.post(
        f"/api/assets/{world['asset'].pk}/journal/", {"comments": "الجهاز لا يعمل منذ الأحد"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert client.get(f"/api/assets/{world['asset'].pk}/journal/").json()["results"][0]["comments"] == (
        "الجهاز لا يعمل منذ الأحد"
    )
    r = client.post(f"/api/assets/{world['other_asset'].pk}/journal/", {"comments": "x"}, format="json")
    assert r.status_code == 404
    viewer = api_for(users[Role.VIEWER])
    r = viewer.post(f"/api/assets/{world['asset'].pk}/journal/", {"comments": "x"}, format="json")
    assert r.status_code == 403


def test_token_authentication(users, world, client):
    from core.services import issue_api_token

    key = issue_api_token(users[Role.VIEWER], "test")
    r = client.get("/api/assets/", HTTP_AUTHORIZATION=f"Token {key}")
    assert r.status_code == 200 and r.json()["count"] == 2
    assert client.get("/api/assets/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_obtaining_a_token_with_username_and_password(users, client):
    r = client.post("/api/auth/token/", {"username": "tech", "password": "pw-tech"})
    assert r.status_code == 200 and len(r.json()["token"]) == 40
    assert client.post("/api/auth/token/", {"username": "tech", "password": "bad"}).status_code == 400
