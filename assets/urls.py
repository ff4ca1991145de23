"""The inventory's pages. URL names are `assets:<model>_<list|detail|add|edit|delete>`; others rely on them."""

from __future__ import annotations

from django.urls import URLPattern, path

from assets import views

app_name = "assets"


def crud(prefix: str, name: str, *, list_view, add_view=None, detail_view=None, delete_view=None) -> list[URLPattern]:
    """The five pages of one model: list, detail, add, edit (the add view with a pk) and delete."""
    patterns = [path(f"{prefix}/", list_view.as_view(), name=f"{name}_list")]
    if detail_view is not None:
        patterns.append(path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if add_view is not None:
        patterns.append(path(f"{prefix}/add/", add_view.as_view(), name=f"{name}_add"))
        patterns.append(path(f"{prefix}/<int:pk>/edit/", add_view.as_view(), name=f"{name}_edit"))
    if delete_view is not None:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"))
    return patterns


urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("assets/<int:pk>/status/", views.AssetStatusView.as_view(), name="asset_status"),
    path("assets/<int:pk>/label.<str:fmt>", views.AssetLabelView.as_view(), name="asset_label"),
    path("locations/<int:pk>/labels/", views.LocationLabelsView.as_view(), name="location_labels"),
    path("locations/options/", views.location_options, name="location_options"),
    *crud(
        "directorates",
        "directorate",
        list_view=views.DirectorateListView,
        detail_view=views.DirectorateDetailView,
        add_view=views.DirectorateEditView,
        delete_view=views.DirectorateDeleteView,
    ),
    *crud(
        "schools",
        "school",
        list_view=views.SchoolListView,
        detail_view=views.SchoolDetailView,
        add_view=views.SchoolEditView,
        delete_view=views.SchoolDeleteView,
    ),
    *crud(
        "locations",
        "location",
        list_view=views.LocationListView,
        detail_view=views.LocationDetailView,
        add_view=views.LocationEditView,
        delete_view=views.LocationDeleteView,
    ),
    *crud(
        "manufacturers",
        "manufacturer",
        list_view=views.ManufacturerListView,
        add_view=views.ManufacturerEditView,
        delete_view=views.ManufacturerDeleteView,
    ),
    *crud(
        "asset-models",
        "assetmodel",
        list_view=views.AssetModelListView,
        add_view=views.AssetModelEditView,
        delete_view=views.AssetModelDeleteView,
    ),
    *crud(
        "assets",
        "asset",
        list_view=views.AssetListView,
        detail_view=views.AssetDetailView,
        add_view=views.AssetEditView,
        delete_view=views.AssetDeleteView,
    ),
    *crud(
        "holidays",
        "holiday",
        list_view=views.HolidayListView,
        add_view=views.HolidayEditView,
        delete_view=views.HolidayDeleteView,
    ),
    *crud(
        "providers",
        "provider",
        list_view=views.ProviderListView,
        add_view=views.ProviderEditView,
        delete_view=views.ProviderDeleteView,
    ),
    *crud(
        "fiber-sites",
        "fibersite",
        list_view=views.FiberSiteListView,
        detail_view=views.FiberSiteDetailView,
        add_view=views.FiberSiteEditView,
        delete_view=views.FiberSiteDeleteView,
    ),
    *crud(
        "circuits",
        "circuit",
        list_view=views.CircuitListView,
        detail_view=views.CircuitDetailView,
        add_view=views.CircuitEditView,
        delete_view=views.CircuitDeleteView,
    ),
]
