"""maintenance.sla_services: the policy, the calendar and the due times the services keep on tickets;
the SLA badge and the API's clocks; `manage.py sla_recompute`.

March 2026 in Amman (UTC+3 all year): Sun 1, Mon 2, Tue 3, Wed 4, Thu 5, Fri 6, Sat 7, Sun 8,
Mon 9, Tue 10 … The school week is Sunday–Thursday, 07:30–14:30: 7 working hours a day.
Every expected due time below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from assets.models import Holiday, School
from maintenance import services, sla_services
from maintenance.choices import HoldReason, ReportResult, TicketSource, TicketStatus
from maintenance.models import SlaPolicy, Ticket
from maintenance.sla import working_seconds
from maintenance.sla_services import SlaReader, SlaState
from maintenance.templatetags.sla import sla_badge_html
from netmon import services as netmon_services
from tests.factories import english
from tests.netmon.netfixtures import make_target, outcome

AMMAN = ZoneInfo("Asia/Amman")
HOUR = 3600
S = TicketStatus

#: The defaults migration 0002 seeds: priority → (response, resolve) working hours.
DEFAULTS = {"urgent": ("1", "8"), "high": ("4", "16"), "normal": ("8", "40"), "low": ("16", "80")}


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=AMMAN)


@pytest.fixture
def policies(db) -> dict[str, SlaPolicy]:
    """The seeded table, written again: a transactional test elsewhere may have flushed the seed rows."""
    return {
        priority: SlaPolicy.objects.update_or_create(
            priority=priority,
            category="",
            defaults={"response_hours": Decimal(response), "resolve_hours": Decimal(resolve), "active": True},
        )[0]
        for priority, (response, resolve) in DEFAULTS.items()
    }


@pytest.fixture
def open_ticket(policies, school, head):
    def make(*, opened_at: datetime, priority: str = "normal", category: str = "device", **fields) -> Ticket:
        values = {"title": "PC does not boot", "source": TicketSource.PHONE, "school": school, "author": head}
        values.update(fields)
        return services.ticket_create(opened_at=opened_at, priority=priority, category=category, **values)

    return make


def dues(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    ticket.refresh_from_db()
    return ticket.response_due_at, ticket.resolve_due_at


def move(ticket: Ticket, to: str, by, when: datetime, **kwargs) -> Ticket:
    ticket.refresh_from_db()
    return services.ticket_transition(ticket=ticket, to=to, by=by, expected_version=ticket.version, at=when, **kwargs)


# --------------------------------------------------------------------------- due times on create


@pytest.mark.parametrize(
    ("priority", "response_due", "resolve_due"),
    [
        # Sunday 09:00: 5.5 h left that day, then 7 h a day.
        ("urgent", at(1, 10), at(2, 10)),  # 1 h → Sun 10:00; 8 h = 5.5 + Mon 2.5 → Mon 10:00
        ("high", at(1, 13), at(3, 11)),  # 4 h → Sun 13:00; 16 h = 5.5 + 7 + Tue 3.5 → Tue 11:00
        ("normal", at(2, 10), at(8, 14)),  # 8 h = 5.5 + 2.5 → Mon 10:00; 40 h = 5.5 + 4×7 + Sun 6.5 → Sun 8 14:00
        ("low", at(3, 11), at(16, 12)),  # 16 h → Tue 11:00; 80 h = 5.5 + 28 + 35 + Sun 15 7 + Mon 4.5 → Mon 16 12:00
    ],
)
def test_due_times_on_create_follow_each_priority_policy(open_ticket, policies, priority, response_due, resolve_due):
    ticket = open_ticket(opened_at=at(1, 9), priority=priority)
    assert ticket.sla_policy == policies[priority]
    assert dues(ticket) == (response_due, resolve_due)


def test_a_category_policy_wins_over_the_priority_policy(open_ticket, policies):
    network = SlaPolicy.objects.create(
        priority="urgent", category="network", response_hours=Decimal("0.5"), resolve_hours=Decimal("4")
    )
    SlaPolicy.objects.create(
        priority="urgent", category="fiber", response_hours=Decimal("2"), resolve_hours=Decimal("2"), active=False
    )
    switch = open_ticket(opened_at=at(1, 9), priority="urgent", category="network")
    assert switch.sla_policy == network and dues(switch) == (at(1, 9, 30), at(1, 13))
    fiber = open_ticket(opened_at=at(1, 9), priority="urgent", category="fiber")  # its policy is inactive
    assert fiber.sla_policy == policies["urgent"] and dues(fiber) == (at(1, 10), at(2, 10))


def test_no_policy_no_due_times(open_ticket, policies):
    policies["low"].active = False
    policies["low"].save()
    ticket = open_ticket(opened_at=at(1, 9), priority="low")
    assert ticket.sla_policy is None and dues(ticket) == (None, None)
    reading = SlaReader(at(2, 9)).read(ticket)
    assert reading.response.state == reading.resolution.state == SlaState.NONE
    assert sla_badge_html(reading.current) == ""


def test_thursday_afternoon_before_a_weekend_and_a_holiday(open_ticket):
    Holiday.objects.create(name="Isra and Mi'raj", start_date=date(2026, 3, 8), end_date=date(2026, 3, 8))
    ticket = open_ticket(opened_at=at(5, 13))
    # response 8 h = Thu 13:00–14:30 (1.5) + Fri, Sat weekend + Sun 8 holiday + Mon 9 07:30 + 6.5 → Mon 14:00
    # resolve 40 h = 1.5 + Mon 9–Thu 12 (28) + Sun 15 (7) + Mon 16 07:30 + 3.5 → Mon 16 11:00
    assert dues(ticket) == (at(9, 14), at(16, 11))


def test_a_school_holiday_pauses_only_that_schools_tickets(open_ticket, school, other_school):
    """Decision: the school's calendar — a technician cannot work in a closed school."""
    Holiday.objects.create(name="National", start_date=date(2026, 3, 8), end_date=date(2026, 3, 8))
    Holiday.objects.create(
        name="School's own day", start_date=date(2026, 3, 9), end_date=date(2026, 3, 9), school=school
    )
    here = open_ticket(opened_at=at(5, 13))
    elsewhere = open_ticket(opened_at=at(5, 13), school=other_school)
    office = open_ticket(opened_at=at(5, 13), school=None, location=None)
    assert dues(here)[0] == at(10, 14)  # Monday 9 is the school's holiday: Tuesday 10, 14:00
    assert dues(elsewhere)[0] == dues(office)[0] == at(9, 14)


def test_the_school_week_and_hours_are_the_schools(open_ticket, directorate):
    """A school that works Saturday–Wednesday, 08:00–13:00 (5 h a day)."""
    saturday_school = School.objects.create(
        directorate=directorate,
        code="110099",
        name_ar="مدرسة السبت",
        working_days=[5, 6, 0, 1, 2],
        day_start=time(8),
        day_end=time(13),
    )
    ticket = open_ticket(opened_at=at(5, 9), school=saturday_school)  # Thursday: not a working day there
    # response 8 h = Sat 7 08:00–13:00 (5) + Sun 8 08:00 + 3 → Sun 11:00
    assert dues(ticket)[0] == at(8, 11)


# --------------------------------------------------------------------------- hold, reopen, changes


def test_on_hold_across_a_weekend_moves_the_due_time_by_the_paused_working_time(open_ticket, tech):
    ticket = open_ticket(opened_at=at(4, 9))
    # resolve 40 h = Wed 5.5 + Thu 7 + Sun 7 + Mon 7 + Tue 7 + Wed 11 07:30 + 6.5 → Wed 11 14:00
    assert dues(ticket) == (at(5, 10), at(11, 14))
    move(ticket, S.IN_PROGRESS, tech, at(4, 10))  # answered after 1 h: the response due time stays
    move(ticket, S.ON_HOLD, tech, at(5, 12), hold_reason=HoldReason.PARTS)
    assert dues(ticket) == (at(5, 10), at(11, 14))  # while on hold the column keeps the due time
    reading = SlaReader(at(7, 10)).read(ticket)  # Saturday
    assert reading.resolution.state == SlaState.PAUSED and reading.current is reading.resolution
    # used before the hold: Wed 5.5 + Thu 07:30–12:00 4.5 = 10 h of 40
    assert reading.resolution.remaining_seconds == 30 * HOUR
    assert reading.response.state == SlaState.MET
    move(ticket, S.IN_PROGRESS, tech, at(8, 10))
    # paused working time: Thu 12:00–14:30 (2.5) + Sun 07:30–10:00 (2.5) = 5 h
    # 30 h from Sun 10:00 = 4.5 + Mon 7 + Tue 7 + Wed 7 + Thu 12 07:30 + 4.5 → Thu 12 12:00
    assert dues(ticket) == (at(5, 10), at(12, 12))
    assert working_seconds(sla_services.ticket_calendar(ticket), at(11, 14), at(12, 12)) == 5 * HOUR


def test_reopen_resumes_the_resolution_clock_where_it_stopped(open_ticket, tech, head):
    ticket = open_ticket(opened_at=at(1, 9), priority="urgent")
    assert dues(ticket) == (at(1, 10), at(2, 10))
    move(ticket, S.IN_PROGRESS, tech, at(1, 9, 30))
    ticket.refresh_from_db()
    services.report_save(
        ticket=ticket,
        by=tech,
        expected_version=ticket.version,
        diagnosis="PSU",
        actions_taken="Replaced the PSU",
        result=ReportResult.FIXED,
        at=at(1, 11, 55),
    )
    move(ticket, S.RESOLVED, tech, at(1, 12))  # 3 h of 8 used
    assert dues(ticket) == (at(1, 10), at(2, 10))
    assert SlaReader(at(3, 9)).read(ticket).resolution.state == SlaState.MET
    move(ticket, S.REOPENED, head, at(3, 9), reason="The PC still does not boot.")
    # 5 h left from Tue 09:00 → Tue 14:00
    assert dues(ticket) == (at(1, 10), at(3, 14))


def test_a_priority_or_category_change_recomputes_from_the_opening(open_ticket, head, policies):
    ticket = open_ticket(opened_at=at(1, 9))
    assert dues(ticket) == (at(2, 10), at(8, 14))
    ticket = services.ticket_update(
        ticket=ticket, by=head, expected_version=ticket.version, priority="urgent", at=at(1, 11)
    )
    assert ticket.sla_policy == policies["urgent"]
    assert dues(ticket) == (at(1, 10), at(2, 10))  # the 2 h already spent count against the urgent target
    network = SlaPolicy.objects.create(
        priority="urgent", category="network", response_hours=Decimal("0.5"), resolve_hours=Decimal("4")
    )
    ticket = services.ticket_update(ticket=ticket, by=head, expected_version=ticket.version, category="network")
    assert ticket.sla_policy == network and dues(ticket) == (at(1, 9, 30), at(1, 13))
    ticket = services.ticket_update(ticket=ticket, by=head, expected_version=ticket.version, category="software")
    assert ticket.sla_policy == policies["urgent"] and dues(ticket) == (at(1, 10), at(2, 10))


def test_a_public_reply_is_the_first_response_and_an_internal_note_is_not(open_ticket, tech):
    ticket = open_ticket(opened_at=at(1, 9), priority="urgent")
    services.ticket_comment(ticket=ticket, by=tech, text="Looking into it", public=False, at=at(1, 9, 20))
    assert SlaReader(at(1, 9, 40)).read(ticket).current.clock == sla_services.RESPONSE
    services.ticket_comment(ticket=ticket, by=tech, text="We are on our way", public=True, at=at(1, 9, 45))
    ticket.refresh_from_db()
    reading = SlaReader(at(1, 11)).read(ticket)
    assert reading.response.state == SlaState.MET and reading.response.remaining_seconds == 15 * 60
    assert reading.current is reading.resolution and reading.resolution.state == SlaState.OK
    assert dues(ticket) == (at(1, 10), at(2, 10))


# --------------------------------------------------------------------------- the poller's tickets


def test_an_automatic_ticket_from_the_poller_gets_its_sla_like_anyone_elses(open_ticket, policies, school, lab):
    switch = make_target(school, lab, tag="SW-1", ip="127.0.1.1", role="distribution")
    start = at(1, 9)
    netmon_services.record_outcomes([outcome(switch, start, up=True)])
    for n in (1, 2, 3):  # down after three failures: the ticket opens at 09:03
        netmon_services.record_outcomes([outcome(switch, start + timedelta(minutes=n), up=False)])
    automatic = Ticket.objects.get(source=TicketSource.MONITORING)
    assert automatic.priority == "high" and automatic.sla_policy == policies["high"]
    # response 4 h → Sun 13:03; resolve 16 h = Sun 5 h 27 + Mon 7 + Tue 07:30 + 3 h 33 → Tue 11:03
    assert dues(automatic) == (at(1, 13, 3), at(3, 11, 3))
    by_phone = open_ticket(opened_at=automatic.opened_at, priority="high", category=automatic.category, location=lab)
    assert dues(by_phone) == dues(automatic)


# --------------------------------------------------------------------------- the backfill


def test_sla_recompute_backfills_open_tickets_and_changes_nothing_the_second_time(open_ticket, tech, policies):
    first = open_ticket(opened_at=at(1, 9), priority="urgent")
    second = open_ticket(opened_at=at(4, 9))
    move(second, S.IN_PROGRESS, tech, at(4, 10))
    closed = open_ticket(opened_at=at(1, 9), priority="high")
    move(closed, S.CLOSED, tech, at(1, 9, 30), reason="Filed twice")
    expected = {t.pk: dues(t) for t in (first, second, closed)}
    Ticket.objects.update(sla_policy=None, response_due_at=None, resolve_due_at=None)  # as before the SLA wiring

    out = io.StringIO()
    call_command("sla_recompute", stdout=out)
    assert "2 ticket(s) read, 2 changed" in out.getvalue()
    assert {t.pk: dues(t) for t in (first, second)} == {t.pk: expected[t.pk] for t in (first, second)}
    assert dues(closed) == (None, None) and Ticket.objects.get(pk=first.pk).sla_policy == policies["urgent"]
    call_command("sla_recompute", stdout=out)
    assert out.getvalue().endswith("2 ticket(s) read, 0 changed\n")
    call_command("sla_recompute", "--all", stdout=out)
    assert out.getvalue().endswith("3 ticket(s) read, 1 changed\n") and dues(closed) == expected[closed.pk]


def test_sla_recompute_applies_a_holiday_added_later(open_ticket):
    ticket = open_ticket(opened_at=at(5, 13))
    assert dues(ticket)[0] == at(8, 14)  # Thu 1.5 h + Sun 8 07:30 + 6.5
    version = Ticket.objects.get(pk=ticket.pk).version
    Holiday.objects.create(name="Added later", start_date=date(2026, 3, 8), end_date=date(2026, 3, 8))
    call_command("sla_recompute", stdout=io.StringIO())
    assert dues(ticket)[0] == at(9, 14)
    assert Ticket.objects.get(pk=ticket.pk).version == version  # nobody's open form goes stale


# --------------------------------------------------------------------------- the badge and the API


def badge(ticket: Ticket, now: datetime, clock: str | None = None) -> str:
    reading = SlaReader(now).read(ticket)
    return str(sla_badge_html(reading.current if clock is None else getattr(reading, clock)))


def state_of(html: str) -> str:
    return re.search(r'data-sla-state="([a-z_]+)"', html).group(1)


def test_the_badge_colours_ok_at_risk_breached_paused_and_met(open_ticket, tech):
    ticket = open_ticket(opened_at=at(1, 9), priority="urgent")  # response due 10:00, resolve due Mon 10:00
    with translation.override("en"):
        fresh = badge(ticket, at(1, 9, 30))
        assert state_of(fresh) == "ok" and "text-bg-success" in fresh
        assert "Response: 30 min left" in fresh
        risky = badge(ticket, at(1, 9, 45))  # 75 % of the hour used
        assert state_of(risky) == "at_risk" and "text-bg-warning" in risky
        late = badge(ticket, at(1, 11, 10))
        assert state_of(late) == "breached" and "text-bg-danger" in late and "1 h 10 min overdue" in late
        move(ticket, S.ON_HOLD, tech, at(1, 11), hold_reason=HoldReason.VENDOR)
        ticket.refresh_from_db()
        paused = badge(ticket, at(2, 9))
        # the resolution clock: 2 h of 8 used when the hold began
        assert state_of(paused) == "paused" and "text-bg-secondary" in paused
        assert "Resolution: paused, 6 h 00 min left" in paused
        answered = badge(ticket, at(2, 9), "response")
        assert state_of(answered) == "breached" and "Response: 1 h 00 min late" in answered  # held at 11:00


def test_the_badge_speaks_arabic_and_english_with_the_due_time_in_the_readers_language(open_ticket):
    ticket = open_ticket(opened_at=at(1, 9), priority="urgent")
    with translation.override("en"):
        english = badge(ticket, at(1, 9, 30))
    with translation.override("ar"):
        arabic = badge(ticket, at(1, 9, 30))
    assert "Response: 30 min left" in english and ("March" in english or "Mar." in english)
    assert "الاستجابة" in arabic and "متبقٍ 30 د" in arabic and "مارس" in arabic
    assert 'datetime="2026-03-01T10:00:00+03:00"' in arabic


def test_the_badge_tag_reads_the_clock_now(open_ticket):
    ticket = open_ticket(opened_at=timezone.now(), priority="low")  # opened this instant: nothing used yet
    template = Template('{% load sla %}{% sla_badge t %}|{% sla_badge t "resolution" %}')
    with translation.override("en"):
        response, resolution = template.render(Context({"t": ticket})).split("|")
    assert 'data-sla-clock="response"' in response and 'data-sla-state="ok"' in response and "left" in response
    assert 'data-sla-clock="resolution"' in resolution and 'data-sla-state="ok"' in resolution


def test_every_queue_and_every_ticket_page_shows_the_timers(client, open_ticket, head):
    ticket = open_ticket(opened_at=timezone.now(), priority="high")
    client.force_login(head)
    english(client)
    for url in ("/tickets/", "/tickets/?open=true&sort=resolve_due_at"):
        page = client.get(url).content.decode()
        assert 'data-sla-clock="response"' in page and 'data-sla-state="ok"' in page, url
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert 'data-sla-clock="response"' in page and 'data-sla-clock="resolution"' in page
    client.cookies["django_language"] = "ar"
    assert "الاستجابة" in client.get(ticket.get_absolute_url()).content.decode()


def test_the_ticket_api_carries_the_sla_clocks(api_for, open_ticket, head):
    ticket = open_ticket(opened_at=at(1, 9), priority="urgent")
    body = api_for(head).get(f"/api/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["response_due_at"] == "2026-03-01T10:00:00+03:00"
    assert body["sla_policy"] == ticket.sla_policy_id and body["escalation_level"] == 0
    response, resolution = body["sla"]["response"], body["sla"]["resolution"]
    # read now (months later): both clocks are long overdue
    assert response["state"] == resolution["state"] == "breached" and response["breached"] and response["running"]
    assert response["target_seconds"] == HOUR and response["remaining_seconds"] < 0 and response["percent_used"] > 100
    assert resolution["due_at"] == "2026-03-02T10:00:00+03:00" and resolution["target_seconds"] == 8 * HOUR
    listed = api_for(head).get("/api/tickets/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert listed["results"][0]["sla"]["resolution"]["state"] == "breached"


def test_the_sla_timers_cost_the_same_queries_for_any_number_of_rows(client, api_for, open_ticket, head, other_school):
    client.force_login(head)
    english(client)
    api = api_for(head)
    for _ in range(2):
        open_ticket(opened_at=at(1, 9))

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get("/tickets/?open=true").status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get("/api/tickets/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
        return len(page), len(listed)

    few = queries()
    for n in range(8):  # newer and older ones, at three calendars
        opened = at(2, 9) if n < 4 else at(12, 9, month=2)
        open_ticket(opened_at=opened, priority="urgent", school=other_school if n % 2 else None, location=None)
    assert queries() == few
