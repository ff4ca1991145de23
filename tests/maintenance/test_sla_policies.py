"""The SLA policy pages: the IT head edits the targets and the open tickets follow at once;
everyone else reads them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import Role
from maintenance.models import SlaPolicy, Ticket
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english
from tests.maintenance.test_sla_services import at, dues, open_ticket, policies  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_list_shows_every_policy_in_arabic(users, policies):  # noqa: F811
    response = client_for(users[Role.TECHNICIAN]).get(reverse("maintenance:slapolicy_list"))
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()
    page = text(response)
    assert "عاجلة" in page and "أي فئة" not in page  # urgent; blank category shows as a dash
    assert reverse("maintenance:slapolicy_edit", args=[policies["urgent"].pk]) not in page  # read-only for them
    head = client_for(users[Role.IT_HEAD]).get(reverse("maintenance:slapolicy_list"))
    assert reverse("maintenance:slapolicy_edit", args=[policies["urgent"].pk]) in head.content.decode()


def test_editing_a_policy_moves_the_due_times_of_open_tickets_of_that_priority(users, policies, open_ticket):  # noqa: F811
    normal = open_ticket(opened_at=at(1, 9), priority="normal")
    urgent = open_ticket(opened_at=at(1, 9), priority="urgent")
    assert dues(normal) == (at(2, 10), at(8, 14))
    urgent_before = dues(urgent)

    client = client_for(users[Role.IT_HEAD])
    english(client)
    response = client.post(
        reverse("maintenance:slapolicy_edit", args=[policies["normal"].pk]),
        {"priority": "normal", "category": "", "response_hours": "2", "resolve_hours": "12", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Due times of 1 open ticket(s) were recomputed." in text(response)
    # Sunday 09:00 + 2 h → Sun 11:00; + 12 h = 5.5 + Mon 6.5 → Mon 14:00
    assert dues(normal) == (at(1, 11), at(2, 14))
    assert dues(urgent) == urgent_before
    assert Ticket.objects.get(pk=normal.pk).version == normal.version  # nobody's open form goes stale


def test_a_resolution_target_below_the_response_target_is_refused(users, policies):  # noqa: F811
    client = client_for(users[Role.IT_HEAD])
    english(client)
    response = client.post(
        reverse("maintenance:slapolicy_edit", args=[policies["high"].pk]),
        {"priority": "high", "category": "", "response_hours": "10", "resolve_hours": "4", "active": "on"},
    )
    assert response.status_code == 400
    assert "The resolution time must be at least the response time." in text(response)
    assert SlaPolicy.objects.get(pk=policies["high"].pk).resolve_hours == Decimal("16")


def test_a_category_policy_can_be_added(users, policies, open_ticket):  # noqa: F811
    fiber = open_ticket(opened_at=at(1, 9), priority="high", category="fiber")
    client = client_for(users[Role.IT_HEAD])
    response = client.post(
        reverse("maintenance:slapolicy_add"),
        {"priority": "high", "category": "fiber", "response_hours": "1", "resolve_hours": "3", "active": "on"},
    )
    assert response.status_code == 302
    assert dues(fiber) == (at(1, 10), at(1, 12))


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER])
def test_only_the_it_head_changes_targets(users, policies, role):  # noqa: F811
    client = client_for(users[role])
    url = reverse("maintenance:slapolicy_edit", args=[policies["low"].pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"priority": "low", "category": "", "response_hours": "1", "resolve_hours": "1"})
    assert response.status_code == 403
    assert SlaPolicy.objects.get(pk=policies["low"].pk).resolve_hours == Decimal("80")
