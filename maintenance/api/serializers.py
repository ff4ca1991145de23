"""The ticket API (read-only for now): a ticket with its timeline."""

from __future__ import annotations

from rest_framework import serializers

from maintenance.models import Ticket, TicketEntry


class TicketEntrySerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()

    class Meta:
        model = TicketEntry
        fields = ["id", "kind", "at", "author", "text", "data"]
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer):
    display = serializers.SerializerMethodField()
    assigned_to = serializers.StringRelatedField()
    entries = TicketEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "display",
            "number",
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
            "requester_name",
            "requester_phone",
            "requester_email",
            "assigned_to",
            "opened_at",
            "resolved_at",
            "closed_at",
            "close_reason",
            "monitor_key",
            "monitor_problem",
            "entries",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return str(obj)
