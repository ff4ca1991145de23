from __future__ import annotations

import pytest

from assets.models import Asset, School
from assets.services import asset_save, inventory_delete, inventory_save
from core.changelog import change_context
from core.models import ObjectChange, Tag
from core.selectors import changes_for

pytestmark = pytest.mark.django_db


def test_it_logs_create_update_delete_with_before_and_after(directorate, users):
    head = users["it_head"]
    with change_context(user=head):
        school = inventory_save(School(directorate=directorate, code="3001", name_ar="مدرسة الفجر"))
    with change_context(user=head):
        school.name_en = "Al-Fajr School"
        inventory_save(school)
    pk = school.pk
    with change_context(user=head):
        inventory_delete(school)
    log = list(ObjectChange.objects.filter(changed_object_id=pk, object_repr="مدرسة الفجر").order_by("pk"))
    assert [c.action for c in log] == ["create", "update", "delete"]
    assert log[0].prechange_data is None and log[0].postchange_data["name_ar"] == "مدرسة الفجر"
    assert log[1].diff == {"name_en": ("", "Al-Fajr School")}
    assert log[2].postchange_data is None and log[2].prechange_data["code"] == "3001"
    assert all(c.user == head and c.user_name == head.username for c in log)
    assert len({c.request_id for c in log}) == 3


def test_history_outlives_the_deleted_object(asset):
    pk = asset.pk
    asset.delete()
    assert ObjectChange.objects.filter(changed_object_id=pk, action="delete").exists()


def test_several_saves_in_one_request_are_one_entry(asset):
    tag = Tag.objects.create(name="مختبر ذكي", slug="smart-lab")
    with change_context():
        asset.custodian = "أمين المختبر"
        asset_save(asset, tags=[tag])
    entries = list(changes_for(asset).filter(action="update"))
    assert len(entries) == 1
    assert entries[0].diff == {"custodian": ("", "أمين المختبر"), "tags": ([], [tag.pk])}


def test_a_save_that_changes_nothing_is_not_logged(asset):
    before = changes_for(asset).count()
    asset_save(Asset.objects.get(pk=asset.pk))
    assert changes_for(asset).count() == before


def test_secrets_listed_in_changelog_exclude_never_reach_the_log(directorate):
    from core.changelog import serialize_object

    school = School(directorate=directorate, code="1", name_ar="س")
    school.changelog_exclude = ("comments",)
    assert "comments" not in serialize_object(school)


def test_an_api_change_is_attributed_to_the_token_user(users, asset, client):
    from core.services import issue_api_token

    key = issue_api_token(users["technician"], "test")
    r = client.patch(
        f"/api/assets/{asset.pk}/",
        {"name": "pc-01"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert r.status_code == 200
    assert changes_for(asset).first().user == users["technician"]
