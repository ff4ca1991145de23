"""What every API endpoint shares: scoped querysets, scoped foreign keys, history and journal."""

from __future__ import annotations

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import roles
from core.models import JournalEntry, JournalKind, ObjectChange
from core.selectors import changes_for, journal_for
from core.services import journal_entry_create


class ScopedRelatedFieldsMixin:
    """Foreign keys in a payload may only point at objects the requesting user can see."""

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for field in fields.values():
            target = getattr(field, "child_relation", field)
            if isinstance(target, serializers.RelatedField) and getattr(target, "queryset", None) is not None:
                target.queryset = roles.scope_queryset(target.queryset, user)
        return fields


class ObjectChangeSerializer(serializers.ModelSerializer):
    diff = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user_name",
            "request_id",
            "action",
            "object_repr",
            "prechange_data",
            "postchange_data",
            "diff",
        ]

    def get_diff(self, obj) -> dict:
        return {k: {"before": b, "after": a} for k, (b, a) in obj.diff.items()}


class JournalEntrySerializer(serializers.ModelSerializer):
    created_by = serializers.StringRelatedField()
    kind = serializers.ChoiceField(choices=JournalKind.choices(), default=JournalKind.INFO)

    class Meta:
        model = JournalEntry
        fields = ["id", "created", "created_by", "kind", "comments"]
        read_only_fields = ["id", "created", "created_by"]


class HistoryJournalMixin:
    """/history/ (the change log) and /journal/ (notes) on every object endpoint."""

    @action(detail=True, methods=["get"], serializer_class=ObjectChangeSerializer)
    def history(self, request, pk=None):
        obj = self.get_object()
        page = self.paginate_queryset(changes_for(obj))
        return self.get_paginated_response(ObjectChangeSerializer(page, many=True).data)

    @action(detail=True, methods=["get", "post"], serializer_class=JournalEntrySerializer)
    def journal(self, request, pk=None):
        obj = self.get_object()
        if request.method == "POST":
            if not roles.can(request.user, roles.ADD, JournalEntry):
                self.permission_denied(request)
            serializer = JournalEntrySerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            entry = journal_entry_create(obj=obj, user=request.user, **serializer.validated_data)
            return Response(JournalEntrySerializer(entry).data, status=201)
        page = self.paginate_queryset(journal_for(obj))
        return self.get_paginated_response(JournalEntrySerializer(page, many=True).data)

    # Reading history or the journal needs only "view" on the object; adding a note is
    # checked against the journal's own permission above.
    history.required_action = roles.VIEW
    journal.required_action = roles.VIEW


class ScopedModelViewSet(HistoryJournalMixin, viewsets.ModelViewSet):
    """A model endpoint whose rows are what the user's role and scope allow.

    Subclasses implement `perform_create`/`perform_update` through their app's services.
    """

    def get_queryset(self):
        return roles.scope_queryset(super().get_queryset(), self.request.user)


class ScopedReadOnlyViewSet(
    HistoryJournalMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    def get_queryset(self):
        return roles.scope_queryset(super().get_queryset(), self.request.user)
