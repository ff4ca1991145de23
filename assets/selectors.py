"""Reads of the inventory for the UI: list querysets without per-row queries, and the dashboard counts.

List selectors return unscoped querysets; the views pass them through `scope_queryset`.
Anything that takes a `user` scopes by itself.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from assets.choices import AssetCategory, AssetStatus, CircuitStatus
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
from core.roles import scope_queryset


def directorate_list() -> QuerySet[Directorate]:
    return Directorate.objects.annotate(school_count=Count("schools", distinct=True))


def school_list() -> QuerySet[School]:
    return School.objects.select_related("directorate").annotate(asset_count=Count("assets", distinct=True))


def location_list() -> QuerySet[Location]:
    return Location.objects.select_related("school").annotate(asset_count=Count("assets", distinct=True))


def manufacturer_list() -> QuerySet[Manufacturer]:
    return Manufacturer.objects.annotate(model_count=Count("asset_models", distinct=True))


def assetmodel_list() -> QuerySet[AssetModel]:
    return AssetModel.objects.select_related("manufacturer").annotate(asset_count=Count("assets", distinct=True))


def asset_list() -> QuerySet[Asset]:
    return Asset.objects.select_related("asset_model", "manufacturer", "school", "location").prefetch_related("tags")


def asset_detail() -> QuerySet[Asset]:
    return Asset.objects.select_related(
        "asset_model__manufacturer", "manufacturer", "school__directorate", "location__school"
    ).prefetch_related("tags")


def provider_list() -> QuerySet[Provider]:
    return Provider.objects.annotate(circuit_count=Count("circuits", distinct=True))


def holiday_list() -> QuerySet[Holiday]:
    return Holiday.objects.select_related("directorate", "school")


def fibersite_list() -> QuerySet[FiberSite]:
    return FiberSite.objects.select_related("directorate", "school")


def circuit_list() -> QuerySet[Circuit]:
    return Circuit.objects.select_related("provider", "termination_a", "termination_z").prefetch_related("tags")


def circuit_detail() -> QuerySet[Circuit]:
    return Circuit.objects.select_related(
        "provider",
        "termination_a__school",
        "termination_a__directorate",
        "termination_z__school",
        "termination_z__directorate",
    ).prefetch_related("tags")


def _counts(queryset: QuerySet, field: str) -> dict[str, int]:
    # order_by() drops the model's default ordering, which would otherwise split the groups.
    return dict(queryset.order_by().values(field).annotate(n=Count("pk")).values_list(field, "n"))


def asset_status_counts(queryset: QuerySet[Asset]) -> dict[str, int]:
    return _counts(queryset, "status")


def dashboard_counts(user) -> dict[str, Any]:
    """What the dashboard shows, limited to what `user` may see."""
    assets = scope_queryset(Asset.objects.all(), user)
    circuits = scope_queryset(Circuit.objects.all(), user)
    by_status = asset_status_counts(assets)
    by_category = _counts(assets, "asset_model__category")
    circuit_status = _counts(circuits, "status")
    return {
        "schools": scope_queryset(School.objects.all(), user).count(),
        "locations": scope_queryset(Location.objects.all(), user).count(),
        "fiber_sites": scope_queryset(FiberSite.objects.all(), user).count(),
        "assets": sum(by_status.values()),
        "circuits": sum(circuit_status.values()),
        "assets_by_status": by_status,
        "assets_by_category": by_category,
        "circuits_by_status": circuit_status,
        "status_choices": AssetStatus,
        "category_choices": AssetCategory,
        "circuit_status_choices": CircuitStatus,
    }


def school_locations(school: School, user) -> QuerySet[Location]:
    return scope_queryset(
        Location.objects.filter(school=school).annotate(asset_count=Count("assets", distinct=True)), user
    )


def school_fiber_sites(school: School, user) -> QuerySet[FiberSite]:
    return scope_queryset(FiberSite.objects.filter(school=school), user)


def circuits_at(user, *, school: School | None = None, site: FiberSite | None = None) -> QuerySet[Circuit]:
    """Circuits with either end at the school's sites, or at the site."""
    if site is not None:
        query = Q(termination_a=site) | Q(termination_z=site)
    else:
        query = Q(termination_a__school=school) | Q(termination_z__school=school)
    return scope_queryset(circuit_list().filter(query), user)


def location_assets(location: Location, user) -> QuerySet[Asset]:
    return scope_queryset(asset_list().filter(location=location), user)


def label_assets(location: Location, user) -> QuerySet[Asset]:
    """Every asset of the location, for its label sheet."""
    return scope_queryset(
        Asset.objects.filter(location=location).select_related("asset_model__manufacturer", "school", "location"),
        user,
    )


def directorate_schools(directorate: Directorate, user) -> QuerySet[School]:
    return scope_queryset(school_list().filter(directorate=directorate), user)
