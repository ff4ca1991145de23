"""The scheduler and `manage.py poll`, in process, with real ICMP to loopback."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from maintenance.models import Ticket
from netmon.models import PollerStatus, Target, TargetCheck
from netmon.scheduler import Shard, claim_due
from tests.netmon.netfixtures import make_target, v2c


def closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def targets(school, lab):
    return [make_target(school, lab, tag=f"SW-{i}", ip=f"127.0.5.{i}", interval_s=60) for i in range(1, 7)]


def test_claim_takes_due_targets_once_per_interval(targets):
    now = timezone.now()
    first = claim_due(now)
    assert sorted(first.ids) == sorted(t.pk for t in targets)  # new targets: at once
    assert claim_due(now).ids == []  # claimed: not again in this cycle
    # new targets get a random phase within their interval (the jitter)
    phases = [(t - now).total_seconds() for t in Target.objects.values_list("next_poll_at", flat=True)]
    assert all(15 <= p <= 60 for p in phases)
    later = claim_due(now + timedelta(seconds=61))
    assert sorted(later.ids) == sorted(t.pk for t in targets)
    assert all(
        t.next_poll_at == now + timedelta(seconds=121) for t in Target.objects.all()
    )  # one interval after the claim


def test_claim_reports_lateness(targets):
    now = timezone.now()
    Target.objects.update(next_poll_at=now - timedelta(seconds=40))
    claim = claim_due(now)
    assert claim.lag_s == pytest.approx(40) and claim.late == len(targets)


def test_shards_split_the_targets(targets):
    now = timezone.now()
    halves = [set(claim_due(now, shard=Shard(i, 2)).ids) for i in (0, 1)]
    assert halves[0].isdisjoint(halves[1])
    assert halves[0] | halves[1] == {t.pk for t in targets}
    assert all(pk % 2 == 0 for pk in halves[0])


def test_disabled_targets_are_not_polled(targets):
    Target.objects.filter(pk=targets[0].pk).update(enabled=False)
    assert targets[0].pk not in claim_due(timezone.now()).ids


@pytest.mark.parametrize("bad", ["2", "2/2", "a/b", "-1/3"])
def test_shard_syntax(bad):
    with pytest.raises(ValueError):
        Shard.parse(bad)
    with pytest.raises(CommandError):
        call_command("poll", "--once", f"--shard={bad}")


def test_poll_once_pings_loopback_and_records(targets):
    call_command("poll", "--once", "--name=test-poller")
    assert set(Target.objects.values_list("status", flat=True)) == {"up"}
    assert TargetCheck.objects.filter(check_name="icmp", status="up").count() == len(targets)
    status = PollerStatus.objects.get(name="test-poller")
    assert status.polls_total == len(targets) and status.errors_total == 0
    assert status.targets_due == len(targets) and status.stopped_at is not None


def test_snmp_silence_opens_one_ticket(school, lab):
    target = make_target(
        school,
        lab,
        tag="UPS-1",
        ip="127.0.0.1",
        icmp_enabled=False,
        snmp_enabled=True,
        credential=v2c(),
        snmp_port=closed_udp_port(),
        timeout_s=0.3,
        retries=0,
        fail_threshold=2,
    )
    for _ in range(3):
        call_command("poll", "--once")
    target.refresh_from_db()
    assert target.status == "down"
    ticket = Ticket.objects.get()
    assert ticket.monitor_problem == "snmp" and ticket.monitor_key == target.monitor_key


def test_metrics(targets, client):
    call_command("poll", "--once", "--name=metrics-poller")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'siyana_targets{status="up"} 6' in text
    assert 'siyana_poller_polls_total{poller="metrics-poller",mode="standalone"}' not in text  # stopped
    assert "siyana_outages_open 0" in text
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403  # no traffic: just REMOTE_ADDR


def test_metrics_token(settings, client, db):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
