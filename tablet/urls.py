"""/tablet/: the technician's tablet, one PWA scope (the service worker is served at /tablet/sw.js)."""

from __future__ import annotations

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from maintenance import views_visits
from tablet import views

app_name = "tablet"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("school/", views.TodaysSchoolView.as_view(), name="todays_school"),
    path("tickets/<int:pk>/", views.TicketView.as_view(), name="ticket"),
    path("tickets/<int:pk>/transition/", views.TransitionView.as_view(), name="transition"),
    path("tickets/<int:pk>/actions/", views.ActionView.as_view(), name="action"),
    path("tickets/<int:pk>/resolve/", views.ResolveView.as_view(), name="resolve"),
    path("scan/", views.ScanView.as_view(), name="scan"),
    path("asset/<str:tag>/", views.AssetView.as_view(), name="asset"),
    path("outbox/", views.OutboxView.as_view(), name="outbox"),
    # Field visits (issue 7): my planned visits and the report, served by maintenance.views_visits.
    path("visits/", views_visits.TabletVisitListView.as_view(), name="visits"),
    path("visits/<int:pk>/", views_visits.TabletVisitView.as_view(), name="visit"),
    path("offline/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    # The strings of static/tablet/*.js (djangojs domain), in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="jsi18n"),
]
