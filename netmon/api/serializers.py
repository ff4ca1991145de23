"""The monitoring API's serializers. Writes go through netmon.services_config (full_clean, change log).

SNMP secrets are write-only: `community`, `auth_key` and `priv_key` are accepted and never
returned; a response says only whether each is stored (`has_community`, …).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.views import ScopedRelatedFieldsMixin
from netmon import services_config
from netmon.choices import check_label
from netmon.models import MaintenanceWindow, Outage, SnmpCredential, Target, TargetCheck


class ConfigSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    display = serializers.SerializerMethodField()

    def get_display(self, obj) -> str:
        return str(obj)

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def save_instance(self, instance):
        raise NotImplementedError

    def create(self, validated_data):
        return self.save_instance(self.Meta.model(**validated_data))

    def update(self, instance, validated_data):
        for key, value in validated_data.items():
            setattr(instance, key, value)
        return self.save_instance(instance)


class TargetCheckSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = TargetCheck
        fields = ["check_name", "label", "status", "since", "failing_since", "passing_since"]
        read_only_fields = fields

    def get_label(self, obj) -> str:
        return check_label(obj.check_name)


class TargetSerializer(ConfigSerializer):
    address = serializers.IPAddressField(
        required=False, allow_blank=True, help_text="Blank or left out: the asset's management IP."
    )
    interfaces = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, help_text="ifIndex numbers to watch."
    )
    school = serializers.IntegerField(source="asset.school_id", read_only=True)
    checks = TargetCheckSerializer(many=True, read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "display",
            "asset",
            "school",
            "address",
            "role",
            "parent",
            "circuit",
            "enabled",
            "interval_s",
            "timeout_s",
            "retries",
            "fail_threshold",
            "recover_threshold",
            "icmp_enabled",
            "max_rtt_ms",
            "max_loss_pct",
            "snmp_enabled",
            "credential",
            "snmp_port",
            "reboot_enabled",
            "interfaces",
            "max_errors_per_s",
            "max_errors_per_mille",
            "school_hours_only",
            # Runtime, written by the poller: read-only here.
            "status",
            "status_since",
            "last_poll_at",
            "next_poll_at",
            "last_error",
            "discovered_at",
            "sys_name",
            "sys_descr",
            "sys_object_id",
            "snmp_interfaces",
            "checks",
            "created",
            "last_updated",
        ]
        read_only_fields = [
            "status",
            "status_since",
            "last_poll_at",
            "next_poll_at",
            "last_error",
            "discovered_at",
            "sys_name",
            "sys_descr",
            "sys_object_id",
            "snmp_interfaces",
        ]

    def save_instance(self, instance):
        return services_config.target_save(instance, user=self._user())


class SnmpCredentialSerializer(ConfigSerializer):
    community = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=200,
        style={"input_type": "password"},
        help_text="SNMP v2c community. Write-only; blank keeps the stored one.",
    )
    auth_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=200,
        style={"input_type": "password"},
        help_text="SNMP v3 authentication key. Write-only; blank keeps it.",
    )
    priv_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=200,
        style={"input_type": "password"},
        help_text="SNMP v3 privacy key. Write-only; blank keeps it.",
    )
    has_community = serializers.SerializerMethodField()
    has_auth_key = serializers.SerializerMethodField()
    has_priv_key = serializers.SerializerMethodField()
    target_count = serializers.SerializerMethodField()

    SECRETS = ("community", "auth_key", "priv_key")

    class Meta:
        model = SnmpCredential
        fields = [
            "id",
            "display",
            "name",
            "version",
            "user",
            "auth_protocol",
            "priv_protocol",
            "community",
            "auth_key",
            "priv_key",
            "has_community",
            "has_auth_key",
            "has_priv_key",
            "target_count",
            "created",
            "last_updated",
        ]

    def get_has_community(self, obj) -> bool:
        return obj.has_secret("community")

    def get_has_auth_key(self, obj) -> bool:
        return obj.has_secret("auth_key")

    def get_has_priv_key(self, obj) -> bool:
        return obj.has_secret("priv_key")

    def get_target_count(self, obj) -> int:
        count = getattr(obj, "target_count", None)
        return count if count is not None else obj.targets.count()

    def _split(self, validated_data: dict) -> tuple[dict, dict]:
        secrets = {name: validated_data.pop(name) for name in self.SECRETS if name in validated_data}
        return validated_data, secrets

    def create(self, validated_data):
        data, secrets = self._split(validated_data)
        return services_config.credential_save(SnmpCredential(**data), user=self._user(), secrets=secrets)

    def update(self, instance, validated_data):
        data, secrets = self._split(validated_data)
        for key, value in data.items():
            setattr(instance, key, value)
        return services_config.credential_save(instance, user=self._user(), secrets=secrets)


class MaintenanceWindowSerializer(ConfigSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = MaintenanceWindow
        fields = [
            "id",
            "display",
            "name",
            "start",
            "end",
            "school",
            "target",
            "comments",
            "in_force",
            "created",
            "last_updated",
        ]

    def get_in_force(self, obj) -> bool:
        return obj.start <= timezone.now() < obj.end

    def save_instance(self, instance):
        return services_config.window_save(instance, user=self._user())


class OutageSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()
    school = serializers.IntegerField(source="target.asset.school_id", read_only=True)
    asset = serializers.IntegerField(source="target.asset_id", read_only=True)
    check_label = serializers.SerializerMethodField()
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)

    class Meta:
        model = Outage
        fields = [
            "id",
            "display",
            "target",
            "asset",
            "school",
            "check_name",
            "check_label",
            "status",
            "cause",
            "context",
            "start",
            "end",
            "duration_s",
            "ticket",
            "ticket_number",
        ]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return str(obj)

    @extend_schema_field(serializers.CharField())
    def get_check_label(self, obj) -> str:
        return check_label(obj.check_name)
