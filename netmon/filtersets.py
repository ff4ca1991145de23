"""Filters shared by the monitoring API and pages, so both filter the same way."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.filtersets import SearchFilterSet
from assets.models import School
from netmon.choices import MonitorStatus, OutageCause, OutageContext, SnmpVersion, TargetRole
from netmon.models import MaintenanceWindow, Outage, SnmpCredential, Target


class TargetFilterSet(SearchFilterSet):
    search_fields = (
        "address",
        "asset__asset_tag",
        "asset__name",
        "sys_name",
        "asset__school__name_ar",
        "asset__school__name_en",
        "asset__school__code",
    )
    status = django_filters.MultipleChoiceFilter(choices=MonitorStatus.choices(), label=_("Status"))
    role = django_filters.MultipleChoiceFilter(choices=TargetRole.choices(), label=_("Role"))
    school = django_filters.ModelChoiceFilter(
        field_name="asset__school", queryset=School.objects.all(), label=_("School")
    )
    enabled = django_filters.BooleanFilter(label=_("Enabled"))

    class Meta:
        model = Target
        fields = ["status", "role", "school", "enabled", "credential"]


class AddressFilter(django_filters.CharFilter):
    """An exact IPv4 or IPv6 address: anything else is a 400 naming the field (PostgreSQL's inet
    column would refuse it with a server error)."""

    field_class = forms.GenericIPAddressField


class TargetApiFilterSet(TargetFilterSet):
    """The API's filters add the ones that would be long dropdowns on a page."""

    asset = django_filters.NumberFilter(field_name="asset_id", label=_("Asset"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent"))
    address = AddressFilter(label=_("Address"))


class OutageFilterSet(SearchFilterSet):
    ONGOING, ENDED = "ongoing", "ended"

    search_fields = (
        "target__address",
        "target__asset__asset_tag",
        "target__asset__name",
        "check_name",
        "ticket__number",
    )
    school = django_filters.ModelChoiceFilter(
        field_name="target__asset__school", queryset=School.objects.all(), label=_("School")
    )
    state = django_filters.ChoiceFilter(
        choices=[(ONGOING, _("Ongoing")), (ENDED, _("Ended"))], method="filter_state", label=_("Ongoing or ended")
    )
    context = django_filters.MultipleChoiceFilter(choices=OutageContext.choices(), label=_("Began"))
    cause = django_filters.MultipleChoiceFilter(choices=OutageCause.choices(), label=_("Cause"))
    status = django_filters.MultipleChoiceFilter(choices=MonitorStatus.choices(), label=_("Status"))
    started_after = django_filters.DateTimeFilter(field_name="start", lookup_expr="gte", label=_("Started from"))
    started_before = django_filters.DateTimeFilter(field_name="start", lookup_expr="lt", label=_("Started before"))

    class Meta:
        model = Outage
        fields = ["school", "state", "context", "cause", "status"]

    def filter_state(self, queryset, name, value):
        if value == self.ONGOING:
            return queryset.filter(end__isnull=True)
        if value == self.ENDED:
            return queryset.filter(end__isnull=False)
        return queryset


class OutageApiFilterSet(OutageFilterSet):
    target = django_filters.NumberFilter(field_name="target_id", label=_("Target"))
    ticket = django_filters.NumberFilter(field_name="ticket_id", label=_("Ticket"))
    check_name = django_filters.CharFilter(label=_("Check"))


class SnmpCredentialFilterSet(SearchFilterSet):
    search_fields = ("name", "user")
    version = django_filters.ChoiceFilter(choices=SnmpVersion.choices(), label=_("SNMP version"))

    class Meta:
        model = SnmpCredential
        fields = ["version"]


class MaintenanceWindowFilterSet(SearchFilterSet):
    CURRENT, UPCOMING, PAST = "current", "upcoming", "past"

    search_fields = ("name", "comments", "school__name_ar", "school__code", "target__asset__asset_tag")
    school = django_filters.ModelChoiceFilter(queryset=School.objects.all(), label=_("School"))
    when = django_filters.ChoiceFilter(
        choices=[(CURRENT, _("In force now")), (UPCOMING, _("Upcoming")), (PAST, _("Past"))],
        method="filter_when",
        label=_("When"),
    )

    class Meta:
        model = MaintenanceWindow
        fields = ["school", "when"]

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == self.CURRENT:
            return queryset.filter(start__lte=now, end__gt=now)
        if value == self.UPCOMING:
            return queryset.filter(start__gt=now)
        if value == self.PAST:
            return queryset.filter(end__lte=now)
        return queryset


class MaintenanceWindowApiFilterSet(MaintenanceWindowFilterSet):
    target = django_filters.NumberFilter(field_name="target_id", label=_("Target"))
    active_at = django_filters.IsoDateTimeFilter(method="filter_active_at", label=_("In force at"))

    def filter_active_at(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gt=value) if value else queryset
