"""/api/field-visits/: field visits — plan one (POST), change its planning (PATCH), file its report
(QF75-13: POST /report/), record findings (POST /findings/) and open a finding's follow-up ticket
(POST /findings/{id}/ticket/), cancel it (POST /cancel/). Reads are scoped like the pages (school
staff: their school's visits); the services (maintenance.visit_services) decide every write.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assets.models import Asset, Location
from core import roles
from core.api.views import ScopedModelViewSet, ScopedRelatedFieldsMixin
from maintenance import selectors, visit_selectors, visit_services
from maintenance.api.serializers import TicketSerializer
from maintenance.choices import CheckResult, FindingCondition, TicketPriority
from maintenance.filtersets_fieldwork import VisitFilterSet
from maintenance.models import Ticket, Visit, VisitCheck, VisitFinding


class VisitCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitCheck
        fields = ["id", "position", "text", "result", "note"]
        read_only_fields = fields


class VisitFindingSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)

    class Meta:
        model = VisitFinding
        fields = [
            "id",
            "location",
            "asset",
            "condition",
            "finding",
            "action_taken",
            "follow_up",
            "ticket",
            "ticket_number",
            "created",
        ]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    """A visit as read (and as returned after every write)."""

    number = serializers.CharField(read_only=True)
    display = serializers.CharField(source="place", read_only=True)
    technician_name = serializers.SerializerMethodField()
    checks = VisitCheckSerializer(many=True, read_only=True)
    findings = VisitFindingSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "number",
            "display",
            "programme",
            "plan",
            "period",
            "purpose",
            "school",
            "location",
            "fiber_site",
            "planned_date",
            "technician",
            "technician_name",
            "notes",
            "status",
            "cancel_reason",
            "visited_on",
            "visitors",
            "met_with",
            "summary",
            "actions_taken",
            "recommendations",
            "reported_by",
            "reported_at",
            "checks",
            "findings",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_technician_name(self, obj) -> str:
        return (obj.technician.get_full_name() or obj.technician.get_username()) if obj.technician_id else ""


class VisitPlanSerializer(ScopedRelatedFieldsMixin, serializers.ModelSerializer):
    """The planning of a visit (POST, PATCH)."""

    class Meta:
        model = Visit
        fields = ["programme", "purpose", "school", "location", "fiber_site", "planned_date", "technician", "notes"]
        extra_kwargs = {"technician": {"required": False}}


class CheckResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    result = serializers.ChoiceField(choices=CheckResult.choices(), allow_blank=True, help_text="Empty: not checked.")
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class VisitReportSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    summary = serializers.CharField()
    visitors = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    met_with = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    actions_taken = serializers.CharField(allow_blank=True, required=False, default="")
    recommendations = serializers.CharField(allow_blank=True, required=False, default="")
    checks = CheckResultSerializer(many=True, required=False, default=list)


class FindingCreateSerializer(ScopedRelatedFieldsMixin, serializers.Serializer):
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), required=False, allow_null=True)
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False, allow_null=True)
    condition = serializers.ChoiceField(choices=FindingCondition.choices(), default=FindingCondition.ATTENTION)
    finding = serializers.CharField()
    action_taken = serializers.CharField(allow_blank=True, required=False, default="")
    follow_up = serializers.CharField(allow_blank=True, required=False, default="")
    open_ticket = serializers.BooleanField(required=False, default=False)
    priority = serializers.ChoiceField(choices=TicketPriority.choices(), default=TicketPriority.NORMAL)


class FindingTicketSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=TicketPriority.choices(), default=TicketPriority.NORMAL)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


@extend_schema_view(
    create=extend_schema(request=VisitPlanSerializer, responses={201: VisitSerializer}),
    partial_update=extend_schema(request=VisitPlanSerializer, responses={200: VisitSerializer}),
)
class FieldVisitViewSet(ScopedModelViewSet):
    queryset = visit_selectors.visit_detail()
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    ordering_fields = ["planned_date", "visited_on", "status"]
    ordering = ["planned_date", "pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _detail(self, visit: Visit) -> dict:
        fresh = self.get_queryset().get(pk=visit.pk)
        return VisitSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        incoming = VisitPlanSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        visit = visit_services.visit_save(visit=Visit(**incoming.validated_data), by=request.user)
        return Response(self._detail(visit), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        incoming = VisitPlanSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        for name, value in incoming.validated_data.items():
            setattr(visit, name, value)
        visit = visit_services.visit_save(visit=visit, by=request.user)
        return Response(self._detail(visit))

    @extend_schema(request=VisitReportSerializer, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """File (or correct) the visit report, QF75-13, with the checklist's results."""
        visit = self.get_object()
        incoming = VisitReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        checks = {row["id"]: (row["result"], row.get("note", "")) for row in data.pop("checks")}
        visit = visit_services.visit_report_save(visit=visit, by=request.user, checks=checks, **data)
        return Response(self._detail(visit))

    @extend_schema(methods=["GET"], request=None, responses={200: VisitFindingSerializer(many=True)})
    @extend_schema(methods=["POST"], request=FindingCreateSerializer, responses={201: VisitFindingSerializer})
    @action(detail=True, methods=["get", "post"])
    def findings(self, request, pk=None):
        """The visit's findings, or record one (with `open_ticket`, its follow-up opens a ticket at once)."""
        visit = self.get_object()
        if request.method == "GET":
            return Response(VisitFindingSerializer(visit.findings.all(), many=True).data)
        if not roles.can(request.user, roles.ADD, VisitFinding):
            self.permission_denied(request)
        incoming = FindingCreateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if data["open_ticket"] and not roles.can(request.user, roles.ADD, Ticket):
            self.permission_denied(request)
        finding = visit_services.finding_add(visit=visit, by=request.user, **data)
        return Response(VisitFindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FindingTicketSerializer, responses={201: TicketSerializer})
    @action(detail=True, methods=["post"], url_path=r"findings/(?P<finding_id>\d+)/ticket")
    def finding_ticket(self, request, pk=None, finding_id=None):
        """Open the ticket of a finding's follow-up (source: field visit)."""
        visit = self.get_object()
        if not roles.can(request.user, roles.ADD, Ticket) or not roles.can(request.user, roles.CHANGE, VisitFinding):
            self.permission_denied(request)
        finding = get_object_or_404(VisitFinding, pk=finding_id, visit=visit)
        incoming = FindingTicketSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        ticket = visit_services.finding_open_ticket(
            finding=finding, by=request.user, priority=incoming.validated_data["priority"]
        )
        fresh = selectors.with_api_relations([selectors.ticket_api_list().get(pk=ticket.pk)])[0]
        return Response(TicketSerializer(fresh, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=CancelSerializer, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        visit = self.get_object()
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        visit = visit_services.visit_cancel(visit=visit, by=request.user, reason=incoming.validated_data["reason"])
        return Response(self._detail(visit))

    report.required_action = roles.CHANGE
    findings.required_action = roles.VIEW
    finding_ticket.required_action = roles.VIEW
    cancel.required_action = roles.CHANGE
