"""The report pages: `reports:dashboard` (/reports/) and `reports:export` (/reports/export/?year=&quarter=&format=)."""

from __future__ import annotations

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("export/", views.ExportView.as_view(), name="export"),
]
