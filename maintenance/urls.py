"""The ticket pages: `maintenance:ticket_list` and `maintenance:ticket_detail` (the full ticket work comes later)."""

from __future__ import annotations

from django.urls import path

from maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("tickets/", views.TicketListView.as_view(), name="ticket_list"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket_detail"),
]
