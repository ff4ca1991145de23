"""The ticket API: tickets (read-write, optimistic versions), their status moves, assignment,
technical report and corrective actions, and spare parts.

A stale `version` answers HTTP 409 with {"detail": …, "version": <current>}; a refused
write answers 400 naming the field and the reason. Corrective actions are appended
without the ticket's version; with an `idempotency_key` a replayed POST answers 200 with
the action already recorded.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.fields import Field
from rest_framework.response import Response

from core import roles
from core.api.views import ScopedModelViewSet
from maintenance import filtersets, selectors, services
from maintenance.api import serializers
from maintenance.models import CorrectiveAction, SparePart, TechnicalReport, Ticket

CONFLICT = OpenApiResponse(serializers.ConflictSerializer, description="The ticket changed since you read it.")


class ConflictAwareMixin:
    """TicketConflict → 409 with the current version; IdempotencyConflict → 409 with the recorded action."""

    def handle_exception(self, exc):
        if isinstance(exc, services.TicketConflict):
            return Response({"detail": exc.message, "version": exc.current_version}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, services.IdempotencyConflict):
            return Response({"detail": exc.message, "action": exc.action.pk}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


@extend_schema_view(
    create=extend_schema(request=serializers.TicketCreateSerializer, responses={201: serializers.TicketSerializer}),
    update=extend_schema(exclude=True),
    partial_update=extend_schema(
        request=serializers.TicketUpdateSerializer, responses={200: serializers.TicketSerializer, 409: CONFLICT}
    ),
)
class TicketViewSet(ConflictAwareMixin, ScopedModelViewSet):
    queryset = selectors.ticket_api_list()
    serializer_class = serializers.TicketSerializer
    filterset_class = filtersets.TicketApiFilterSet
    ordering_fields = ["opened_at", "number", "priority", "status", "resolve_due_at"]
    # Tickets are records: no DELETE; a change is a PATCH with the version it is based on
    # (PUT is open only for the technical report, /report/).
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def update(self, request, *args, **kwargs):
        raise MethodNotAllowed(request.method)

    def _with_relations(self, tickets):
        # The timeline as the ticket page shows school staff: internal notes are the department's.
        public_only = roles.user_role(self.request.user) == roles.Role.SCHOOL_STAFF
        return selectors.with_api_relations(tickets, public_only=public_only)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        # Only a page of tickets takes their relations (the `actions` page is of corrective actions).
        return self._with_relations(page) if page is not None and self.action == "list" else page

    def get_object(self):
        ticket = super().get_object()
        if self.action == "retrieve":
            self._with_relations([ticket])
        return ticket

    def _detail(self, ticket: Ticket) -> dict:
        fresh = self.get_queryset().filter(pk=ticket.pk).first()
        if fresh is None:
            # Just created outside the creator's own scope (e.g. no school): answer with what was stored,
            # not a 500 after the ticket was saved.
            fresh = self.queryset.get(pk=ticket.pk)
        self._with_relations([fresh])
        return serializers.TicketSerializer(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        incoming = serializers.TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        assets = data.pop("assets", [])
        if roles.user_role(request.user) == roles.Role.SCHOOL_STAFF:
            ticket = services.ticket_request_create(
                by=request.user,
                title=data["title"],
                description=data.get("description", ""),
                category=data["category"],
                type=data.get("type") or "fault",
                location=data.get("location"),
                assets=assets,
                requester_name=data.get("requester_name", ""),
                requester_phone=data.get("requester_phone", ""),
                requester_email=data.get("requester_email", ""),
            )
        else:
            ticket = services.ticket_create(opened_at=timezone.now(), assets=assets, author=request.user, **data)
        return Response(self._detail(ticket), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        ticket = self.get_object()
        incoming = serializers.TicketUpdateSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if "version" not in data:
            return Response({"version": [Field.default_error_messages["required"]]}, status=status.HTTP_400_BAD_REQUEST)
        version = data.pop("version")
        assets = data.pop("assets", None)
        updated = services.ticket_update(
            ticket=ticket, by=request.user, expected_version=version, assets=assets, **data
        )
        return Response(self._detail(updated))

    @extend_schema(
        request=serializers.TransitionSerializer, responses={200: serializers.TicketSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the ticket to another status (the allowed moves are the service's status machine)."""
        ticket = self.get_object()
        incoming = serializers.TransitionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        moved = services.ticket_transition(
            ticket=ticket,
            to=data["to"],
            by=request.user,
            expected_version=data["version"],
            reason=data["reason"],
            hold_reason=data["hold_reason"],
        )
        return Response(self._detail(moved))

    @extend_schema(request=serializers.AssignSerializer, responses={200: serializers.TicketSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        incoming = serializers.AssignSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        assigned = services.ticket_assign(
            ticket=ticket, assignee=data["assigned_to"], by=request.user, expected_version=data["version"]
        )
        return Response(self._detail(assigned))

    @extend_schema(methods=["GET"], request=None, responses={200: serializers.TechnicalReportSerializer, 404: None})
    @extend_schema(
        methods=["PUT"],
        request=serializers.TechnicalReportSerializer,
        responses={200: serializers.TechnicalReportSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "put"], serializer_class=serializers.TechnicalReportSerializer)
    def report(self, request, pk=None):
        """The technical report (QF75-11, second half): read, or write with the ticket's version."""
        ticket = self.get_object()
        if request.method == "GET":
            report = TechnicalReport.objects.filter(ticket=ticket).first()
            if report is None:
                return Response({"detail": _("No technical report yet.")}, status=status.HTTP_404_NOT_FOUND)
            return Response(serializers.TechnicalReportSerializer(report).data)
        if not roles.can(request.user, roles.CHANGE, TechnicalReport):
            self.permission_denied(request)
        incoming = serializers.TechnicalReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        report = services.report_save(
            ticket=ticket,
            by=request.user,
            expected_version=data.pop("version"),
            technician=data.pop("technician", None),
            **data,
        )
        return Response(serializers.TechnicalReportSerializer(report).data)

    @extend_schema(methods=["GET"], request=None, responses={200: serializers.CorrectiveActionSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request=serializers.CorrectiveActionSerializer,
        responses={
            201: serializers.CorrectiveActionSerializer,
            200: OpenApiResponse(serializers.CorrectiveActionSerializer, description="A replay of a recorded key."),
            409: OpenApiResponse(description="The idempotency key was used for a different action."),
        },
    )
    @action(detail=True, methods=["get", "post"], serializer_class=serializers.CorrectiveActionSerializer)
    def actions(self, request, pk=None):
        """The ticket's corrective actions (all versions; `is_current` marks the latest), or record one."""
        ticket = self.get_object()
        if request.method == "GET":
            queryset = selectors.action_register().filter(ticket=ticket).order_by("started_at", "pk")
            page = self.paginate_queryset(queryset)
            data = serializers.CorrectiveActionSerializer(page, many=True, context=self.get_serializer_context()).data
            return self.get_paginated_response(data)
        if not roles.can(request.user, roles.ADD, CorrectiveAction):
            self.permission_denied(request)
        incoming = serializers.CorrectiveActionSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        parts = [(p["part"], p["quantity"]) for p in data.pop("parts_used", [])]
        recorded, created = services.action_log(
            ticket=ticket,
            by=request.user,
            technician=data.pop("technician", None),
            parts=parts,
            **data,
        )
        fresh = selectors.action_register().get(pk=recorded.pk)
        body = serializers.CorrectiveActionSerializer(fresh, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    actions.required_action = roles.VIEW
    report.required_action = roles.VIEW
    transition.required_action = roles.CHANGE
    assign.required_action = roles.CHANGE


class SparePartViewSet(ScopedModelViewSet):
    """Spare parts: the IT head adds and edits them; the stock moves only by receipts and corrective actions."""

    queryset = SparePart.objects.all()
    serializer_class = serializers.SparePartSerializer
    filterset_class = filtersets.SparePartFilterSet
    ordering_fields = ["code", "name", "quantity_on_hand"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        part = SparePart(**serializer.validated_data)
        serializer.instance = services.spare_part_save(part=part, by=self.request.user)

    def perform_update(self, serializer):
        part = serializer.instance
        for key, value in serializer.validated_data.items():
            if key != "quantity_on_hand":  # the stock moves by receipts and actions only
                setattr(part, key, value)
        serializer.instance = services.spare_part_save(part=part, by=self.request.user)
