"""SLA targets and escalation wired into tickets. `maintenance.sla` does the arithmetic (pure);
this module picks the policy and the calendar, keeps the due columns, reads the clocks for
the pages and the API, and escalates breached tickets.

Decisions (and why):

- Policy: the most specific ACTIVE `SlaPolicy` — (priority, category) before (priority, "").
  None: the ticket has no targets (no due times, never escalated). It is chosen again on
  every refresh, so a change of priority or category (or of the policy table, through
  `manage.py sla_recompute`) applies at once, to the working time already spent.
- Calendar: a ticket at a school follows that school's calendar — its week and hours, and
  the national, directorate and that school's own holidays: a technician cannot work in a
  closed school, so a school-only holiday pauses the clock. A ticket without a school (the
  directorate office, a fiber run between sites) follows the national calendar: the default
  school week and hours with national holidays. Holidays are loaded from the opening day on
  with no end, so a holiday after the first guess of the due time is still seen.
- The due columns (`response_due_at`, `resolve_due_at`) are the clocks' due times read as of
  the ticket's latest event (opening, status change, first response), from its whole status
  history (`maintenance.sla.ticket_sla`). While a clock runs its due time does not move, so
  the column is exact; a hold moves it later by the paused working time, and that is written
  when the ticket resumes (while on hold the column keeps the due time from before the hold
  and the badge says "paused"); a reopened ticket's resolution clock runs on from where it
  stopped. The value depends only on the history, the policy and the holidays, never on when
  it is computed: `sla_refresh` runs on every service write (from `maintenance.services`) and
  `manage.py sla_recompute` runs the same function over open tickets — both idempotent.
- First response: the clocks use `maintenance.sla.first_response_at` over the status history
  plus the `first_response_at` column (staff's first answer, which the services set), the
  same reading the reports make.
- Escalation (`escalate_due`, every minute): level 1 (the IT head) when the response or the
  resolution clock is breached; level 2 (the ministry's IT centre) when the resolution clock
  has used more than its target plus SLA_ESCALATION_LEVEL2_PERCENT of it (default 50: an
  8-hour target goes to the ministry after 12 working hours). A late first response alone
  goes to the IT head; the ministry hears of a fault left unresolved. Only running tickets
  escalate: not on hold, not resolved, not closed. Each level is claimed by one conditional
  UPDATE on (pk, escalation_level, running status), so two workers, a retry or a re-run never
  escalate twice, and a ticket put on hold meanwhile is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from assets.models import Holiday
from core.choices import ChoiceSet
from core.roles import Role
from maintenance import sla
from maintenance.choices import EntryKind, EscalationLevel, TicketStatus
from maintenance.models import SlaPolicy, Ticket, TicketEntry
from maintenance.sla import WorkCalendar, add_working_time, ticket_sla, working_seconds
from maintenance.sla_calendar import calendar_for, holidays_between, work_calendar
from notifications.choices import Channel
from notifications.services import Ref, enqueue, site_url

log = logging.getLogger(__name__)

S = TicketStatus

#: Statuses in which the clocks run (on hold they pause; resolved and closed they stop).
RUNNING_STATUSES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED})
#: Status changes are recorded by these timeline entries, with data {"from": …, "to": …}.
HISTORY_KINDS = (EntryKind.STATUS, EntryKind.HOLD, EntryKind.RESUMED)
#: A running clock that has used this much of its target is "at risk".
AT_RISK_PERCENT = 75
RESPONSE, RESOLUTION = "response", "resolution"


class SlaState(ChoiceSet):
    """How a ticket's clock stands, for the badge and the API."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    NONE = "none"
    CHOICES = [
        (OK, _("On time"), "success"),
        (AT_RISK, _("At risk"), "warning"),
        (BREACHED, _("Overdue"), "danger"),
        (PAUSED, _("Paused (on hold)"), "secondary"),
        (MET, _("Met"), "success"),
        (NONE, _("No target"), "light"),
    ]


CLOCK_LABELS = {RESPONSE: _("Response"), RESOLUTION: _("Resolution")}


# --------------------------------------------------------------------------- policy, calendar, history


def target_seconds(hours: Decimal | None) -> int | None:
    return None if hours is None else int(hours * 3600)


def policy_for(*, priority: str, category: str) -> SlaPolicy | None:
    """The active policy of (priority, category), else of (priority, any category), else None."""
    rows = SlaPolicy.objects.filter(active=True, priority=priority, category__in={category, ""})
    found = {p.category: p for p in rows}
    return found.get(category) or found.get("")


def ticket_calendar(ticket: Ticket) -> WorkCalendar:
    """The school's calendar for a ticket at a school, else the national one (see the module's decisions)."""
    return calendar_for(ticket.school if ticket.school_id else None, start=ticket.opened_at, end=None)


def status_histories(ticket_ids: Iterable[int]) -> dict[int, list[tuple[datetime, str]]]:
    """[(at, status entered)] of each ticket, oldest first, from the timeline (one query)."""
    histories: dict[int, list[tuple[datetime, str]]] = {}
    rows = (
        TicketEntry.objects.filter(ticket_id__in=list(ticket_ids), kind__in=HISTORY_KINDS)
        .order_by("at", "pk")
        .values_list("ticket_id", "at", "data")
    )
    for ticket_id, at, data in rows:
        if isinstance(data, dict) and data.get("to"):
            histories.setdefault(ticket_id, []).append((at, data["to"]))
    return histories


def responded_at(ticket: Ticket, history: Sequence[tuple[datetime, str]]) -> datetime | None:
    replies = [ticket.first_response_at] if ticket.first_response_at else []
    return sla.first_response_at(history, public_replies=replies)


def ticket_clocks(
    ticket: Ticket,
    *,
    now: datetime,
    policy: SlaPolicy | None,
    calendar: WorkCalendar,
    history: Sequence[tuple[datetime, str]],
) -> sla.TicketSla | None:
    """Both clocks of a ticket read at `now` from its whole history; None without a policy."""
    if policy is None:
        return None
    return ticket_sla(
        calendar,
        opened_at=ticket.opened_at,
        history=history,
        responded_at=responded_at(ticket, history),
        response_seconds=target_seconds(policy.response_hours),
        resolve_seconds=target_seconds(policy.resolve_hours),
        now=now,
    )


def _as_of(ticket: Ticket, history: Sequence[tuple[datetime, str]]) -> datetime:
    """The ticket's latest event: the due columns are the clocks' due times read at this moment."""
    moments = [ticket.opened_at, *(at for at, _status in history)]
    if ticket.first_response_at is not None:
        moments.append(ticket.first_response_at)
    return max(moments)


def _due_times(clocks: sla.TicketSla | None) -> dict[str, datetime | None]:
    if clocks is None:
        return {"response_due_at": None, "resolve_due_at": None}
    return {"response_due_at": clocks.response.due_at, "resolve_due_at": clocks.resolution.due_at}


# --------------------------------------------------------------------------- keeping the due columns


def sla_refresh(ticket: Ticket, *, history: Sequence[tuple[datetime, str]] | None = None) -> list[str]:
    """Set the ticket's policy and due times on the instance; return the names of the fields that changed.

    The caller saves them (maintenance.services does, in the write that changed the ticket).
    `history` defaults to the ticket's timeline (none yet for an unsaved ticket).
    """
    if history is None:
        history = status_histories([ticket.pk]).get(ticket.pk, []) if ticket.pk else []
    policy = policy_for(priority=ticket.priority, category=ticket.category)
    clocks = None
    if policy is not None:
        calendar = ticket_calendar(ticket)
        clocks = ticket_clocks(ticket, now=_as_of(ticket, history), policy=policy, calendar=calendar, history=history)
    values: dict[str, object] = {"sla_policy_id": policy.pk if policy else None, **_due_times(clocks)}
    changed = []
    for attname, value in values.items():
        if getattr(ticket, attname) != value:
            setattr(ticket, attname, value)
            changed.append(attname.removesuffix("_id"))
    return changed


def sla_recompute(
    *, include_closed: bool = False, priority: str | None = None, batch_size: int = 500
) -> tuple[int, int]:
    """Refresh the SLA columns of every open ticket (or every ticket; or those of one priority):
    a backfill, safe to repeat.

    Writes only the columns that differ, with a plain UPDATE that leaves `version` alone (no
    one's open form goes stale for a recomputation). Returns (tickets read, tickets changed).
    """
    queryset = Ticket.objects.select_related("school").order_by("pk")
    if priority is not None:
        queryset = queryset.filter(priority=priority)
    if not include_closed:
        queryset = queryset.exclude(status=S.CLOSED)
    seen = changed = 0
    last_pk = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return seen, changed
        histories = status_histories(t.pk for t in batch)
        for ticket in batch:
            seen += 1
            fields = sla_refresh(ticket, history=histories.get(ticket.pk, []))
            if fields:
                changed += 1
                attnames = [Ticket._meta.get_field(f).attname for f in fields]
                Ticket.objects.filter(pk=ticket.pk).update(**{a: getattr(ticket, a) for a in attnames})
        last_pk = batch[-1].pk


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy, by=None) -> tuple[SlaPolicy, int]:
    """Save a policy and apply it at once to the open tickets it may govern (its priority, and
    the priority it had before an edit). Returns (policy, open tickets whose due times changed)."""
    before = SlaPolicy.objects.filter(pk=policy.pk).values_list("priority", flat=True).first() if policy.pk else None
    policy.full_clean()
    policy.save()
    changed = 0
    for priority in {policy.priority, before} - {None}:
        changed += sla_recompute(priority=priority)[1]
    return policy, changed


# --------------------------------------------------------------------------- reading the clocks (pages, API)


@dataclass(frozen=True)
class ClockReading:
    """One clock of a ticket at a moment, read from the stored due time (no history needed)."""

    clock: str  # RESPONSE or RESOLUTION
    state: str  # an SlaState
    phase: str  # maintenance.sla.RUNNING, PAUSED_STATE or STOPPED_STATE
    due_at: datetime | None
    target_seconds: int | None
    remaining_seconds: int | None  # negative once overdue
    percent_used: float | None
    breached: bool

    @property
    def label(self) -> str:
        return str(CLOCK_LABELS[self.clock])

    @property
    def colour(self) -> str:
        return SlaState.colour(self.state)

    @property
    def state_label(self) -> str:
        return SlaState.label(self.state)

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "running": self.phase == sla.RUNNING,
            "due_at": self.due_at,
            "breached": self.breached,
            "target_seconds": self.target_seconds,
            "remaining_seconds": self.remaining_seconds,
            "percent_used": None if self.percent_used is None else round(self.percent_used, 1),
        }


@dataclass(frozen=True)
class TicketReading:
    response: ClockReading
    resolution: ClockReading

    @property
    def current(self) -> ClockReading:
        """The clock that matters now: the response clock until the ticket is answered, then the resolution clock."""
        return self.response if self.response.phase == sla.RUNNING else self.resolution


def _signed_seconds(calendar: WorkCalendar, start: datetime, end: datetime) -> int:
    """Working seconds from start to end, negative when end is before start."""
    return working_seconds(calendar, start, end) - working_seconds(calendar, end, start)


def read_clock(
    clock: str,
    *,
    due_at: datetime | None,
    target: int | None,
    phase: str,
    anchor: datetime,
    now: datetime,
    calendar: WorkCalendar,
) -> ClockReading:
    """A clock from its stored due time: `anchor` is where it stands (now, the start of the hold, or where it stopped).

    The due time of a running or stopped clock does not move, so the remaining working time
    is the working time from the anchor to the due time; a paused clock's due time is shown
    as if the ticket resumed now (every pause moves it later, as maintenance.sla reads it).
    """
    if due_at is None or target is None:
        return ClockReading(clock, SlaState.NONE, phase, None, None, None, None, False)
    remaining = _signed_seconds(calendar, anchor, due_at)
    elapsed = target - remaining
    percent = 100.0 * elapsed / target
    breached = remaining < 0
    if phase == sla.PAUSED_STATE:
        state = SlaState.PAUSED
        if remaining > 0:
            due_at = add_working_time(calendar, now, remaining)
    elif phase == sla.STOPPED_STATE:
        state = SlaState.BREACHED if breached else SlaState.MET
    elif breached:
        state = SlaState.BREACHED
    else:
        state = SlaState.AT_RISK if percent >= AT_RISK_PERCENT else SlaState.OK
    return ClockReading(clock, state, phase, due_at, target, remaining, percent, breached)


def read_ticket(ticket: Ticket, *, now: datetime, policy: SlaPolicy | None, calendar: WorkCalendar) -> TicketReading:
    """Both clocks of a ticket at `now`, from its columns (status, hold, first response, due times)."""
    response_target = target_seconds(policy.response_hours) if policy else None
    resolve_target = target_seconds(policy.resolve_hours) if policy else None
    stopped_at = ticket.resolved_at or ticket.closed_at
    if ticket.status in sla.STOPPED:
        resolution = (sla.STOPPED_STATE, stopped_at or now)
    elif ticket.status == S.ON_HOLD:
        resolution = (sla.PAUSED_STATE, ticket.on_hold_since or now)
    else:
        resolution = (sla.RUNNING, now)
    if ticket.status in sla.AWAITING_RESPONSE and ticket.first_response_at is None:
        response = (sla.RUNNING, now)
    else:
        # Answered: by staff (the column), else by the first status past new/assigned — a
        # hold, a resolution or a closing by the system (the earliest one known here).
        moments = [m for m in (ticket.on_hold_since, ticket.resolved_at, ticket.closed_at) if m is not None]
        response = (sla.STOPPED_STATE, ticket.first_response_at or min(moments, default=now))
    common = {"now": now, "calendar": calendar}
    return TicketReading(
        response=read_clock(
            RESPONSE,
            due_at=ticket.response_due_at,
            target=response_target,
            phase=response[0],
            anchor=response[1],
            **common,
        ),
        resolution=read_clock(
            RESOLUTION,
            due_at=ticket.resolve_due_at,
            target=resolve_target,
            phase=resolution[0],
            anchor=resolution[1],
            **common,
        ),
    )


class SlaReader:
    """Reads the clocks of many tickets at one moment, loading the policies and holidays once.

    One per page or API response (the template tag keeps one per render, the serializer one
    per response). The holidays are loaded from a year before the first opening seen (a few
    dozen rows a year), so a list ordered newest first does not load them again for every
    row; `read_many` loads them once from the earliest opening of its tickets.
    """

    #: How far before an opening the holidays are loaded (a page's tickets are rarely further apart).
    LOOKBACK = timedelta(days=366)

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self._policies: dict[int, SlaPolicy] | None = None
        self._holidays: list[Holiday] = []
        self._since: dt.date | None = None
        self._calendars: dict[int | None, WorkCalendar] = {}

    def policy(self, ticket: Ticket) -> SlaPolicy | None:
        if ticket.sla_policy_id is None:
            return None
        if self._policies is None:
            self._policies = {p.pk: p for p in SlaPolicy.objects.all()}
        return self._policies.get(ticket.sla_policy_id)

    def calendar(self, ticket: Ticket) -> WorkCalendar:
        opened = timezone.localdate(ticket.opened_at, timezone.get_default_timezone())
        if self._since is None or opened < self._since:
            self._since = opened - self.LOOKBACK
            self._holidays = list(
                Holiday.objects.filter(holidays_between(self._since, None)).only(
                    "start_date", "end_date", "school_id", "directorate_id"
                )
            )
            self._calendars = {}
        key = ticket.school_id
        if key not in self._calendars:
            self._calendars[key] = work_calendar(ticket.school if key else None, self._holidays)
        return self._calendars[key]

    def read(self, ticket: Ticket) -> TicketReading:
        return read_ticket(ticket, now=self.now, policy=self.policy(ticket), calendar=self.calendar(ticket))

    def read_many(self, tickets: Sequence[Ticket]) -> list[TicketReading]:
        if tickets:
            self.calendar(min(tickets, key=lambda t: t.opened_at))  # the holidays of them all, in one query
        return [self.read(ticket) for ticket in tickets]


def format_working_time(seconds: int) -> str:
    """A span of working time as people say it: "3 h 05 min", "40 min" (the sign is the caller's)."""
    minutes = abs(int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)d min") % {"minutes": minutes}


def describe(reading: ClockReading) -> str:
    """The badge's words: how much working time is left, or how late it is."""
    if reading.remaining_seconds is None:
        return SlaState.label(SlaState.NONE)
    span = format_working_time(reading.remaining_seconds)
    if reading.state == SlaState.MET:
        return gettext("met")
    if reading.phase == sla.STOPPED_STATE:
        return gettext("%(time)s late") % {"time": span}
    if reading.breached:
        text = gettext("%(time)s overdue") % {"time": span}
    else:
        text = gettext("%(time)s left") % {"time": span}
    if reading.phase == sla.PAUSED_STATE:
        return gettext("paused, %(text)s") % {"text": text}
    return text


# --------------------------------------------------------------------------- escalation


def level2_grace_seconds(policy: SlaPolicy) -> int:
    """Working time past the resolution target before the ministry's IT centre is told."""
    return int(target_seconds(policy.resolve_hours) * settings.SLA_ESCALATION_LEVEL2_PERCENT / 100)


def due_level(clocks: sla.TicketSla, policy: SlaPolicy) -> int:
    """The escalation level the clocks call for (see the module's decisions)."""
    resolution = clocks.resolution
    if resolution.elapsed_seconds > target_seconds(policy.resolve_hours) + level2_grace_seconds(policy):
        return EscalationLevel.MINISTRY
    if clocks.response.breached or resolution.breached:
        return EscalationLevel.IT_HEAD
    return EscalationLevel.NONE


def escalation_candidates(now: datetime) -> Q:
    """Running tickets whose due columns say a level may be due (the clocks decide).

    Level 2 needs the resolution clock past its target by the grace, which takes at least as
    much wall-clock time: a per-policy bound keeps tickets far from it out of the reading.
    """
    first = Q(escalation_level=EscalationLevel.NONE) & (
        Q(resolve_due_at__lt=now)
        | Q(status__in=sla.AWAITING_RESPONSE, first_response_at__isnull=True, response_due_at__lt=now)
    )
    second = Q(pk__in=[])
    for policy in SlaPolicy.objects.all():
        bound = now - timedelta(seconds=level2_grace_seconds(policy))
        second |= Q(sla_policy=policy, resolve_due_at__lt=bound)
    second &= Q(escalation_level=EscalationLevel.IT_HEAD)
    return Q(status__in=RUNNING_STATUSES, sla_policy__isnull=False) & (first | second)


def escalate_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Escalate every running ticket whose clocks call for a higher level, one level at a time.

    The periodic job: Celery beat's `maintenance.escalate_due` (queue `tickets`) every minute,
    or the embedded poller (`manage.py poll`, shard 0). Returns how many escalations it made.
    """
    now = now or timezone.now()
    tickets = list(
        Ticket.objects.filter(escalation_candidates(now))
        .select_related("school__directorate", "sla_policy")
        .order_by("resolve_due_at", "pk")[:limit]
    )
    if not tickets:
        return 0
    histories = status_histories(t.pk for t in tickets)
    reader = SlaReader(now)
    reader.calendar(min(tickets, key=lambda t: t.opened_at))  # the holidays of them all, in one query
    made = 0
    for ticket in tickets:
        history = histories.get(ticket.pk, [])
        clocks = ticket_clocks(
            ticket, now=now, policy=ticket.sla_policy, calendar=reader.calendar(ticket), history=history
        )
        _heal_due_times(ticket, clocks)
        for level in range(ticket.escalation_level + 1, due_level(clocks, ticket.sla_policy) + 1):
            if not ticket_escalate(ticket=ticket, level=level, clocks=clocks, at=now):
                break
            made += 1
    return made


def _heal_due_times(ticket: Ticket, clocks: sla.TicketSla) -> None:
    """A running ticket's due columns equal its clocks' due times; when they do not (a holiday
    was added or removed since they were written), write the right ones."""
    fresh = _due_times(clocks)
    if any(getattr(ticket, name) != value for name, value in fresh.items()):
        Ticket.objects.filter(pk=ticket.pk, status__in=RUNNING_STATUSES).update(**fresh)
        for name, value in fresh.items():
            setattr(ticket, name, value)


def it_heads(ticket: Ticket):
    """The active IT heads who see this ticket: those of its school's directorate and those of every directorate."""
    directorate_id = ticket.school.directorate_id if ticket.school_id else None
    scope = Q(profile__directorate__isnull=True)
    if directorate_id is not None:
        scope |= Q(profile__directorate_id=directorate_id)
    return (
        get_user_model()
        .objects.filter(scope, is_active=True, profile__role=Role.IT_HEAD)
        .select_related("profile")
        .order_by("pk")
    )


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, level: int, clocks: sla.TicketSla, at: datetime) -> bool:
    """Raise a running ticket from level - 1 to `level`: claim, record, notify — in one transaction.

    The claim is one conditional UPDATE; its row count decides, so a second worker, a retry
    or a ticket put on hold meanwhile makes this a no-op (False). It changes neither the
    ticket's `version` nor a field anyone edits, so no one's open form goes stale.
    """
    claimed = Ticket.objects.filter(pk=ticket.pk, escalation_level=level - 1, status__in=RUNNING_STATUSES).update(
        escalation_level=level, escalated_at=at
    )
    if claimed != 1:
        return False
    ticket.escalation_level, ticket.escalated_at = level, at
    clock = clocks.response if level == EscalationLevel.IT_HEAD and clocks.response.breached else clocks.resolution
    which = RESPONSE if clock is clocks.response else RESOLUTION
    notified = _notify_escalation(ticket, level=level, due_at=clock.due_at)
    from maintenance.services import ticket_entry_add  # the services import this module

    ticket_entry_add(
        ticket,
        kind=EntryKind.ESCALATED,
        at=at,
        public=False,
        data={
            "level": level,
            "clock": which,
            "due_at": clock.due_at.isoformat() if clock.due_at else None,
            "percent_used": round(clock.percent_used, 1) if clock.percent_used is not None else None,
            "notified": notified,
        },
    )
    log.info("ticket %s escalated to level %s (%s clock, %s)", ticket.number, level, which, ", ".join(notified))
    return True


def _notify_escalation(ticket: Ticket, *, level: int, due_at: datetime | None) -> list[str]:
    """Queue the notices of one escalation; returns "channel:recipient" of each (for the timeline).

    Level 1: every IT head who sees the ticket, by e-mail and, when their profile has a phone,
    by SMS. Level 2: the ministry's IT centre (settings.ESCALATION_MINISTRY_EMAIL; unset: the
    escalation is recorded only) and the IT heads by e-mail, so they know it went up. Each
    message's dedupe key is `escalate:<ticket>:<level>:<recipient>`: a retried transaction
    queues nothing twice.
    """
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "number": ticket.number,
            "title": ticket.title,
            "level": str(EscalationLevel.label(level)),
            "ticket_url": site_url(ticket.get_absolute_url()),
            "due_at": due_at,
        }
        if ticket.school_id:
            context["school"] = ticket.school.name
    outgoing: list[tuple[str, str, str]] = []  # (channel, recipient, who)
    if level >= EscalationLevel.MINISTRY and settings.ESCALATION_MINISTRY_EMAIL:
        outgoing.append((Channel.EMAIL, settings.ESCALATION_MINISTRY_EMAIL, "ministry"))
    for user in it_heads(ticket):
        if user.email:
            outgoing.append((Channel.EMAIL, user.email, f"user{user.pk}"))
        phone = getattr(user.profile, "phone", "")
        if level == EscalationLevel.IT_HEAD and phone:
            outgoing.append((Channel.SMS, phone, f"user{user.pk}"))
    notified = []
    ref = Ref.to(ticket, label=ticket.number)
    for channel, recipient, who in outgoing:
        message = enqueue(
            channel=channel,
            recipient=recipient,
            template="ticket_escalated",
            context=context,
            language=language,
            dedupe_key=f"escalate:{ticket.pk}:{level}:{channel}:{who}",
            ref=ref,
        )
        notified.append(f"{channel}:{message.recipient}")
    return notified
