"""The monitoring API: targets, outages, SNMP credentials, maintenance windows."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from rest_framework import mixins, viewsets

from core import roles
from core.api.views import ScopedModelViewSet
from netmon import filtersets, services_config
from netmon.api import serializers
from netmon.models import MaintenanceWindow, Outage, SnmpCredential, Target, TargetCheck


class TargetViewSet(ScopedModelViewSet):
    queryset = Target.objects.select_related("asset", "parent", "credential", "circuit").prefetch_related(
        Prefetch("checks", queryset=TargetCheck.objects.order_by("check_name"))
    )
    serializer_class = serializers.TargetSerializer
    filterset_class = filtersets.TargetApiFilterSet
    ordering_fields = ["address", "status", "status_since", "last_poll_at", "role"]

    def perform_destroy(self, instance):
        services_config.target_delete(instance)


class SnmpCredentialViewSet(ScopedModelViewSet):
    queryset = SnmpCredential.objects.annotate(target_count=Count("targets", distinct=True)).order_by("name")
    serializer_class = serializers.SnmpCredentialSerializer
    filterset_class = filtersets.SnmpCredentialFilterSet
    ordering_fields = ["name", "version"]

    def perform_destroy(self, instance):
        services_config.credential_delete(instance)


class MaintenanceWindowViewSet(ScopedModelViewSet):
    queryset = MaintenanceWindow.objects.select_related("school", "target")
    serializer_class = serializers.MaintenanceWindowSerializer
    filterset_class = filtersets.MaintenanceWindowApiFilterSet
    ordering_fields = ["start", "end", "name"]

    def perform_destroy(self, instance):
        services_config.window_delete(instance)


class OutageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read-only: outages are the poller's record. (No history or journal: they are not change-logged.)"""

    queryset = Outage.objects.select_related("target__asset", "ticket")
    serializer_class = serializers.OutageSerializer
    filterset_class = filtersets.OutageApiFilterSet
    ordering_fields = ["start", "end", "duration_s"]

    def get_queryset(self):
        return roles.scope_queryset(super().get_queryset(), self.request.user)
