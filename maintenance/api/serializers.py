"""The ticket API's serializers. They validate shapes; the services (maintenance.services) decide.

Writes that change a ticket carry the `version` the client read; a stale one is answered
with HTTP 409 and the current version (see maintenance.api.views).
"""

from __future__ import annotations

import copy
from datetime import datetime
from functools import partial
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from core.api.views import ScopedRelatedFieldsMixin
from core.roles import VIEW, can
from maintenance.choices import HoldReason, Recommendation, ReportResult, TicketSource, TicketStatus
from maintenance.models import (
    CorrectiveAction,
    PartUsage,
    SparePart,
    TechnicalReport,
    Ticket,
    TicketAttachment,
    TicketEntry,
)
from maintenance.services import EDITABLE_FIELDS
from maintenance.sla_services import SlaReader, SlaState

#: Serializer fields whose value is a model column read as is: `_FastRepresentation` reads the column itself.
_COLUMN_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateTimeField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.JSONField,
)


class _FastRepresentation:
    """DRF's `Serializer.to_representation`, the same output, with the per-field lookups planned once per serializer.

    A list (the API's page of 50 tickets with their timelines) serializes thousands of fields; DRF resolves every
    one through `Field.get_attribute` (callable checks, exception guards) and, for a date-time, looks the current
    time zone up again (bench/web.py: about half of the ticket list's CPU). Here a plain column, a forward key's id
    (`PrimaryKeyRelatedField`) and a forward relation's `str()` (`StringRelatedField`) are read straight from the
    instance, and the date-time fields get the request's time zone once; every other field goes DRF's own way.
    """

    def get_fields(self):
        # The fields depend on the class alone (read-only, from the model and the declarations): built once, and
        # deep-copied for each serializer the way DRF copies declared fields (building them was 2 ms a response).
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)

    def to_representation(self, instance):
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self._fast_plan = [(field.field_name, *self._fast_step(field)) for field in self._readable_fields]
        ret = {}
        for name, get, native, represent in plan:
            value = get(instance)
            if value is None or native is _ANY or type(value) in native:
                if value is not _SKIP:
                    ret[name] = value
            else:
                ret[name] = represent(value)
        return ret

    def _fast_step(self, field) -> tuple:
        """(read the value, the types it is shown as it is, how it is shown otherwise) for one field."""
        drf = (partial(_drf_value, field), _ANY, None)
        if len(field.source_attrs) != 1:
            return drf
        if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
            field.timezone = field.default_timezone()  # what DRF looks up for every value
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is None:  # a serializer of dicts (the SLA clocks)
            return (_key_getter(field), _ANY, None) if isinstance(field, _COLUMN_FIELDS) else drf
        try:
            model_field = model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None and model_field.concrete:
            if not model_field.is_relation and isinstance(field, _COLUMN_FIELDS):
                return (attrgetter(model_field.attname), *_representer(field))
            if model_field.many_to_one and type(field) is serializers.PrimaryKeyRelatedField and field.pk_field is None:
                return attrgetter(model_field.attname), _ANY, None
            if model_field.many_to_one and type(field) is serializers.StringRelatedField:
                return attrgetter(model_field.name), (str,), str
        return drf


_SKIP = object()  # a field DRF would leave out (SkipField)
_ANY = object()  # every value is shown as it was read


#: The values each column field gives back as they are (DRF's `to_representation` of a value of that exact type is
#: the value itself): a str for a char or choice field, an int, a bool, a float, JSON as loaded.
_AS_IS = (
    (serializers.BooleanField, (bool,)),
    (serializers.ChoiceField, (str, int)),
    (serializers.CharField, (str,)),
    (serializers.IntegerField, (int,)),
    (serializers.FloatField, (float,)),
)


def _representer(field) -> tuple:
    """(the types `field.to_representation` returns unchanged, the representation of any other value): an aware
    date-time goes to ISO 8601 straight from the field's time zone."""
    represent = field.to_representation
    if isinstance(field, serializers.JSONField) and not field.binary:
        return _ANY, None
    if isinstance(field, serializers.DateTimeField):
        if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or field.timezone is None:
            return (), represent
        tz = field.timezone

        def iso(value):
            if not isinstance(value, datetime) or value.tzinfo is None:
                return represent(value)
            text = value.astimezone(tz).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return (), iso
    for kind, native in _AS_IS:
        if isinstance(field, kind):
            return native, represent
    return (), represent


def _key_getter(field):
    key = field.source_attrs[0]
    native, represent = _representer(field)

    def get(instance):
        value = instance.get(key, _SKIP) if isinstance(instance, dict) else _SKIP
        if value is _SKIP or callable(value):  # not a plain value of a dict: DRF's own way
            return _drf_value(field, instance)
        return value if value is None or native is _ANY or type(value) in native else represent(value)

    return get


def _drf_value(field, instance):
    """One field the way `Serializer.to_representation` does it."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return _SKIP
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)


class TicketEntrySerializer(_FastRepresentation, serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = TicketEntry
        fields = ["id", "kind", "at", "author", "text", "data", "public"]
        read_only_fields = fields


class TicketAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = ["id", "name", "kind", "content_type", "size", "at", "public", "url"]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request else url


class SlaClockSerializer(_FastRepresentation, serializers.Serializer):
    """One SLA clock read now (maintenance.sla_services): working time, the ticket's calendar."""

    state = serializers.ChoiceField(choices=SlaState.choices(), help_text="ok, at_risk, breached, paused, met, none")
    running = serializers.BooleanField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="When it is (or was) due; on hold: if resumed now.")
    breached = serializers.BooleanField()
    target_seconds = serializers.IntegerField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True, help_text="Working seconds left; negative: late.")
    percent_used = serializers.FloatField(allow_null=True)


class SlaSerializer(serializers.Serializer):
    """The shape of a ticket's `sla` (TicketSerializer.get_sla writes it clock by clock)."""

    response = SlaClockSerializer()
    resolution = SlaClockSerializer()


class TicketSerializer(_FastRepresentation, serializers.ModelSerializer):
    """A ticket as read (and as returned after every write)."""

    display = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    assigned_to = serializers.StringRelatedField()
    # Both read what maintenance.selectors.with_api_relations put on the ticket.
    assets = serializers.ListField(child=serializers.IntegerField(), source="api_asset_ids", read_only=True)
    entries = TicketEntrySerializer(many=True, read_only=True, source="api_entries")

    class Meta:
        model = Ticket
        fields = [
            "id",
            "display",
            "number",
            "version",
            "title",
            "description",
            "school",
            "location",
            "assets",
            "category",
            "type",
            "source",
            "priority",
            "status",
            "hold_reason",
            "on_hold_since",
            "requester_name",
            "requester_phone",
            "requester_email",
            "assigned_to",
            "opened_at",
            "first_response_at",
            "response_due_at",
            "resolve_due_at",
            "escalation_level",
            "escalated_at",
            "sla_policy",
            "sla",
            "resolved_at",
            "closed_at",
            "close_reason",
            "merged_into",
            "duplicate_of_suspect",
            "monitor_key",
            "monitor_problem",
            "entries",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return str(obj)

    @extend_schema_field(SlaSerializer)
    def get_sla(self, obj) -> dict:
        # One reader and one clock serializer per response: a page of tickets loads the policies and holidays
        # once, and DRF builds the clocks' fields once (a serializer per ticket copied them for every row:
        # a quarter of the list's CPU, bench/web.py).
        if "sla_reader" not in self.context:
            self.context["sla_reader"] = SlaReader()
            self.context["sla_clock"] = SlaClockSerializer()
        reading, clock = self.context["sla_reader"].read(obj), self.context["sla_clock"]
        return {  # SlaSerializer's two clocks
            "response": clock.to_representation(reading.response.as_dict()),
            "resolution": clock.to_representation(reading.resolution.as_dict()),
        }


class TicketCreateSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """What a client sends to open a ticket (the number, status and timeline are the service's)."""

    # "monitoring" is the poller's: its tickets name the target they watch (found by the API fuzz test,
    # where it was a 500 from the database's check constraint).
    source = serializers.ChoiceField(
        choices=[(value, label) for value, label in TicketSource.choices() if value != TicketSource.MONITORING]
    )

    class Meta:
        model = Ticket
        fields = [*EDITABLE_FIELDS, "source", "assets"]
        extra_kwargs = {"assets": {"required": False}}


class TicketUpdateSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """A partial change of the request's details, with the version it is based on."""

    version = serializers.IntegerField(min_value=1, help_text="The version you read; a stale one answers 409.")

    class Meta:
        model = Ticket
        fields = ["version", *EDITABLE_FIELDS, "assets"]
        extra_kwargs = {name: {"required": False} for name in [*EDITABLE_FIELDS, "assets"]}


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=TicketStatus.choices())
    version = serializers.IntegerField(min_value=1, help_text="The version you read; a stale one answers 409.")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    hold_reason = serializers.ChoiceField(choices=HoldReason.choices(), required=False, allow_null=True, default=None)


@extend_schema_field(serializers.IntegerField())
class TechnicianField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        from maintenance.forms import technicians

        return technicians()


class AssignSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    assigned_to = TechnicianField(help_text="A technician's (or the IT head's) user id.")


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.IntegerField()


class PartUsageSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="part.code", read_only=True)

    class Meta:
        model = PartUsage
        fields = ["part", "code", "quantity", "unit_cost"]
        read_only_fields = ["code", "unit_cost"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can(request.user, VIEW, SparePart):
            # Part costs are the directorate's (school staff), as on the printed QF75-11.
            data.pop("unit_cost", None)
        return data


class PartRequestSerializer(serializers.Serializer):
    part = serializers.PrimaryKeyRelatedField(queryset=SparePart.objects.all())
    quantity = serializers.IntegerField(min_value=1)


class CorrectiveActionSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """A corrective action. Send an `idempotency_key` from an offline queue: a replay answers 200
    with the recorded action instead of a second one; another action under the same key is 409."""

    parts = PartUsageSerializer(many=True, read_only=True)
    parts_used = PartRequestSerializer(many=True, write_only=True, required=False, help_text="[{part, quantity}]")
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "ticket",
            "asset",
            "technician",
            "started_at",
            "ended_at",
            "action_type",
            "outcome",
            "notes",
            "parts",
            "parts_used",
            "corrects",
            "correction_reason",
            "idempotency_key",
            "is_current",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["id", "ticket", "corrects", "correction_reason", "created_at", "created_by", "parts"]
        extra_kwargs = {
            "technician": {"required": False},
            "idempotency_key": {"validators": []},  # a used key is a replay, decided by the service
        }

    def get_is_current(self, obj) -> bool:
        corrected = getattr(obj, "is_corrected", None)
        if corrected is None:
            corrected = obj.corrections.exists()
        return not corrected


class TechnicalReportSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(min_value=1, write_only=True, help_text="The ticket's version you read.")
    result = serializers.ChoiceField(choices=ReportResult.choices())
    recommendation = serializers.ChoiceField(choices=Recommendation.choices(), default=Recommendation.NONE)

    class Meta:
        model = TechnicalReport
        fields = [
            "version",
            "diagnosis",
            "actions_taken",
            "result",
            "recommendation",
            "recommendation_notes",
            "technician",
            "reported_at",
        ]
        read_only_fields = ["reported_at"]
        extra_kwargs = {"technician": {"required": False}}


class SparePartSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()

    class Meta:
        model = SparePart
        fields = ["id", "display", "code", "name", "unit", "quantity_on_hand", "unit_cost", "active", "last_updated"]
        read_only_fields = ["id", "display", "last_updated"]

    def get_display(self, obj) -> str:
        return str(obj)
