"""maintenance.sla_services.escalate_due: level by level, recorded on the ticket, notified through the outbox.

An urgent ticket at the school opened Sunday 1 March 2026, 09:00 in Amman: response target 1
working hour (due 10:00), resolution 8 (due Monday 10:00). Level 1 (the IT head) comes at the
first breach; level 2 (the ministry's IT centre) when the resolution clock passes 8 h + 50 % =
12 working hours: Sunday 09:00–14:30 (5.5) + Monday 07:30–14:00 (6.5) → Monday 2 March 14:00.
"""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from assets.models import Directorate
from core.roles import Role
from maintenance import services, sla_services, tasks
from maintenance.choices import EntryKind, EscalationLevel, HoldReason, ReportResult, TicketSource, TicketStatus
from maintenance.models import SlaPolicy, Ticket, TicketEntry
from netmon.scheduler import StandalonePoller
from notifications.choices import Channel, MessageStatus
from notifications.models import Message
from tests.factories import make_user
from tests.notifications.gateway import serving

AMMAN = ZoneInfo("Asia/Amman")
S = TicketStatus
MINISTRY = "it-centre@moe.test"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=AMMAN)


@pytest.fixture
def policies(db):
    for priority, response, resolve in (("urgent", "1", "8"), ("high", "4", "16"), ("normal", "8", "40")):
        SlaPolicy.objects.update_or_create(
            priority=priority,
            category="",
            defaults={"response_hours": Decimal(response), "resolve_hours": Decimal(resolve), "active": True},
        )


@pytest.fixture
def heads(directorate):
    """The directorate's IT head (e-mail, phone), one for every directorate (e-mail), and two who are not told."""
    here = make_user("head-here", Role.IT_HEAD, directorate=directorate)
    here.email = "head@amm1.test"
    here.save()
    here.profile.phone = "0791234567"
    here.profile.save()
    everywhere = make_user("head-all", Role.IT_HEAD)
    everywhere.email = "head@moe-directorates.test"
    everywhere.save()
    other = Directorate.objects.create(code="IRB1", name_ar="مديرية تربية إربد")
    elsewhere = make_user("head-irbid", Role.IT_HEAD, directorate=other)
    elsewhere.email = "head@irb1.test"
    elsewhere.save()
    retired = make_user("head-retired", Role.IT_HEAD, directorate=directorate)
    retired.email, retired.is_active = "old@amm1.test", False
    retired.save()
    return {"here": here, "everywhere": everywhere}


@pytest.fixture
def gateway(settings):
    """A real HTTP SMS gateway on 127.0.0.1."""
    with serving(settings) as server:
        yield server


@pytest.fixture
def ministry(settings):
    settings.ESCALATION_MINISTRY_EMAIL = MINISTRY
    settings.SLA_ESCALATION_LEVEL2_PERCENT = 50
    settings.NOTIFY_CELERY = False  # delivered in this process right after the commit
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def urgent(policies, school, lab, head):
    return services.ticket_create(
        opened_at=at(1, 9),
        title="The lab's switch is down",
        category="network",
        source=TicketSource.PHONE,
        priority="urgent",
        school=school,
        location=lab,
        author=head,
    )


def level(ticket: Ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).escalation_level


def escalations(ticket: Ticket) -> list[TicketEntry]:
    return list(ticket.entries.filter(kind=EntryKind.ESCALATED).order_by("pk"))


def move(ticket: Ticket, to: str, by, when: datetime, **kwargs) -> Ticket:
    ticket.refresh_from_db()
    return services.ticket_transition(ticket=ticket, to=to, by=by, expected_version=ticket.version, at=when, **kwargs)


def test_level_1_then_level_2_with_their_notices_in_the_outbox_and_sent(
    urgent, heads, ministry, gateway, django_capture_on_commit_callbacks
):
    assert sla_services.escalate_due(now=at(1, 10)) == 0  # exactly the target: still on time
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_services.escalate_due(now=at(1, 10, 1)) == 1
    ticket = Ticket.objects.get(pk=urgent.pk)
    assert ticket.escalation_level == EscalationLevel.IT_HEAD and ticket.escalated_at == at(1, 10, 1)
    [first] = escalations(ticket)
    assert not first.public and first.data["level"] == 1 and first.data["clock"] == "response"
    assert first.data["notified"] == ["email:head@amm1.test", "sms:0791234567", "email:head@moe-directorates.test"]
    assert sorted(m.to[0] for m in mail.outbox) == ["head@amm1.test", "head@moe-directorates.test"]
    assert all(urgent.number in m.subject and "IT head" in m.subject for m in mail.outbox)
    assert f"http://127.0.0.1:8000/tickets/{urgent.pk}/" in mail.outbox[0].body
    [sms] = gateway.received
    assert sms.fields["to"] == "0791234567" and urgent.number in sms.fields["text"]

    assert sla_services.escalate_due(now=at(1, 10, 2)) == 0  # a re-run: nothing more
    assert sla_services.escalate_due(now=at(2, 14)) == 0  # 12 h used exactly: not yet the ministry
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_services.escalate_due(now=at(2, 14, 1)) == 1
    assert level(urgent) == EscalationLevel.MINISTRY
    second = escalations(urgent)[1]
    assert second.data["level"] == 2 and second.data["clock"] == "resolution" and not second.public
    assert second.data["notified"] == [f"email:{MINISTRY}", "email:head@amm1.test", "email:head@moe-directorates.test"]
    sent = [m for m in mail.outbox if "Ministry IT centre" in m.subject]
    assert sorted(m.to[0] for m in sent) == sorted([MINISTRY, "head@amm1.test", "head@moe-directorates.test"])
    assert len(gateway.received) == 1  # the ministry level is e-mail only

    assert sla_services.escalate_due(now=at(3, 9)) == 0
    messages = Message.objects.filter(ref_object_id=urgent.pk, template="ticket_escalated")
    assert messages.count() == 6 and set(messages.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert {m.dedupe_key for m in messages} == {
        f"escalate:{urgent.pk}:1:email:user{heads['here'].pk}",
        f"escalate:{urgent.pk}:1:sms:user{heads['here'].pk}",
        f"escalate:{urgent.pk}:1:email:user{heads['everywhere'].pk}",
        f"escalate:{urgent.pk}:2:email:ministry",
        f"escalate:{urgent.pk}:2:email:user{heads['here'].pk}",
        f"escalate:{urgent.pk}:2:email:user{heads['everywhere'].pk}",
    }


def test_an_answered_ticket_escalates_when_its_resolution_is_late(urgent, heads, ministry, tech):
    move(urgent, S.IN_PROGRESS, tech, at(1, 9, 30))
    assert sla_services.escalate_due(now=at(2, 10)) == 0  # 8 h used exactly
    assert sla_services.escalate_due(now=at(2, 10, 1)) == 1
    [entry] = escalations(urgent)
    assert entry.data["clock"] == "resolution" and entry.data["due_at"] == "2026-03-02T10:00:00+03:00"


def test_after_an_outage_of_the_job_both_levels_come_in_one_run_in_order(urgent, heads, ministry):
    assert sla_services.escalate_due(now=at(4, 9)) == 2
    assert [e.data["level"] for e in escalations(urgent)] == [1, 2] and level(urgent) == 2
    assert Message.objects.filter(dedupe_key__startswith=f"escalate:{urgent.pk}:1:").count() == 3
    assert sla_services.escalate_due(now=at(5, 9)) == 0


def test_the_ministry_level_is_recorded_without_an_address(urgent, heads, ministry, settings):
    settings.ESCALATION_MINISTRY_EMAIL = ""
    assert sla_services.escalate_due(now=at(4, 9)) == 2
    assert escalations(urgent)[1].data["notified"] == ["email:head@amm1.test", "email:head@moe-directorates.test"]


def test_a_larger_grace_puts_the_ministry_later(urgent, heads, ministry, settings):
    settings.SLA_ESCALATION_LEVEL2_PERCENT = 100  # 16 h: Sun 5.5 + Mon 7 + Tue 07:30 + 3.5 → Tue 3 11:00
    assert sla_services.escalate_due(now=at(3, 11)) == 1 and level(urgent) == 1
    assert sla_services.escalate_due(now=at(3, 11, 1)) == 1 and level(urgent) == 2


def test_paused_and_resolved_tickets_do_not_escalate(urgent, heads, ministry, tech, policies, school, head):
    move(urgent, S.IN_PROGRESS, tech, at(1, 9, 30))
    move(urgent, S.ON_HOLD, tech, at(1, 10), hold_reason=HoldReason.PARTS)  # 1 h of 8 used
    assert sla_services.escalate_due(now=at(11, 9)) == 0 and level(urgent) == 0 and not escalations(urgent)
    move(urgent, S.IN_PROGRESS, tech, at(11, 8))
    # 7 h left from Wed 11 08:00: 6.5 that day + Thu 12 07:30 + 0.5 → Thu 08:00
    assert Ticket.objects.get(pk=urgent.pk).resolve_due_at == at(12, 8)
    assert sla_services.escalate_due(now=at(12, 8)) == 0
    assert sla_services.escalate_due(now=at(12, 8, 1)) == 1 and level(urgent) == 1

    done = services.ticket_create(
        opened_at=at(1, 9), title="Printer", category="device", source="phone", priority="urgent", school=school
    )
    move(done, S.IN_PROGRESS, tech, at(1, 9, 10))
    done.refresh_from_db()
    services.report_save(
        ticket=done,
        by=tech,
        expected_version=done.version,
        diagnosis="Paper jam",
        actions_taken="Cleared it",
        result=ReportResult.FIXED,
    )
    move(done, S.RESOLVED, tech, at(1, 9, 40))
    sla_services.escalate_due(now=at(20, 9))  # the first ticket goes on to level 2; the resolved one stays
    assert level(urgent) == 2 and level(done) == 0 and not escalations(done)


def test_an_automatic_ticket_escalates_like_the_others(heads, ministry, policies, school, lab):
    fault = services.AutomaticTicket(
        key="netmon.target:7",
        problem="icmp",
        title="SW-1: ping not answering",
        description="",
        category="network",
        priority="high",
        school_id=school.pk,
        location_id=lab.pk,
    )
    ticket, _created = services.automatic_ticket_open(fault, at=at(1, 9))
    # high: response 4 h → Sun 13:00
    assert sla_services.escalate_due(now=at(1, 13)) == 0
    assert sla_services.escalate_due(now=at(1, 13, 1)) == 1 and escalations(ticket)[0].data["clock"] == "response"


def test_a_second_caller_with_the_same_reading_escalates_nothing(urgent, heads, ministry):
    """Two workers read the ticket at level 0; the conditional UPDATE lets one of them act."""
    now = at(1, 11)
    stale = [Ticket.objects.select_related("school", "sla_policy").get(pk=urgent.pk) for _ in range(2)]
    calendar = sla_services.ticket_calendar(urgent)
    history = sla_services.status_histories([urgent.pk]).get(urgent.pk, [])
    clocks = sla_services.ticket_clocks(
        stale[0], now=now, policy=stale[0].sla_policy, calendar=calendar, history=history
    )
    assert sla_services.ticket_escalate(ticket=stale[0], level=1, clocks=clocks, at=now)
    assert not sla_services.ticket_escalate(ticket=stale[1], level=1, clocks=clocks, at=now)
    assert len(escalations(urgent)) == 1
    assert Message.objects.filter(template="ticket_escalated").count() == 3


def test_a_ticket_put_on_hold_after_the_reading_is_not_escalated(urgent, heads, ministry, tech):
    now = at(1, 11)
    read = Ticket.objects.select_related("school", "sla_policy").get(pk=urgent.pk)
    move(urgent, S.ON_HOLD, tech, at(1, 10, 59), hold_reason=HoldReason.SCHOOL)
    clocks = sla_services.ticket_clocks(
        read, now=now, policy=read.sla_policy, calendar=sla_services.ticket_calendar(read), history=[]
    )
    assert not sla_services.ticket_escalate(ticket=read, level=1, clocks=clocks, at=now)
    assert level(urgent) == 0 and not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_escalate_once(policies, school, directorate, ministry):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("an in-memory SQLite test database is not shared between threads (run on PostgreSQL)")
    head = make_user("head-race", Role.IT_HEAD, directorate=directorate)
    head.email = "head@amm1.test"
    head.save()
    ticket = services.ticket_create(
        opened_at=at(1, 9), title="race", category="device", source="phone", priority="urgent", school=school
    )
    barrier = threading.Barrier(2)
    made: list[int] = []

    def worker():
        try:
            barrier.wait(timeout=10)
            made.append(sla_services.escalate_due(now=at(1, 11)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(made) == [0, 1]
    assert level(ticket) == 1 and len(escalations(ticket)) == 1
    assert Message.objects.filter(template="ticket_escalated", channel=Channel.EMAIL).count() == 1
    assert len(mail.outbox) == 1


def test_the_embedded_poller_and_celery_beat_run_the_escalation(urgent, heads, ministry):
    assert settings.CELERY_TASK_ROUTES["maintenance.escalate_due"] == {"queue": "tickets"}
    beat = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "maintenance.escalate_due"]
    assert len(beat) == 1 and beat[0]["schedule"] == 60
    assert tasks.escalate_due.apply().get() == 2  # run now (months after the due times): both levels
    assert level(urgent) == 2
    other = services.ticket_create(
        opened_at=at(1, 9), title="x", category="device", source="phone", priority="urgent", school=urgent.school
    )
    assert StandalonePoller().escalate() == 2 and level(other) == 2
