"""Fixtures of the tablet tests: a technician with tickets assigned, spare parts, uploads in a temporary MEDIA_ROOT."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.roles import Role
from maintenance import services
from maintenance.models import SparePart


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tech(users):
    return users[Role.TECHNICIAN]


@pytest.fixture
def head(users):
    return users[Role.IT_HEAD]


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


@pytest.fixture
def ticket(head, tech, school, lab, asset):
    return open_ticket(head=head, tech=tech, school=school, location=lab, assets=[asset])


@pytest.fixture
def parts(db):
    return {
        "ram": SparePart.objects.create(
            code="RAM-8", name="RAM 8 GB DDR4", quantity_on_hand=5, unit_cost=Decimal("18.5")
        ),
        "psu": SparePart.objects.create(code="PSU-1", name="Power supply 450 W", quantity_on_hand=1, unit_cost=22),
    }


def client_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client
