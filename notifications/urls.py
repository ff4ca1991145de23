"""The outbox pages: `notifications:message_list`, `message_detail`, `message_retry`."""

from __future__ import annotations

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="message_list"),
    path("<int:pk>/", views.MessageDetailView.as_view(), name="message_detail"),
    path("<int:pk>/retry/", views.MessageRetryView.as_view(), name="message_retry"),
]
