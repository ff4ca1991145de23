"""`netmon.services.rollup_samples` works from the roll-up table's own high-water mark: each run redoes
the last bucket it rolled and adds the ones completed since; a run after a gap catches up, a repeated run
changes nothing, a sample written late into the last rolled bucket is taken in. The expected roll-ups are
computed here from the raw samples, bucket by bucket, independently of the SQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from netmon import services
from netmon.choices import TargetRole
from netmon.models import Sample, SampleRollup
from tests.netmon.netfixtures import make_target

BASE = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
METRICS = ("rtt_ms", "loss_pct")


@pytest.fixture
def targets(school, lab):
    return [make_target(school, lab, tag=f"SW-{n}", ip=f"127.0.1.{n}", role=TargetRole.DISTRIBUTION) for n in (1, 2)]


def _write(targets, since: datetime, until: datetime) -> None:
    """One sample a minute per target and metric over [since, until), values varying with all three."""
    rows = []
    minute = since
    while minute < until:
        m = int((minute - BASE).total_seconds() // 60)
        for i, target in enumerate(targets):
            for j, metric in enumerate(METRICS):
                rows.append(Sample(target=target, metric=metric, at=minute, value=float((m * 7 + i * 3 + j) % 23)))
        minute += timedelta(minutes=1)
    Sample.objects.bulk_create(rows)


def _floor(moment: datetime, seconds: int) -> datetime:
    return BASE + timedelta(seconds=(moment - BASE).total_seconds() // seconds * seconds)


def _expected(until: datetime) -> dict:
    """{(target, metric, resolution, bucket): (count, avg, min, max)} of the complete buckets before `until`."""
    five = defaultdict(list)
    for target_id, metric, moment, value in Sample.objects.values_list("target_id", "metric", "at", "value"):
        bucket = _floor(moment, 300)
        if bucket + timedelta(seconds=300) <= until:
            five[(target_id, metric, bucket)].append(value)
    out = {}
    hours = defaultdict(list)
    for (target_id, metric, bucket), values in five.items():
        out[(target_id, metric, 300, bucket)] = (len(values), sum(values) / len(values), min(values), max(values))
        hour = _floor(bucket, 3600)
        if hour + timedelta(hours=1) <= until:
            hours[(target_id, metric, hour)] += values
    for (target_id, metric, hour), values in hours.items():
        out[(target_id, metric, 3600, hour)] = (len(values), sum(values) / len(values), min(values), max(values))
    return out


def _table() -> dict:
    return {
        (r.target_id, r.metric, r.resolution_s, r.bucket): (r.count, r.avg, r.min, r.max)
        for r in SampleRollup.objects.all()
    }


def _assert_matches(expected: dict) -> None:
    table = _table()
    assert set(table) == set(expected)
    for key, (count, avg, low, high) in expected.items():
        assert table[key][0] == count and table[key][2:] == (low, high), key
        assert table[key][1] == pytest.approx(avg), key


@pytest.mark.django_db
def test_a_run_after_a_gap_catches_up_and_a_repeated_run_changes_nothing(targets):
    series = len(targets) * len(METRICS)
    lookback = timedelta(hours=2)
    first = BASE + timedelta(hours=1, minutes=1)
    _write(targets, BASE, first)
    services.rollup_samples(first, lookback=lookback)
    _assert_matches(_expected(first))

    # the runs of the next 90 minutes are missed: the next one rolls everything completed since the mark
    late = first + timedelta(minutes=90)
    _write(targets, first, late)
    written = services.rollup_samples(late, lookback=lookback)
    _assert_matches(_expected(late))
    # from the last rolled 5-minute bucket (06:55) to 08:30, and from the last rolled hour (06:00) to 08:00
    fives = (_floor(late, 300) - (_floor(first, 300) - timedelta(minutes=5))) // timedelta(minutes=5)
    hours = (_floor(late, 3600) - (_floor(first, 3600) - timedelta(hours=1))) // timedelta(hours=1)
    assert written == series * (fives + hours)

    # the same run again: the same rows, the same values
    before = _table()
    services.rollup_samples(late, lookback=lookback)
    assert _table() == before


@pytest.mark.django_db
def test_each_run_does_only_new_work_and_takes_in_a_late_sample(targets):
    series = len(targets) * len(METRICS)
    lookback = timedelta(hours=2)
    now = BASE + timedelta(hours=1, minutes=1)
    _write(targets, BASE, now)
    services.rollup_samples(now, lookback=lookback)

    later = now + timedelta(minutes=5)
    _write(targets, now, later)
    # the poller writes one sample late, into the last 5-minute bucket already rolled (06:55)
    Sample.objects.create(target=targets[0], metric="rtt_ms", at=now - timedelta(minutes=2), value=100.0)
    written = services.rollup_samples(later, lookback=lookback)
    _assert_matches(_expected(later))
    # two 5-minute buckets (06:55 again, 07:00) and the last hour again (06:00) per series, not two hours' worth
    assert written == series * 3
    hour = SampleRollup.objects.get(target=targets[0], metric="rtt_ms", resolution_s=3600, bucket=BASE)
    assert hour.max == 100.0


@pytest.mark.django_db
def test_a_mark_ahead_of_the_clock_counts_as_none(targets):
    """After the clock stepped back, rows rolled "in the future" do not stop the present being rolled."""
    lookback = timedelta(hours=2)
    ahead = BASE + timedelta(hours=5, minutes=1)
    _write(targets, BASE, ahead)
    services.rollup_samples(ahead, lookback=lookback)
    now = BASE + timedelta(hours=1, minutes=1)
    Sample.objects.filter(at__gte=now).delete()  # and nothing sampled yet after the present
    future = {k: v for k, v in _table().items() if k[3] >= _floor(now, 300)}
    services.rollup_samples(now, lookback=lookback)
    expected = _expected(now)
    expected.update(future)
    _assert_matches(expected)
