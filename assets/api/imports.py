"""POST /api/import/: a CSV or XLSX file into the inventory, all rows or none (IT head only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.imports import ORDER, import_file
from assets.models import Asset
from core import roles


class CanImport(BasePermission):
    """Signed-in users whose role may import (core.roles: the IT head)."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and roles.can(request.user, roles.IMPORT, Asset))


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A .csv file (one kind) or an .xlsx workbook (one sheet per kind)."))
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text=_("Check the file and count what would change; write nothing.")
    )
    kind = serializers.ChoiceField(
        choices=ORDER, required=False, allow_blank=True,
        help_text=_("What the file holds; by default the sheet names or the CSV header tell."),
    )  # fmt: skip


class RowErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField(help_text=_("As in the file: the header is row 1; 0 for the whole file."))
    column = serializers.CharField()
    message = serializers.CharField()


_COUNTS = serializers.DictField(child=serializers.IntegerField())

ImportResultSerializer = inline_serializer(
    "ImportResult",
    {"dry_run": serializers.BooleanField(), "created": _COUNTS, "updated": _COUNTS, "unchanged": _COUNTS},
)
ImportErrorsSerializer = inline_serializer(
    "ImportErrors",
    {"errors": RowErrorSerializer(many=True, required=False), "file": serializers.ListField(required=False)},
)


class ImportView(APIView):
    """Import schools, locations, fiber sites, assets and circuits from a file, all or nothing."""

    permission_classes = [CanImport]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="inventory_import",
        summary="Import the inventory from CSV or XLSX",
        description=(
            "All rows are written, or none: with any error (or `dry_run`) nothing changes and every "
            "error is listed with its sheet, row, column and reason. Columns are those of the exports."
        ),
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportResultSerializer, 400: ImportErrorsSerializer},
        examples=[
            OpenApiExample(
                "A bad row",
                response_only=True,
                status_codes=["400"],
                value={
                    "errors": [
                        {
                            "sheet": "assets",
                            "row": 637,
                            "column": "school_code",
                            "message": "Unknown school code “999999”.",
                        }
                    ]
                },  # fmt: skip
            )
        ],
        tags=["import"],
    )
    def post(self, request):
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        result = import_file(
            upload,
            upload.name,
            user=request.user,
            dry_run=form.validated_data["dry_run"],
            kind=form.validated_data.get("kind") or None,
        )
        if not result.ok:
            errors = [{"sheet": e.sheet, "row": e.row, "column": e.column, "message": e.message} for e in result.errors]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "dry_run": result.dry_run,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }  # fmt: skip
        )
