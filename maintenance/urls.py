"""The ticket pages. URL names follow `maintenance:<model>_<list|detail|add|edit>`, plus one
POST endpoint per piece of ticket work (`ticket_transition`, `ticket_assign`, …) and the
scoped file downloads (`attachment_download`, `action_photo`). The requester's pages without
an account are `public_lookup`, `public_ticket` and `public_feedback` (maintenance.views_public)."""

from __future__ import annotations

from django.urls import path

from assets.urls import crud
from maintenance import views, views_print, views_public

app_name = "maintenance"

urlpatterns = [
    path("track/", views_public.LookupView.as_view(), name="public_lookup"),
    path("track/answer/<str:token>/", views_public.PublicFeedbackView.as_view(), name="public_feedback"),
    path("track/<str:number>/", views_public.PublicTicketView.as_view(), name="public_ticket"),
    path("tickets/request/", views.TicketRequestView.as_view(), name="ticket_request"),
    *crud(
        "tickets",
        "ticket",
        list_view=views.TicketListView,
        detail_view=views.TicketDetailView,
        add_view=views.TicketEditView,
    ),
    path("tickets/<int:pk>/transition/", views.TicketTransitionView.as_view(), name="ticket_transition"),
    path("tickets/<int:pk>/assign/", views.TicketAssignView.as_view(), name="ticket_assign"),
    path("tickets/<int:pk>/comment/", views.TicketCommentView.as_view(), name="ticket_comment"),
    path("tickets/<int:pk>/attachments/", views.TicketAttachmentView.as_view(), name="ticket_attach"),
    path("tickets/<int:pk>/actions/", views.TicketActionView.as_view(), name="ticket_action"),
    path("tickets/<int:pk>/report/", views.TicketReportView.as_view(), name="ticket_report"),
    path("tickets/<int:pk>/feedback/", views.TicketFeedbackView.as_view(), name="ticket_feedback"),
    path("tickets/<int:pk>/merge/", views.TicketMergeView.as_view(), name="ticket_merge"),
    path("tickets/<int:pk>/print/", views_print.TicketPrintView.as_view(), name="ticket_print"),
    path("tickets/<int:pk>/pdf/", views_print.TicketPdfView.as_view(), name="ticket_pdf"),
    path("attachments/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("actions/", views.CorrectiveActionListView.as_view(), name="correctiveaction_list"),
    path("actions/<int:pk>/correct/", views.ActionCorrectView.as_view(), name="action_correct"),
    path("actions/<int:pk>/photo/", views.ActionPhotoView.as_view(), name="action_photo"),
    *crud("sla-policies", "slapolicy", list_view=views.SlaPolicyListView, add_view=views.SlaPolicyEditView),
    path("spare-parts/budget/", views.PartBudgetListView.as_view(), name="partbudget_list"),
    path("spare-parts/budget/add/", views.PartBudgetEditView.as_view(), name="partbudget_add"),
    path("spare-parts/budget/<int:pk>/edit/", views.PartBudgetEditView.as_view(), name="partbudget_edit"),
    path("spare-parts/<int:pk>/receive/", views.SparePartReceiveView.as_view(), name="sparepart_receive"),
    *crud(
        "spare-parts",
        "sparepart",
        list_view=views.SparePartListView,
        detail_view=views.SparePartDetailView,
        add_view=views.SparePartEditView,
    ),
]
