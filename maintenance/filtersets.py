"""Filters shared by the ticket API and pages."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assets.filtersets import SearchFilterSet
from assets.models import Asset, School
from core.roles import Role
from maintenance.choices import (
    ActionOutcome,
    ActionType,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketType,
)
from maintenance.models import CorrectiveAction, SparePart, Ticket


def _technicians(request=None):
    return get_user_model().objects.filter(profile__role__in=[Role.TECHNICIAN, Role.IT_HEAD]).order_by("username")


class TicketFilterSet(SearchFilterSet):
    search_fields = (
        "number",
        "title",
        "description",
        "requester_name",
        "school__name_ar",
        "school__name_en",
        "school__code",
        "assets__asset_tag",
    )
    status = django_filters.MultipleChoiceFilter(choices=TicketStatus.choices(), label=_("Status"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("Open"))
    priority = django_filters.MultipleChoiceFilter(choices=TicketPriority.choices(), label=_("Priority"))
    category = django_filters.MultipleChoiceFilter(choices=TicketCategory.choices(), label=_("Category"))
    type = django_filters.MultipleChoiceFilter(choices=TicketType.choices(), label=_("Type"))
    source = django_filters.MultipleChoiceFilter(choices=TicketSource.choices(), label=_("Source"))
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("School"))
    opened_after = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__gte", label=_("Opened from"))
    opened_before = django_filters.DateFilter(field_name="opened_at", lookup_expr="date__lte", label=_("Opened until"))
    assigned_to = django_filters.ModelChoiceFilter(queryset=_technicians, label=_("Assigned to"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Assigned to me"))
    duplicates = django_filters.BooleanFilter(
        field_name="duplicate_of_suspect", lookup_expr="isnull", exclude=True, label=_("Likely duplicates")
    )

    class Meta:
        model = Ticket
        fields = ["status", "open", "priority", "category", "type", "source", "school", "assigned_to"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(assigned_to=user)

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        if value:
            return queryset.exclude(status=TicketStatus.CLOSED)
        return queryset.filter(status=TicketStatus.CLOSED)

    def search(self, queryset, name, value):
        # Searching through the assets joins a many-to-many: one row per ticket all the same.
        return super().search(queryset, name, value).distinct()


class TicketApiFilterSet(TicketFilterSet):
    asset = django_filters.NumberFilter(field_name="assets", label=_("Asset"))
    monitor_key = django_filters.CharFilter(label=_("Monitored target"))


class CorrectiveActionFilterSet(SearchFilterSet):
    """The register of corrective actions: across all tickets, current versions unless asked."""

    search_fields = (
        "ticket__number",
        "ticket__title",
        "notes",
        "asset__asset_tag",
        "asset__serial",
        "ticket__school__name_ar",
        "ticket__school__name_en",
        "ticket__school__code",
    )
    ticket = django_filters.CharFilter(field_name="ticket__number", label=_("Ticket number"))
    school = django_filters.ModelChoiceFilter(
        field_name="ticket__school", queryset=School.objects.all(), label=_("School")
    )
    technician = django_filters.ModelChoiceFilter(queryset=_technicians, label=_("Technician"))
    action_type = django_filters.MultipleChoiceFilter(choices=ActionType.choices(), label=_("Action type"))
    outcome = django_filters.MultipleChoiceFilter(choices=ActionOutcome.choices(), label=_("Outcome"))
    asset = django_filters.ModelChoiceFilter(queryset=Asset.objects.all(), label=_("Asset"))
    started_after = django_filters.DateFilter(field_name="started_at", lookup_expr="date__gte", label=_("From"))
    started_before = django_filters.DateFilter(field_name="started_at", lookup_expr="date__lte", label=_("Until"))
    corrected = django_filters.BooleanFilter(method="filter_corrected", label=_("Include corrected versions"))

    class Meta:
        model = CorrectiveAction
        fields = ["ticket", "school", "technician", "action_type", "outcome", "asset"]

    def filter_queryset(self, queryset):
        # Without `corrected`, only the current version of each action is listed (the
        # queryset comes from selectors.action_register, which annotates `is_corrected`).
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("corrected"):
            queryset = queryset.filter(is_corrected=False)
        return queryset

    def filter_corrected(self, queryset, name, value):
        return queryset  # see filter_queryset

    @property
    def qs(self):
        queryset = super().qs
        # An unbound filter set (no query string) skips filter_queryset: the default still holds.
        return queryset if self.is_bound else queryset.filter(is_corrected=False)


class SparePartFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    active = django_filters.BooleanFilter(label=_("Active"))
    low = django_filters.NumberFilter(field_name="quantity_on_hand", lookup_expr="lte", label=_("Stock at most"))

    class Meta:
        model = SparePart
        fields = ["active"]
