"""The generic view helpers of core.views: cells, badges, form styling, errors on forms, readable history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from assets.choices import AssetStatus
from assets.models import Asset, Location
from core.changelog import change_context
from core.roles import Role
from core.views import (
    EMPTY,
    Column,
    ObjectListView,
    apply_validation_error,
    badge,
    display_value,
    history_rows,
    scope_form_fields,
    style_form,
)


@pytest.fixture(autouse=True)
def _language_back_to_default():
    # LocaleMiddleware leaves the last request's language active in the thread: don't leak it into other tests.
    yield
    translation.deactivate()


def test_a_badge_has_the_choice_sets_label_and_colour():
    with translation.override("en"):
        html = badge(AssetStatus, "in_repair")
    assert html == '<span class="badge text-bg-warning">In repair</span>'
    assert badge(AssetStatus, "") == EMPTY


def test_values_are_shown_localised():
    with translation.override("en"):
        assert display_value(None) == EMPTY
        assert display_value(True) == "Yes"
        assert display_value(12345) == "12,345"
        assert display_value(dt.date(2025, 3, 9)) == "March 9, 2025"
        assert display_value(Decimal("12.50")) == "12.50"
        assert display_value("<b>") == "<bdi>&lt;b&gt;</bdi>"
        assert display_value("+962 6 501 0000") == "<bdi>+962 6 501 0000</bdi>"


def test_a_column_links_to_the_row_or_to_the_value(db, asset):
    with translation.override("ar"):
        assert Column("asset_tag", link=True).render(asset) == (
            f'<a href="{asset.get_absolute_url()}"><bdi>{asset.asset_tag}</bdi></a>'
        )
        assert Column("school", link="value").render(asset) == (
            f'<a href="{asset.school.get_absolute_url()}"><bdi>{asset.school.name_ar}</bdi></a>'
        )
        assert Column("custodian", link=True).render(asset) == EMPTY
        assert Column("status", choices=AssetStatus).render(asset).startswith('<span class="badge')
    with translation.override("en"):
        assert Column("purchase_cost").header(Asset) == "purchase cost"
        assert Column("school.directorate.code").header(Asset) == "code"
        assert Column("x", label="Mine").header(Asset) == "Mine"


def test_a_cell_escapes_what_users_typed(db, asset):
    asset.name = "<script>alert(1)</script>"
    html = Column("name", link=True).render(asset)
    assert "<script>" not in html and "&lt;script&gt;" in html


class _Form(forms.Form):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A")])
    ok = forms.BooleanField(required=False)


def test_style_form_adds_bootstrap_classes_and_marks_errors():
    form = _Form({"name": "", "kind": "a"})
    form.is_valid()
    style_form(form)
    assert form.fields["name"].widget.attrs["class"] == "form-control is-invalid"
    assert form.fields["kind"].widget.attrs["class"] == "form-select"
    assert form.fields["ok"].widget.attrs["class"] == "form-check-input"
    style_form(form)  # twice does not pile classes up
    assert form.fields["name"].widget.attrs["class"] == "form-control is-invalid"


def test_a_services_error_goes_to_its_field_or_to_the_top():
    form = _Form({"name": "x", "kind": "a"})
    assert form.is_valid()
    apply_validation_error(form, ValidationError({"name": "Taken.", "serial": "Twice.", "__all__": "Whole."}))
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Twice.", "Whole."]
    form = _Form({"name": "x", "kind": "a"})
    form.is_valid()
    apply_validation_error(form, ValidationError("Protected."))
    assert form.non_field_errors() == ["Protected."]


def test_form_choices_are_scoped_to_the_user(db, users, lab, other_lab):
    class LocationChoice(forms.Form):
        location = forms.ModelChoiceField(queryset=Location.objects.all())

    form = scope_form_fields(LocationChoice(), users[Role.SCHOOL_STAFF])
    assert list(form.fields["location"].queryset) == [lab]
    form = scope_form_fields(LocationChoice(), users[Role.VIEWER])
    assert set(form.fields["location"].queryset) == {lab, other_lab}


def test_history_names_related_objects_and_hides_what_the_user_may_not_see(db, users, asset, lab, other_lab):
    with change_context(user=users[Role.IT_HEAD]):
        asset.custodian = "أ. سامي"
        asset.save()
    with change_context(user=users[Role.IT_HEAD]):
        asset.school, asset.location = other_lab.school, other_lab
        asset.save()
    with translation.override("en"):
        rows = history_rows(asset, users[Role.IT_HEAD])
        newest = {d["field"]: (d["before"], d["after"]) for d in rows[0]["diff"]}
        assert newest["location"] == (str(lab), str(other_lab))
        assert rows[0]["user"] == "head"
        custodian = {d["field"]: (d["before"], d["after"]) for d in rows[1]["diff"]}
        assert custodian["custodian"] == (EMPTY, "أ. سامي")
        staff = history_rows(asset, users[Role.SCHOOL_STAFF])
        moved = {d["field"]: (d["before"], d["after"]) for d in staff[0]["diff"]}
        assert moved["location"] == (str(lab), f"#{other_lab.pk}")  # not the other school's room name


def test_history_shows_choice_labels(db, users, asset):
    with change_context(user=users[Role.IT_HEAD]):
        asset.status = "spare"
        asset.save()
    with translation.override("en"):
        diff = {d["field"]: (d["before"], d["after"]) for d in history_rows(asset, users[Role.IT_HEAD])[0]["diff"]}
    assert diff["status"] == ("In service", "Spare")


def test_a_list_view_without_an_exporter_says_so(db, users):
    class Plain(ObjectListView):
        model = Location
        export_kind = "locations"

    request = RequestFactory().get("/x/", {"export": "csv"})
    request.user = users[Role.IT_HEAD]
    with pytest.raises(NotImplementedError):
        Plain.as_view()(request)


def test_a_list_view_refuses_an_unknown_export_format(db, users):
    class Plain(ObjectListView):
        model = Location
        export_kind = "locations"

    request = RequestFactory().get("/x/", {"export": "exe"})
    request.user = users[Role.IT_HEAD]
    assert Plain.as_view()(request).status_code == 400


def test_the_ui_is_arabic_whatever_the_browser_asks_until_the_user_switches(client, django_user_model):
    from assets.models import Profile
    from core.roles import Role

    user = django_user_model.objects.create_user("lang-viewer", password="x")
    Profile.objects.create(user=user, role=Role.VIEWER)
    client.force_login(user)
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ar"' in page.content.decode() and 'dir="rtl"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
    page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="ar")
    assert 'lang="en"' in page.content.decode() and 'dir="ltr"' in page.content.decode()


def test_another_schools_asset_is_a_translated_404_page(client, users, other_asset):
    client.force_login(users["school_staff"])
    page = client.get(f"/assets/{other_asset.pk}/")
    assert page.status_code == 404
    assert "الصفحة غير موجودة" in page.content.decode()
    assert other_asset.asset_tag not in page.content.decode()


def test_a_forbidden_write_is_a_translated_403_page(client, users, asset):
    client.force_login(users["viewer"])
    page = client.get(f"/assets/{asset.pk}/edit/")
    assert page.status_code == 403
    assert "غير مسموح" in page.content.decode()
