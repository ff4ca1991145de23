"""A small monitored network for the page and API tests (a builder; the fixtures stay in the test modules).

Two schools of one directorate, each with a monitored target; the first one is down with an
ongoing outage and its automatic ticket, the other had an outage that ended. Two pollers
(one alive, one stale), maintenance windows, holidays and two SNMP credentials whose
secrets the tests look for in every response.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from assets.models import Holiday
from core.changelog import change_context
from maintenance import services as tickets
from maintenance.choices import TicketCategory, TicketPriority, TicketSource
from netmon.models import Flip, MaintenanceWindow, Outage, PollerStatus, SnmpCredential, Target, TargetCheck
from netmon.services_config import credential_save, target_save

COMMUNITY = "v2c-Community-Secret-7731"
AUTH_KEY = "v3-Auth-Secret-5512"
PRIV_KEY = "v3-Priv-Secret-9904"
SECRETS = (COMMUNITY, AUTH_KEY, PRIV_KEY)


def build(*, school, other_school, asset, other_asset, user=None) -> dict:
    now = timezone.now()
    with change_context(user=user):
        v2c = credential_save(SnmpCredential(name="schools-v2c", version="v2c"), secrets={"community": COMMUNITY})
        v3 = credential_save(
            SnmpCredential(
                name="core-v3", version="v3", user="siyana", auth_protocol="SHA-256", priv_protocol="AES-128"
            ),
            secrets={"auth_key": AUTH_KEY, "priv_key": PRIV_KEY},
        )
        asset.management_ip = "127.0.0.11"
        asset.save()
        target = target_save(Target(asset=asset, role="uplink", snmp_enabled=True, credential=v2c, interfaces=[2]))
        other_target = target_save(Target(asset=other_asset, address="127.0.0.12", role="access"))
    # What the poller would have written.
    Target.objects.filter(pk=target.pk).update(
        status="down",
        status_since=now - timedelta(minutes=30),
        last_poll_at=now - timedelta(seconds=20),
        next_poll_at=now + timedelta(seconds=40),
        discovered_at=now - timedelta(hours=1),
        sys_name="sw-amal-core",
        sys_descr="Cisco IOS Software, C2960X",
        sys_object_id="1.3.6.1.4.1.9.1.1208",
        snmp_interfaces={
            "2": {"name": "Gi1/0/2", "descr": "GigabitEthernet1/0/2", "alias": "uplink", "speed_bps": 1_000_000_000},
            "10": {"name": "Gi1/0/10", "descr": "", "speed_bps": None},
        },
        last_error="",
    )
    Target.objects.filter(pk=other_target.pk).update(
        status="up", status_since=now - timedelta(days=2), last_poll_at=now - timedelta(seconds=5)
    )
    target.refresh_from_db()
    other_target.refresh_from_db()
    TargetCheck.objects.create(
        target=target,
        check_name="icmp",
        status="down",
        since=now - timedelta(minutes=30),
        failing_since=now - timedelta(minutes=33),
    )
    TargetCheck.objects.create(target=target, check_name="interface:2", status="up", since=now - timedelta(days=1))
    TargetCheck.objects.create(target=other_target, check_name="icmp", status="up", since=now - timedelta(days=2))
    Flip.objects.create(
        target=target, check_name="icmp", seq=1, old="unknown", new="up", at=now - timedelta(days=1), reason="first"
    )
    Flip.objects.create(
        target=target,
        check_name="icmp",
        seq=2,
        old="up",
        new="down",
        at=now - timedelta(minutes=30),
        reason="threshold",
    )
    ticket, _created = tickets.automatic_ticket_open(
        tickets.AutomaticTicket(
            key=target.monitor_key,
            problem="icmp",
            title="MOE-0001: Ping not answering",
            description="Opened automatically by the network monitor.",
            category=TicketCategory.NETWORK,
            priority=TicketPriority.HIGH,
            school_id=school.pk,
            asset_ids=(asset.pk,),
        ),
        at=now - timedelta(minutes=30),
        data={"check": "icmp"},
    )
    other_ticket = tickets.ticket_create(
        opened_at=now - timedelta(days=3),
        title="طابعة المختبر لا تعمل",
        category=TicketCategory.DEVICE,
        source=TicketSource.PHONE,
        school=other_school,
        assets=[other_asset.pk],
    )
    outage = Outage.objects.create(
        target=target,
        check_name="icmp",
        status="down",
        cause="own",
        context="working_hours",
        start=now - timedelta(minutes=33),
        ticket=ticket,
    )
    other_outage = Outage.objects.create(
        target=other_target,
        check_name="icmp",
        status="down",
        cause="own",
        context="outside_hours",
        start=now - timedelta(days=2, hours=1),
        end=now - timedelta(days=2),
        duration_s=3600.0,
    )
    alive = PollerStatus.objects.create(
        name="poller-a",
        host="mon1",
        pid=4242,
        mode="standalone",
        shard="0/2",
        started_at=now - timedelta(hours=5),
        heartbeat_at=now - timedelta(seconds=10),
        cycle_started_at=now - timedelta(seconds=12),
        cycle_duration_s=1.25,
        lag_s=0.5,
        targets_due=2,
        targets_late=0,
        polls_total=12345,
        errors_total=3,
    )
    stale = PollerStatus.objects.create(
        name="poller-b",
        host="mon2",
        pid=5151,
        mode="celery",
        shard="1/2",
        started_at=now - timedelta(days=1),
        heartbeat_at=now - timedelta(minutes=10),
        polls_total=10,
        errors_total=1,
        last_error="database is locked",
    )
    with change_context(user=user):
        window = MaintenanceWindow.objects.create(
            name="صيانة شبكة المدرسة",
            school=school,
            start=now + timedelta(days=1),
            end=now + timedelta(days=1, hours=2),
        )
        other_window = MaintenanceWindow.objects.create(
            name="Other school works", target=other_target, start=now - timedelta(hours=1), end=now + timedelta(hours=1)
        )
        global_window = MaintenanceWindow.objects.create(
            name="Core upgrade", start=now - timedelta(days=9), end=now - timedelta(days=8)
        )
        year = now.year
        national = Holiday.objects.create(
            name="عيد الاستقلال", start_date=date(year, 5, 25), end_date=date(year, 5, 25)
        )
        school_holiday = Holiday.objects.create(
            name="يوم المدرسة", school=school, start_date=date(year, 3, 1), end_date=date(year, 3, 1)
        )
        other_holiday = Holiday.objects.create(
            name="Other school day", school=other_school, start_date=date(year, 4, 1), end_date=date(year, 4, 2)
        )
    return {
        "now": now,
        "v2c": v2c,
        "v3": v3,
        "target": target,
        "other_target": other_target,
        "ticket": ticket,
        "other_ticket": other_ticket,
        "outage": outage,
        "other_outage": other_outage,
        "alive": alive,
        "stale": stale,
        "window": window,
        "other_window": other_window,
        "global_window": global_window,
        "national": national,
        "school_holiday": school_holiday,
        "other_holiday": other_holiday,
    }
