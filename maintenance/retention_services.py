"""Record retention (QP-70-2, section 6): what is past its retention period, its export, and only
then its archiving or purging. `manage.py retention` is the thin front of this module.

Each record type Siyana holds has a handler (`RECORD_TYPES`): which rows it is, the date its
retention runs from, what keeps a row whatever its age, how a row is exported and deleted.

| code | rows | retention runs from |
|---|---|---|
| QF75-11 | closed tickets (with their timeline, files, actions, parts, report, feedback) | closing |
| QF75-13 | field visits (with checks and findings) | the visit date (planned date if never made) |
| QF70-2-1 | visit programmes (their visits stay, under QF75-13) | the term's last day |
| DISPOSAL | decided disposal lists (with their items) | the decision date — permanent by default |

The other rows of the records table are the school's registers or forms Siyana does not hold,
and QF70-2-12 is computed from the inventory when it is printed: nothing of theirs is stored.

Rules:

- A record is past retention when its date is before the cutoff: today minus the policy's
  years (`RetentionPolicy`, editable by the IT head). A permanent policy has no cutoff.
- Nothing linked to an open ticket is purged: a closed ticket an open one names as its likely
  duplicate or was merged into, a visit whose follow-up ticket is still open (and the programme
  holding it), a disposal list whose items' technical report belongs to an open ticket. A
  ticket whose technical report backs an item still waiting for the disposal committee is kept
  too (QF75-11 is the committee's input). Such records are listed as "kept" and left out of
  the set.
- `export` writes, per record type, `<code>.csv` and `<code>.json` into a new or empty
  directory, with `manifest.json`: the cutoff, the ids, the SHA-256 of every file, and the
  set's hash (SHA-256 of the code and the sorted ids). Each export is recorded as a
  `RetentionExport` row with the manifest's own SHA-256.
- `purge` acts only on a set that was exported: for each record type it recomputes the set,
  and needs an export row with the same set hash whose manifest and files are still on disk
  unchanged. If the set changed (a day later more records expired, a ticket reopened) or the
  files are gone or altered, nothing is done: export again. Without `archive` the rows are
  deleted (with their change history and journal, which hold the same data); with `archive`
  a restorable copy — Django's JSON of every deleted row plus the stored files — is written to
  settings.RETENTION_ARCHIVE_DIR first, and the live database is then cleared the same way.
- A dry run writes nothing and deletes nothing; it reports what would be done (and, for a
  purge, whether the export proof holds).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import JournalEntry, ObjectChange
from core.spreadsheets import formula_safe
from maintenance.choices import DisposalDecision, DisposalListStatus, TicketStatus
from maintenance.models import (
    CorrectiveAction,
    DisposalItem,
    DisposalList,
    PartUsage,
    RetentionExport,
    RetentionPolicy,
    TechnicalReport,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketFeedback,
    Visit,
    VisitCheck,
    VisitFinding,
    VisitProgramme,
)

MANIFEST = "manifest.json"
PURGE, ARCHIVE = "purge", "archive"


class RetentionRefused(Exception):
    """The purge's proof is missing: no intact export of the same set."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def cutoff_for(years: int | None, today: dt.date) -> dt.date | None:
    """Records dated before this day are past retention; None: kept permanently."""
    if years is None:
        return None
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _open_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.exclude(status=TicketStatus.CLOSED)


@transaction.atomic
def retention_policy_save(*, policy: RetentionPolicy, by=None) -> RetentionPolicy:
    """The IT head changes a record type's period (or notes); the code and name stay the procedure's."""
    policy.full_clean()
    policy.save()
    return policy


# --------------------------------------------------------------------------- what each record type is


def _ticket_expired(cutoff: dt.date) -> QuerySet:
    return Ticket.objects.filter(status=TicketStatus.CLOSED, closed_at__lt=_start_of(cutoff))


def _ticket_kept(qs: QuerySet) -> QuerySet:
    open_ids = _open_tickets().values("pk")
    return qs.filter(
        Q(pk__in=_open_tickets().filter(duplicate_of_suspect__isnull=False).values("duplicate_of_suspect"))
        | Q(merged_into__in=open_ids)
        | Q(merged_tickets__in=Ticket.objects.exclude(pk__in=qs.values("pk")).values("pk"))
        | Q(technical_report__disposal_items__decision=DisposalDecision.PENDING)
    ).distinct()


def _visit_date_expired(cutoff: dt.date) -> QuerySet:
    return Visit.objects.alias(day=Coalesce("visited_on", "planned_date")).filter(day__lt=cutoff)


def _visits_with_open_follow_up() -> QuerySet:
    return Visit.objects.filter(findings__ticket__in=_open_tickets()).values("pk")


def _visit_kept(qs: QuerySet) -> QuerySet:
    return qs.filter(pk__in=_visits_with_open_follow_up())


def _programme_expired(cutoff: dt.date) -> QuerySet:
    return VisitProgramme.objects.filter(end_date__lt=cutoff)


def _programme_kept(qs: QuerySet) -> QuerySet:
    return qs.filter(visits__in=_visits_with_open_follow_up()).distinct()


def _disposal_expired(cutoff: dt.date) -> QuerySet:
    return DisposalList.objects.filter(status=DisposalListStatus.DECIDED, decision_date__lt=cutoff)


def _disposal_kept(qs: QuerySet) -> QuerySet:
    return qs.filter(items__report__ticket__in=_open_tickets()).distinct()


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _ticket_record(ticket: Ticket) -> dict[str, Any]:
    report = TechnicalReport.objects.filter(ticket=ticket).select_related("technician").first()
    actions = CorrectiveAction.objects.filter(ticket=ticket).select_related("technician", "asset").order_by("pk")
    parts = PartUsage.objects.filter(action__ticket=ticket).select_related("part").order_by("pk")
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "description": ticket.description,
        "school": ticket.school.code if ticket.school_id else "",
        "school_name": ticket.school.name_ar if ticket.school_id else "",
        "location": ticket.location.name_ar if ticket.location_id else "",
        "assets": ", ".join(ticket.assets.order_by("asset_tag").values_list("asset_tag", flat=True)),
        "category": ticket.category,
        "type": ticket.type,
        "source": ticket.source,
        "priority": ticket.priority,
        "status": ticket.status,
        "requester_name": ticket.requester_name,
        "requester_phone": ticket.requester_phone,
        "requester_email": ticket.requester_email,
        "assigned_to": _name(ticket.assigned_to),
        "opened_at": _iso(ticket.opened_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
        "close_reason": ticket.close_reason,
        "report_diagnosis": report.diagnosis if report else "",
        "report_actions_taken": report.actions_taken if report else "",
        "report_result": report.result if report else "",
        "report_recommendation": report.recommendation if report else "",
        "report_technician": _name(report.technician) if report else "",
        "actions": [
            {
                "id": a.pk,
                "type": a.action_type,
                "outcome": a.outcome,
                "asset": a.asset.asset_tag if a.asset_id else "",
                "technician": _name(a.technician),
                "started_at": _iso(a.started_at),
                "ended_at": _iso(a.ended_at),
                "notes": a.notes,
                "corrects": a.corrects_id,
            }
            for a in actions
        ],
        "parts": [
            {"action": p.action_id, "part": p.part.code, "quantity": p.quantity, "unit_cost": str(p.unit_cost)}
            for p in parts
        ],
        "entries": [
            {"kind": e.kind, "at": _iso(e.at), "author": _name(e.author), "text": e.text, "public": e.public}
            for e in ticket.entries.select_related("author").order_by("at", "pk")
        ],
        "feedback": [
            {"kind": f.kind, "at": _iso(f.at), "rating": f.rating, "reason": f.reason, "comment": f.comment}
            for f in ticket.feedback.order_by("at", "pk")
        ],
        "attachments": [a.name for a in ticket.attachments.order_by("pk")],
    }


def _visit_record(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "number": visit.number,
        "programme": str(visit.programme) if visit.programme_id else "",
        "plan": visit.plan.name if visit.plan_id else "",
        "period": visit.period,
        "purpose": visit.purpose,
        "school": visit.school.code if visit.school_id else "",
        "location": visit.location.name_ar if visit.location_id else "",
        "fiber_site": visit.fiber_site.code if visit.fiber_site_id else "",
        "planned_date": _iso(visit.planned_date),
        "technician": _name(visit.technician),
        "status": visit.status,
        "cancel_reason": visit.cancel_reason,
        "visited_on": _iso(visit.visited_on),
        "visitors": visit.visitors,
        "met_with": visit.met_with,
        "findings_summary": visit.summary,
        "actions_taken": visit.actions_taken,
        "recommendations": visit.recommendations,
        "reported_by": _name(visit.reported_by),
        "reported_at": _iso(visit.reported_at),
        "checks": [{"text": c.text, "result": c.result, "note": c.note} for c in visit.checks.order_by("position")],
        "findings": [
            {
                "location": f.location.name_ar if f.location_id else "",
                "asset": f.asset.asset_tag if f.asset_id else "",
                "condition": f.condition,
                "finding": f.finding,
                "action_taken": f.action_taken,
                "follow_up": f.follow_up,
                "ticket": f.ticket.number if f.ticket_id else "",
            }
            for f in visit.findings.select_related("location", "asset", "ticket").order_by("pk")
        ],
    }


def _programme_record(programme: VisitProgramme) -> dict[str, Any]:
    return {
        "id": programme.pk,
        "directorate": programme.directorate.code,
        "school_year": programme.school_year,
        "term": programme.term,
        "start_date": _iso(programme.start_date),
        "end_date": _iso(programme.end_date),
        "notes": programme.notes,
        "visits": [
            {
                "number": v.number,
                "planned_date": _iso(v.planned_date),
                "place": v.place,
                "purpose": v.purpose,
                "technician": _name(v.technician),
                "status": v.status,
            }
            for v in programme.visits.select_related("school", "location", "fiber_site", "technician")
        ],
    }


def _disposal_record(disposal_list: DisposalList) -> dict[str, Any]:
    return {
        "id": disposal_list.pk,
        "title": disposal_list.title,
        "directorate": disposal_list.directorate.code,
        "decision_number": disposal_list.decision_number,
        "decision_date": _iso(disposal_list.decision_date),
        "committee_members": disposal_list.committee_members,
        "decision_notes": disposal_list.decision_notes,
        "items": [
            {
                "asset": i.asset.asset_tag,
                "previous_status": i.previous_status,
                "reason": i.reason,
                "decision": i.decision,
                "returned_status": i.returned_status,
                "note": i.decision_note,
            }
            for i in disposal_list.items.select_related("asset").order_by("pk")
        ],
    }


# --------------------------------------------------------------------------- deleting (and what goes with it)


def _forget_history(model: type[Model], ids: Iterable[int]) -> None:
    """The change log and journal of deleted rows hold the same data: they go too."""
    ids = list(ids)
    if not ids:
        return
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    ObjectChange.objects.filter(changed_object_type=content_type, changed_object_id__in=ids).delete()
    JournalEntry.objects.filter(object_type=content_type, object_id__in=ids).delete()


def _delete_files(fieldfiles: list) -> None:
    """Stored files go once the rows are gone for good (after the commit, never on a rollback)."""

    def remove() -> None:
        for fieldfile in fieldfiles:
            fieldfile.storage.delete(fieldfile.name)

    transaction.on_commit(remove)


def _ticket_rows(ids: list[int]) -> list[QuerySet]:
    """Every row that goes with the tickets, in an order Django can serialise and delete."""
    actions = CorrectiveAction.objects.filter(ticket__in=ids)
    return [
        Ticket.objects.filter(pk__in=ids),
        TicketEntry.objects.filter(ticket__in=ids),
        TicketAttachment.objects.filter(ticket__in=ids),
        TechnicalReport.objects.filter(ticket__in=ids),
        actions,
        PartUsage.objects.filter(action__in=actions),
        TicketFeedback.objects.filter(ticket__in=ids),
    ]


def _ticket_files(ids: list[int]) -> list:
    files = [a.file for a in TicketAttachment.objects.filter(ticket__in=ids) if a.file]
    files += [a.photo for a in CorrectiveAction.objects.filter(ticket__in=ids) if a.photo]
    return list({f.name: f for f in files}.values())  # a correction shares its original's photo


def _ticket_delete(ids: list[int]) -> None:
    files = _ticket_files(ids)
    report_ids = list(TechnicalReport.objects.filter(ticket__in=ids).values_list("pk", flat=True))
    PartUsage.objects.filter(action__ticket__in=ids).delete()
    # Corrections point at what they correct (PROTECT): the latest versions go first.
    actions = CorrectiveAction.objects.filter(ticket__in=ids)
    while actions.exists():
        actions.filter(corrections__isnull=True).delete()
    TicketAttachment.objects.filter(ticket__in=ids).delete()
    TicketFeedback.objects.filter(ticket__in=ids).delete()
    TechnicalReport.objects.filter(ticket__in=ids).delete()
    # A duplicate points at the ticket it was merged into (PROTECT): duplicates first.
    tickets = Ticket.objects.filter(pk__in=ids)
    while tickets.exists():
        tickets.exclude(merged_tickets__in=tickets).delete()
    _forget_history(Ticket, ids)
    _forget_history(TechnicalReport, report_ids)
    _delete_files(files)


def _visit_rows(ids: list[int]) -> list[QuerySet]:
    return [
        Visit.objects.filter(pk__in=ids),
        VisitCheck.objects.filter(visit__in=ids),
        VisitFinding.objects.filter(visit__in=ids),
    ]


def _visit_delete(ids: list[int]) -> None:
    finding_ids = list(VisitFinding.objects.filter(visit__in=ids).values_list("pk", flat=True))
    Visit.objects.filter(pk__in=ids).delete()
    _forget_history(Visit, ids)
    _forget_history(VisitFinding, finding_ids)


def _programme_rows(ids: list[int]) -> list[QuerySet]:
    return [VisitProgramme.objects.filter(pk__in=ids)]


def _programme_delete(ids: list[int]) -> None:
    VisitProgramme.objects.filter(pk__in=ids).delete()  # its visits stay (under QF75-13), unlinked
    _forget_history(VisitProgramme, ids)


def _disposal_rows(ids: list[int]) -> list[QuerySet]:
    return [DisposalList.objects.filter(pk__in=ids), DisposalItem.objects.filter(disposal_list__in=ids)]


def _disposal_delete(ids: list[int]) -> None:
    item_ids = list(DisposalItem.objects.filter(disposal_list__in=ids).values_list("pk", flat=True))
    DisposalItem.objects.filter(pk__in=item_ids).delete()
    DisposalList.objects.filter(pk__in=ids).delete()
    _forget_history(DisposalList, ids)
    _forget_history(DisposalItem, item_ids)


@dataclass(frozen=True)
class RecordType:
    """How one record type is found, kept, exported and deleted."""

    code: str
    expired: Callable[[dt.date], QuerySet]
    kept: Callable[[QuerySet], QuerySet]
    record: Callable[[Any], dict[str, Any]]
    rows: Callable[[list[int]], list[QuerySet]]
    delete: Callable[[list[int]], None]
    files: Callable[[list[int]], list] = lambda ids: []
    related: tuple[str, ...] = ()


RECORD_TYPES: dict[str, RecordType] = {
    "QF75-11": RecordType(
        "QF75-11",
        _ticket_expired,
        _ticket_kept,
        _ticket_record,
        _ticket_rows,
        _ticket_delete,
        _ticket_files,
        ("school", "location", "assigned_to"),
    ),
    "QF75-13": RecordType(
        "QF75-13",
        _visit_date_expired,
        _visit_kept,
        _visit_record,
        _visit_rows,
        _visit_delete,
        related=("programme", "plan", "school", "location", "fiber_site", "technician", "reported_by"),
    ),
    "QF70-2-1": RecordType(
        "QF70-2-1",
        _programme_expired,
        _programme_kept,
        _programme_record,
        _programme_rows,
        _programme_delete,
        related=("directorate",),
    ),
    "DISPOSAL": RecordType(
        "DISPOSAL",
        _disposal_expired,
        _disposal_kept,
        _disposal_record,
        _disposal_rows,
        _disposal_delete,
        related=("directorate",),
    ),
}


# --------------------------------------------------------------------------- the set past retention


@dataclass
class Due:
    """One record type's records past retention on a day."""

    policy: RetentionPolicy
    held: bool  # does Siyana store this record type at all?
    cutoff: dt.date | None = None
    ids: list[int] = field(default_factory=list)  # past retention and free to go
    kept_ids: list[int] = field(default_factory=list)  # past retention but linked to an open ticket

    @property
    def code(self) -> str:
        return self.policy.code

    @property
    def set_hash(self) -> str:
        return set_hash(self.code, self.ids)


def set_hash(code: str, ids: Iterable[int]) -> str:
    text = code + "\n" + ",".join(str(i) for i in sorted(ids))
    return hashlib.sha256(text.encode()).hexdigest()


def due(policy: RetentionPolicy, today: dt.date) -> Due:
    handler = RECORD_TYPES.get(policy.code)
    result = Due(policy=policy, held=handler is not None, cutoff=cutoff_for(policy.retention_years, today))
    if handler is None or result.cutoff is None:
        return result
    expired = handler.expired(result.cutoff)
    kept = set(handler.kept(expired).values_list("pk", flat=True))
    ids = sorted(set(expired.values_list("pk", flat=True)))
    result.ids = [i for i in ids if i not in kept]
    result.kept_ids = sorted(kept)
    return result


def due_all(*, today: dt.date | None = None, codes: Iterable[str] | None = None) -> list[Due]:
    """Every record type of the records table (or those `codes`), with what is past retention."""
    today = today or timezone.localdate()
    policies = RetentionPolicy.objects.all()
    if codes:
        codes = list(codes)
        unknown = set(codes) - set(policies.filter(code__in=codes).values_list("code", flat=True))
        if unknown:
            raise ValueError(_("Unknown record code(s): %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
        policies = policies.filter(code__in=codes)
    return [due(policy, today) for policy in policies]


def records(code: str, ids: list[int]) -> list[dict[str, Any]]:
    handler = RECORD_TYPES[code]
    model = handler.rows(ids)[0].model
    rows = model.objects.filter(pk__in=ids).select_related(*handler.related).order_by("pk")
    return [handler.record(row) for row in rows]


# --------------------------------------------------------------------------- export


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _csv(rows: list[dict[str, Any]]) -> str:
    """The records' plain columns (lists — actions, entries, findings… — are in the JSON file)."""
    buffer = io.StringIO()
    if rows:
        columns = [k for k, v in rows[0].items() if not isinstance(v, list | dict)]
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        # Read in a spreadsheet: text that would run as a formula gets its apostrophe (the JSON file keeps it as is).
        writer.writerows({k: formula_safe(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


@dataclass
class ExportPlan:
    directory: Path
    dues: list[Due]
    files: dict[str, int] = field(default_factory=dict)  # file name → bytes (what a dry run would write)
    exports: list[RetentionExport] = field(default_factory=list)


def export(
    *,
    directory: Path,
    today: dt.date | None = None,
    codes: Iterable[str] | None = None,
    by: str = "",
    dry_run: bool = False,
) -> ExportPlan:
    """Write what is past retention (CSV and JSON per record type) and the manifest into `directory`
    (created if missing; it must hold no earlier manifest), and record each export."""
    today = today or timezone.localdate()
    directory = Path(directory)
    dues = [d for d in due_all(today=today, codes=codes) if d.held and d.ids]
    plan = ExportPlan(directory=directory, dues=dues)
    if (directory / MANIFEST).exists():
        raise ValueError(
            _("%(path)s already holds an export: choose a new directory.") % {"path": directory / MANIFEST}
        )
    contents: dict[str, bytes] = {}
    for item in dues:
        rows = records(item.code, item.ids)
        contents[f"{item.code}.json"] = json.dumps(rows, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder).encode()
        contents[f"{item.code}.csv"] = ("\ufeff" + _csv(rows)).encode()  # a BOM: Excel opens Arabic CSV right
    plan.files = {name: len(data) for name, data in contents.items()}
    if dry_run or not dues:
        return plan
    directory.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, data in contents.items():
        (directory / name).write_bytes(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    manifest = {
        "created_at": now.isoformat(),
        "created_by": by,
        "as_of": today.isoformat(),
        "records": [
            {
                "code": item.code,
                "cutoff": item.cutoff.isoformat(),
                "retention_years": item.policy.retention_years,
                "count": len(item.ids),
                "ids": item.ids,
                "set_hash": item.set_hash,
                "files": {name: hashes[name] for name in (f"{item.code}.json", f"{item.code}.csv")},
            }
            for item in dues
        ],
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    manifest_sha = _sha256(directory / MANIFEST)
    for entry in manifest["records"]:
        plan.exports.append(
            RetentionExport.objects.create(
                code=entry["code"],
                cutoff=dt.date.fromisoformat(entry["cutoff"]),
                set_hash=entry["set_hash"],
                count=entry["count"],
                directory=str(directory.resolve()),
                files=entry["files"],
                manifest_sha256=manifest_sha,
                created_at=now,
                created_by=by,
            )
        )
    return plan


# --------------------------------------------------------------------------- purge / archive


def proof_for(item: Due) -> tuple[RetentionExport | None, str]:
    """The intact export of exactly this set, or (None, why not)."""
    candidates = RetentionExport.objects.filter(code=item.code, set_hash=item.set_hash, disposed_at__isnull=True)
    if not candidates.exists():
        return None, _(
            "%(code)s: these %(count)d record(s) were not exported (or the set changed since): export them first."
        ) % {"code": item.code, "count": len(item.ids)}
    why = ""
    for export_row in candidates.order_by("-created_at", "-pk"):
        folder = Path(export_row.directory)
        manifest = folder / MANIFEST
        if not manifest.is_file() or _sha256(manifest) != export_row.manifest_sha256:
            why = _("%(code)s: the export's manifest %(path)s is missing or was changed.") % {
                "code": item.code,
                "path": manifest,
            }
            continue
        broken = [n for n, sha in export_row.files.items() if not (folder / n).is_file() or _sha256(folder / n) != sha]
        if broken:
            why = _("%(code)s: exported file(s) missing or changed: %(files)s.") % {
                "code": item.code,
                "files": ", ".join(sorted(broken)),
            }
            continue
        return export_row, ""
    return None, why


@dataclass
class PurgeResult:
    dues: list[Due]
    mode: str
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)
    archives: dict[str, str] = field(default_factory=dict)


def _archive(item: Due, directory: Path, stamp: str) -> Path:
    """A restorable copy: Django's JSON of every row that goes (loaddata reads it) and the stored files."""
    handler = RECORD_TYPES[item.code]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{item.code}-{stamp}.zip"
    objects: list[Model] = []
    for queryset in handler.rows(item.ids):
        objects.extend(queryset.order_by("pk"))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("records.json", serializers.serialize("json", objects, indent=1, ensure_ascii=False))
        bundle.writestr(
            "readme.txt",
            f"{item.code}: {len(item.ids)} record(s) past retention (before {item.cutoff}), archived {stamp}.\n"
            "Restore with: python manage.py loaddata records.json (and copy files/ into MEDIA_ROOT).\n",
        )
        for fieldfile in handler.files(item.ids):
            try:
                with fieldfile.storage.open(fieldfile.name, "rb") as handle:
                    bundle.writestr(f"files/{fieldfile.name}", handle.read())
            except FileNotFoundError:
                continue
    return path


def purge(
    *,
    today: dt.date | None = None,
    codes: Iterable[str] | None = None,
    archive: bool = False,
    dry_run: bool = False,
    archive_dir: Path | None = None,
) -> PurgeResult:
    """Delete (or archive, then delete) what is past retention — only a set an intact export holds.

    Raises RetentionRefused, having changed nothing, when any record type's set lacks its proof.
    """
    today = today or timezone.localdate()
    archive_dir = Path(archive_dir or settings.RETENTION_ARCHIVE_DIR)
    mode = ARCHIVE if archive else PURGE
    with transaction.atomic():
        dues = [d for d in due_all(today=today, codes=codes) if d.held and d.ids]
        proofs, problems = {}, []
        for item in dues:
            proof, why = proof_for(item)
            if proof is None:
                problems.append(why)
            proofs[item.code] = proof
        if problems:
            raise RetentionRefused(problems)
        result = PurgeResult(dues=dues, mode=mode, dry_run=dry_run)
        if dry_run:
            result.deleted = {item.code: len(item.ids) for item in dues}
            return result
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        for item in dues:
            if archive:
                result.archives[item.code] = str(_archive(item, archive_dir, stamp))
            RECORD_TYPES[item.code].delete(item.ids)
            result.deleted[item.code] = len(item.ids)
            proof = proofs[item.code]
            proof.disposed_at = timezone.now()
            proof.disposal = mode
            proof.archive_path = result.archives.get(item.code, "")
            proof.save(update_fields=["disposed_at", "disposal", "archive_path"])
    return result
