"""Needs, what projects provided, the projects (the executed ones are a list of their own), the
standard allocation per lab type, and the surplus / shortage list (QF70-2-12) per school."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from assets.choices import AssetCategory, LocationKind
from assets.models import School
from core.roles import ADD, CHANGE, VIEW, can, scope_queryset
from core.views import (
    ActionPermissionMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedQuerysetMixin,
    apply_validation_error,
    badge,
    scope_form_fields,
    style_form,
)
from maintenance import need_selectors, need_services
from maintenance.choices import NeedStatus, ProjectKind, ProjectStatus
from maintenance.filtersets_fieldwork import NeedFilterSet, ProjectFilterSet, ProvisionFilterSet
from maintenance.forms_fieldwork import NeedForm, ProjectForm, ProvisionForm, StandardAllocationForm
from maintenance.models import Need, NeedProvision, Project, StandardAllocation
from maintenance.printing import PrintedFormView
from maintenance.records import FORMS, QF70_2_12


def _need_status(need: Need):
    return badge(NeedStatus, need_selectors.need_status(need))


def _need_link(need: Need):
    return format_html('<a href="{}">{}</a>', need.get_absolute_url(), AssetCategory.label(need.category))


def _source(need: Need):
    if need.source_visit_id:
        return format_html(
            '<a href="{}" dir="ltr">{}</a>', need.source_visit.get_absolute_url(), need.source_visit.number
        )
    if need.source_ticket_id:
        return format_html(
            '<a href="{}" dir="ltr">{}</a>', need.source_ticket.get_absolute_url(), need.source_ticket.number
        )
    return "—"


class NeedListView(ObjectListView):
    """The list of needs identified."""

    model = Need
    queryset_function = need_selectors.need_list
    filterset_class = NeedFilterSet
    title = gettext_lazy("Needs identified")
    columns = [
        Column("category", sort="category", render_fn=_need_link),
        Column("description"),
        Column("school", sort="school__code", link="value"),
        Column("quantity", sort="quantity"),
        Column("provided", label=gettext_lazy("Provided"), sort="provided"),
        Column("status", label=gettext_lazy("Status"), render_fn=_need_status),
        Column("identified_on", sort="identified_on"),
        Column("source", label=gettext_lazy("Source"), render_fn=_source),
    ]


class NeedDetailView(ObjectDetailView):
    model = Need
    queryset_function = need_selectors.need_list
    fields = [
        Column("school", link="value"),
        Column("category", render_fn=lambda n: AssetCategory.label(n.category)),
        Column("description"),
        Column("quantity"),
        Column("provided", label=gettext_lazy("Provided")),
        Column("status", label=gettext_lazy("Status"), render_fn=_need_status),
        Column("justification"),
        Column("source", label=gettext_lazy("Source"), render_fn=_source),
        Column("identified_on"),
        Column("identified_by"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/needs/need_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        context: dict[str, Any] = {"provisions": list(self.object.provisions.select_related("project"))}
        if can(self.request.user, ADD, NeedProvision) and self.object.provided < self.object.quantity:
            form = getattr(self, "provision_form", None) or ProvisionForm()
            context["provision_form"] = style_form(scope_form_fields(form, self.request.user))
        return context


class NeedEditView(ObjectEditView):
    model = Need
    form_class = NeedForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        need = form.instance
        need.source_ticket = form.cleaned_data["ticket_number"]
        if (
            need.source_ticket is not None
            and not scope_queryset(
                type(need.source_ticket).objects.filter(pk=need.source_ticket.pk), self.request.user
            ).exists()
        ):
            raise ValidationError({"ticket_number": _("No ticket with this number.")})
        return need_services.need_save(need=need, by=self.request.user)


class NeedDeleteView(ObjectDeleteView):
    model = Need

    def delete_object(self, obj: Model) -> None:
        need_services.need_delete(need=obj, by=self.request.user)


class NeedProvideView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    model = NeedProvision
    permission_action = ADD
    http_method_names = ["post"]

    def base_queryset(self) -> QuerySet:
        return need_selectors.need_list()

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        need = self.get_scoped_object()
        form = scope_form_fields(ProvisionForm(request.POST), request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                need_services.need_provide(
                    need=need,
                    project=data["project"],
                    quantity=data["quantity"],
                    provided_on=data["provided_on"],
                    notes=data["notes"],
                    by=request.user,
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The provision was recorded."))
                return HttpResponseRedirect(need.get_absolute_url())
        view = NeedDetailView()
        view.setup(request, pk=need.pk)
        view.object = need
        view.provision_form = form
        return view.render_to_response(view.get_context_data(), status=400)


class ProvisionListView(ObjectListView):
    """The list of needs provided."""

    model = NeedProvision
    queryset_function = need_selectors.provision_list
    filterset_class = ProvisionFilterSet
    title = gettext_lazy("Needs provided")
    columns = [
        Column("need", render_fn=lambda p: _need_link(p.need)),
        Column("need.school", label=gettext_lazy("School"), sort="need__school__code", link="value"),
        Column("project", sort="project__name", link="value"),
        Column("quantity", sort="quantity"),
        Column("provided_on", sort="provided_on"),
        Column("notes"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_change"] = context["can_add"] = False  # recorded on the need's page
        return context


class ProjectListView(ObjectListView):
    """Projects and tenders; `?status=executed` is the list of executed projects."""

    model = Project
    queryset_function = need_selectors.project_list
    filterset_class = ProjectFilterSet
    title = gettext_lazy("Projects and tenders")
    columns = [
        Column("name", sort="name", link=True),
        Column("kind", sort="kind", choices=ProjectKind),
        Column("reference", sort="reference"),
        Column("funder", sort="funder"),
        Column("status", sort="status", choices=ProjectStatus),
        Column("started_on", sort="started_on"),
        Column("completed_on", sort="completed_on"),
        Column("provided", label=gettext_lazy("Items provided"), sort="provided"),
        Column("needs", label=gettext_lazy("Needs served"), sort="needs"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.request.GET.getlist("status") == [ProjectStatus.EXECUTED]:
            context["title"] = _("Executed projects")
        return context


class ProjectDetailView(ObjectDetailView):
    model = Project
    fields = [
        Column("directorate", link="value"),
        Column("kind", choices=ProjectKind),
        Column("reference"),
        Column("funder"),
        Column("status", choices=ProjectStatus),
        Column("started_on"),
        Column("completed_on"),
        Column("description"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/needs/project_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        provisions = scope_queryset(need_selectors.provision_list().filter(project=self.object), self.request.user)
        return {"provisions": list(provisions)}


class ProjectEditView(ObjectEditView):
    model = Project
    form_class = ProjectForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return need_services.project_save(project=form.instance, by=self.request.user)


# --------------------------------------------------------------------------- standards and QF70-2-12


class StandardListView(ObjectListView):
    model = StandardAllocation
    title = gettext_lazy("Standard allocation per lab type")
    paginate_by = 200
    columns = [
        Column("location_kind", sort="location_kind", choices=LocationKind),
        Column("category", sort="category", choices=AssetCategory),
        Column("quantity", sort="quantity"),
        Column("notes"),
    ]


class StandardEditView(ObjectEditView):
    model = StandardAllocation
    form_class = StandardAllocationForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return need_services.standard_save(standard=form.instance, by=self.request.user)

    def get_success_url(self, obj: Model) -> str:
        return reverse("maintenance:standardallocation_list")


class StandardDeleteView(ObjectDeleteView):
    model = StandardAllocation

    def delete_object(self, obj: Model) -> None:
        need_services.standard_delete(standard=obj, by=self.request.user)


class SurplusShortageView(ActionPermissionMixin, TemplateView):
    """QF70-2-12 on screen: one school's labs against the standard, or every school's totals."""

    model = School
    permission_action = VIEW
    template_name = "maintenance/needs/surplus_shortage.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        schools = scope_queryset(School.objects.select_related("directorate").order_by("code"), self.request.user)
        chosen = None
        raw = self.request.GET.get("school", "")
        if raw.isdigit():
            chosen = schools.filter(pk=int(raw)).first()
        elif schools.count() == 1:
            chosen = schools.first()
        context.update(
            {
                "title": _("Surplus / shortage devices list"),
                "schools": schools,
                "chosen": chosen,
                "form": FORMS[QF70_2_12],
                "has_standard": StandardAllocation.objects.exists(),
                "can_edit_standard": can(self.request.user, CHANGE, StandardAllocation),
            }
        )
        if chosen is not None:
            context["allocation"] = need_selectors.surplus_shortage([chosen])[0]
        else:
            context["summary"] = need_selectors.surplus_shortage(schools)
        return context


class SurplusShortagePrintView(PrintedFormView):
    """QF70-2-12 of one school."""

    model = School
    template = "maintenance/print/qf70_2_12.html"
    url_name = "surplus_shortage"

    def back_url(self, obj: School) -> str:
        return reverse("maintenance:surplus_shortage") + f"?school={obj.pk}"

    def form_context(self, obj: School) -> dict[str, Any]:
        return {"form": FORMS[QF70_2_12], "school": obj, "allocation": need_selectors.surplus_shortage([obj])[0]}

    def filename(self, obj: School) -> str:
        return f"{QF70_2_12}-{obj.code}.pdf"


class SurplusShortagePdfView(SurplusShortagePrintView):
    pdf = True
