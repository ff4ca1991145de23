"""Filters of the field work lists and of /api/field-visits/."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetCategory
from assets.filtersets import SearchFilterSet
from assets.models import School
from maintenance.choices import (
    DisposalDecision,
    NeedStatus,
    ProjectKind,
    ProjectStatus,
    VisitPurpose,
    VisitStatus,
)
from maintenance.filtersets import _technicians
from maintenance.models import DisposalItem, MaintenancePlan, Need, NeedProvision, Project, Visit, VisitProgramme


class VisitFilterSet(SearchFilterSet):
    search_fields = (
        "school__name_ar",
        "school__name_en",
        "school__code",
        "location__name_ar",
        "fiber_site__code",
        "fiber_site__name_ar",
        "summary",
        "notes",
    )
    status = django_filters.MultipleChoiceFilter(choices=VisitStatus.choices(), label=_("Status"))
    purpose = django_filters.MultipleChoiceFilter(choices=VisitPurpose.choices(), label=_("Purpose"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("School"))
    technician = django_filters.ModelChoiceFilter(queryset=_technicians, label=_("Technician"))
    programme = django_filters.ModelChoiceFilter(queryset=VisitProgramme.objects.all(), label=_("Programme"))
    plan = django_filters.ModelChoiceFilter(queryset=MaintenancePlan.objects.all(), label=_("Maintenance plan"))
    date_from = django_filters.DateFilter(field_name="planned_date", lookup_expr="gte", label=_("Planned from"))
    date_to = django_filters.DateFilter(field_name="planned_date", lookup_expr="lte", label=_("Planned until"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("My visits"))

    class Meta:
        model = Visit
        fields = ["status", "purpose", "school", "technician", "programme", "plan"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(technician=user)


class DisposalItemFilterSet(SearchFilterSet):
    search_fields = ("asset__asset_tag", "asset__name", "asset__serial", "reason", "asset__school__name_ar")
    decision = django_filters.MultipleChoiceFilter(choices=DisposalDecision.choices(), label=_("Decision"))
    school = django_filters.ModelChoiceFilter(
        field_name="asset__school", queryset=School.objects.all(), label=_("School")
    )
    listed = django_filters.BooleanFilter(
        field_name="disposal_list", lookup_expr="isnull", exclude=True, label=_("On a list")
    )

    class Meta:
        model = DisposalItem
        fields = ["decision", "school"]


class NeedFilterSet(SearchFilterSet):
    search_fields = ("description", "justification", "school__name_ar", "school__name_en", "school__code")
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("School"))
    category = django_filters.MultipleChoiceFilter(choices=AssetCategory.choices(), label=_("Item type"))
    status = django_filters.ChoiceFilter(choices=NeedStatus.choices(), method="filter_status", label=_("Status"))
    identified_from = django_filters.DateFilter(
        field_name="identified_on", lookup_expr="gte", label=_("Identified from")
    )
    identified_to = django_filters.DateFilter(
        field_name="identified_on", lookup_expr="lte", label=_("Identified until")
    )

    class Meta:
        model = Need
        fields = ["school", "category"]

    def filter_status(self, queryset, name, value):
        # `provided` is annotated by need_selectors.need_list
        if value == NeedStatus.OPEN:
            return queryset.filter(provided=0)
        if value == NeedStatus.PARTLY:
            return queryset.filter(provided__gt=0, provided__lt=F("quantity"))
        if value == NeedStatus.PROVIDED:
            return queryset.filter(provided__gte=F("quantity"))
        return queryset


class ProvisionFilterSet(SearchFilterSet):
    search_fields = ("need__school__name_ar", "need__school__code", "project__name", "project__reference", "notes")
    school = django_filters.ModelChoiceFilter(
        field_name="need__school", queryset=School.objects.all(), label=_("School")
    )
    project = django_filters.ModelChoiceFilter(queryset=Project.objects.all(), label=_("Project / tender"))
    provided_from = django_filters.DateFilter(field_name="provided_on", lookup_expr="gte", label=_("Provided from"))
    provided_to = django_filters.DateFilter(field_name="provided_on", lookup_expr="lte", label=_("Provided until"))

    class Meta:
        model = NeedProvision
        fields = ["school", "project"]


class ProjectFilterSet(SearchFilterSet):
    search_fields = ("name", "reference", "funder", "description")
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices(), label=_("Status"))
    kind = django_filters.MultipleChoiceFilter(choices=ProjectKind.choices(), label=_("Kind"))

    class Meta:
        model = Project
        fields = ["status", "kind"]
