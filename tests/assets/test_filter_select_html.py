"""The list pages' filter forms write their <select> lists in Python (assets.filtersets.FastSelect): the HTML must
be exactly what Django's own widget templates write, for every filter set, unbound and with choices selected."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.test import RequestFactory

from assets import filtersets as asset_filtersets
from assets.filtersets import FastSelect, FastSelectMultiple, SearchFilterSet
from assets.models import Holiday, School
from maintenance import filtersets as maintenance_filtersets
from tests.factories import make_user


def _filtersets():
    found = []
    for module in (asset_filtersets, maintenance_filtersets):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SearchFilterSet) and value is not SearchFilterSet:
                found.append(value)
    return found


def _template_html(bound_field) -> str:
    """The field as Django's templates render it (the widget's own class, not the fast one)."""
    widget = bound_field.field.widget
    plain = {FastSelect: forms.Select, FastSelectMultiple: forms.SelectMultiple}[type(widget)]
    widget.__class__ = plain
    try:
        return str(bound_field)
    finally:
        widget.__class__ = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}[plain]


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", _filtersets(), ids=lambda c: c.__name__)
def test_fast_selects_write_the_templates_html(filterset_class, school, other_school, lab, asset, directorate):
    # A name that needs escaping, and a national holiday (no school) next to the school's one.
    School.objects.filter(pk=other_school.pk).update(name_ar='مدرسة "النور" <الأساسية> & الفرع')
    Holiday.objects.create(name="عيد", start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 4, 2))
    make_user("tech_select", role="technician", directorate=directorate)
    request = RequestFactory().get("/")
    request.user = make_user("head_select", role="it_head", directorate=directorate)
    model = filterset_class._meta.model
    unbound = filterset_class(None, queryset=model.objects.all(), request=request)
    fields = [name for name, f in unbound.form.fields.items() if type(f.widget) in (FastSelect, FastSelectMultiple)]
    for form in (unbound.form, _bound(filterset_class, unbound, request)):
        for name in fields:
            bound_field = form[name]
            fast = str(bound_field)
            assert fast == _template_html(bound_field), name
            assert fast.startswith("<select")


def _bound(filterset_class, unbound, request):
    """The same form with the second choice of every select chosen (and an unknown value for a multiple one)."""
    data = {}
    for name, field in unbound.form.fields.items():
        choices = [str(value) for value, _label in field.choices if value != ""] if hasattr(field, "choices") else []
        if isinstance(field.widget, forms.SelectMultiple):
            data[name] = choices[:2] + ["no-such-choice"]
        elif isinstance(field.widget, forms.Select) and choices:
            data[name] = choices[-1]
    filterset = filterset_class(data, queryset=unbound.queryset, request=request)
    return filterset.form


@pytest.mark.django_db
def test_the_list_pages_filters_take_the_fast_selects(directorate):
    request = RequestFactory().get("/")
    request.user = make_user("head_fast", role="it_head", directorate=directorate)
    tickets = maintenance_filtersets.TicketFilterSet(None, request=request).form.fields
    assets = asset_filtersets.AssetFilterSet(None, request=request).form.fields
    assert type(tickets["school"].widget) is FastSelect
    assert type(tickets["assigned_to"].widget) is FastSelect
    assert type(tickets["status"].widget) is FastSelectMultiple
    assert type(assets["location"].widget) is FastSelect


@pytest.mark.django_db
def test_slim_option_lists_label_as_the_full_rows_and_in_one_query(school, other_school, lab, other_lab, directorate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.models import Location

    make_user("tech_slim", role="technician", directorate=directorate)
    request = RequestFactory().get("/")
    request.user = make_user("head_slim", role="it_head", directorate=directorate)
    full = {
        "school": [str(s) for s in School.objects.order_by("code")],
        "location": [str(loc) for loc in Location.objects.select_related("school").order_by("school__code", "name_ar")],
    }
    tickets = maintenance_filtersets.TicketFilterSet(None, request=request).form
    assets = asset_filtersets.AssetFilterSet(None, request=request).form
    for form, name in ((tickets, "school"), (assets, "location"), (tickets, "assigned_to")):
        with CaptureQueriesContext(connection) as queries:
            labels = [str(label) for value, label in form.fields[name].choices if value != ""]
        assert len(queries.captured_queries) == 1, name
        if name in full:
            assert labels == full[name]
        else:
            assert labels == ["head_slim", "tech_slim"]
