"""A quarter built by hand: 2025 Q1 (and the end of 2024 Q4) in Asia/Amman, through the real services.

Amman is UTC+3 all year since 2022. The school day is 07:30–14:30, Sunday to Thursday
(7 working hours); 1 January 2025 (a Wednesday) is a national holiday.

Tickets (T = ticket; "h" = working hours):
  T0  2024-11-05 (Q4): opened 08:00, in progress 09:00, resolved 10:00 → response 1 h, resolution 2 h.
  T1  opened Mon 2024-12-30 13:30 (Q4), in progress Tue 31 Dec 08:00, resolved Sun 2025-01-05 09:30,
      closed 6 Jan: carried over into Q1 and carried out in it; resolution 1+7+0 (holiday)+7+2 = 17 h,
      against its own policy (urgent, 8 h): late. Response 1.5 h, in Q4.
  T2  opened Sun 2025-03-30 10:00, in progress 11:00, resolved Wed 2 April (Q2): received in Q1, still open
      at its end, carried out in Q2. Response 1 h.
  T3  opened Sun 2025-01-12 08:00 at the other school, assigned 08:30, in progress 09:00, on hold Mon 13 Jan
      08:00 → in progress Tue 14 Jan 08:00, resolved 10:00 (9 h); objection Wed 15 Jan 09:00 reopens it,
      in progress 10:00, resolved 12:00 (9 + 3 = 12 h); accepted with rating 4 on Thu 16 Jan. Normal
      priority (12 h in this test): met exactly. Response 1 h.
  T4  automatic (monitoring), high priority, opened Mon 2025-02-10 09:00, in progress 10:00, resolved
      12:00 (3 h) against (high, network) = 2 h: late; rated 5. Response 1 h.
  T5  opened Thu 2025-02-20 08:00, closed without resolution (cancelled) 10:00: carried out, not resolved.
      Response 2 h.
  T6  opened Mon 2025-03-31 23:30 Amman (20:30 UTC): in Q1, still open at its end; no response.
  T7  opened Tue 2025-04-01 00:10 Amman (21:10 UTC on 31 March): in Q2, not in Q1.
  T8  opened Tue 2024-12-31 23:50 Amman (Q4), never touched: carried over, still open.
  T9  opened Wed 2025-01-01 00:05 Amman (21:05 UTC on 31 December): in Q1; a technician's public reply
      on Thu 2 Jan 08:00 answers it → response 0.5 h (the holiday counts nothing); still open.

Outages (TA1: switch at the school on circuit FO-1001; TA2: router at the other school on FO-1002;
TA3: an access point at the school that never failed):
  O1  TA1 icmp   Tue 2024-12-31 13:30 → Thu 2025-01-02 08:30, and O1b TA1 snmp 13:31 → 08:00 (merged: one
      failure, begun in Q4, repaired in Q1 after 43 h; in Q1: 32.5 h, of which 1 h in working hours).
  O4  TA1 icmp   Mon 2025-02-10 08:45 → 11:45, ticket T4: 3 h, all in working hours.
  O3  TA1 interface:2  Tue 2025-02-11 20:00 → 22:00: 2 h, all outside working hours.
  O6  TA2 rtt    Mon 2025-03-03 09:00 → 09:30: a fault, not downtime.
  O2  TA2 icmp   Mon 2025-03-31 14:00 → still down: 10 h in Q1, 0.5 h of them in working hours.
  O5  TA2 icmp   Thu 2025-02-20 09:00 → 10:00, caused by its parent: not counted.

Corrective actions: CA0 on T0 (Q4, 1 × P1 = 12.500); CA1 on T4 (2 × P1 = 25.000); CA2 on T3 (1 × P2 =
40.000) corrected by CA2b (1 × P2 + 1 × P1 = 52.500). Budget 2025: 1200.000.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from assets.models import Asset, AssetModel, Holiday, Manufacturer
from core.roles import Role
from maintenance import services
from maintenance.choices import CloseReason, TicketStatus
from maintenance.models import PartBudget, SlaPolicy, SparePart
from netmon.models import Outage, Target

AMMAN = ZoneInfo("Asia/Amman")
S = TicketStatus


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=AMMAN)


@dataclass
class World:
    tickets: dict
    targets: dict
    assets: dict
    actions: dict
    users: dict


@pytest.fixture
def amman(settings):
    settings.TIME_ZONE = "Asia/Amman"
    return AMMAN


@pytest.fixture
def world(amman, directorate, school, other_school, circuits, users) -> World:
    head, tech = users[Role.IT_HEAD], users[Role.TECHNICIAN]
    Holiday.objects.create(name="رأس السنة", start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 1, 1))
    SlaPolicy.objects.filter(priority="normal", category="").update(resolve_hours=Decimal("12"))
    urgent = SlaPolicy.objects.get(priority="urgent", category="")
    SlaPolicy.objects.create(
        priority="high", category="network", response_hours=Decimal("1"), resolve_hours=Decimal("2")
    )

    maker = Manufacturer.objects.create(name="Cisco")
    models = {c: AssetModel.objects.create(manufacturer=maker, name=f"M-{c}", category=c) for c in
              ("switch", "router", "access_point")}  # fmt: skip
    a1 = Asset.objects.create(asset_tag="NET-SW-01", name="مبدل المختبر", asset_model=models["switch"], school=school)
    a2 = Asset.objects.create(
        asset_tag="NET-RT-02", name="موجه المدرسة", asset_model=models["router"], school=other_school
    )
    a3 = Asset.objects.create(
        asset_tag="NET-AP-03", name="نقطة وصول", asset_model=models["access_point"], school=school
    )
    c1, c2 = circuits
    ta1 = Target.objects.create(asset=a1, address="127.0.0.11", circuit=c1, snmp_enabled=False)
    ta2 = Target.objects.create(asset=a2, address="127.0.0.12", circuit=c2)
    ta3 = Target.objects.create(asset=a3, address="127.0.0.13")
    Target.objects.filter(pk__in=[ta1.pk, ta2.pk, ta3.pk]).update(created=at(2024, 6, 1, 9, 0))

    def new(opened, **fields):
        values = dict(title="عطل", category="device", source="phone", school=school, requester_name="هدى")
        values.update(fields)
        return services.ticket_create(opened_at=opened, author=head, **values)

    def move(ticket, when, to, **kw):
        if to == S.RESOLVED:
            services.report_save(ticket=ticket.pk, by=tech, expected_version=None, diagnosis="تشخيص",
                                 actions_taken="إصلاح", result="fixed", at=when)  # fmt: skip
        return services.ticket_transition(ticket=ticket.pk, to=to, by=tech, expected_version=None, at=when, **kw)

    t = {}
    t[0] = new(at(2024, 11, 5, 8, 0), priority="normal")
    move(t[0], at(2024, 11, 5, 9, 0), S.IN_PROGRESS)
    move(t[0], at(2024, 11, 5, 10, 0), S.RESOLVED)
    move(t[0], at(2024, 11, 6, 8, 0), S.CLOSED)

    t[1] = new(at(2024, 12, 30, 13, 30), category="network", priority="normal", sla_policy=urgent)
    move(t[1], at(2024, 12, 31, 8, 0), S.IN_PROGRESS)
    move(t[1], at(2025, 1, 5, 9, 30), S.RESOLVED)
    move(t[1], at(2025, 1, 6, 8, 0), S.CLOSED)

    t[2] = new(at(2025, 3, 30, 10, 0), priority="high", source="portal", assets=[a1])
    move(t[2], at(2025, 3, 30, 11, 0), S.IN_PROGRESS)
    move(t[2], at(2025, 4, 2, 9, 0), S.RESOLVED)

    t[3] = new(at(2025, 1, 12, 8, 0), priority="normal", school=other_school, assets=[a2])
    services.ticket_assign(ticket=t[3].pk, assignee=tech, by=head, expected_version=None, at=at(2025, 1, 12, 8, 30))
    move(t[3], at(2025, 1, 12, 9, 0), S.IN_PROGRESS)
    move(t[3], at(2025, 1, 13, 8, 0), S.ON_HOLD, hold_reason="parts")
    move(t[3], at(2025, 1, 14, 8, 0), S.IN_PROGRESS)
    move(t[3], at(2025, 1, 14, 10, 0), S.RESOLVED)
    services.feedback_object(ticket=t[3].pk, reason="ما زال الجهاز لا يعمل", by_name="هدى", at=at(2025, 1, 15, 9, 0))
    move(t[3], at(2025, 1, 15, 10, 0), S.IN_PROGRESS)
    move(t[3], at(2025, 1, 15, 12, 0), S.RESOLVED)
    services.feedback_accept(ticket=t[3].pk, by_name="هدى", rating=4, at=at(2025, 1, 16, 9, 0))

    t[4] = new(at(2025, 2, 10, 9, 0), category="network", priority="high", source="monitoring",
               monitor_key=ta1.monitor_key, monitor_problem="icmp", assets=[a1])  # fmt: skip
    services.ticket_assign(ticket=t[4].pk, assignee=tech, by=head, expected_version=None, at=at(2025, 2, 10, 9, 0))
    move(t[4], at(2025, 2, 10, 10, 0), S.IN_PROGRESS)
    move(t[4], at(2025, 2, 10, 12, 0), S.RESOLVED)
    services.feedback_rate(ticket=t[4].pk, rating=5, by_name="المدير", at=at(2025, 2, 11, 7, 0))
    move(t[4], at(2025, 2, 11, 8, 0), S.CLOSED)

    t[5] = new(at(2025, 2, 20, 8, 0), category="software", priority="low", source="email", type="inquiry",
               school=other_school)  # fmt: skip
    move(t[5], at(2025, 2, 20, 10, 0), S.CLOSED, reason="طلب مكرر", close_reason=CloseReason.CANCELLED)

    t[6] = new(at(2025, 3, 31, 23, 30), priority="normal")
    t[7] = new(at(2025, 4, 1, 0, 10), priority="normal")
    t[8] = new(at(2024, 12, 31, 23, 50), priority="normal")
    t[9] = new(at(2025, 1, 1, 0, 5), priority="normal")
    services.ticket_comment(ticket=t[9].pk, by=tech, text="سنحضر صباح الغد", public=True, at=at(2025, 1, 2, 8, 0))

    def outage(target, check, start, end, *, cause="own", context="working_hours", ticket=None):
        return Outage.objects.create(
            target=target, check_name=check, status="down", cause=cause, context=context, start=start, end=end,
            duration_s=None if end is None else (end - start).total_seconds(), ticket=ticket,
        )  # fmt: skip

    outage(ta1, "icmp", at(2024, 12, 31, 13, 30), at(2025, 1, 2, 8, 30))
    outage(ta1, "snmp", at(2024, 12, 31, 13, 31), at(2025, 1, 2, 8, 0))
    outage(ta1, "icmp", at(2025, 2, 10, 8, 45), at(2025, 2, 10, 11, 45), ticket=t[4])
    outage(ta1, "interface:2", at(2025, 2, 11, 20, 0), at(2025, 2, 11, 22, 0), context="outside_hours")
    outage(ta2, "rtt", at(2025, 3, 3, 9, 0), at(2025, 3, 3, 9, 30))
    outage(ta2, "icmp", at(2025, 3, 31, 14, 0), None)
    outage(ta2, "icmp", at(2025, 2, 20, 9, 0), at(2025, 2, 20, 10, 0), cause="parent")

    p1 = SparePart.objects.create(code="PSU-1", name="مزود طاقة", quantity_on_hand=10, unit_cost=Decimal("12.500"))
    p2 = SparePart.objects.create(code="=SUM(A1)", name="منفذ ليفي", quantity_on_hand=10, unit_cost=Decimal("40"))
    PartBudget.objects.create(year=2025, amount=Decimal("1200"))
    ca0, _ = services.action_log(ticket=t[0].pk, by=tech, action_type="diagnosis", outcome="done",
                                 started_at=at(2024, 11, 5, 9, 0), parts=[(p1, 1)],
                                 at=at(2024, 11, 5, 9, 30))  # fmt: skip
    ca1, _ = services.action_log(ticket=t[4].pk, by=tech, action_type="repair", outcome="done", asset=a1,
                                 started_at=at(2025, 2, 10, 10, 30), ended_at=at(2025, 2, 10, 11, 30),
                                 parts=[(p1, 2)], at=at(2025, 2, 10, 11, 30))  # fmt: skip
    ca2, _ = services.action_log(ticket=t[3].pk, by=tech, action_type="part_replacement", outcome="done", asset=a2,
                                 started_at=at(2025, 1, 14, 8, 0), ended_at=at(2025, 1, 14, 9, 30),
                                 parts=[(p2, 1)], at=at(2025, 1, 14, 9, 30))  # fmt: skip
    ca2b, _ = services.action_correct(action=ca2.pk, by=tech, reason="نسيت قطعة", parts=[(p2, 1), (p1, 1)],
                                      at=at(2025, 1, 14, 10, 0))  # fmt: skip
    return World(
        tickets={k: v.pk for k, v in t.items()},
        targets={"TA1": ta1, "TA2": ta2, "TA3": ta3},
        assets={"A1": a1, "A2": a2, "A3": a3},
        actions={"CA0": ca0, "CA1": ca1, "CA2": ca2, "CA2b": ca2b},
        users=users,
    )


def q1_working_hours() -> float:
    """Working hours of 2025 Q1 on the default school calendar, counted day by day."""
    day, hours = dt.date(2025, 1, 1), 0.0
    while day < dt.date(2025, 4, 1):
        if day.weekday() in (6, 0, 1, 2, 3) and day != dt.date(2025, 1, 1):
            hours += 7
        day += dt.timedelta(days=1)
    return hours
