"""Builders of the tablet tests (the browser tests in tests/ui use them too)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from maintenance import services


def seed_sla_policies() -> None:
    """The default SLA policies of migration 0002 (a transactional test before this one may have flushed them)."""
    from maintenance.models import SlaPolicy

    migration = importlib.import_module("maintenance.migrations.0002_issue4_data_layer")
    for priority, response, resolve in migration.SLA_DEFAULTS:
        SlaPolicy.objects.get_or_create(
            priority=priority,
            category="",
            defaults={"response_hours": Decimal(response), "resolve_hours": Decimal(resolve), "active": True},
        )


def open_ticket(*, head, tech, school, location=None, assets=(), title="PC does not boot", **fields):
    """A ticket opened by the IT head (an hour ago by default) and assigned to `tech`."""
    values = dict(
        opened_at=timezone.now() - timedelta(hours=1),
        title=title,
        description="Lab PC 3 shows a black screen.",
        category="device",
        source="phone",
        school=school,
        location=location,
        requester_name="Huda",
        requester_phone="0790000001",
        author=head,
    )
    values.update(fields)
    ticket = services.ticket_create(assets=list(assets), **values)
    return services.ticket_assign(ticket=ticket, assignee=tech, by=head, expected_version=ticket.version)


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def action_payload(asset, **extra):
    """The form fields of a corrective action from the tablet; `extra` adds or overrides fields."""
    data = {
        "action_type": "part_replacement",
        "outcome": "done",
        "asset": asset.pk,
        "started_at": "2026-03-01T08:00:00.000Z",
        "duration_minutes": "45",
        "notes": "Replaced the RAM",
        "part": [""],
        "quantity": [""],
    }
    data.update(extra)
    return data
