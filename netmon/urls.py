"""The monitoring pages. URL names are `netmon:<model>_<list|detail|add|edit|delete>`, plus `netmon:pollers`."""

from __future__ import annotations

from django.urls import path

from assets.urls import crud
from netmon import views

app_name = "netmon"

urlpatterns = [
    path("pollers/", views.PollerHealthView.as_view(), name="pollers"),
    path("outages/", views.OutageListView.as_view(), name="outage_list"),
    *crud(
        "targets",
        "target",
        list_view=views.TargetListView,
        detail_view=views.TargetDetailView,
        add_view=views.TargetEditView,
        delete_view=views.TargetDeleteView,
    ),
    *crud(
        "snmp-credentials",
        "snmpcredential",
        list_view=views.SnmpCredentialListView,
        add_view=views.SnmpCredentialEditView,
        delete_view=views.SnmpCredentialDeleteView,
    ),
    *crud(
        "maintenance-windows",
        "maintenancewindow",
        list_view=views.MaintenanceWindowListView,
        add_view=views.MaintenanceWindowEditView,
        delete_view=views.MaintenanceWindowDeleteView,
    ),
]
