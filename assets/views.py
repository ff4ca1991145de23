"""The inventory's pages. Thin: each view declares its model, selector, filterset, columns and form."""

from __future__ import annotations

import importlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from assets import filtersets, labels, selectors
from assets import forms as asset_forms
from assets.choices import (
    AssetCategory,
    AssetStatus,
    CircuitStatus,
    CircuitType,
    FiberSiteKind,
    FiberSiteStatus,
    LocationKind,
    Weekday,
)
from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Holiday,
    Location,
    Manufacturer,
    Provider,
    School,
)
from assets.services import asset_change_status, asset_save, inventory_delete, inventory_save
from core.roles import CHANGE, IMPORT, VIEW, can, scope_queryset
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
    choice_counts,
    querystring,
    style_form,
)

# --------------------------------------------------------------------------- shared bases


class InventoryListView(ObjectListView):
    def export_response(self, queryset: QuerySet, fmt: str) -> HttpResponse:
        # Imported here: the exports module is optional for the pages themselves.
        from assets.exports import export_response

        return export_response(self.export_kind, queryset, fmt)


class InventoryEditView(ObjectEditView):
    def save_object(self, form: forms.ModelForm) -> Model:
        m2m = {f.name: form.cleaned_data[f.name] for f in self.model._meta.many_to_many if f.name in form.cleaned_data}
        return inventory_save(form.instance, m2m=m2m or None)


class InventoryDeleteView(ObjectDeleteView):
    def delete_object(self, obj: Model) -> None:
        inventory_delete(obj)


NAME = Column("name", label=gettext_lazy("Name"), sort="name_ar", link=True)

# --------------------------------------------------------------------------- dashboard


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "assets/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        counts = selectors.dashboard_counts(self.request.user)
        asset_list = reverse("assets:asset_list")
        circuit_list = reverse("assets:circuit_list")
        by_status = choice_counts(AssetStatus, counts["assets_by_status"])
        for row in by_status:
            row["url"] = querystring(asset_list, status=row["value"])
        by_category = choice_counts(AssetCategory, counts["assets_by_category"], zeros=False)
        for row in by_category:
            row["url"] = querystring(asset_list, category=row["value"])
        circuits = choice_counts(CircuitStatus, counts["circuits_by_status"])
        for row in circuits:
            row["url"] = querystring(circuit_list, status=row["value"])
        context.update(
            {
                "title": _("Dashboard"),
                "counts": counts,
                "assets_by_status": by_status,
                "assets_by_category": by_category,
                "circuits_by_status": circuits,
            }
        )
        return context


# --------------------------------------------------------------------------- directorates


class DirectorateListView(InventoryListView):
    model = Directorate
    queryset_function = selectors.directorate_list
    filterset_class = filtersets.DirectorateFilterSet
    columns = [
        Column("code", sort="code", link=True),
        NAME,
        Column("phone"),
        Column("school_count", label=gettext_lazy("Schools"), sort="school_count"),
    ]


class DirectorateDetailView(ObjectDetailView):
    model = Directorate
    fields = [Column("code"), Column("name_ar"), Column("name_en"), Column("address"), Column("phone"), Column("email")]

    def extra_context_data(self) -> dict[str, Any]:
        user = self.request.user
        return {
            "schools": selectors.directorate_schools(self.object, user),
            "fiber_sites": scope_queryset(selectors.fibersite_list().filter(directorate=self.object), user),
        }


class DirectorateEditView(InventoryEditView):
    model = Directorate
    form_class = asset_forms.DirectorateForm


class DirectorateDeleteView(InventoryDeleteView):
    model = Directorate


# --------------------------------------------------------------------------- schools


class SchoolListView(InventoryListView):
    model = School
    queryset_function = selectors.school_list
    filterset_class = filtersets.SchoolFilterSet
    export_kind = "schools"
    columns = [
        Column("code", sort="code", link=True),
        NAME,
        Column("directorate", sort="directorate__code", link="value"),
        Column("phone"),
        Column("asset_count", label=gettext_lazy("Assets"), sort="asset_count"),
    ]


def _working_days(school: School) -> str:
    days = {str(d) for d in school.working_days or []}
    separator = pgettext("list separator", ", ")
    return separator.join(str(label) for value, label in Weekday.choices() if value in days) or "—"


class SchoolDetailView(ObjectDetailView):
    model = School
    queryset_function = selectors.school_list
    fields = [
        Column("code"),
        Column("name_ar"),
        Column("name_en"),
        Column("directorate", link="value"),
        Column("address"),
        Column("phone"),
        Column("email"),
        Column("latitude"),
        Column("longitude"),
        Column("working_days", render_fn=_working_days),
        Column("day_start"),
        Column("day_end"),
        Column("comments"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        user = self.request.user
        school = self.object
        assets = scope_queryset(Asset.objects.filter(school=school), user)
        status_counts = choice_counts(AssetStatus, selectors.asset_status_counts(assets), zeros=False)
        for row in status_counts:
            row["url"] = querystring(reverse("assets:asset_list"), school=school.pk, status=row["value"])
        return {
            "locations": selectors.school_locations(school, user),
            "asset_status_counts": status_counts,
            "asset_total": sum(r["count"] for r in status_counts),
            "assets_url": querystring(reverse("assets:asset_list"), school=school.pk),
            "fiber_sites": selectors.school_fiber_sites(school, user),
            "circuits": selectors.circuits_at(user, school=school),
            "can_add_location": can(user, "add", Location),
            "can_add_asset": can(user, "add", Asset),
        }


class SchoolEditView(InventoryEditView):
    model = School
    form_class = asset_forms.SchoolForm


class SchoolDeleteView(InventoryDeleteView):
    model = School


# --------------------------------------------------------------------------- locations


class LocationListView(InventoryListView):
    model = Location
    queryset_function = selectors.location_list
    filterset_class = filtersets.LocationFilterSet
    export_kind = "locations"
    columns = [
        NAME,
        Column("school", sort="school__code", link="value"),
        Column("kind", sort="kind", choices=LocationKind),
        Column("room"),
        Column("asset_count", label=gettext_lazy("Assets"), sort="asset_count"),
    ]


class LocationDetailView(ObjectDetailView):
    model = Location
    queryset_function = selectors.location_list
    fields = [
        Column("name_ar"),
        Column("name_en"),
        Column("school", link="value"),
        Column("kind", choices=LocationKind),
        Column("room"),
        Column("comments"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        return {
            "assets": selectors.location_assets(self.object, self.request.user),
            "can_add_asset": can(self.request.user, "add", Asset),
        }


class LocationEditView(InventoryEditView):
    model = Location
    form_class = asset_forms.LocationForm


class LocationDeleteView(InventoryDeleteView):
    model = Location


class LocationLabelsView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """A printable A4 sheet: one label (QR, tag, model, school and location) per asset of the location."""

    model = Location
    template_name = "assets/location_labels.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        location = self.get_scoped_object()
        items = []
        for asset in selectors.label_assets(location, request.user):
            url = request.build_absolute_uri(asset.get_absolute_url())
            items.append({"asset": asset, "url": url, "svg": labels.qr_svg_inline(url, title=asset.asset_tag)})
        return self.render_to_response({"location": location, "labels": items, "title": str(location)})


# --------------------------------------------------------------------------- catalogue: manufacturers, models


class ManufacturerListView(InventoryListView):
    model = Manufacturer
    queryset_function = selectors.manufacturer_list
    filterset_class = filtersets.ManufacturerFilterSet
    columns = [
        Column("name", sort="name"),
        Column(
            "website",
            render_fn=lambda m: format_html('<a href="{0}" dir="ltr">{0}</a>', m.website) if m.website else "—",
        ),
        Column("support_phone"),
        Column("model_count", label=gettext_lazy("Models"), sort="model_count"),
    ]


class ManufacturerEditView(InventoryEditView):
    model = Manufacturer
    form_class = asset_forms.ManufacturerForm


class ManufacturerDeleteView(InventoryDeleteView):
    model = Manufacturer


class AssetModelListView(InventoryListView):
    model = AssetModel
    queryset_function = selectors.assetmodel_list
    filterset_class = filtersets.AssetModelFilterSet
    columns = [
        Column("manufacturer", sort="manufacturer__name"),
        Column("name", sort="name"),
        Column("category", sort="category", choices=AssetCategory),
        Column("part_number"),
        Column("asset_count", label=gettext_lazy("Assets"), sort="asset_count"),
    ]


class AssetModelEditView(InventoryEditView):
    model = AssetModel
    form_class = asset_forms.AssetModelForm


class AssetModelDeleteView(InventoryDeleteView):
    model = AssetModel


# --------------------------------------------------------------------------- assets


class AssetListView(InventoryListView):
    model = Asset
    queryset_function = selectors.asset_list
    filterset_class = filtersets.AssetFilterSet
    export_kind = "assets"
    columns = [
        Column("asset_tag", sort="asset_tag", link=True),
        Column("name", sort="name"),
        Column("asset_model", sort="asset_model__name", render_fn=lambda a: a.asset_model.name),
        Column("asset_model.category", label=gettext_lazy("Category"), choices=AssetCategory),
        Column("school", sort="school__code", link="value"),
        Column(
            "location",
            render_fn=lambda a: (
                format_html('<a href="{}">{}</a>', a.location.get_absolute_url(), a.location.name)
                if a.location
                else "—"
            ),
        ),
        Column("status", sort="status", choices=AssetStatus),
        Column("serial", sort="serial"),
    ]


class AssetDetailView(ObjectDetailView):
    model = Asset
    queryset_function = selectors.asset_detail
    fields = [
        Column("asset_tag"),
        Column("name"),
        Column("status", choices=AssetStatus),
        Column("manufacturer"),
        Column("asset_model", render_fn=lambda a: a.asset_model.name),
        Column("asset_model.category", label=gettext_lazy("Category"), choices=AssetCategory),
        Column("serial"),
        Column("school", link="value"),
        Column(
            "location",
            render_fn=lambda a: (
                format_html('<a href="{}">{}</a>', a.location.get_absolute_url(), a.location.name)
                if a.location
                else "—"
            ),
        ),
        Column("custodian"),
        Column("purchase_date"),
        Column("purchase_cost"),
        Column("supplier"),
        Column("funding"),
        Column("warranty_end"),
        Column("management_ip"),
        Column("disposed_on"),
        Column("tags"),
        Column("comments"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        asset = self.object
        user = self.request.user
        return {
            "status_badge": badge(AssetStatus, asset.status),
            "can_change_status": can(user, CHANGE, Asset) and bool(AssetStatus.allowed_next(asset.status)),
        }


class AssetEditView(ObjectEditView):
    model = Asset
    form_class = asset_forms.AssetForm

    def get_form(self) -> forms.ModelForm:
        form = super().get_form()
        # Changing the school reloads the location choices with that school's rooms only.
        form.fields["school"].widget.attrs.update(
            {"hx-get": reverse("assets:location_options"), "hx-target": "#id_location", "hx-trigger": "change"}
        )
        return form

    def save_object(self, form: forms.ModelForm) -> Model:
        return asset_save(form.instance, user=self.request.user, tags=form.cleaned_data.get("tags"))


class AssetDeleteView(InventoryDeleteView):
    model = Asset


class AssetStatusView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """Move an asset along its lifecycle, with a reason that lands in its journal."""

    model = Asset
    permission_action = CHANGE
    template_name = "assets/asset_status.html"
    queryset_function = selectors.asset_detail

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asset = self.get_scoped_object()
        return self.render(asset, asset_forms.AssetStatusForm(asset=asset))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asset = self.get_scoped_object()
        form = asset_forms.AssetStatusForm(request.POST, asset=asset)
        if form.is_valid():
            old = asset.status
            try:
                asset_change_status(
                    asset, status=form.cleaned_data["status"], user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                asset.status = old
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(asset)s is now “%(status)s”.") % {"asset": asset, "status": AssetStatus.label(asset.status)},
                )
                return HttpResponseRedirect(asset.get_absolute_url())
        return self.render(asset, form, status=400)

    def render(self, asset: Asset, form: forms.Form, status: int = 200) -> HttpResponse:
        context = {
            "object": asset,
            "form": style_form(form),
            "title": _("Change the status of %(asset)s") % {"asset": asset},
            "status_badge": badge(AssetStatus, asset.status),
            "is_final": not AssetStatus.allowed_next(asset.status),
        }
        return self.render_to_response(context, status=status)


class AssetLabelView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """The asset's QR code (PNG, or SVG with the tag under it), holding its absolute URL."""

    model = Asset
    permission_action = VIEW

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = kwargs["fmt"]
        if fmt not in labels.FORMATS:
            raise Http404
        asset = self.get_scoped_object()
        url = request.build_absolute_uri(asset.get_absolute_url())
        if fmt == "png":
            body: bytes | str = labels.qr_png(url)
        else:
            body = labels.label_svg(url, asset.asset_tag)
        response = HttpResponse(body, content_type=labels.FORMATS[fmt])
        download = request.GET.get("download")
        disposition = "attachment" if download else "inline"
        response["Content-Disposition"] = f'{disposition}; filename="label-{asset.asset_tag}.{fmt}"'
        return response


# --------------------------------------------------------------------------- providers, fiber sites, circuits


class ProviderListView(InventoryListView):
    model = Provider
    queryset_function = selectors.provider_list
    filterset_class = filtersets.ProviderFilterSet
    columns = [
        Column("name", sort="name"),
        Column("account"),
        Column("contact_name"),
        Column("contact_phone"),
        Column("circuit_count", label=gettext_lazy("Circuits"), sort="circuit_count"),
    ]


class ProviderEditView(InventoryEditView):
    model = Provider
    form_class = asset_forms.ProviderForm


class ProviderDeleteView(InventoryDeleteView):
    model = Provider


class FiberSiteListView(InventoryListView):
    model = FiberSite
    queryset_function = selectors.fibersite_list
    filterset_class = filtersets.FiberSiteFilterSet
    export_kind = "fiber_sites"
    columns = [
        Column("code", sort="code", link=True),
        NAME,
        Column("kind", sort="kind", choices=FiberSiteKind),
        Column("school", link="value"),
        Column("status", sort="status", choices=FiberSiteStatus),
        Column("commissioned_on", sort="commissioned_on"),
    ]


class FiberSiteDetailView(ObjectDetailView):
    model = FiberSite
    queryset_function = selectors.fibersite_list
    fields = [
        Column("code"),
        Column("name_ar"),
        Column("name_en"),
        Column("kind", choices=FiberSiteKind),
        Column("directorate", link="value"),
        Column("school", link="value"),
        Column("status", choices=FiberSiteStatus),
        Column("commissioned_on"),
        Column("address"),
        Column("comments"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        return {"circuits": selectors.circuits_at(self.request.user, site=self.object)}


class FiberSiteEditView(InventoryEditView):
    model = FiberSite
    form_class = asset_forms.FiberSiteForm


class FiberSiteDeleteView(InventoryDeleteView):
    model = FiberSite


class CircuitListView(InventoryListView):
    model = Circuit
    queryset_function = selectors.circuit_list
    filterset_class = filtersets.CircuitFilterSet
    export_kind = "circuits"
    columns = [
        Column("cid", sort="cid", link=True),
        Column("provider", sort="provider__name"),
        Column("type", sort="type", choices=CircuitType),
        Column("status", sort="status", choices=CircuitStatus),
        Column("termination_a", sort="termination_a__code", link="value"),
        Column("termination_z", sort="termination_z__code", link="value"),
        Column("bandwidth_mbps", sort="bandwidth_mbps"),
    ]


class CircuitDetailView(ObjectDetailView):
    model = Circuit
    queryset_function = selectors.circuit_detail
    fields = [
        Column("cid"),
        Column("provider"),
        Column("type", choices=CircuitType),
        Column("status", choices=CircuitStatus),
        Column("bandwidth_mbps"),
        Column("install_date"),
        Column("provider_contact"),
        Column("description"),
        Column("tags"),
        Column("comments"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        circuit = self.object
        ends = []
        for label, site, port in (
            (_("A end"), circuit.termination_a, circuit.port_a),
            (_("Z end"), circuit.termination_z, circuit.port_z),
        ):
            ends.append(
                {
                    "label": label,
                    "site": site,
                    "port": port,
                    "kind_badge": badge(FiberSiteKind, site.kind) if site else None,
                }
            )
        return {"ends": ends}


class CircuitEditView(InventoryEditView):
    model = Circuit
    form_class = asset_forms.CircuitForm


class CircuitDeleteView(InventoryDeleteView):
    model = Circuit


# --------------------------------------------------------------------------- holidays


class HolidayListView(InventoryListView):
    model = Holiday
    queryset_function = selectors.holiday_list
    filterset_class = filtersets.HolidayFilterSet
    columns = [
        Column("name", sort="name"),
        Column("start_date", sort="start_date"),
        Column("end_date", sort="end_date"),
        Column("school", label=gettext_lazy("Applies to"), render_fn=lambda h: _holiday_scope(h)),
    ]


def _holiday_scope(holiday: Holiday):
    """Who the holiday applies to: one school, one directorate, or everyone."""
    for obj in (holiday.school, holiday.directorate):
        if obj is not None:
            return format_html('<a href="{}"><bdi>{}</bdi></a>', obj.get_absolute_url(), obj)
    return _("Every school")


class HolidayEditView(InventoryEditView):
    model = Holiday
    form_class = asset_forms.HolidayForm


class HolidayDeleteView(InventoryDeleteView):
    model = Holiday


# --------------------------------------------------------------------------- import


class ImportView(ActionPermissionMixin, TemplateView):
    """Upload a CSV/XLSX file into the inventory (all or nothing), optionally as a dry run."""

    model = Asset
    permission_action = IMPORT
    template_name = "assets/import.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.context(asset_forms.ImportForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = asset_forms.ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.context(form), status=400)
        from assets.imports import import_file

        upload = form.cleaned_data["file"]
        try:
            encoding = form.cleaned_data.get("encoding")
            named = {"encoding": encoding} if encoding and encoding != "auto" else {}  # else: detect
            result = import_file(upload, upload.name, user=request.user, dry_run=form.cleaned_data["dry_run"], **named)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.render_to_response(self.context(form), status=400)
        if result.ok and not result.dry_run:
            messages.success(request, _("The file was imported."))
        return self.render_to_response(
            self.context(
                asset_forms.ImportForm(
                    initial={"dry_run": form.cleaned_data["dry_run"], "encoding": form.cleaned_data.get("encoding")}
                ),
                result=result,
                filename=upload.name,
            ),
            status=200 if result.ok else 400,
        )

    def context(self, form: forms.Form, **extra: Any) -> dict[str, Any]:
        result = extra.get("result")
        counts = []
        if result is not None:
            # Through sys.modules, like `from assets.imports import import_file` above.
            imports = importlib.import_module("assets.imports")
            titles = getattr(imports, "SHEET_TITLES", {})
            order = getattr(imports, "ORDER", [])
            unchanged = getattr(result, "unchanged", None) or {}
            kinds = set(result.created) | set(result.updated) | set(unchanged)
            for kind in sorted(kinds, key=lambda k: (order.index(k) if k in order else len(order), k)):
                title = titles.get(kind, (kind,))[0]
                counts.append(
                    {
                        "kind": title,
                        "created": result.created.get(kind, 0),
                        "updated": result.updated.get(kind, 0),
                        "unchanged": unchanged.get(kind, 0),
                    }
                )
        return {"form": style_form(form), "title": _("Import"), "counts": counts, **extra}


def _require(user, action: str, model: type[Model]) -> None:
    if not can(user, action, model):
        raise PermissionDenied


@login_required
@require_GET  # a read: any other method is 405
def location_options(request: HttpRequest) -> HttpResponse:
    """<option>s of a school's locations, for the asset form (htmx swaps them in when the school changes)."""
    _require(request.user, VIEW, Location)
    school_id = request.GET.get("school", "")
    locations = scope_queryset(Location.objects.select_related("school"), request.user)
    if school_id.isdigit():
        school = get_object_or_404(scope_queryset(School.objects.all(), request.user), pk=school_id)
        locations = locations.filter(school=school)
    else:
        locations = locations.none()
    options = [format_html('<option value="">{}</option>', "---------")]
    options += [format_html('<option value="{}">{}</option>', loc.pk, loc.name) for loc in locations]
    return HttpResponse("".join(options))
