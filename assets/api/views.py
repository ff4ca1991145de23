from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from assets import filtersets, services
from assets.api import serializers
from assets.exports import export_response
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
from core.api.views import ScopedModelViewSet
from core.models import Tag


class InventoryViewSet(ScopedModelViewSet):
    """Deletes go through the service, so a protected object answers 400 with the reason.

    A list with `?export=csv` or `?export=xlsx` returns the filtered rows as a file in the
    columns that the importer reads back (viewsets with an `export_kind`).
    """

    export_kind: str | None = None

    def perform_destroy(self, instance):
        services.inventory_delete(instance)

    def list(self, request, *args, **kwargs):
        fmt = request.query_params.get("export")
        if fmt is None:
            return super().list(request, *args, **kwargs)
        if self.export_kind is None or fmt not in {"csv", "xlsx"}:
            raise ValidationError({"export": [_("Export as csv or xlsx.")]})
        return export_response(self.export_kind, self.filter_queryset(self.get_queryset()), fmt)


class DirectorateViewSet(InventoryViewSet):
    queryset = Directorate.objects.all()
    serializer_class = serializers.DirectorateSerializer
    filterset_class = filtersets.DirectorateFilterSet
    ordering_fields = ["code", "name_ar", "name_en"]


class SchoolViewSet(InventoryViewSet):
    queryset = School.objects.select_related("directorate")
    serializer_class = serializers.SchoolSerializer
    export_kind = "schools"
    filterset_class = filtersets.SchoolFilterSet
    ordering_fields = ["code", "name_ar", "name_en"]


class LocationViewSet(InventoryViewSet):
    queryset = Location.objects.select_related("school")
    serializer_class = serializers.LocationSerializer
    export_kind = "locations"
    filterset_class = filtersets.LocationFilterSet
    ordering_fields = ["name_ar", "kind"]


class ManufacturerViewSet(InventoryViewSet):
    queryset = Manufacturer.objects.all()
    serializer_class = serializers.ManufacturerSerializer
    filterset_class = filtersets.ManufacturerFilterSet
    ordering_fields = ["name"]


class AssetModelViewSet(InventoryViewSet):
    queryset = AssetModel.objects.select_related("manufacturer")
    serializer_class = serializers.AssetModelSerializer
    filterset_class = filtersets.AssetModelFilterSet
    ordering_fields = ["name", "category"]


class AssetViewSet(InventoryViewSet):
    queryset = Asset.objects.select_related("asset_model", "manufacturer", "school", "location").prefetch_related(
        "tags"
    )
    serializer_class = serializers.AssetSerializer
    export_kind = "assets"
    filterset_class = filtersets.AssetFilterSet
    ordering_fields = ["asset_tag", "status", "purchase_date", "warranty_end", "last_updated"]


class ProviderViewSet(InventoryViewSet):
    queryset = Provider.objects.all()
    serializer_class = serializers.ProviderSerializer
    filterset_class = filtersets.ProviderFilterSet
    ordering_fields = ["name"]


class FiberSiteViewSet(InventoryViewSet):
    queryset = FiberSite.objects.select_related("directorate", "school")
    serializer_class = serializers.FiberSiteSerializer
    export_kind = "fiber_sites"
    filterset_class = filtersets.FiberSiteFilterSet
    ordering_fields = ["code", "status"]


class CircuitViewSet(InventoryViewSet):
    queryset = Circuit.objects.select_related("provider", "termination_a", "termination_z").prefetch_related("tags")
    serializer_class = serializers.CircuitSerializer
    export_kind = "circuits"
    filterset_class = filtersets.CircuitFilterSet
    ordering_fields = ["cid", "status", "install_date", "bandwidth_mbps"]


class HolidayViewSet(InventoryViewSet):
    queryset = Holiday.objects.select_related("directorate", "school")
    serializer_class = serializers.HolidaySerializer
    filterset_class = filtersets.HolidayFilterSet
    ordering_fields = ["start_date", "end_date", "name"]


class TagViewSet(InventoryViewSet):
    queryset = Tag.objects.all()
    serializer_class = serializers.TagSerializer
    search_fields = ["name", "slug"]
    ordering_fields = ["name"]
