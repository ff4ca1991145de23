from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from core.audit_views import AuditEventListView
from core.auth_views import LoginView
from core.health import healthz, readyz
from core.token_views import ApiTokenView
from netmon.metrics import metrics_view

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="assets:dashboard", permanent=False), name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", AuditEventListView.as_view(), name="audit"),
    path("tokens/", ApiTokenView.as_view(), name="api_tokens"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("metrics", metrics_view, name="metrics"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/", include("siyana.api_urls")),
    path("", include("assets.urls")),
    path("monitoring/", include("netmon.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("tablet/", include("tablet.urls")),
    path("", include("maintenance.urls")),
]
# MEDIA_URL is deliberately not served, not even with DEBUG: uploads (ticket photos and
# files) are reached only through maintenance:attachment_download, which checks scope.
