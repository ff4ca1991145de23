"""Filters shared by the API and the UI lists, so both filter the same way."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import stringformat
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetCategory, AssetStatus, CircuitStatus, CircuitType, FiberSiteKind, LocationKind
from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Holiday,
    Location,
    Manufacturer,
    Provider,
    School,
)

# -- the filter forms' <select> lists, rendered without a template per option ---------------------------------
# A list page's filter form holds every school, location, model and technician the user may see; Django renders
# each <option> through two templates (select_option.html, attrs.html): most of a list page's time (bench/web.py).
# `_FastSelect` writes the same HTML as Django's default templates in Python. It is used only when the widget and
# every option name those default templates (tests/assets/test_filter_select_html.py compares the two).
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
_CONTEXT = Context()  # autoescape on, as a form renders


def _text(value) -> str:
    """`{{ value }}` in a template."""
    return render_value_in_context(value, _CONTEXT)


def _format(value) -> str:
    """`{{ value|stringformat:'s' }}` in a template (the filter keeps a safe value safe)."""
    out = stringformat(value, "s")
    return _text(mark_safe(out) if isinstance(value, SafeData) else out)


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(" " + _text(name))
            if value is not True:
                parts.append('="' + _format(value) + '"')
    return "".join(parts)


class _FastSelect:
    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        options = [o for _group, group, _index in widget["optgroups"] for o in group]
        if template_name != SELECT_TEMPLATE or any(o["template_name"] != OPTION_TEMPLATE for o in options):
            return super()._render(template_name, context, renderer)
        parts = ['<select name="', _text(widget["name"]), '"', _attrs_html(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts += ['\n  <optgroup label="', _text(group_name), '">']
            for option in group_choices:
                parts += ['\n  <option value="', _format(option["value"]), '"', _attrs_html(option["attrs"]), ">"]
                parts += [_text(option["label"]), "</option>\n"]
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts).strip())


class FastSelect(_FastSelect, forms.Select):
    pass


class FastSelectMultiple(_FastSelect, forms.SelectMultiple):
    pass


FAST_WIDGETS = {forms.Select: FastSelect, forms.SelectMultiple: FastSelectMultiple}


def fast_selects(form: forms.BaseForm) -> forms.BaseForm:
    """Give the form's plain Select and SelectMultiple widgets the Python rendering (same HTML)."""
    for field in form.fields.values():
        fast = FAST_WIDGETS.get(type(field.widget))
        if fast is not None:
            field.widget.__class__ = fast
    return form


def _label_columns(queryset):
    """The queryset of a filter list loading only what its option labels (the model's `__str__`) read, for the
    long lists (schools, locations, people); None for any other model. A label reading another column would
    still be right, one query per option slower."""
    model = queryset.model
    if model is School:
        return queryset.only("name_ar", "name_en")
    if model is Location:
        return queryset.select_related("school").only("name_ar", "name_en", "school__name_ar", "school__name_en")
    user_model = get_user_model()
    if model is user_model and user_model.__str__ is AbstractBaseUser.__str__:
        return queryset.only(user_model.USERNAME_FIELD)
    return None


def slim_choices(form: forms.BaseForm) -> forms.BaseForm:
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            queryset = field.queryset
            if not queryset.query.deferred_loading[0] and queryset.query.deferred_loading[1]:
                slim = _label_columns(queryset)
                if slim is not None:
                    field.queryset = slim
    return form


class SearchFilterSet(django_filters.FilterSet):
    """`q` searches the fields named in `search_fields` (case-insensitive, Arabic or English)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    search_fields: tuple[str, ...] = ()

    @property
    def form(self):
        if not hasattr(self, "_form"):
            slim_choices(fast_selects(super().form))
        return self._form

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


class DirectorateFilterSet(SearchFilterSet):
    search_fields = ("code", "name_ar", "name_en")

    class Meta:
        model = Directorate
        fields = ["code"]


class SchoolFilterSet(SearchFilterSet):
    search_fields = ("code", "name_ar", "name_en", "address", "phone")

    class Meta:
        model = School
        fields = ["directorate", "code"]


class LocationFilterSet(SearchFilterSet):
    search_fields = ("name_ar", "name_en", "room", "school__name_ar", "school__name_en", "school__code")
    kind = django_filters.MultipleChoiceFilter(choices=LocationKind.choices(), label=_("Kind"))

    class Meta:
        model = Location
        fields = ["school", "kind"]


class ManufacturerFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = Manufacturer
        fields = ["name"]


class AssetModelFilterSet(SearchFilterSet):
    search_fields = ("name", "part_number", "manufacturer__name")
    category = django_filters.MultipleChoiceFilter(choices=AssetCategory.choices(), label=_("Category"))

    class Meta:
        model = AssetModel
        fields = ["manufacturer", "category"]


class AssetFilterSet(SearchFilterSet):
    search_fields = (
        "asset_tag",
        "name",
        "serial",
        "custodian",
        "supplier",
        "funding",
        "comments",
        "asset_model__name",
        "manufacturer__name",
        "school__name_ar",
        "school__name_en",
        "school__code",
    )
    status = django_filters.MultipleChoiceFilter(choices=AssetStatus.choices(), label=_("Status"))
    category = django_filters.MultipleChoiceFilter(
        field_name="asset_model__category", choices=AssetCategory.choices(), label=_("Category")
    )
    directorate = django_filters.ModelChoiceFilter(
        field_name="school__directorate", queryset=Directorate.objects.all(), label=_("Directorate")
    )
    tag = django_filters.CharFilter(field_name="tags__slug", label=_("Tag"))
    management_ip = django_filters.CharFilter(label=_("Management IP"))
    warranty_before = django_filters.DateFilter(
        field_name="warranty_end", lookup_expr="lt", label=_("Warranty ends before")
    )

    class Meta:
        model = Asset
        fields = ["school", "location", "asset_model", "manufacturer", "status", "serial"]


class ProviderFilterSet(SearchFilterSet):
    search_fields = ("name", "account", "contact_name")

    class Meta:
        model = Provider
        fields = ["name"]


class FiberSiteFilterSet(SearchFilterSet):
    search_fields = ("code", "name_ar", "name_en", "address", "school__code")
    kind = django_filters.MultipleChoiceFilter(choices=FiberSiteKind.choices(), label=_("Kind"))

    class Meta:
        model = FiberSite
        fields = ["directorate", "school", "kind", "status"]


class CircuitFilterSet(SearchFilterSet):
    search_fields = (
        "cid",
        "description",
        "provider__name",
        "termination_a__code",
        "termination_z__code",
        "termination_a__name_ar",
        "termination_z__name_ar",
    )
    status = django_filters.MultipleChoiceFilter(choices=CircuitStatus.choices(), label=_("Status"))
    type = django_filters.MultipleChoiceFilter(choices=CircuitType.choices(), label=_("Type"))
    # field_name only tells the OpenAPI schema the id's type (the methods match either end)
    site = django_filters.ModelChoiceFilter(
        queryset=FiberSite.objects.all(), method="filter_site", field_name="termination_a", label=_("Site")
    )
    school = django_filters.ModelChoiceFilter(
        queryset=School.objects.all(), method="filter_school", field_name="termination_a__school", label=_("School")
    )

    class Meta:
        model = Circuit
        fields = ["provider", "type", "status"]

    def filter_site(self, queryset, name, value):
        return queryset.filter(Q(termination_a=value) | Q(termination_z=value)) if value else queryset

    def filter_school(self, queryset, name, value):
        return queryset.filter(Q(termination_a__school=value) | Q(termination_z__school=value)) if value else queryset


class HolidayFilterSet(SearchFilterSet):
    search_fields = ("name", "school__name_ar", "school__name_en", "school__code")
    # A whole year a date can have: "-1.9" or "99999" is a 400, not a 500 from the date arithmetic.
    year = django_filters.NumberFilter(
        method="filter_year", label=_("Year"), min_value=1, max_value=9999, decimal_places=0
    )
    on = django_filters.DateFilter(method="filter_on", label=_("Falls on"))

    class Meta:
        model = Holiday
        fields = ["directorate", "school", "year", "on"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_date__year__lte=int(value), end_date__year__gte=int(value)) if value else queryset

    def filter_on(self, queryset, name, value):
        return queryset.filter(start_date__lte=value, end_date__gte=value) if value else queryset
