"""The ticket API: read-only for now (writes come with the full QF75-11 work)."""

from __future__ import annotations

from core.api.views import ScopedReadOnlyViewSet
from maintenance import filtersets, selectors
from maintenance.api import serializers


class TicketViewSet(ScopedReadOnlyViewSet):
    queryset = selectors.ticket_api_list()
    serializer_class = serializers.TicketSerializer
    filterset_class = filtersets.TicketApiFilterSet
    ordering_fields = ["opened_at", "number", "priority", "status"]
