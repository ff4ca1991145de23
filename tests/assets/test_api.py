"""The inventory API: writes through the services, errors that name the field, filters, Arabic text."""

from __future__ import annotations

import pytest

from assets.models import Asset
from core.models import ObjectChange, Tag
from core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def head(users, api_for):
    return api_for(users[Role.IT_HEAD])


def test_arabic_text_round_trips_through_the_api(head, school, lab, desktop_model):
    payload = {
        "asset_tag": "MOE-7",
        "asset_model": desktop_model.pk,
        "school": school.pk,
        "location": lab.pk,
        "custodian": "أ. ريم العبداللات",
        "comments": "جهاز المعلمة — شاشة ٢٤ بوصة",
    }
    r = head.post("/api/assets/", payload, format="json")
    assert r.status_code == 201, r.content
    back = head.get(f"/api/assets/{r.json()['id']}/").json()
    assert back["custodian"] == "أ. ريم العبداللات"
    assert back["comments"] == "جهاز المعلمة — شاشة ٢٤ بوصة"
    assert Asset.objects.get(asset_tag="MOE-7").custodian == "أ. ريم العبداللات"


def test_a_field_error_names_the_field_in_english(head, asset, desktop_model, school):
    r = head.post(
        "/api/assets/",
        {"asset_tag": asset.asset_tag, "asset_model": desktop_model.pk, "school": school.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert r.json() == {"asset_tag": ["An asset with this tag already exists."]}


def test_a_field_error_comes_back_in_arabic(head, asset, desktop_model, school):
    r = head.post(
        "/api/assets/",
        {"asset_tag": asset.asset_tag, "asset_model": desktop_model.pk, "school": school.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert r.status_code == 400
    assert r.json() == {"asset_tag": ["يوجد أصل بهذا الرقم من قبل."]}


def test_a_missing_field_is_named(head, school):
    r = head.post("/api/assets/", {"asset_tag": "X", "school": school.pk}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert r.json() == {"asset_model": ["This field is required."]}


def test_the_location_must_belong_to_the_school(head, other_school, lab, desktop_model):
    r = head.post(
        "/api/assets/",
        {"asset_tag": "X", "asset_model": desktop_model.pk, "school": other_school.pk, "location": lab.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert r.json() == {"location": ["The location must belong to the asset's school."]}


def test_serial_is_unique_per_manufacturer_only(head, asset, school, desktop_model):
    from assets.models import AssetModel, Manufacturer

    r = head.post(
        "/api/assets/",
        {"asset_tag": "X-2", "asset_model": desktop_model.pk, "school": school.pk, "serial": asset.serial},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 400
    assert "serial" in str(r.json())
    dell = AssetModel.objects.create(
        manufacturer=Manufacturer.objects.create(name="Dell"), name="OptiPlex", category="desktop"
    )
    r = head.post(
        "/api/assets/",
        {"asset_tag": "X-3", "asset_model": dell.pk, "school": school.pk, "serial": asset.serial},
        format="json",
    )
    assert r.status_code == 201, r.content


def test_status_follows_the_lifecycle_and_keeps_the_reason(head, asset):
    url = f"/api/assets/{asset.pk}/"
    r = head.patch(url, {"status": "disposed"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and list(r.json()) == ["status"]
    assert (
        head.patch(url, {"status": "awaiting_disposal", "status_reason": "لوحة أم تالفة"}, format="json").status_code
        == 200
    )
    r = head.patch(url, {"status": "disposed"}, format="json")
    assert r.status_code == 200 and r.json()["disposed_on"] is not None
    r = head.patch(url, {"status": "in_service"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400, "disposed is final"
    journal = head.get(f"{url}journal/").json()["results"]
    assert any("لوحة أم تالفة" in entry["comments"] for entry in journal)


def test_a_protected_delete_says_why(head, school, asset):
    r = head.delete(f"/api/schools/{school.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert "still used by" in r.json()["non_field_errors"][0]


def test_filters_search_and_pagination(head, asset, other_asset, school):
    assert head.get("/api/assets/", {"school": school.pk}).json()["count"] == 1
    assert head.get("/api/assets/", {"q": "الأمل"}).json()["count"] == 1
    assert head.get("/api/assets/", {"status": "in_repair"}).json()["count"] == 0
    assert head.get("/api/assets/", {"category": "desktop"}).json()["count"] == 2
    page = head.get("/api/assets/", {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_tags_are_written_by_slug_and_logged(head, asset):
    Tag.objects.create(name="مختبر ذكي", slug="smart-lab")
    r = head.patch(f"/api/assets/{asset.pk}/", {"tags": ["smart-lab"]}, format="json")
    assert r.status_code == 200 and r.json()["tags"] == ["smart-lab"]
    change = ObjectChange.objects.filter(changed_object_id=asset.pk, object_repr__startswith=asset.asset_tag).first()
    assert change.diff["tags"] == ([], [Tag.objects.get().pk])


def test_history_shows_who_changed_what(head, users, asset):
    head.patch(f"/api/assets/{asset.pk}/", {"custodian": "م. خالد"}, format="json")
    entry = head.get(f"/api/assets/{asset.pk}/history/").json()["results"][0]
    assert entry["action"] == "update"
    assert entry["user_name"] == users[Role.IT_HEAD].username
    assert entry["diff"] == {"custodian": {"before": "", "after": "م. خالد"}}


def test_the_openapi_schema_and_docs_are_served(head, client, users):
    r = head.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for collection in (
        "directorates",
        "schools",
        "locations",
        "manufacturers",
        "asset-models",
        "assets",
        "fiber-sites",
        "circuits",
    ):
        assert f"/api/{collection}/" in paths
    client.force_login(users[Role.VIEWER])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower(), "Swagger UI must load from our own static files"


def test_a_filtered_list_exports_as_csv_and_xlsx(head, asset, other_asset, school):
    import csv
    import io

    import openpyxl

    r = head.get("/api/assets/", {"school": school.pk, "export": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["asset_tag"] for row in rows] == [asset.asset_tag]
    assert rows[0]["school_code"] == school.code
    r = head.get("/api/assets/", {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row == 3  # header + both assets
    assert head.get("/api/assets/", {"export": "pdf"}).status_code == 400


def test_export_respects_the_role_scope(users, api_for, asset, other_asset):
    r = api_for(users[Role.SCHOOL_STAFF]).get("/api/assets/", {"export": "csv"})
    assert asset.asset_tag in r.content.decode() and other_asset.asset_tag not in r.content.decode()
