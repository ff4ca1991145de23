from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets.models import Asset, AssetModel, Circuit, FiberSite, Location, Manufacturer, Profile, School
from assets.services import asset_save, inventory_save

pytestmark = pytest.mark.django_db


def test_the_national_school_code_is_unique(school, directorate):
    with pytest.raises(ValidationError) as info:
        inventory_save(School(directorate=directorate, code=school.code, name_ar="نسخة"))
    assert list(info.value.message_dict) == ["code"]


def test_the_database_itself_refuses_a_duplicate_serial_per_manufacturer(asset, school, desktop_model):
    twin = Asset(asset_tag="T-2", asset_model=desktop_model, school=school, serial=asset.serial)
    with pytest.raises(ValidationError):
        asset_save(twin)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Blank serials are not "the same serial".
    asset_save(Asset(asset_tag="T-3", asset_model=desktop_model, school=school))
    asset_save(Asset(asset_tag="T-4", asset_model=desktop_model, school=school))


def test_the_manufacturer_copy_follows_the_model(asset):
    lenovo = Manufacturer.objects.create(name="Lenovo")
    asset.asset_model = AssetModel.objects.create(manufacturer=lenovo, name="M70t", category="desktop")
    asset_save(asset)
    assert Asset.objects.get(pk=asset.pk).manufacturer == lenovo


def test_a_location_name_is_unique_within_its_school(lab, other_school):
    with pytest.raises(ValidationError):
        inventory_save(Location(school=lab.school, name_ar=lab.name_ar, kind="library"))
    inventory_save(Location(school=other_school, name_ar=lab.name_ar, kind="computer_lab"))


def test_school_hours_and_days_are_validated(directorate):
    school = School(directorate=directorate, code="7", name_ar="س", day_start=dt.time(14), day_end=dt.time(8))
    with pytest.raises(ValidationError):
        inventory_save(school)
    school = School(directorate=directorate, code="8", name_ar="س", working_days=[6, 6])
    with pytest.raises(ValidationError) as info:
        inventory_save(school)
    assert "working_days" in info.value.message_dict
    school = School(directorate=directorate, code="9", name_ar="س")
    assert inventory_save(school).working_days == [6, 0, 1, 2, 3]


def test_fiber_sites_and_circuits_are_consistent(directorate, school, circuits):
    with pytest.raises(ValidationError):
        inventory_save(FiberSite(code="X", kind="school", directorate=directorate, name_ar="بلا مدرسة"))
    with pytest.raises(ValidationError):
        inventory_save(FiberSite(code="Y", kind="node", directorate=directorate, school=school, name_ar="عقدة"))
    c1 = circuits[0]
    with pytest.raises(ValidationError):
        inventory_save(Circuit(cid=c1.cid, provider=c1.provider, type="gpon", termination_a=c1.termination_a))
    c1.termination_z = c1.termination_a
    with pytest.raises(ValidationError):
        inventory_save(c1)


def test_school_staff_need_a_school(users):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("lonely")
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.create(user=user, role="school_staff")
