"""Filters shared by the ticket API and pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from assets.filtersets import SearchFilterSet
from assets.models import School
from maintenance.choices import TicketCategory, TicketPriority, TicketSource, TicketStatus, TicketType
from maintenance.models import Ticket


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

    class Meta:
        model = Ticket
        fields = ["status", "open", "priority", "category", "type", "source", "school"]

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
