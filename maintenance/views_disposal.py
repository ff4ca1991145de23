"""The disposal pages (إتلاف): the items awaiting the committee, the IT head's lists, sending a list
to the committee, recording its decision, and the printed list and decision.

Writes go through maintenance.disposal_services; the role table keeps them to the IT head
(school staff read their own school's items; the lists are the directorate's).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from assets.choices import AssetStatus
from core.roles import ADD, CHANGE, can, scope_queryset
from core.views import (
    ActionPermissionMixin,
    Column,
    ObjectDetailView,
    ObjectListView,
    ScopedQuerysetMixin,
    apply_validation_error,
    badge,
    scope_form_fields,
    style_form,
)
from maintenance import disposal_services, visit_selectors
from maintenance.choices import DisposalDecision, DisposalListStatus
from maintenance.filtersets_fieldwork import DisposalItemFilterSet
from maintenance.forms_fieldwork import (
    DisposalDecisionForm,
    DisposalItemsForm,
    DisposalListForm,
    DisposalRecommendForm,
    DisposalTitleForm,
    WithdrawForm,
)
from maintenance.models import DisposalItem, DisposalList
from maintenance.printing import PrintedFormView
from maintenance.records import DISPOSAL_DECISION, DISPOSAL_LIST, FORMS


def _item_asset(item: DisposalItem):
    return format_html('<a href="{}" dir="ltr">{}</a>', item.asset.get_absolute_url(), item.asset.asset_tag)


def _item_list(item: DisposalItem):
    if not item.disposal_list_id:
        return "—"
    return format_html('<a href="{}">{}</a>', item.disposal_list.get_absolute_url(), item.disposal_list.title)


def _item_report(item: DisposalItem):
    if not item.report_id:
        return "—"
    return format_html('<a href="{}" dir="ltr">{}</a>', item.report.get_absolute_url(), item.report.ticket.number)


class DisposalItemListView(ObjectListView):
    """Every asset put forward for disposal, and what became of it."""

    model = DisposalItem
    queryset_function = visit_selectors.disposal_items
    filterset_class = DisposalItemFilterSet
    title = gettext_lazy("Disposal items")
    columns = [
        Column("asset", sort="asset__asset_tag", render_fn=_item_asset),
        Column("asset.asset_model", label=gettext_lazy("Model")),
        Column("asset.school", label=gettext_lazy("School"), sort="asset__school__code", link="value"),
        Column("reason"),
        Column("previous_status", choices=AssetStatus),
        Column("report", render_fn=_item_report),
        Column("recommended_at", sort="recommended_at"),
        Column("decision", sort="decision", choices=DisposalDecision),
        Column("disposal_list", render_fn=_item_list),
        Column("decided_on", sort="decided_on"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_change"] = False  # items change through their list, not an edit form
        if can(self.request.user, ADD, DisposalItem):
            context["add_url"] = reverse("maintenance:disposal_recommend")
        return context


class DisposalRecommendView(ActionPermissionMixin, TemplateView):
    """The IT head puts an asset forward for disposal (without a technical report)."""

    model = DisposalItem
    permission_action = ADD
    template_name = "core/object_edit.html"

    def form(self) -> DisposalRecommendForm:
        data = self.request.POST if self.request.method == "POST" else None
        form = DisposalRecommendForm(data, initial={"asset": self.request.GET.get("asset")})
        return scope_form_fields(form, self.request.user)

    def context(self, form) -> dict[str, Any]:
        return {
            "form": style_form(form),
            "title": _("Put an asset forward for disposal"),
            "cancel_url": reverse("maintenance:disposalitem_list"),
        }

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.context(self.form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form()
        if form.is_valid():
            try:
                item = disposal_services.disposal_recommend(
                    asset=form.cleaned_data["asset"], by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("%(asset)s now awaits disposal.") % {"asset": item.asset})
                return HttpResponseRedirect(reverse("maintenance:disposalitem_list") + "?decision=pending")
        return self.render_to_response(self.context(form), status=400)


class DisposalWithdrawView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    model = DisposalItem
    permission_action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        item = self.get_scoped_object()
        form = WithdrawForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Say why the item is withdrawn."))
            disposal_services.disposal_withdraw(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(asset)s was withdrawn from disposal.") % {"asset": item.asset})
        return HttpResponseRedirect(request.POST.get("back") or reverse("maintenance:disposalitem_list"))


# --------------------------------------------------------------------------- the lists


class DisposalListListView(ObjectListView):
    model = DisposalList
    queryset_function = visit_selectors.disposal_list_list
    title = gettext_lazy("Disposal lists")
    columns = [
        Column("title", sort="title", link=True),
        Column("status", sort="status", choices=DisposalListStatus),
        Column("item_count", label=gettext_lazy("Items"), sort="item_count"),
        Column("approved_count", label=gettext_lazy("Approved"), sort="approved_count"),
        Column("refused_count", label=gettext_lazy("Refused"), sort="refused_count"),
        Column("decision_number", sort="decision_number"),
        Column("decision_date", sort="decision_date"),
        Column("prepared_by"),
    ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_change"] = False
        return context


def _candidates(user, directorate_id: int | None):
    items = scope_queryset(visit_selectors.disposal_candidates(directorate_id), user)
    assets = scope_queryset(visit_selectors.awaiting_without_item(directorate_id), user)
    return items, assets


class DisposalListAddView(ActionPermissionMixin, TemplateView):
    """A new list: its title, and the items awaiting the committee to put on it."""

    model = DisposalList
    permission_action = ADD
    template_name = "maintenance/disposal/list_form.html"

    def forms(self):
        data = self.request.POST if self.request.method == "POST" else None
        items, assets = _candidates(self.request.user, None)
        list_form = scope_form_fields(DisposalListForm(data), self.request.user)
        if data is None and list_form.fields["directorate"].queryset.count() == 1:
            list_form.fields["directorate"].initial = list_form.fields["directorate"].queryset.get().pk
        return list_form, DisposalItemsForm(data, items=items, assets=assets)

    def render_forms(self, list_form, items_form, status: int = 200) -> HttpResponse:
        context = {
            "list_form": style_form(list_form),
            "items_form": style_form(items_form),
            "title": _("New disposal list"),
            "cancel_url": reverse("maintenance:disposallist_list"),
        }
        return self.render_to_response(context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_forms(*self.forms())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        list_form, items_form = self.forms()
        if list_form.is_valid() and items_form.is_valid():
            try:
                disposal_list = disposal_services.disposal_list_create(
                    directorate=list_form.cleaned_data["directorate"],
                    title=list_form.cleaned_data["title"],
                    by=request.user,
                    items=items_form.cleaned_data["items"],
                    assets=items_form.cleaned_data["assets"],
                )
            except ValidationError as exc:
                apply_validation_error(items_form, exc)
            else:
                messages.success(request, _("Created %(object)s.") % {"object": disposal_list})
                return HttpResponseRedirect(disposal_list.get_absolute_url())
        return self.render_forms(list_form, items_form, status=400)


class DisposalListDetailView(ObjectDetailView):
    model = DisposalList
    fields = [
        Column("directorate", link="value"),
        Column("status", choices=DisposalListStatus),
        Column("prepared_by"),
        Column("created", label=gettext_lazy("Prepared on")),
        Column("submitted_at"),
        Column("decision_number"),
        Column("decision_date"),
        Column("decided_by"),
    ]

    def get_template_names(self) -> list[str]:
        return ["maintenance/disposal/list_detail.html"]

    def extra_context_data(self) -> dict[str, Any]:
        obj: DisposalList = self.object
        overrides = getattr(self, "overrides", {})
        user = self.request.user
        items = list(scope_queryset(visit_selectors.disposal_list_items(obj), user))
        for item in items:
            item.decision_badge = badge(DisposalDecision, item.decision)
        manage = can(user, CHANGE, DisposalList)
        context: dict[str, Any] = {
            "items": items,
            "manage": manage,
            "status_badge": badge(DisposalListStatus, obj.status),
        }
        if manage and obj.status == DisposalListStatus.DRAFT:
            candidates, assets = _candidates(user, obj.directorate_id)
            context["items_form"] = style_form(
                overrides.get("items_form") or DisposalItemsForm(items=candidates, assets=assets)
            )
            context["title_form"] = style_form(
                overrides.get("title_form") or DisposalTitleForm(initial={"title": obj.title})
            )
        if manage and obj.status == DisposalListStatus.SUBMITTED:
            context["decision_form"] = style_form(overrides.get("decision_form") or DisposalDecisionForm(items=items))
        return context


def render_disposal_list(request: HttpRequest, obj: DisposalList, *, status: int, **overrides) -> HttpResponse:
    view = DisposalListDetailView()
    view.setup(request, pk=obj.pk)
    view.object = get_object_or_404(view.scoped_queryset(), pk=obj.pk)
    view.overrides = overrides
    view.object.refresh_from_db()
    return view.render_to_response(view.get_context_data(), status=status)


class DisposalListWriteView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    model = DisposalList
    permission_action = CHANGE
    http_method_names = ["post"]
    form_name = ""

    def build_form(self, obj: DisposalList):
        raise NotImplementedError

    def perform(self, form, obj: DisposalList) -> str:
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_scoped_object()
        form = self.build_form(obj)
        if form is None or form.is_valid():
            try:
                message = self.perform(form, obj)
            except ValidationError as exc:
                if form is None:
                    messages.error(request, " ".join(exc.messages))
                    return HttpResponseRedirect(obj.get_absolute_url())
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(obj.get_absolute_url())
        return render_disposal_list(request, obj, status=400, **{self.form_name: form})


class DisposalListTitleView(DisposalListWriteView):
    form_name = "title_form"

    def build_form(self, obj):
        return DisposalTitleForm(self.request.POST)

    def perform(self, form, obj) -> str:
        disposal_services.disposal_list_update(
            disposal_list=obj, by=self.request.user, title=form.cleaned_data["title"]
        )
        return _("Saved %(object)s.") % {"object": form.cleaned_data["title"]}


class DisposalListItemsView(DisposalListWriteView):
    form_name = "items_form"

    def build_form(self, obj):
        items, assets = _candidates(self.request.user, obj.directorate_id)
        return DisposalItemsForm(self.request.POST, items=items, assets=assets)

    def perform(self, form, obj) -> str:
        added = disposal_services.disposal_list_add(
            disposal_list=obj,
            by=self.request.user,
            items=form.cleaned_data["items"],
            assets=form.cleaned_data["assets"],
        )
        return _("%(count)d item(s) put on the list.") % {"count": len(added)}


class DisposalListRemoveView(DisposalListWriteView):
    def build_form(self, obj):
        return None

    def perform(self, form, obj) -> str:
        item = get_object_or_404(DisposalItem, pk=self.kwargs["item"], disposal_list=obj)
        disposal_services.disposal_list_remove(disposal_list=obj, item=item, by=self.request.user)
        return _("%(asset)s was taken off the list.") % {"asset": item.asset}


class DisposalListSubmitView(DisposalListWriteView):
    def build_form(self, obj):
        return None

    def perform(self, form, obj) -> str:
        disposal_services.disposal_list_submit(disposal_list=obj, by=self.request.user)
        return _("The list was sent to the committee.")


class DisposalDecisionView(DisposalListWriteView):
    form_name = "decision_form"

    def build_form(self, obj):
        return DisposalDecisionForm(self.request.POST, items=visit_selectors.disposal_list_items(obj))

    def perform(self, form, obj) -> str:
        data = form.cleaned_data
        approved, refused = form.decisions()
        disposal_services.disposal_decision_record(
            disposal_list=obj,
            by=self.request.user,
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            members=data["committee_members"].splitlines(),
            approved=approved,
            refused=refused,
            notes=data["decision_notes"],
        )
        return _("The committee's decision was recorded: %(approved)d disposed of, %(refused)d refused.") % {
            "approved": len(approved),
            "refused": len(refused),
        }


# --------------------------------------------------------------------------- printed


class DisposalListPrintView(PrintedFormView):
    """The statement of items to dispose of, for the committee."""

    model = DisposalList
    template = "maintenance/print/disposal_list.html"
    url_name = "disposallist"

    def base_queryset(self) -> QuerySet:
        return visit_selectors.disposal_list_list()

    def form_context(self, obj: DisposalList) -> dict[str, Any]:
        items = list(scope_queryset(visit_selectors.disposal_list_items(obj), self.request.user))
        return {"form": FORMS[DISPOSAL_LIST], "disposal_list": obj, "items": items}

    def filename(self, obj: DisposalList) -> str:
        return f"disposal-list-{obj.pk}.pdf"


class DisposalListPdfView(DisposalListPrintView):
    pdf = True


class DisposalDecisionPrintView(DisposalListPrintView):
    """The committee's decision: the items approved and refused, and the members' signatures."""

    template = "maintenance/print/disposal_decision.html"
    url_name = "disposaldecision"

    def get_scoped_object(self):
        obj = super().get_scoped_object()
        if obj.status != DisposalListStatus.DECIDED:
            raise Http404
        return obj

    def form_context(self, obj: DisposalList) -> dict[str, Any]:
        context = super().form_context(obj)
        items = context["items"]
        context.update(
            {
                "form": FORMS[DISPOSAL_DECISION],
                "approved": [i for i in items if i.decision == DisposalDecision.APPROVED],
                "refused": [i for i in items if i.decision == DisposalDecision.REFUSED],
            }
        )
        return context

    def filename(self, obj: DisposalList) -> str:
        return f"disposal-decision-{obj.pk}.pdf"


class DisposalDecisionPdfView(DisposalDecisionPrintView):
    pdf = True
