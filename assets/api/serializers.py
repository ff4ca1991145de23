from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from assets import services
from assets.choices import AssetCategory
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
from core.api.views import ScopedRelatedFieldsMixin
from core.models import Tag


class InventorySerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """Writes go through assets.services (full_clean, lifecycle, change log), never Model.objects.create."""

    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def _split_m2m(self, validated_data: dict) -> tuple[dict, dict]:
        m2m = {}
        for name, field in self.fields.items():
            if name in validated_data and isinstance(field, serializers.ManyRelatedField):
                m2m[name] = validated_data.pop(name)
        return validated_data, m2m

    def save_instance(self, instance, m2m: dict):
        return services.inventory_save(instance, m2m=m2m)

    def create(self, validated_data):
        data, m2m = self._split_m2m(validated_data)
        return self.save_instance(self.Meta.model(**data), m2m)

    def update(self, instance, validated_data):
        data, m2m = self._split_m2m(validated_data)
        for key, value in data.items():
            setattr(instance, key, value)
        return self.save_instance(instance, m2m)


class DirectorateSerializer(InventorySerializer):
    class Meta:
        model = Directorate
        fields = ["id", "display", "code", "name_ar", "name_en", "address", "phone", "email", "created", "last_updated"]


class SchoolSerializer(InventorySerializer):
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        help_text="Weekdays the school is open, Monday = 0 … Sunday = 6.",
    )

    class Meta:
        model = School
        fields = [
            "id",
            "display",
            "directorate",
            "code",
            "name_ar",
            "name_en",
            "address",
            "phone",
            "email",
            "latitude",
            "longitude",
            "working_days",
            "day_start",
            "day_end",
            "comments",
            "created",
            "last_updated",
        ]


class LocationSerializer(InventorySerializer):
    class Meta:
        model = Location
        fields = [
            "id",
            "display",
            "school",
            "name_ar",
            "name_en",
            "kind",
            "room",
            "comments",
            "created",
            "last_updated",
        ]


class ManufacturerSerializer(InventorySerializer):
    class Meta:
        model = Manufacturer
        fields = ["id", "display", "name", "website", "support_phone", "support_email", "created", "last_updated"]


class AssetModelSerializer(InventorySerializer):
    class Meta:
        model = AssetModel
        fields = ["id", "display", "manufacturer", "name", "category", "part_number", "created", "last_updated"]


class AssetSerializer(InventorySerializer):
    tags = serializers.SlugRelatedField(many=True, slug_field="slug", queryset=Tag.objects.all(), required=False)
    category = serializers.ChoiceField(source="asset_model.category", choices=AssetCategory.choices(), read_only=True)
    status_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why the status changes; kept in the asset's journal.",
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "display",
            "asset_tag",
            "name",
            "asset_model",
            "manufacturer",
            "category",
            "serial",
            "school",
            "location",
            "status",
            "status_reason",
            "custodian",
            "purchase_date",
            "purchase_cost",
            "supplier",
            "funding",
            "warranty_end",
            "management_ip",
            "disposed_on",
            "tags",
            "comments",
            "created",
            "last_updated",
        ]
        read_only_fields = ["manufacturer", "disposed_on"]

    def save_instance(self, instance, m2m: dict):
        request = self.context.get("request")
        return services.asset_save(
            instance, user=getattr(request, "user", None), tags=m2m.get("tags"), reason=self._reason
        )

    def create(self, validated_data):
        self._reason = validated_data.pop("status_reason", "")
        return super().create(validated_data)

    def update(self, instance, validated_data):
        self._reason = validated_data.pop("status_reason", "")
        return super().update(instance, validated_data)


class ProviderSerializer(InventorySerializer):
    class Meta:
        model = Provider
        fields = [
            "id",
            "display",
            "name",
            "account",
            "contact_name",
            "contact_phone",
            "contact_email",
            "comments",
            "created",
            "last_updated",
        ]


class FiberSiteSerializer(InventorySerializer):
    class Meta:
        model = FiberSite
        fields = [
            "id",
            "display",
            "code",
            "name_ar",
            "name_en",
            "kind",
            "directorate",
            "school",
            "status",
            "commissioned_on",
            "address",
            "comments",
            "created",
            "last_updated",
        ]


class CircuitSerializer(InventorySerializer):
    tags = serializers.SlugRelatedField(many=True, slug_field="slug", queryset=Tag.objects.all(), required=False)

    class Meta:
        model = Circuit
        fields = [
            "id",
            "display",
            "cid",
            "provider",
            "type",
            "status",
            "bandwidth_mbps",
            "install_date",
            "termination_a",
            "port_a",
            "termination_z",
            "port_z",
            "provider_contact",
            "description",
            "tags",
            "comments",
            "created",
            "last_updated",
        ]


class HolidaySerializer(InventorySerializer):
    class Meta:
        model = Holiday
        fields = ["id", "display", "name", "start_date", "end_date", "directorate", "school", "created", "last_updated"]

    def validate(self, attrs):
        # The database constraint says this for the whole row; a client wants the field.
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"end_date": [_("A holiday cannot end before it starts.")]})
        return attrs


class TagSerializer(InventorySerializer):
    class Meta:
        model = Tag
        fields = ["id", "display", "name", "slug", "color", "description"]
