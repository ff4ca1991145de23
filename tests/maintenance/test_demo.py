"""The demo help desk (maintenance/demo.py): parts, this year's budget and a ticket in every
status, played through the services — and a second load_demo changes nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from maintenance import demo, selectors
from maintenance.choices import CloseReason, FeedbackKind, HoldReason, TicketSource, TicketStatus
from maintenance.models import (
    CorrectiveAction,
    PartBudget,
    PartUsage,
    SparePart,
    TechnicalReport,
    Ticket,
    TicketEntry,
    TicketFeedback,
)
from notifications.models import Message
from tests.assets.ui_fixtures import client_for, text

pytestmark = pytest.mark.django_db
S = TicketStatus


def counts() -> dict[str, object]:
    return {
        "tickets": Ticket.objects.count(),
        "entries": TicketEntry.objects.count(),
        "actions": CorrectiveAction.objects.count(),
        "usages": PartUsage.objects.count(),
        "reports": TechnicalReport.objects.count(),
        "feedback": TicketFeedback.objects.count(),
        "budgets": PartBudget.objects.count(),
        "stock": dict(SparePart.objects.values_list("code", "quantity_on_hand")),
    }


@pytest.fixture
def loaded():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def demo_ticket(key: str) -> Ticket:
    return Ticket.objects.get(entries__kind="created", entries__data__demo=key)


def test_it_is_idempotent(loaded):
    first = counts()
    assert first["tickets"] == len(demo.STORIES) == 8
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert counts() == first


def test_every_status_of_the_help_desk_is_there(loaded):
    statuses = sorted(Ticket.objects.values_list("status", flat=True))
    assert set(statuses) == set(S.values())  # new, assigned, in progress, on hold, resolved, closed, reopened
    assert not Ticket.objects.filter(source=TicketSource.MONITORING).exists()  # the poller raises its own
    assert all(t.requester_phone.startswith("07900001") and t.requester_email == "" for t in Ticket.objects.all())
    assert all(any("\u0600" <= c <= "\u06ff" for c in t.requester_name + t.description) for t in Ticket.objects.all())


def test_the_stories_follow_the_rules(loaded):
    assigned = demo_ticket("board-touch")
    assert assigned.status == S.ASSIGNED and assigned.assigned_to.username == "tech"

    working = demo_ticket("lab-pc-restarts")
    assert working.status == S.IN_PROGRESS and working.source == TicketSource.PORTAL
    actions = selectors.ticket_actions(working)
    assert [a.action_type for a in actions] == ["diagnosis", "part_replacement"]
    assert [(u.part.code, u.quantity) for u in actions[1].parts.all()] == [("RAM-DDR4-8", 1)]
    assert working.entries.filter(kind="comment", public=True).exists()

    held = demo_ticket("projector-lamp")
    assert held.status == S.ON_HOLD and held.hold_reason == HoldReason.PARTS and held.on_hold_since
    assert SparePart.objects.get(code="LAMP-EBX06").quantity_on_hand == 0  # what it waits for

    resolved = demo_ticket("lab-wifi")
    assert resolved.status == S.RESOLVED and resolved.technical_report.result == "fixed"

    closed = demo_ticket("office-pc-power")
    assert closed.status == S.CLOSED and closed.close_reason == CloseReason.ACCEPTED
    accepted = closed.feedback.get(kind=FeedbackKind.ACCEPTED)
    assert accepted.rating == 5 and accepted.by is None and accepted.by_name == closed.requester_name

    reopened = demo_ticket("virtual-lab-software")
    assert reopened.status == S.REOPENED
    assert reopened.feedback.filter(kind=FeedbackKind.OBJECTED).exclude(reason="").count() == 1

    disposal = demo_ticket("library-laptop")
    assert disposal.status == S.CLOSED and disposal.technical_report.recommendation == "disposal"

    # the times are in the past, in order, and the SLA clocks were set by the services
    now = timezone.now()
    for ticket in Ticket.objects.all():
        assert ticket.opened_at < now and ticket.response_due_at is not None
        assert timezone.localtime(ticket.opened_at).weekday() not in (4, 5)  # Friday and Saturday are the weekend
        assert all(e.at <= now for e in ticket.entries.all())


def test_stock_and_budget_follow_the_parts_used(loaded):
    stock = dict(SparePart.objects.values_list("code", "quantity_on_hand"))
    received = {code: quantity for code, _n, _u, quantity, _c in demo.PARTS}
    used = {"RAM-DDR4-8": 1, "PSU-450": 1, "CAT6-M": 15, "RJ45": 4}
    assert stock == {code: received[code] - used.get(code, 0) for code in received}
    year = timezone.localdate().year
    assert PartBudget.objects.get(year=year).amount == demo.BUDGET
    assert selectors.parts_spent(year) == Decimal("18.500") + Decimal("22") + Decimal("5.250") + Decimal("0.600")


def test_the_demo_prints_its_qf75_11(loaded, tmp_path):
    from django.contrib.auth import get_user_model

    from tests.core.test_pdf import page_text

    head = get_user_model().objects.get(username="head")
    closed = demo_ticket("office-pc-power")
    html = text(client_for(head).get(reverse("maintenance:ticket_print", args=[closed.pk])))
    assert "مزود طاقة 450 واط" in html and "22.000" in html and "خالد المومني" in html
    pdf = client_for(head).get(reverse("maintenance:ticket_pdf", args=[closed.pk])).content
    page = page_text(pdf, tmp_path, 1)
    assert closed.number in page and "خالد المومني" in page


def test_tickets_open_on_a_past_school_day():
    sunday_morning = datetime(2026, 11, 22, 7, 23, tzinfo=ZoneInfo("Asia/Amman"))
    assert demo._opened_at(0, 9, now=sunday_morning) == datetime(2026, 11, 19, 9, 0, tzinfo=ZoneInfo("Asia/Amman"))
    assert demo._opened_at(2, 8.5, now=sunday_morning) == datetime(2026, 11, 19, 8, 30, tzinfo=ZoneInfo("Asia/Amman"))
    assert demo._opened_at(3, 10, now=sunday_morning) == datetime(2026, 11, 19, 10, 0, tzinfo=ZoneInfo("Asia/Amman"))
    monday_noon = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Asia/Amman"))
    assert demo._opened_at(0, 9, now=monday_noon) == datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Amman"))


def test_the_demo_requesters_are_never_notified(loaded):
    """Invented people with made-up phone numbers: nothing for them may reach a real gateway."""
    assert Ticket.objects.exclude(requester_phone="").exists()
    assert not Message.objects.exists()
