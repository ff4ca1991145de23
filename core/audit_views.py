"""The IT head's audit trail page (/audit/): sign-ins, lockouts, role changes, tokens and exports."""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.db.models import Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent, AuditKind
from core.selectors import audit_events_for
from core.views import Column, ObjectListView


class AuditEventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=AuditKind.choices(), label=_("Event"))
    user_name = django_filters.CharFilter(lookup_expr="icontains", label=_("User name"))
    client_address = django_filters.CharFilter(label=_("Client address"))
    since = django_filters.DateFilter(
        field_name="time", lookup_expr="date__gte", label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        field_name="time", lookup_expr="date__lte", label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["q", "kind", "user_name", "client_address", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(user_name__icontains=value) | Q(client_address__startswith=value))


def _details(event: AuditEvent):
    text = json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else ""
    return format_html('<code dir="ltr" class="text-break">{}</code>', text)


class AuditEventListView(ObjectListView):
    model = AuditEvent
    filterset_class = AuditEventFilterSet
    title = _("Audit trail")
    columns = [
        Column("time", sort="time"),
        Column("kind", sort="kind", choices=AuditKind),
        Column("user_name", sort="user_name"),
        Column("client_address", sort="client_address"),
        Column("details", render_fn=_details),
    ]

    def scoped_queryset(self):
        # a directorate's IT head reads the directorate's events only (core.selectors.audit_events_for)
        return audit_events_for(self.request.user, self.base_queryset())
