"""GET /api/reports/quarterly/?year=&quarter=[&directorate=] — the quarterly report as JSON.

The same `Report` the dashboard and the exports render: `tables` maps each table's key to its
title, columns (key, label, kind) and rows (objects keyed by column). Labels follow the
request's language (Accept-Language). Readers and scope as on the dashboard (core.roles).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import can_read_reports
from reports.build import report_for
from reports.forms import QuarterForm


class CanReadReports(BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_read_reports(request.user)


class QuarterlyReportView(APIView):
    permission_classes = [CanReadReports]

    @extend_schema(
        operation_id="reports_quarterly",
        summary="The quarterly help-desk, fault and corrective-action report",
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("quarter", int, required=True, enum=[1, 2, 3, 4]),
            OpenApiParameter("directorate", int, required=False, description="a directorate id (optional)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        if "year" not in request.query_params or "quarter" not in request.query_params:
            raise serializers.ValidationError({"year": ["Give year and quarter."]})
        form = QuarterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        report = report_for(request.user, form.report_quarter(), directorate_id=form.directorate_id())
        return Response(report.as_json())
