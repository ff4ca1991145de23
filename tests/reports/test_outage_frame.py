"""`reports.selectors.outage_frame` reads the ticket numbers apart, by primary key: each outage still
carries its own ticket's number (and None without a ticket), as the ORM's join says."""

from __future__ import annotations

import pytest
from django.db.models import Q

from netmon.choices import OutageCause
from netmon.models import Outage
from reports import selectors
from tests.reports.conftest import at


@pytest.mark.django_db
def test_each_outage_carries_its_own_tickets_number(world, django_assert_num_queries):
    since, until = at(2024, 10, 1), at(2025, 4, 1)
    with django_assert_num_queries(2):  # the outages, then their tickets' numbers
        frame = selectors.outage_frame(selectors.Scope(), since=since, until=until)
    expected = dict(
        Outage.objects.filter(
            Q(end__isnull=True) | Q(end__gt=since), cause=OutageCause.OWN, start__lt=until
        ).values_list("id", "ticket__number")
    )
    assert len(frame) == len(expected) > 0
    assert dict(zip(frame["id"], frame["ticket_number"], strict=True)) == expected
    assert any(n is not None for n in expected.values()) and any(n is None for n in expected.values())


@pytest.mark.django_db
def test_no_outage_no_ticket_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        frame = selectors.outage_frame(selectors.Scope(), since=at(2020, 1, 1), until=at(2020, 4, 1))
    assert frame.empty and "ticket_number" in frame.columns


def test_ticket_numbers_skip_missing_ids(db):
    assert selectors.ticket_numbers([None, float("nan")]) == {}
