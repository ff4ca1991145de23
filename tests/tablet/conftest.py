"""Fixtures of the tablet tests: a technician with tickets assigned, spare parts, uploads in a temporary MEDIA_ROOT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.roles import Role
from maintenance.models import SparePart
from tests.tablet.world import open_ticket, seed_sla_policies


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _sla_policies(db):
    seed_sla_policies()


@pytest.fixture
def tech(users):
    return users[Role.TECHNICIAN]


@pytest.fixture
def head(users):
    return users[Role.IT_HEAD]


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
