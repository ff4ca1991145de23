"""The field visit pages: visits (planning, the report QF75-13, findings and their follow-up
tickets), the programme of a term (QF70-2-1), the preventive maintenance plans, and the
technician's tablet pages for visits (/tablet/visits/, mobile-first in the tablet's shell).

Thin views: reads from maintenance.visit_selectors, writes through maintenance.visit_services.
Every write is a POST to its own small view that redirects back; a refused one renders the
visit page again with the form's errors (400). Permissions come from core.roles: technicians
and the IT head file reports and findings; school staff read their own school's visits.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.roles import ADD, CHANGE, can, scope_queryset
from core.views import (
    ActionPermissionMixin,
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedQuerysetMixin,
    apply_validation_error,
    badge,
    scope_form_fields,
    style_form,
)
from maintenance import visit_selectors, visit_services
from maintenance.choices import (
    CheckResult,
    FindingCondition,
    PlanFrequency,
    PlanTarget,
    Term,
    VisitPurpose,
    VisitStatus,
)
from maintenance.filtersets_fieldwork import VisitFilterSet
from maintenance.forms_fieldwork import (
    CancelVisitForm,
    FindingForm,
    FindingTicketForm,
    MaintenancePlanForm,
    VisitForm,
    VisitProgrammeForm,
    VisitReportForm,
)
from maintenance.models import MaintenancePlan, Ticket, Visit, VisitFinding, VisitProgramme
from maintenance.printing import PrintedFormView
from maintenance.records import FORMS, QF70_2_1, QF75_13
from maintenance.services import is_staff


def _visit_link(visit: Visit):
    return format_html('<a href="{}" dir="ltr">{}</a>', visit.get_absolute_url(), visit.number)


def _place(visit: Visit):
    return visit.place


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --------------------------------------------------------------------------- visits


class VisitListView(ObjectListView):
    model = Visit
    queryset_function = visit_selectors.visit_list
    filterset_class = VisitFilterSet
    title = gettext_lazy("Field visits")
    columns = [
        Column("pk", label=gettext_lazy("Visit"), sort="pk", render_fn=_visit_link),
        Column("planned_date", sort="planned_date"),
        Column("place", label=gettext_lazy("Place"), sort="school__code", render_fn=_place),
        Column("purpose", sort="purpose", choices=VisitPurpose),
        Column("technician", sort="technician__username"),
        Column("status", sort="status", choices=VisitStatus),
        Column("visited_on", sort="visited_on"),
        Column("finding_count", label=gettext_lazy("Findings"), sort="finding_count"),
        Column("programme", link="value"),
    ]


class VisitDetailView(ObjectDetailView):
    model = Visit
    queryset_function = visit_selectors.visit_detail
    fields = [
        Column("status", choices=VisitStatus),
        Column("purpose", choices=VisitPurpose),
        Column("school", link="value"),
        Column("location", link="value"),
        Column("fiber_site", link="value"),
        Column("planned_date"),
        Column("technician"),
        Column("programme", link="value"),
        Column("plan", link="value"),
        Column("period"),
        Column("notes"),
        Column("cancel_reason"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/visits/visit_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        return visit_work_context(self.request, self.object, getattr(self, "overrides", {}))


def visit_work_context(request: HttpRequest, visit: Visit, overrides: dict[str, Any]) -> dict[str, Any]:
    """The visit's report, checklist and findings, and the forms the user may use."""
    user = request.user
    can_report = can(user, CHANGE, Visit) and is_staff(user)
    findings = list(visit.findings.all())
    for finding in findings:
        finding.condition_badge = badge(FindingCondition, finding.condition)
    checks = list(visit.checks.all())
    for check in checks:
        check.result_badge = badge(CheckResult, check.result)
    context: dict[str, Any] = {
        "visit": visit,
        "status_badge": badge(VisitStatus, visit.status),
        "checks": checks,
        "findings": findings,
        "can_report": can_report and visit.status != VisitStatus.CANCELLED,
        "can_open_tickets": can_report and can(user, ADD, Ticket),
        "form": FORMS[QF75_13],
    }
    if context["can_report"]:
        report_form = overrides.get("report_form") or VisitReportForm(visit=visit)
        context["report_form"] = style_form(report_form)
        finding_form = overrides.get("finding_form") or FindingForm(visit=visit)
        context["finding_form"] = style_form(scope_form_fields(finding_form, user))
        context["ticket_form"] = style_form(overrides.get("ticket_form") or FindingTicketForm())
    if context["can_report"] and visit.status == VisitStatus.PLANNED:
        context["cancel_form"] = style_form(overrides.get("cancel_form") or CancelVisitForm())
    return context


def render_visit(request: HttpRequest, visit: Visit, *, status: int, **overrides: Any) -> HttpResponse:
    view = VisitDetailView()
    view.setup(request, pk=visit.pk)
    view.object = get_object_or_404(view.scoped_queryset(), pk=visit.pk)
    view.overrides = overrides
    return view.render_to_response(view.get_context_data(), status=status)


class VisitEditView(ObjectEditView):
    model = Visit
    form_class = VisitForm
    queryset_function = visit_selectors.visit_detail

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return visit_services.visit_save(visit=form.instance, by=self.request.user)


class VisitWriteView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """POST one form to one service for one (scoped) visit, then back to the visit (or `next`)."""

    model: type[Model] = Visit
    permission_action = CHANGE
    form_name = ""
    anchor = ""
    http_method_names = ["post"]
    tablet_view: type[View] | None = None

    def base_queryset(self) -> QuerySet:
        return visit_selectors.visit_detail()

    def build_form(self, visit: Visit):
        raise NotImplementedError

    def perform(self, form, visit: Visit) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        visit = self.get_scoped_object()
        if not is_staff(request.user):
            raise PermissionDenied
        form = self.build_form(visit)
        if form.is_valid():
            try:
                message = self.perform(form, visit)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                default = visit.get_absolute_url() + (f"#{self.anchor}" if self.anchor else "")
                return HttpResponseRedirect(_safe_next(request, default))
        if request.POST.get("next", "").startswith(reverse("tablet:visits")):
            return render_tablet_visit(request, visit, status=400, **{self.form_name: form})
        return render_visit(request, visit, status=400, **{self.form_name: form})


class VisitReportView(VisitWriteView):
    form_name = "report_form"
    anchor = "visit-report"

    def build_form(self, visit):
        return VisitReportForm(self.request.POST, visit=visit)

    def perform(self, form, visit) -> str:
        data = form.cleaned_data
        visit_services.visit_report_save(
            visit=visit,
            by=self.request.user,
            visited_on=data["visited_on"],
            visitors=data["visitors"],
            met_with=data["met_with"],
            summary=data["summary"],
            actions_taken=data["actions_taken"],
            recommendations=data["recommendations"],
            technician=visit.technician,
            checks=form.check_results(),
        )
        return _("The visit report was saved.")


class VisitFindingView(VisitWriteView):
    model = VisitFinding
    permission_action = ADD
    form_name = "finding_form"
    anchor = "visit-findings"

    def build_form(self, visit):
        return scope_form_fields(FindingForm(self.request.POST, visit=visit), self.request.user)

    def perform(self, form, visit) -> str:
        data = form.cleaned_data
        if data["open_ticket"] and not can(self.request.user, ADD, Ticket):
            raise PermissionDenied
        finding = visit_services.finding_add(
            visit=visit,
            by=self.request.user,
            location=data.get("location"),
            asset=data.get("asset"),
            condition=data["condition"],
            finding=data["finding"],
            action_taken=data["action_taken"],
            follow_up=data["follow_up"],
            open_ticket=data["open_ticket"],
            priority=data["priority"],
        )
        if finding.ticket_id:
            return _("The finding was recorded and ticket %(number)s opened for its follow-up.") % {
                "number": finding.ticket.number
            }
        return _("The finding was recorded.")


class FindingMixin:
    def get_finding(self, visit: Visit) -> VisitFinding:
        return get_object_or_404(VisitFinding.objects.select_related("ticket"), pk=self.kwargs["finding"], visit=visit)


class VisitFindingTicketView(FindingMixin, VisitWriteView):
    model = Ticket
    permission_action = ADD
    form_name = "ticket_form"
    anchor = "visit-findings"

    def build_form(self, visit):
        return FindingTicketForm(self.request.POST)

    def perform(self, form, visit) -> str:
        if not can(self.request.user, CHANGE, VisitFinding):
            raise PermissionDenied
        ticket = visit_services.finding_open_ticket(
            finding=self.get_finding(visit), by=self.request.user, priority=form.cleaned_data["priority"]
        )
        return _("Ticket %(number)s was opened for the follow-up.") % {"number": ticket.number}


class VisitFindingDeleteView(FindingMixin, VisitWriteView):
    model = VisitFinding
    permission_action = CHANGE
    form_name = "finding_form"
    anchor = "visit-findings"

    def build_form(self, visit):
        return django_forms.Form(self.request.POST)

    def perform(self, form, visit) -> str:
        visit_services.finding_delete(finding=self.get_finding(visit), by=self.request.user)
        return _("The finding was removed.")


class VisitCancelView(VisitWriteView):
    form_name = "cancel_form"

    def build_form(self, visit):
        return CancelVisitForm(self.request.POST)

    def perform(self, form, visit) -> str:
        visit_services.visit_cancel(visit=visit, by=self.request.user, reason=form.cleaned_data["reason"])
        return _("The visit was cancelled.")


class VisitPrintView(PrintedFormView):
    """QF75-13, the field visit report, of one visit."""

    model = Visit
    template = "maintenance/print/qf75_13.html"
    url_name = "visit"

    def base_queryset(self) -> QuerySet:
        return visit_selectors.visit_detail()

    def form_context(self, obj: Visit) -> dict[str, Any]:
        return {
            "form": FORMS[QF75_13],
            "visit": obj,
            "checks": list(obj.checks.all()),
            "findings": list(obj.findings.all()),
        }

    def filename(self, obj: Visit) -> str:
        return f"{QF75_13}-{obj.number}.pdf"


class VisitPdfView(VisitPrintView):
    pdf = True


# --------------------------------------------------------------------------- programmes (QF70-2-1)


class ProgrammeListView(ObjectListView):
    model = VisitProgramme
    queryset_function = visit_selectors.programme_list
    title = gettext_lazy("Visit programmes")
    columns = [
        Column(
            "academic_year",
            label=gettext_lazy("School year"),
            sort="academic_year",
            render_fn=lambda p: format_html('<a href="{}">{}</a>', p.get_absolute_url(), p.school_year),
        ),
        Column("term", sort="term", choices=Term),
        Column("directorate", sort="directorate__code"),
        Column("start_date", sort="start_date"),
        Column("end_date", sort="end_date"),
        Column("visit_count", label=gettext_lazy("Visits"), sort="visit_count"),
        Column("done_count", label=gettext_lazy("Reported"), sort="done_count"),
    ]


class ProgrammeDetailView(ObjectDetailView):
    model = VisitProgramme
    fields = [
        Column("directorate", link="value"),
        Column("academic_year", label=gettext_lazy("School year"), render_fn=lambda p: p.school_year),
        Column("term", choices=Term),
        Column("start_date"),
        Column("end_date"),
        Column("notes"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/visits/programme_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        visits = list(scope_queryset(visit_selectors.programme_visits(self.object), self.request.user))
        for visit in visits:
            visit.status_badge = badge(VisitStatus, visit.status)
            visit.purpose_badge = badge(VisitPurpose, visit.purpose)
        return {
            "visits": visits,
            "can_plan": can(self.request.user, ADD, Visit) and is_staff(self.request.user),
        }


class ProgrammeEditView(ObjectEditView):
    model = VisitProgramme
    form_class = VisitProgrammeForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return visit_services.programme_save(programme=form.instance, by=self.request.user)


class ProgrammePrintView(PrintedFormView):
    """QF70-2-1, the field visits programme of a term."""

    model = VisitProgramme
    template = "maintenance/print/qf70_2_1.html"
    url_name = "visitprogramme"

    def form_context(self, obj: VisitProgramme) -> dict[str, Any]:
        visits = scope_queryset(visit_selectors.programme_visits(obj), self.request.user)
        return {"form": FORMS[QF70_2_1], "programme": obj, "visits": list(visits)}

    def filename(self, obj: VisitProgramme) -> str:
        return f"{QF70_2_1}-{obj.academic_year}-{obj.term}.pdf"


class ProgrammePdfView(ProgrammePrintView):
    pdf = True


# --------------------------------------------------------------------------- maintenance plans


class PlanListView(ObjectListView):
    model = MaintenancePlan
    queryset_function = visit_selectors.plan_list
    title = gettext_lazy("Maintenance plans")
    columns = [
        Column("name", sort="name", link=True),
        Column("purpose", sort="purpose", choices=VisitPurpose),
        Column("frequency", sort="frequency", choices=PlanFrequency),
        Column("target", sort="target", choices=PlanTarget),
        Column("location_kind", sort="location_kind", render_fn=lambda p: p.get_location_kind_display() or "—"),
        Column("asset_category", sort="asset_category", render_fn=lambda p: p.get_asset_category_display() or "—"),
        Column("technician", sort="technician__username"),
        Column("visit_count", label=gettext_lazy("Visits"), sort="visit_count"),
        Column("active", sort="active"),
    ]


class PlanDetailView(ObjectDetailView):
    model = MaintenancePlan
    fields = [
        Column("directorate", link="value"),
        Column("purpose", choices=VisitPurpose),
        Column("frequency", choices=PlanFrequency),
        Column("target", choices=PlanTarget),
        Column("location_kind", render_fn=lambda p: p.get_location_kind_display() or "—"),
        Column("asset_category", render_fn=lambda p: p.get_asset_category_display() or "—"),
        Column("schools"),
        Column("technician"),
        Column("start_date"),
        Column("end_date"),
        Column("lead_days"),
        Column("active"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/visits/plan_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        visits = scope_queryset(visit_selectors.visit_list().filter(plan=self.object), self.request.user)
        visits = list(visits.order_by("-period", "planned_date", "pk")[:200])
        for visit in visits:
            visit.status_badge = badge(VisitStatus, visit.status)
        return {
            "visits": visits,
            "checklist": self.object.checklist_items,
            "can_generate": can(self.request.user, CHANGE, MaintenancePlan) and self.object.active,
        }


class PlanEditView(ObjectEditView):
    model = MaintenancePlan
    form_class = MaintenancePlanForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return visit_services.plan_save(plan=form.instance, by=self.request.user, schools=form.cleaned_data["schools"])


class PlanGenerateView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """Generate the plan's due visits now (what the daily run would do)."""

    model = MaintenancePlan
    permission_action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        plan = self.get_scoped_object()
        result = visit_services.plans_generate(plans=[plan])
        messages.success(request, _("%(count)d visit(s) generated.") % {"count": result.created})
        return HttpResponseRedirect(plan.get_absolute_url())


# --------------------------------------------------------------------------- the tablet's visit pages


class TabletVisitMixin(LoginRequiredMixin):
    """Technicians and the IT head (those who file visit reports)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can(request.user, CHANGE, Visit) or not is_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TabletVisitListView(TabletVisitMixin, View):
    """My planned visits, soonest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        visits = list(scope_queryset(visit_selectors.my_visits(request.user), request.user)[:100])
        for visit in visits:
            visit.purpose_badge = badge(VisitPurpose, visit.purpose)
        return render(request, "maintenance/visits/tablet_list.html", {"visits": visits, "title": _("My visits")})


def tablet_visit_context(request: HttpRequest, visit: Visit, overrides: dict[str, Any]) -> dict[str, Any]:
    context = visit_work_context(request, visit, overrides)
    context.update({"title": visit.number, "next": reverse("tablet:visit", args=[visit.pk])})
    return context


def render_tablet_visit(request: HttpRequest, visit: Visit, *, status: int, **overrides: Any) -> HttpResponse:
    return render(
        request, "maintenance/visits/tablet_visit.html", tablet_visit_context(request, visit, overrides), status=status
    )


class TabletVisitView(TabletVisitMixin, View):
    """One visit on the tablet: the checklist and the report in one form, then the findings."""

    def get_visit(self) -> Visit:
        visit = scope_queryset(visit_selectors.visit_detail(), self.request.user).filter(pk=self.kwargs["pk"]).first()
        if visit is None:
            raise Http404
        return visit

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render_tablet_visit(request, self.get_visit(), status=200)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        visit = self.get_visit()
        view = VisitReportView()
        view.setup(request, pk=visit.pk)
        form = view.build_form(visit)
        if form.is_valid():
            try:
                message = view.perform(form, visit)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(reverse("tablet:visit", args=[visit.pk]))
        return render_tablet_visit(request, visit, status=400, report_form=form)
