from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from assets.choices import AssetStatus
from assets.models import Asset
from assets.services import asset_change_status, asset_save, check_status_transition, inventory_save
from core.selectors import journal_for

pytestmark = pytest.mark.django_db

ALLOWED = {
    ("in_service", "in_repair"),
    ("in_service", "spare"),
    ("in_service", "surplus"),
    ("in_service", "awaiting_disposal"),
    ("in_repair", "in_service"),
    ("in_repair", "spare"),
    ("in_repair", "awaiting_disposal"),
    ("spare", "in_service"),
    ("spare", "in_repair"),
    ("spare", "surplus"),
    ("spare", "awaiting_disposal"),
    ("surplus", "in_service"),
    ("surplus", "spare"),
    ("surplus", "awaiting_disposal"),
    ("awaiting_disposal", "disposed"),
    ("awaiting_disposal", "in_service"),
    ("awaiting_disposal", "spare"),
    ("awaiting_disposal", "surplus"),
}


@pytest.mark.parametrize("old,new", [p for p in itertools.permutations(AssetStatus.values(), 2)])
def test_every_transition_is_allowed_or_refused_as_the_lifecycle_says(old, new):
    if (old, new) in ALLOWED:
        check_status_transition(old, new)
    else:
        with pytest.raises(ValidationError) as info:
            check_status_transition(old, new)
        assert list(info.value.message_dict) == ["status"]


def test_disposal_stamps_the_date_and_is_final(asset):
    asset_change_status(asset, status="awaiting_disposal", reason="recommend disposal")
    asset_change_status(asset, status="disposed")
    asset.refresh_from_db()
    assert asset.status == "disposed" and asset.disposed_on is not None
    for status in AssetStatus.values():
        if status != "disposed":
            asset.status = status
            with pytest.raises(ValidationError):
                asset_save(asset)
    assert Asset.objects.get(pk=asset.pk).status == "disposed"


def test_a_refused_disposal_goes_back_and_clears_the_date(asset):
    asset_change_status(asset, status="awaiting_disposal")
    asset_change_status(asset, status="spare", reason="اللجنة رفضت الإتلاف")
    asset.refresh_from_db()
    assert asset.status == "spare" and asset.disposed_on is None
    assert "اللجنة رفضت الإتلاف" in journal_for(asset).first().comments


def test_a_refused_transition_writes_nothing(asset):
    asset.status = "disposed"
    asset.custodian = "changed"
    with pytest.raises(ValidationError):
        asset_save(asset)
    fresh = Asset.objects.get(pk=asset.pk)
    assert (fresh.status, fresh.custodian) == ("in_service", "")


def test_assets_go_through_asset_save(asset):
    with pytest.raises(TypeError):
        inventory_save(asset)
