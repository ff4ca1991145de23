"""The ticket pages. URL names follow `maintenance:<model>_<list|detail|add|edit>`, plus one
POST endpoint per piece of ticket work (`ticket_transition`, `ticket_assign`, …) and the
scoped file downloads (`attachment_download`, `action_photo`). The requester's pages without
an account are `public_lookup`, `public_ticket` and `public_feedback` (maintenance.views_public).
The field work (issue 7) follows: visits, programmes, plans, disposal, needs, projects, standards,
the surplus / shortage list and record retention."""

from __future__ import annotations

from django.urls import path

from assets.urls import crud
from maintenance import (
    views,
    views_disposal,
    views_needs,
    views_print,
    views_public,
    views_retention,
    views_visits,
)

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
    # Field work (issue 7): visits and their report (QF75-13), programmes (QF70-2-1), plans.
    *crud(
        "visits",
        "visit",
        list_view=views_visits.VisitListView,
        detail_view=views_visits.VisitDetailView,
        add_view=views_visits.VisitEditView,
    ),
    path("visits/<int:pk>/report/", views_visits.VisitReportView.as_view(), name="visit_report"),
    path("visits/<int:pk>/findings/", views_visits.VisitFindingView.as_view(), name="visit_finding"),
    path(
        "visits/<int:pk>/findings/<int:finding>/ticket/",
        views_visits.VisitFindingTicketView.as_view(),
        name="visit_finding_ticket",
    ),
    path(
        "visits/<int:pk>/findings/<int:finding>/delete/",
        views_visits.VisitFindingDeleteView.as_view(),
        name="visit_finding_delete",
    ),
    path("visits/<int:pk>/cancel/", views_visits.VisitCancelView.as_view(), name="visit_cancel"),
    path("visits/<int:pk>/print/", views_visits.VisitPrintView.as_view(), name="visit_print"),
    path("visits/<int:pk>/pdf/", views_visits.VisitPdfView.as_view(), name="visit_pdf"),
    *crud(
        "programmes",
        "visitprogramme",
        list_view=views_visits.ProgrammeListView,
        detail_view=views_visits.ProgrammeDetailView,
        add_view=views_visits.ProgrammeEditView,
    ),
    path("programmes/<int:pk>/print/", views_visits.ProgrammePrintView.as_view(), name="visitprogramme_print"),
    path("programmes/<int:pk>/pdf/", views_visits.ProgrammePdfView.as_view(), name="visitprogramme_pdf"),
    *crud(
        "plans",
        "maintenanceplan",
        list_view=views_visits.PlanListView,
        detail_view=views_visits.PlanDetailView,
        add_view=views_visits.PlanEditView,
    ),
    path("plans/<int:pk>/generate/", views_visits.PlanGenerateView.as_view(), name="maintenanceplan_generate"),
    # Disposal by committee.
    path("disposal/items/", views_disposal.DisposalItemListView.as_view(), name="disposalitem_list"),
    path("disposal/items/recommend/", views_disposal.DisposalRecommendView.as_view(), name="disposal_recommend"),
    path(
        "disposal/items/<int:pk>/withdraw/", views_disposal.DisposalWithdrawView.as_view(), name="disposalitem_withdraw"
    ),
    path("disposal/", views_disposal.DisposalListListView.as_view(), name="disposallist_list"),
    path("disposal/add/", views_disposal.DisposalListAddView.as_view(), name="disposallist_add"),
    path("disposal/<int:pk>/", views_disposal.DisposalListDetailView.as_view(), name="disposallist_detail"),
    path("disposal/<int:pk>/title/", views_disposal.DisposalListTitleView.as_view(), name="disposallist_title"),
    path("disposal/<int:pk>/items/", views_disposal.DisposalListItemsView.as_view(), name="disposallist_items"),
    path(
        "disposal/<int:pk>/items/<int:item>/remove/",
        views_disposal.DisposalListRemoveView.as_view(),
        name="disposallist_remove",
    ),
    path("disposal/<int:pk>/submit/", views_disposal.DisposalListSubmitView.as_view(), name="disposallist_submit"),
    path("disposal/<int:pk>/decision/", views_disposal.DisposalDecisionView.as_view(), name="disposallist_decision"),
    path("disposal/<int:pk>/print/", views_disposal.DisposalListPrintView.as_view(), name="disposallist_print"),
    path("disposal/<int:pk>/pdf/", views_disposal.DisposalListPdfView.as_view(), name="disposallist_pdf"),
    path(
        "disposal/<int:pk>/decision/print/",
        views_disposal.DisposalDecisionPrintView.as_view(),
        name="disposaldecision_print",
    ),
    path(
        "disposal/<int:pk>/decision/pdf/", views_disposal.DisposalDecisionPdfView.as_view(), name="disposaldecision_pdf"
    ),
    # Needs, projects, the standard allocation and the surplus / shortage list (QF70-2-12).
    path("needs/provided/", views_needs.ProvisionListView.as_view(), name="needprovision_list"),
    *crud(
        "needs",
        "need",
        list_view=views_needs.NeedListView,
        detail_view=views_needs.NeedDetailView,
        add_view=views_needs.NeedEditView,
        delete_view=views_needs.NeedDeleteView,
    ),
    path("needs/<int:pk>/provide/", views_needs.NeedProvideView.as_view(), name="need_provide"),
    *crud(
        "projects",
        "project",
        list_view=views_needs.ProjectListView,
        detail_view=views_needs.ProjectDetailView,
        add_view=views_needs.ProjectEditView,
    ),
    *crud(
        "standards",
        "standardallocation",
        list_view=views_needs.StandardListView,
        add_view=views_needs.StandardEditView,
        delete_view=views_needs.StandardDeleteView,
    ),
    path("surplus-shortage/", views_needs.SurplusShortageView.as_view(), name="surplus_shortage"),
    path(
        "surplus-shortage/<int:pk>/print/",
        views_needs.SurplusShortagePrintView.as_view(),
        name="surplus_shortage_print",
    ),
    path("surplus-shortage/<int:pk>/pdf/", views_needs.SurplusShortagePdfView.as_view(), name="surplus_shortage_pdf"),
    # Record retention (the IT head edits the periods; manage.py retention applies them).
    path("retention/", views_retention.RetentionPolicyListView.as_view(), name="retentionpolicy_list"),
    path("retention/<int:pk>/edit/", views_retention.RetentionPolicyEditView.as_view(), name="retentionpolicy_edit"),
]
