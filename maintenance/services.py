"""Writes to tickets, corrective actions, parts and feedback. Views, the API and the poller
call these; nothing else saves these models.

The status machine lives here, once: `TRANSITIONS` and `ticket_transition`. Every status
change — a technician's button, the API, an objection, the poller — goes through
`_apply_transition`, so automatic tickets follow exactly the rules people do.

Concurrency (optimistic): a ticket carries `version`. A write that changes the ticket row
first claims it with one conditional UPDATE (`… SET version = version + 1 WHERE pk = … AND
version = <expected>`); if no row matched, someone else changed the ticket since the
writer read it and `TicketConflict` is raised — nothing is overwritten. People's writes
pass the version they saw (`expected_version`); system writers (the poller, the requester's
feedback) pass None and take the current version under the row lock. Appends that leave
the ticket row alone — notes, corrective actions, attachments — need no version and never
make someone else's open form stale, so an action logged from a tablet is never lost to a
conflict.

The poller's side (issue 3): `automatic_ticket_open` and `automatic_ticket_recover` keep
one open automatic ticket per monitored problem. The database enforces it (a partial
unique constraint), so two pollers, a retry or a restart after a crash reuse the ticket
instead of opening a second one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.roles import Role, user_role
from maintenance import disposal_services, notify, sla_services, uploads
from maintenance.choices import (
    CloseReason,
    EntryKind,
    FeedbackKind,
    HoldReason,
    Recommendation,
    TicketSource,
    TicketStatus,
    TicketType,
)
from maintenance.models import (
    CorrectiveAction,
    PartBudget,
    PartUsage,
    SparePart,
    TechnicalReport,
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketEntry,
    TicketFeedback,
)

#: Why the poller closed a ticket by itself.
SELF_RECOVERED = CloseReason.SELF_RECOVERED

S = TicketStatus

#: The status machine. Decisions:
#: - NEW/ASSIGNED → ON_HOLD is allowed: work can wait for the school (access to a locked lab)
#:   or for parts before anyone starts it.
#: - ON_HOLD resumes to IN_PROGRESS only; resolving needs the work resumed first.
#: - RESOLVED → REOPENED needs a reason (the requester's objection, or the fault seen again).
#: - Any open status → CLOSED without RESOLVED is "closing without resolution": it needs a
#:   reason (cancelled, merged into another ticket, or the fault cleared by itself).
#: - CLOSED is final: a new fault is a new ticket.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD, S.CLOSED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.RESOLVED, S.CLOSED}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.CLOSED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD, S.CLOSED}),
    S.CLOSED: frozenset(),
}

#: Statuses a person "answers" a ticket by leaving (SLA first response).
WAITING = frozenset({S.NEW, S.ASSIGNED})
#: Close reasons that do not follow a resolution.
CLOSE_WITHOUT_RESOLUTION = frozenset({CloseReason.CANCELLED, CloseReason.MERGED, CloseReason.SELF_RECOVERED})
#: Roles that work tickets (may be assigned, log actions, write reports).
STAFF_ROLES = frozenset({Role.IT_HEAD, Role.TECHNICIAN})

#: A timestamp this far in the future is a wrong clock, not a plan.
CLOCK_SKEW = timedelta(minutes=10)


class TicketConflict(Exception):
    """Someone else changed the ticket since the caller read it (a stale `expected_version`).

    `ticket` is the current row; `current_version` is what the caller should reload with.
    """

    def __init__(self, ticket: Ticket, expected: int | None):
        self.ticket = ticket
        self.expected = expected
        self.current_version = ticket.version
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(
            "Ticket %(number)s was changed by someone else while you were working on it (it is now %(status)s, "
            "version %(version)s). Nothing was saved: check its current state and try again."
        ) % {
            "number": self.ticket.number,
            "status": TicketStatus.label(self.ticket.status),
            "version": self.ticket.version,
        }


class IdempotencyConflict(Exception):
    """An idempotency key already used for a different corrective action."""

    def __init__(self, action: CorrectiveAction):
        self.action = action
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(
            "This idempotency key was already used for a different corrective action (#%(id)s); use a new key."
        ) % {"id": self.action.pk}


# --------------------------------------------------------------------------- helpers


def next_ticket_number(year: int) -> tuple[int, str]:
    """The next gap-free number of `year`, e.g. (123, "2026-000123"). Call inside a transaction:
    the counter row stays locked until it commits, so a rolled-back ticket gives its number back."""
    TicketCounter.objects.get_or_create(year=year)
    updated = TicketCounter.objects.filter(year=year).update(last=F("last") + 1)
    assert updated == 1
    seq = TicketCounter.objects.select_for_update().values_list("last", flat=True).get(year=year)
    return seq, f"{year}-{seq:06d}"


def ticket_entry_add(
    ticket: Ticket,
    *,
    kind: str,
    at: datetime,
    text: str = "",
    data: dict[str, Any] | None = None,
    author=None,
    public: bool = False,
) -> TicketEntry:
    return TicketEntry.objects.create(
        ticket=ticket, kind=kind, at=at, text=text, data=data or {}, author=author, public=public
    )


def is_staff(user) -> bool:
    return user_role(user) in STAFF_ROLES


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _pk(obj_or_pk) -> int:
    return obj_or_pk.pk if hasattr(obj_or_pk, "pk") else int(obj_or_pk)


def _claim(ticket: Ticket | int, expected_version: int | None) -> Ticket:
    """Take the right to change the ticket row: one conditional UPDATE decides. Call inside a transaction.

    Returns the fresh row (its version already bumped). `expected_version=None` (system
    writers) takes whatever version is current, under the row lock.
    """
    pk = _pk(ticket)
    if expected_version is None:
        expected_version = Ticket.objects.select_for_update().values_list("version", flat=True).get(pk=pk)
    claimed = Ticket.objects.filter(pk=pk, version=expected_version).update(version=F("version") + 1)
    if claimed != 1:
        raise TicketConflict(Ticket.objects.get(pk=pk), expected_version)
    return Ticket.objects.select_related("school", "assigned_to").get(pk=pk)


def _save(ticket: Ticket, fields: Iterable[str]) -> None:
    # Every write refreshes the SLA policy and due times (status, priority, category, school, first response).
    fields = sorted(set(fields) | {"last_updated"} | set(sla_services.sla_refresh(ticket)))
    ticket.full_clean(exclude=["number", "year", "seq"], validate_unique=False, validate_constraints=False)
    ticket.save(update_fields=fields)


def _mark_first_response(ticket: Ticket, *, at: datetime, by) -> list[str]:
    """The first time staff answer a ticket: the SLA's first-response clock stops."""
    if ticket.first_response_at is None and by is not None and is_staff(by):
        ticket.first_response_at = at
        return ["first_response_at"]
    return []


# --------------------------------------------------------------------------- the status machine


def allowed_transitions(ticket: Ticket) -> list[str]:
    """Where the ticket may go from its current status (in the order of TicketStatus)."""
    allowed = TRANSITIONS.get(ticket.status, frozenset())
    return [s for s in TicketStatus.values() if s in allowed]


def _check_transition(
    ticket: Ticket, to: str, *, reason: str, hold_reason: str | None, close_reason: str | None
) -> str | None:
    """Raise a ValidationError naming from/to when the move is not allowed; return the close reason to record."""
    old = ticket.status
    if to not in TicketStatus.values():
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": to}})
    if to not in TRANSITIONS.get(old, frozenset()):
        raise ValidationError(
            {
                "status": _("A ticket cannot go from “%(old)s” to “%(new)s”.")
                % {"old": TicketStatus.label(old), "new": TicketStatus.label(to)}
            }
        )
    if to == S.ON_HOLD and hold_reason not in HoldReason.values():
        raise ValidationError({"hold_reason": _("Say what the ticket is waiting for.")})
    if to == S.ASSIGNED and ticket.assigned_to_id is None:
        raise ValidationError({"assigned_to": _("Assign the ticket to a technician first.")})
    if to == S.RESOLVED and not TechnicalReport.objects.filter(ticket=ticket).exists():
        raise ValidationError({"status": _("Write the technical report before resolving the ticket.")})
    if to == S.REOPENED and not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is reopened.")})
    if to == S.CLOSED:
        if old == S.RESOLVED:
            return close_reason or CloseReason.RESOLVED
        close_reason = close_reason or CloseReason.CANCELLED
        if close_reason not in CLOSE_WITHOUT_RESOLUTION:
            raise ValidationError({"status": _("Resolve the ticket before closing it.")})
        if close_reason == CloseReason.CANCELLED and not reason.strip():
            raise ValidationError({"reason": _("Say why the ticket is closed without a resolution.")})
        return close_reason
    return None


def _apply_transition(
    ticket: Ticket,
    to: str,
    *,
    by,
    at: datetime,
    reason: str = "",
    hold_reason: str | None = None,
    close_reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> list[str]:
    """Move a claimed ticket to `to`: check the rule, set the timestamps, write the timeline entry.

    Returns the changed field names; the caller saves (so a merge can set `merged_into` in
    the same save). The entry is public: the requester may follow the status and its reason.
    """
    close_reason = _check_transition(ticket, to, reason=reason, hold_reason=hold_reason, close_reason=close_reason)
    old = ticket.status
    fields = ["status"]
    ticket.status = to
    if old in WAITING and to != S.ASSIGNED:
        fields += _mark_first_response(ticket, at=at, by=by)
    if old == S.ON_HOLD:
        ticket.on_hold_since, ticket.hold_reason = None, ""
        fields += ["on_hold_since", "hold_reason"]
    if to == S.ON_HOLD:
        ticket.on_hold_since, ticket.hold_reason = at, hold_reason
        fields += ["on_hold_since", "hold_reason"]
    elif to == S.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
    elif to == S.REOPENED:
        ticket.resolved_at = None
        fields.append("resolved_at")
    elif to == S.CLOSED:
        ticket.closed_at, ticket.close_reason = at, close_reason
        fields += ["closed_at", "close_reason"]
    entry_data = {"from": old, "to": to, **(data or {})}
    if to == S.ON_HOLD:
        kind = EntryKind.HOLD
        entry_data["hold_reason"] = hold_reason
    elif old == S.ON_HOLD and to != S.CLOSED:
        kind = EntryKind.RESUMED
    else:
        kind = EntryKind.STATUS
    if close_reason:
        entry_data["close_reason"] = close_reason
    entry = ticket_entry_add(ticket, kind=kind, at=at, text=reason.strip(), data=entry_data, author=by, public=True)
    notify.status_changed(ticket, entry=entry, by=by)  # queued in this transaction, sent after it commits
    return fields


@transaction.atomic
def ticket_transition(
    *,
    ticket: Ticket | int,
    to: str,
    by,
    expected_version: int | None,
    reason: str = "",
    hold_reason: str | None = None,
    close_reason: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move a ticket to status `to` (see TRANSITIONS); a refused move is a ValidationError naming from/to.

    `expected_version` is the version the caller saw (None only for system writers).
    Resolving needs the technical report; holding needs `hold_reason`; reopening and
    closing without resolution need `reason`.
    """
    at = _now(at)
    fresh = _claim(ticket, expected_version)
    fields = _apply_transition(
        fresh, to, by=by, at=at, reason=reason, hold_reason=hold_reason, close_reason=close_reason
    )
    _save(fresh, fields)
    return fresh


def ticket_resolve(*, ticket: Ticket | int, by, expected_version: int | None, reason: str = "", at=None) -> Ticket:
    """Resolve: needs the technical report (checked by the status machine)."""
    return ticket_transition(
        ticket=ticket, to=S.RESOLVED, by=by, expected_version=expected_version, reason=reason, at=at
    )


# --------------------------------------------------------------------------- create and edit

#: What `ticket_update` may change.
EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "type",
    "priority",
    "school",
    "location",
    "requester_name",
    "requester_phone",
    "requester_email",
)


def _check_places(ticket: Ticket, assets: Sequence | None) -> None:
    """The location and the assets belong to the ticket's school (when it names one)."""
    errors: dict[str, str] = {}
    if ticket.location_id and ticket.school_id and ticket.location.school_id != ticket.school_id:
        errors["location"] = _("The location is not in the ticket's school.")
    if assets and ticket.school_id:
        foreign = [a for a in assets if getattr(a, "school_id", ticket.school_id) != ticket.school_id]
        if foreign:
            errors["assets"] = _("%(assets)s: not in the ticket's school.") % {
                "assets": ", ".join(str(a) for a in foreign)
            }
    if errors:
        raise ValidationError(errors)


def find_likely_duplicate(asset_ids: Iterable[int], *, exclude_pk: int | None = None) -> Ticket | None:
    """The oldest open ticket on any of these assets: a new request on them is likely the same fault."""
    ids = [i for i in asset_ids if i is not None]
    if not ids:
        return None
    qs = Ticket.objects.filter(assets__in=ids).exclude(status=S.CLOSED)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("opened_at", "pk").first()


@transaction.atomic
def ticket_create(
    *, opened_at: datetime, assets=(), author=None, entry_data: dict[str, Any] | None = None, **fields: Any
) -> Ticket:
    """Number and save a new ticket with its first timeline entry.

    A ticket on an asset that already has an open ticket is flagged as its likely
    duplicate (`duplicate_of_suspect`) and can be merged. `author` is recorded as
    `created_by`.
    """
    local_year = timezone.localtime(opened_at).year
    seq, number = next_ticket_number(local_year)
    fields.setdefault("created_by", author)
    ticket = Ticket(number=number, year=local_year, seq=seq, opened_at=opened_at, **fields)
    ticket.full_clean(exclude=["number", "year", "seq"], validate_constraints=False)
    asset_list = list(assets)
    if asset_list and not hasattr(asset_list[0], "pk"):
        from assets.models import Asset

        asset_list = list(Asset.objects.filter(pk__in=asset_list))
    _check_places(ticket, asset_list)
    # A person's request on an asset with an open ticket is likely the same fault. The poller
    # needs no flag: its one-open-ticket-per-problem rule already reuses its own tickets.
    suspect = None if ticket.source == TicketSource.MONITORING else find_likely_duplicate([a.pk for a in asset_list])
    ticket.duplicate_of_suspect = suspect
    sla_services.sla_refresh(ticket)  # the SLA policy and due times, for people's and the poller's tickets alike
    ticket.save()
    if asset_list:
        ticket.assets.set(asset_list)
    ticket_entry_add(
        ticket,
        kind=EntryKind.CREATED,
        at=opened_at,
        text=ticket.description,
        data=entry_data,
        author=author,
        public=ticket.source != TicketSource.MONITORING,
    )
    if suspect is not None:
        ticket_entry_add(
            ticket,
            kind=EntryKind.DUPLICATE,
            at=opened_at,
            data={"ticket": suspect.pk, "number": suspect.number},
        )
    notify.ticket_opened(ticket)
    return ticket


@transaction.atomic
def ticket_request_create(
    *,
    by,
    title: str,
    description: str,
    category: str,
    type: str = TicketType.FAULT,
    location=None,
    assets=(),
    requester_name: str = "",
    requester_phone: str = "",
    requester_email: str = "",
    attachments: Sequence = (),
    language: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """A school's request, filed by its staff: the school is theirs, the source the school portal,
    and the requester fields default to the signed-in person's name, e-mail and phone.

    `language` is the one the request was filed in (default: the active language, i.e. the
    page's or the API request's); the requester's notices are sent in it (maintenance.notify)."""
    profile = getattr(by, "profile", None)
    school = getattr(profile, "school", None)
    if school is None:
        raise ValidationError(_("Your account belongs to no school, so it cannot file a school request."))
    for upload in attachments:  # all checked before anything is stored
        uploads.check_upload(upload, field="attachments")
    at = _now(at)
    ticket = ticket_create(
        opened_at=at,
        assets=assets,
        author=by,
        title=title,
        description=description,
        category=category,
        type=type,
        source=TicketSource.PORTAL,
        school=school,
        location=location,
        requester_name=requester_name or by.get_full_name() or by.get_username(),
        requester_phone=requester_phone or getattr(profile, "phone", ""),
        requester_email=requester_email or by.email,
        entry_data={"language": notify.supported_language(language or translation.get_language())},
    )
    for upload in attachments:
        attachment_add(ticket=ticket, file=upload, by=by, public=True, at=at)
    return ticket


@transaction.atomic
def ticket_update(
    *, ticket: Ticket | int, by, expected_version: int | None, assets=None, at: datetime | None = None, **changes: Any
) -> Ticket:
    """Change the request's details (EDITABLE_FIELDS and `assets`); status moves go through ticket_transition."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in sorted(unknown)})
    at = _now(at)
    fresh = _claim(ticket, expected_version)
    changed: list[str] = []
    for name, value in changes.items():
        field = Ticket._meta.get_field(name)
        current = getattr(fresh, field.attname)
        new = value.pk if field.is_relation and value is not None and hasattr(value, "pk") else value
        if current != new:
            setattr(fresh, field.attname, new)
            changed.append(name)
    asset_list = None
    if assets is not None:
        from assets.models import Asset

        asset_list = list(Asset.objects.filter(pk__in=[_pk(a) for a in assets]))
        if {a.pk for a in asset_list} != set(fresh.assets.values_list("pk", flat=True)):
            changed.append("assets")
    if not changed:
        return fresh
    if "location" in changed or "school" in changed or "assets" in changed:
        _check_places(fresh, asset_list if asset_list is not None else list(fresh.assets.all()))
    _save(fresh, [c for c in changed if c != "assets"])
    if asset_list is not None and "assets" in changed:
        fresh.assets.set(asset_list)
    ticket_entry_add(fresh, kind=EntryKind.UPDATED, at=at, data={"fields": changed}, author=by)
    return fresh


@transaction.atomic
def ticket_assign(*, ticket: Ticket | int, assignee, by, expected_version: int | None, at=None) -> Ticket:
    """Give the ticket to a technician (or the IT head). A new or reopened ticket becomes assigned."""
    if assignee is None:
        raise ValidationError({"assigned_to": _("Choose a technician.")})
    if not is_staff(assignee) or not assignee.is_active:
        raise ValidationError({"assigned_to": _("%(user)s is not a technician.") % {"user": assignee.get_username()}})
    at = _now(at)
    fresh = _claim(ticket, expected_version)
    if fresh.status == S.CLOSED:
        raise ValidationError({"assigned_to": _("A closed ticket cannot be assigned.")})
    previous = fresh.assigned_to
    fresh.assigned_to = assignee
    fields = ["assigned_to"]
    ticket_entry_add(
        fresh,
        kind=EntryKind.ASSIGNED,
        at=at,
        author=by,
        data={"to": assignee.pk, "to_name": assignee.get_username(), "from": previous.pk if previous else None},
    )
    notify.ticket_assigned(fresh, assignee=assignee, by=by)
    if fresh.status in (S.NEW, S.REOPENED):
        fields += _apply_transition(fresh, S.ASSIGNED, by=by, at=at)
    _save(fresh, fields)
    return fresh


@transaction.atomic
def ticket_comment(*, ticket: Ticket | int, by, text: str, public: bool = False, at=None) -> TicketEntry:
    """A note on the timeline: internal by default, or a public reply the requester sees.

    Appends only, so no version is needed; staff's first public reply stops the first-response clock.
    """
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something.")})
    at = _now(at)
    pk = _pk(ticket)
    current = Ticket.objects.get(pk=pk)
    entry = ticket_entry_add(current, kind=EntryKind.COMMENT, at=at, text=text, author=by, public=public)
    if public:
        notify.public_reply(current, entry=entry, by=by)
    if public and current.first_response_at is None and is_staff(by):
        fresh = _claim(pk, None)
        fields = _mark_first_response(fresh, at=at, by=by)
        if fields:
            _save(fresh, fields)
    return entry


# --------------------------------------------------------------------------- attachments


@transaction.atomic
def attachment_add(*, ticket: Ticket | int, file, by, public: bool = False, at=None) -> TicketAttachment:
    """Store a checked photo or file (see maintenance.uploads) on the ticket. Appends: no version needed.

    Callers that store several files with other writes check them all first
    (`uploads.check_upload`), so a refused file never leaves its siblings on disk.
    """
    found = uploads.check_upload(file, field="file")
    at = _now(at)
    current = ticket if isinstance(ticket, Ticket) else Ticket.objects.get(pk=ticket)
    original = uploads.clean_filename(getattr(file, "name", ""), "file")
    attachment = TicketAttachment(
        ticket=current,
        name=original,
        content_type=found.content_type,
        kind=found.kind,
        size=file.size,
        uploaded_by=by,
        at=at,
        public=public,
    )
    attachment.file.save(f"upload{found.extension}", file, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    ticket_entry_add(
        current,
        kind=EntryKind.ATTACHMENT,
        at=at,
        author=by,
        public=public,
        data={"attachment": attachment.pk, "name": attachment.name},
    )
    return attachment


# --------------------------------------------------------------------------- corrective actions and parts


def _parts_list(parts: Iterable) -> list[tuple[int, int]]:
    """[(part id, quantity)] with one row per part (repeated parts add up), quantities checked."""
    totals: dict[int, int] = {}
    for item in parts or ():
        if isinstance(item, dict):
            part, quantity = item["part"], item["quantity"]
        else:
            part, quantity = item
        try:
            quantity = int(quantity)
        except (TypeError, ValueError):
            raise ValidationError({"parts": _("A quantity must be a whole number.")}) from None
        if quantity < 1:
            raise ValidationError({"parts": _("A quantity must be at least 1.")})
        totals[_pk(part)] = totals.get(_pk(part), 0) + quantity
    return sorted(totals.items())


def _draw(part_id: int, quantity: int) -> SparePart:
    """Take `quantity` of a part from stock: one conditional UPDATE, never below zero."""
    drawn = SparePart.objects.filter(pk=part_id, active=True, quantity_on_hand__gte=quantity).update(
        quantity_on_hand=F("quantity_on_hand") - quantity
    )
    part = SparePart.objects.filter(pk=part_id).first()
    if part is None:
        raise ValidationError({"parts": _("Unknown spare part #%(id)s.") % {"id": part_id}})
    if drawn != 1:
        if not part.active:
            raise ValidationError({"parts": _("%(part)s is no longer in use.") % {"part": part}})
        raise ValidationError(
            {
                "parts": _("Not enough %(part)s in stock: %(have)s left, %(want)s needed.")
                % {"part": part, "have": part.quantity_on_hand, "want": quantity}
            }
        )
    return part


def _return(part_id: int, quantity: int) -> None:
    SparePart.objects.filter(pk=part_id).update(quantity_on_hand=F("quantity_on_hand") + quantity)


def _fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _action_payload(
    *, ticket_id, asset, technician, started_at, ended_at, action_type, outcome, notes, parts, photo, corrects
) -> dict[str, Any]:
    return {
        "ticket": ticket_id,
        "asset": _pk(asset) if asset is not None else None,
        "technician": _pk(technician),
        "started_at": started_at.isoformat() if started_at else None,
        "ended_at": ended_at.isoformat() if ended_at else None,
        "action_type": action_type,
        "outcome": outcome,
        "notes": (notes or "").strip(),
        "parts": parts,
        "photo": [getattr(photo, "name", ""), getattr(photo, "size", None)] if photo else None,
        "corrects": corrects,
    }


def _replay(idempotency_key: str | None, fingerprint: str) -> CorrectiveAction | None:
    """The action already recorded under this key (same payload), or None; another payload is a conflict."""
    if not idempotency_key:
        return None
    existing = CorrectiveAction.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(existing)
    return existing


def _check_action(
    ticket: Ticket, *, asset, technician, started_at: datetime, ended_at: datetime | None, at: datetime
) -> None:
    errors: dict[str, str] = {}
    if asset is not None and ticket.school_id and asset.school_id not in (None, ticket.school_id):
        errors["asset"] = _("The asset is not in the ticket's school.")
    if not is_staff(technician):
        errors["technician"] = _("%(user)s is not a technician.") % {"user": technician.get_username()}
    if started_at > at + CLOCK_SKEW:
        errors["started_at"] = _("An action cannot start in the future.")
    if ended_at is not None and ended_at < started_at:
        errors["ended_at"] = _("An action cannot end before it starts.")
    if errors:
        raise ValidationError(errors)


def _insert_action(
    *,
    ticket: Ticket,
    by,
    at: datetime,
    asset,
    technician,
    started_at,
    ended_at,
    action_type,
    outcome,
    notes,
    photo,
    photo_from: CorrectiveAction | None,
    corrects: CorrectiveAction | None,
    correction_reason: str,
    idempotency_key: str | None,
    fingerprint: str,
) -> CorrectiveAction:
    action = CorrectiveAction(
        ticket=ticket,
        asset=asset,
        technician=technician,
        started_at=started_at,
        ended_at=ended_at,
        action_type=action_type,
        outcome=outcome,
        notes=(notes or "").strip(),
        corrects=corrects,
        correction_reason=correction_reason,
        idempotency_key=idempotency_key or None,
        fingerprint=fingerprint,
        created_at=at,
        created_by=by,
    )
    if photo:
        found = uploads.check_upload(photo, field="photo", photo_only=True)
        action.photo.save(f"photo{found.extension}", photo, save=False)
        action.photo_name = uploads.clean_filename(getattr(photo, "name", ""), "photo")
    elif photo_from is not None and photo_from.photo:
        action.photo, action.photo_name = photo_from.photo.name, photo_from.photo_name
    action.full_clean(exclude=["idempotency_key", "corrects"], validate_constraints=False)
    action.save()
    return action


def _record_parts(action: CorrectiveAction, parts: list[tuple[int, int]]) -> list[PartUsage]:
    usages = []
    for part_id, quantity in parts:
        part = _draw(part_id, quantity)
        usages.append(PartUsage(action=action, part=part, quantity=quantity, unit_cost=part.unit_cost))
    PartUsage.objects.bulk_create(usages)
    return usages


def _with_key(create, *, idempotency_key: str | None, fingerprint: str) -> tuple[CorrectiveAction, bool]:
    """Run `create()` in a savepoint; a concurrent insert of the same key is a replay, not an error."""
    replay = _replay(idempotency_key, fingerprint)
    if replay is not None:
        return replay, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        replay = _replay(idempotency_key, fingerprint) if idempotency_key else None
        if replay is not None:
            return replay, False
        raise


@transaction.atomic
def action_log(
    *,
    ticket: Ticket | int,
    by,
    action_type: str,
    outcome: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    technician=None,
    asset=None,
    notes: str = "",
    photo=None,
    parts: Iterable = (),
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[CorrectiveAction, bool]:
    """Record a corrective action (append-only) and draw its parts from stock. Returns (action, created).

    `parts` is [(part, quantity)] or [{"part": …, "quantity": …}]. Not enough stock of
    any part refuses the whole action (a ValidationError naming the part) and nothing is
    drawn. With an `idempotency_key`, a replay of the same action returns the recorded
    one (created=False); a different action under a used key is an IdempotencyConflict.
    The ticket's version is neither needed nor changed: an action is never lost to a
    concurrent edit of the ticket.
    """
    at = _now(at)
    current = ticket if isinstance(ticket, Ticket) else Ticket.objects.select_related("school").get(pk=ticket)
    technician = technician or by
    part_rows = _parts_list(parts)
    fingerprint = _fingerprint(
        _action_payload(
            ticket_id=current.pk,
            asset=asset,
            technician=technician,
            started_at=started_at,
            ended_at=ended_at,
            action_type=action_type,
            outcome=outcome,
            notes=notes,
            parts=part_rows,
            photo=photo,
            corrects=None,
        )
    )

    def create() -> CorrectiveAction:
        _check_action(current, asset=asset, technician=technician, started_at=started_at, ended_at=ended_at, at=at)
        action = _insert_action(
            ticket=current,
            by=by,
            at=at,
            asset=asset,
            technician=technician,
            started_at=started_at,
            ended_at=ended_at,
            action_type=action_type,
            outcome=outcome,
            notes=notes,
            photo=photo,
            photo_from=None,
            corrects=None,
            correction_reason="",
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
        _record_parts(action, part_rows)
        ticket_entry_add(
            current,
            kind=EntryKind.ACTION,
            at=at,
            author=by,
            text=action.notes,
            data={"action": action.pk, "type": action.action_type, "outcome": action.outcome},
        )
        return action

    return _with_key(create, idempotency_key=idempotency_key, fingerprint=fingerprint)


_UNSET: Any = object()


@transaction.atomic
def action_correct(
    *,
    action: CorrectiveAction | int,
    by,
    reason: str,
    action_type: str = _UNSET,
    outcome: str = _UNSET,
    started_at: datetime = _UNSET,
    ended_at: datetime | None = _UNSET,
    technician=_UNSET,
    asset=_UNSET,
    notes: str = _UNSET,
    photo=None,
    parts: Iterable | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[CorrectiveAction, bool]:
    """Correct an action: a NEW row pointing at it (the original never changes). Returns (correction, created).

    Fields not given are copied from the corrected action. `parts=None` keeps its parts
    (copied, no stock moves); a list replaces them: the corrected action's parts go back
    to stock and the new ones are drawn, in one transaction. Only the latest version of an
    action can be corrected.
    """
    at = _now(at)
    original = CorrectiveAction.objects.select_related("ticket__school").get(pk=_pk(action))
    if not (reason or "").strip():
        raise ValidationError({"correction_reason": _("Say what the correction fixes.")})

    def pick(value, name):
        return getattr(original, name) if value is _UNSET else value

    values = {
        "action_type": pick(action_type, "action_type"),
        "outcome": pick(outcome, "outcome"),
        "started_at": pick(started_at, "started_at"),
        "ended_at": pick(ended_at, "ended_at"),
        "technician": pick(technician, "technician"),
        "asset": pick(asset, "asset"),
        "notes": pick(notes, "notes"),
    }
    old_parts = list(original.parts.values_list("part_id", "quantity", "unit_cost"))
    new_parts = None if parts is None else _parts_list(parts)
    fingerprint = _fingerprint(
        _action_payload(
            ticket_id=original.ticket_id,
            parts=new_parts if new_parts is not None else [(p, q) for p, q, _c in old_parts],
            photo=photo,
            corrects=original.pk,
            **values,
        )
        | {"reason": reason.strip()}
    )

    def create() -> CorrectiveAction:
        if CorrectiveAction.objects.filter(corrects=original).exists():
            raise ValidationError(
                {"corrects": _("This action has already been corrected: correct the latest version.")}
            )
        _check_action(
            original.ticket, at=at, **{k: values[k] for k in ("asset", "technician", "started_at", "ended_at")}
        )
        correction = _insert_action(
            ticket=original.ticket,
            by=by,
            at=at,
            photo=photo,
            photo_from=original,
            corrects=original,
            correction_reason=reason.strip(),
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            **values,
        )
        if new_parts is None:
            PartUsage.objects.bulk_create(
                PartUsage(action=correction, part_id=p, quantity=q, unit_cost=c) for p, q, c in old_parts
            )
        else:
            for part_id, quantity, _cost in old_parts:
                _return(part_id, quantity)
            _record_parts(correction, new_parts)
        ticket_entry_add(
            original.ticket,
            kind=EntryKind.ACTION,
            at=at,
            author=by,
            text=reason.strip(),
            data={"action": correction.pk, "corrects": original.pk, "type": correction.action_type},
        )
        return correction

    try:
        return _with_key(create, idempotency_key=idempotency_key, fingerprint=fingerprint)
    except IntegrityError:
        # the "corrected once" constraint: someone corrected the same version a moment ago
        raise ValidationError(
            {"corrects": _("This action has already been corrected: correct the latest version.")}
        ) from None


# --------------------------------------------------------------------------- spare parts and budget


@transaction.atomic
def spare_part_save(*, part: SparePart, by=None) -> SparePart:
    """Create or edit a part's description and price. The stock changes only through receive/draw."""
    if part.pk is not None:
        stock = SparePart.objects.select_for_update().values_list("quantity_on_hand", flat=True).get(pk=part.pk)
        part.quantity_on_hand = stock  # never overwrite the stock with a value read earlier
    part.full_clean()
    part.save()
    return part


@transaction.atomic
def spare_part_receive(*, part: SparePart | int, quantity: int, by=None) -> SparePart:
    """Add received stock (or, with a negative quantity, write off a stock-take difference)."""
    if quantity == 0:
        raise ValidationError({"quantity": _("Enter a quantity other than zero.")})
    pk = _pk(part)
    qs = SparePart.objects.filter(pk=pk)
    if quantity < 0:
        qs = qs.filter(quantity_on_hand__gte=-quantity)
    if qs.update(quantity_on_hand=F("quantity_on_hand") + quantity) != 1:
        current = SparePart.objects.get(pk=pk)
        raise ValidationError(
            {
                "quantity": _("Not enough %(part)s in stock: %(have)s left, %(want)s needed.")
                % {"part": current, "have": current.quantity_on_hand, "want": -quantity}
            }
        )
    from core.changelog import log_change, serialize_object

    current = SparePart.objects.get(pk=pk)
    before = serialize_object(current)
    before["quantity_on_hand"] = current.quantity_on_hand - quantity
    log_change(current, "update", prechange=before, postchange=serialize_object(current))
    return current


@transaction.atomic
def part_budget_save(*, budget: PartBudget, by=None) -> PartBudget:
    budget.full_clean()
    budget.save()
    return budget


# --------------------------------------------------------------------------- technical report


@transaction.atomic
def report_save(
    *,
    ticket: Ticket | int,
    by,
    expected_version: int | None,
    diagnosis: str,
    actions_taken: str,
    result: str,
    recommendation: str = Recommendation.NONE,
    recommendation_notes: str = "",
    technician=None,
    reported_at: datetime | None = None,
    at: datetime | None = None,
) -> TechnicalReport:
    """Write or rewrite the ticket's technical report (QF75-11, second half). Final once the ticket is closed."""
    at = _now(at)
    fresh = _claim(ticket, expected_version)
    if fresh.status == S.CLOSED:
        raise ValidationError(_("The ticket is closed: its technical report can no longer change."))
    technician = technician or by
    if not is_staff(technician):
        raise ValidationError({"technician": _("%(user)s is not a technician.") % {"user": technician.get_username()}})
    report = TechnicalReport.objects.filter(ticket=fresh).first()
    created = report is None
    if report is None:
        report = TechnicalReport(ticket=fresh)
    report.diagnosis = diagnosis
    report.actions_taken = actions_taken
    report.result = result
    report.recommendation = recommendation
    report.recommendation_notes = recommendation_notes
    report.technician = technician
    report.reported_at = reported_at or at
    report.full_clean(exclude=["ticket"])
    report.save()
    # Issue 7: recommending disposal puts the assets forward ("awaiting disposal"); dropping it takes them back.
    disposal_services.disposal_from_report(report=report, by=by, at=at)
    _save(fresh, [])
    ticket_entry_add(
        fresh,
        kind=EntryKind.REPORT,
        at=at,
        author=by,
        data={"created": created, "result": report.result, "recommendation": report.recommendation},
    )
    return report


# --------------------------------------------------------------------------- requester feedback


def _answerable(ticket: Ticket) -> None:
    if ticket.status != S.RESOLVED:
        raise ValidationError(_("Only a resolved ticket can be accepted or objected to."))


def _feedback_row(**fields) -> TicketFeedback:
    row = TicketFeedback(**fields)
    row.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError(_("This resolution has already been answered.")) from None
    return row


def _feedback_record(
    ticket: Ticket, *, kind: str, entry_kind: str, text: str, at: datetime, by, by_name: str, **fields: Any
) -> TicketFeedback:
    """The feedback row on the ticket's current resolution and its public timeline entry."""
    row = _feedback_row(
        ticket=ticket, kind=kind, resolved_at=ticket.resolved_at, at=at, by=by, by_name=by_name, **fields
    )
    data = {"feedback": row.pk}
    if fields.get("rating") is not None:
        data["rating"] = row.rating
    ticket_entry_add(ticket, kind=entry_kind, at=at, author=by, text=text, public=True, data=data)
    return row


def _validate_rating(rating: int | None, comment: str) -> None:
    if rating is not None and not (1 <= int(rating) <= 5):
        raise ValidationError({"rating": _("The rating is from 1 to 5.")})


@transaction.atomic
def feedback_accept(
    *, ticket: Ticket | int, by=None, by_name: str = "", rating: int | None = None, comment: str = "", at=None
) -> TicketFeedback:
    """The requester accepts the solution (optionally rating it): the ticket is closed as accepted."""
    at = _now(at)
    _validate_rating(rating, comment)
    fresh = _claim(ticket, None)
    _answerable(fresh)
    row = _feedback_record(
        fresh,
        kind=FeedbackKind.ACCEPTED,
        entry_kind=EntryKind.ACCEPTED,
        text=comment.strip(),
        at=at,
        by=by,
        by_name=by_name,
        rating=rating,
        comment=comment.strip(),
    )
    fields = _apply_transition(fresh, S.CLOSED, by=by, at=at, close_reason=CloseReason.ACCEPTED)
    _save(fresh, fields)
    return row


@transaction.atomic
def feedback_object(*, ticket: Ticket | int, reason: str, by=None, by_name: str = "", at=None) -> TicketFeedback:
    """The requester objects to the solution: an objection row (counted in the reports) and the ticket reopens."""
    at = _now(at)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An objection needs a reason.")})
    fresh = _claim(ticket, None)
    _answerable(fresh)
    row = _feedback_record(
        fresh,
        kind=FeedbackKind.OBJECTED,
        entry_kind=EntryKind.OBJECTION,
        text=reason,
        at=at,
        by=by,
        by_name=by_name,
        reason=reason,
    )
    fields = _apply_transition(fresh, S.REOPENED, by=by, at=at, reason=reason, data={"why": "objection"})
    _save(fresh, fields)
    return row


@transaction.atomic
def feedback_rate(
    *, ticket: Ticket | int, rating: int, comment: str = "", by=None, by_name: str = "", at=None
) -> TicketFeedback:
    """A 1–5 satisfaction rating of the latest resolution, once per resolution."""
    at = _now(at)
    if rating is None:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    _validate_rating(rating, comment)
    current = Ticket.objects.select_for_update().get(pk=_pk(ticket))
    resolved = current.status == S.RESOLVED or (
        current.status == S.CLOSED and current.close_reason in (CloseReason.RESOLVED, CloseReason.ACCEPTED)
    )
    if not resolved or current.resolved_at is None:
        raise ValidationError(_("Only a resolved ticket can be rated."))
    if current.feedback.filter(resolved_at=current.resolved_at, rating__isnull=False).exists():
        raise ValidationError({"rating": _("This resolution has already been rated.")})
    return _feedback_record(
        current,
        kind=FeedbackKind.RATED,
        entry_kind=EntryKind.RATING,
        text=comment.strip(),
        at=at,
        by=by,
        by_name=by_name,
        rating=int(rating),
        comment=comment.strip(),
    )


# --------------------------------------------------------------------------- merge


@transaction.atomic
def ticket_merge(
    *, duplicate: Ticket | int, into: Ticket | int, by, expected_version: int | None, reason: str = "", at=None
) -> Ticket:
    """Merge a duplicate into the original: the duplicate is closed as merged and points at it.

    Attachments, actions and entries stay on the ticket they were recorded on; the original
    lists its merged tickets (`merged_tickets`) and both timelines say so.
    """
    at = _now(at)
    if _pk(duplicate) == _pk(into):
        raise ValidationError({"into": _("A ticket cannot be merged into itself.")})
    fresh = _claim(duplicate, expected_version)
    original = _claim(into, None)
    if original.status == S.CLOSED:
        raise ValidationError(
            {"into": _("Merge into an open ticket: %(number)s is closed.") % {"number": original.number}}
        )
    if original.school_id != fresh.school_id:
        # a requester's timeline would point at another school's ticket
        raise ValidationError({"into": _("Only tickets of the same school can be merged.")})
    fields = _apply_transition(
        fresh,
        S.CLOSED,
        by=by,
        at=at,
        reason=reason,
        close_reason=CloseReason.MERGED,
        data={"into": original.pk, "into_number": original.number},
    )
    fresh.merged_into = original
    _save(fresh, [*fields, "merged_into"])
    ticket_entry_add(
        fresh,
        kind=EntryKind.MERGED,
        at=at,
        author=by,
        text=reason.strip(),
        public=True,
        data={"into": original.pk, "number": original.number},
    )
    ticket_entry_add(
        original,
        kind=EntryKind.MERGED,
        at=at,
        author=by,
        text=reason.strip(),
        data={"merged": fresh.pk, "number": fresh.number},
    )
    _save(original, [])
    return fresh


# --------------------------------------------------------------------------- automatic tickets (the poller)


@dataclass(frozen=True)
class AutomaticTicket:
    """What the poller knows about a fault, in the ticket's terms."""

    key: str  # the monitored target, e.g. "netmon.target:42"
    problem: str  # the check, e.g. "icmp", "interface:3"
    title: str
    description: str
    category: str
    priority: str
    school_id: int | None = None
    location_id: int | None = None
    asset_ids: tuple[int, ...] = ()


def find_open_automatic_ticket(key: str, problem: str, *, lock: bool = False) -> Ticket | None:
    qs = Ticket.objects.select_for_update() if lock else Ticket.objects.all()
    return (
        qs.filter(source=TicketSource.MONITORING, monitor_key=key, monitor_problem=problem)
        .exclude(status=TicketStatus.CLOSED)
        .first()
    )


@transaction.atomic
def automatic_ticket_open(
    fault: AutomaticTicket, *, at: datetime, data: dict[str, Any] | None = None
) -> tuple[Ticket, bool]:
    """Open the automatic ticket for this fault, or reuse the open one. Returns (ticket, created).

    A reused ticket gets a "fault seen again" entry; if a technician had resolved it, it
    is reopened (through the status machine). Safe against a concurrent poller: the loser
    of the race on the unique constraint reuses the winner's ticket.
    """
    for _attempt in range(3):
        existing = find_open_automatic_ticket(fault.key, fault.problem, lock=True)
        if existing is not None:
            _repeat(existing, at=at, data=data)
            return existing, False
        try:
            with transaction.atomic():
                ticket = ticket_create(
                    opened_at=at,
                    assets=fault.asset_ids,
                    title=fault.title[:200],
                    description=fault.description,
                    school_id=fault.school_id,
                    location_id=fault.location_id,
                    category=fault.category,
                    type=TicketType.FAULT,
                    source=TicketSource.MONITORING,
                    priority=fault.priority,
                    monitor_key=fault.key,
                    monitor_problem=fault.problem,
                    entry_data=data,
                )
            return ticket, True
        except IntegrityError:
            continue  # another poller opened it between our look and our insert: reuse it
    raise RuntimeError(f"could not open or find the automatic ticket for {fault.key} {fault.problem}")


def _repeat(ticket: Ticket, *, at: datetime, data: dict[str, Any] | None) -> None:
    ticket_entry_add(ticket, kind=EntryKind.FAULT_REPEATED, at=at, data=data or {})
    if ticket.status == TicketStatus.RESOLVED:
        fresh = _claim(ticket, None)
        fields = _apply_transition(
            fresh,
            S.REOPENED,
            by=None,
            at=at,
            reason=_("The monitored fault was seen again."),
            data={"why": "fault_repeated"},
        )
        _save(fresh, fields)
        ticket.refresh_from_db()


def ticket_touched(ticket: Ticket) -> bool:
    """Has a person acted on it: assigned, moved it on, or written in it?"""
    if ticket.status != TicketStatus.NEW or ticket.assigned_to_id is not None:
        return True
    return ticket.entries.filter(author__isnull=False).exists()


@transaction.atomic
def automatic_ticket_recover(
    *,
    key: str,
    problem: str,
    at: datetime,
    outage: timedelta | None,
    self_close_within: timedelta | None,
    data: dict[str, Any] | None = None,
) -> Ticket | None:
    """The monitored problem cleared: append a recovery entry to its open ticket (if any).

    A ticket nobody touched whose outage lasted at most `self_close_within` is closed as
    self-recovered (through the status machine: NEW → CLOSED without resolution). Returns
    the ticket, or None when there was none open.
    """
    ticket = find_open_automatic_ticket(key, problem, lock=True)
    if ticket is None:
        return None
    seconds = None if outage is None else outage.total_seconds()
    ticket_entry_add(ticket, kind=EntryKind.RECOVERED, at=at, data={**(data or {}), "outage_s": seconds})
    if (
        self_close_within is not None
        and outage is not None
        and outage <= self_close_within
        and not ticket_touched(ticket)
    ):
        fresh = _claim(ticket, None)
        fields = _apply_transition(
            fresh, S.CLOSED, by=None, at=at, close_reason=CloseReason.SELF_RECOVERED, data={"why": SELF_RECOVERED}
        )
        fresh.resolved_at = at
        _save(fresh, [*fields, "resolved_at"])
        ticket.refresh_from_db()
    return ticket
