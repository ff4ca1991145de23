"""The budget table's "spent this year" is summed from the quarters the report has read already (the previous
one, this one) and one query for the quarters before them: the same total as reading the whole year so far,
whichever quarter of the year the report is for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from reports import selectors
from reports.build import build_report
from reports.periods import Quarter


@pytest.mark.django_db
@pytest.mark.parametrize("quarter", [Quarter(2024, 4), Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3),
                                     Quarter(2025, 4)])  # fmt: skip
def test_spent_this_year_is_the_years_parts_so_far(world, quarter):
    with translation.override("en"):
        report = build_report(quarter)
    whole_year = selectors.parts_spent(selectors.Scope(), since=quarter.year_start, until=quarter.as_of())
    assert Decimal(str(report.tables["budget"].by_row_key()["spent_year"])) == whole_year


@pytest.mark.django_db
def test_the_world_spends_in_more_than_one_quarter(world):
    """The test above compares non-zero years across quarters: parts were used in 2024 Q4 and 2025 Q1."""
    scope = selectors.Scope()
    for quarter in (Quarter(2024, 4), Quarter(2025, 1)):
        assert selectors.parts_spent(scope, since=quarter.start, until=quarter.end) > 0
