"""Record retention (manage.py retention; maintenance.retention_services): the records table seeded
with its periods, what is past retention, the export and its manifest, a dry run that changes
nothing, a purge refused without an intact export of the same set, a purge (and an archive)
that keeps whatever an open ticket references."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import ObjectChange
from core.roles import Role
from maintenance import retention_services, services, visit_services
from maintenance.choices import TicketStatus
from maintenance.models import (
    CorrectiveAction,
    PartUsage,
    RetentionExport,
    RetentionPolicy,
    SparePart,
    TechnicalReport,
    Ticket,
    TicketAttachment,
    TicketEntry,
    Visit,
    VisitFinding,
    VisitProgramme,
)
from tests.assets.ui_fixtures import client_for, text
from tests.factories import english
from tests.maintenance.conftest import png

pytestmark = pytest.mark.django_db
S = TicketStatus
TODAY = dt.date(2026, 3, 1)  # QF75-11 is kept 1 year: closed before 2025-03-01 is past retention
OLD = dt.datetime(2024, 11, 3, 8, 0, tzinfo=dt.UTC)
RECENT = dt.datetime(2025, 10, 5, 8, 0, tzinfo=dt.UTC)


def step(ticket, service, **kwargs):
    ticket.refresh_from_db()
    return service(ticket=ticket, expected_version=ticket.version, **kwargs)


def closed_ticket(new_ticket, tech, parts, *, at: dt.datetime, title: str, photo: bool = False) -> Ticket:
    """A ticket worked and closed in a day from `at`: an action with a part, a correction, a report, a photo."""
    ticket = new_ticket(opened_at=at, title=title)
    step(ticket, services.ticket_assign, assignee=tech, by=tech, at=at + timedelta(minutes=5))
    step(ticket, services.ticket_transition, to=S.IN_PROGRESS, by=tech, at=at + timedelta(minutes=10))
    action, _ = services.action_log(
        ticket=ticket,
        by=tech,
        action_type="repair",
        outcome="done",
        started_at=at + timedelta(hours=1),
        ended_at=at + timedelta(hours=2),
        parts=[(parts["ram"], 1)],
        photo=png("action.png") if photo else None,
        at=at + timedelta(hours=2),
    )
    services.action_correct(
        action=action, by=tech, reason="الوقت الصحيح", ended_at=at + timedelta(hours=3), at=at + timedelta(hours=3)
    )
    if photo:
        services.attachment_add(ticket=ticket, file=png(), by=tech, at=at + timedelta(hours=1))
    step(
        ticket,
        services.report_save,
        by=tech,
        diagnosis="ذاكرة تالفة",
        actions_taken="استبدال الذاكرة",
        result="fixed",
        at=at + timedelta(hours=4),
    )
    step(ticket, services.ticket_resolve, by=tech, at=at + timedelta(hours=5))
    step(ticket, services.ticket_transition, to=S.CLOSED, by=tech, at=at + timedelta(hours=6))
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def world(new_ticket, tech, parts, school, lab, directorate):
    """Old closed tickets (one with photos), one an open ticket names as its likely duplicate, a recent
    closed one, an old open one; old visits (one whose follow-up ticket is still open) and their programme."""
    old = closed_ticket(new_ticket, tech, parts, at=OLD, title="قديمة 1", photo=True)
    old2 = closed_ticket(new_ticket, tech, parts, at=OLD + timedelta(days=1), title="قديمة 2")
    named = closed_ticket(new_ticket, tech, parts, at=OLD + timedelta(days=2), title="قديمة يشير إليها بلاغ مفتوح")
    recent = closed_ticket(new_ticket, tech, parts, at=RECENT, title="حديثة")
    still_open = new_ticket(opened_at=OLD, title="قديمة لكنها مفتوحة")
    # a new request on the same asset as `named` was flagged as its likely duplicate (and is open)
    duplicate = new_ticket(opened_at=RECENT, title="بلاغ جديد", assets=list(named.assets.all()))
    Ticket.objects.filter(pk=duplicate.pk).update(duplicate_of_suspect=named)
    programme = VisitProgramme.objects.create(
        directorate=directorate,
        academic_year=2023,
        term="2",
        start_date=dt.date(2024, 2, 1),
        end_date=dt.date(2024, 6, 15),
    )
    quiet_visit = visit_services.visit_save(
        visit=Visit(purpose="lab_readiness", school=school, location=lab, planned_date=dt.date(2024, 3, 5))
    )
    busy_visit = visit_services.visit_save(
        visit=Visit(purpose="preventive", school=school, location=lab, planned_date=dt.date(2024, 3, 6))
    )
    visit_services.visit_report_save(
        visit=busy_visit, by=tech, visited_on=dt.date(2024, 3, 6), summary="جهاز معطل", at=OLD
    )
    follow_up = visit_services.finding_add(
        visit=busy_visit, by=tech, finding="لا يعمل", follow_up="إصلاح", open_ticket=True, at=OLD
    )
    return {
        "old": old,
        "old2": old2,
        "named": named,
        "recent": recent,
        "open": still_open,
        "duplicate": duplicate,
        "programme": programme,
        "quiet_visit": quiet_visit,
        "busy_visit": busy_visit,
        "follow_up_ticket": follow_up.ticket,
    }


def snapshot() -> dict:
    return {
        "tickets": sorted(Ticket.objects.values_list("pk", flat=True)),
        "entries": TicketEntry.objects.count(),
        "actions": CorrectiveAction.objects.count(),
        "parts": PartUsage.objects.count(),
        "reports": TechnicalReport.objects.count(),
        "attachments": TicketAttachment.objects.count(),
        "visits": sorted(Visit.objects.values_list("pk", flat=True)),
        "findings": VisitFinding.objects.count(),
        "programmes": VisitProgramme.objects.count(),
        "changes": ObjectChange.objects.count(),
        "exports": list(RetentionExport.objects.values_list("pk", "disposed_at")),
        "stock": SparePart.objects.get(code="RAM-8").quantity_on_hand,
    }


def run(*args: str) -> str:
    out = StringIO()
    call_command("retention", *args, "--date", TODAY.isoformat(), stdout=out)
    return out.getvalue()


def test_the_records_table_is_seeded_with_its_periods():
    policies = {p.code: p for p in RetentionPolicy.objects.all()}
    assert len(policies) == 17  # the 16 rows of QP-70-2's table and the disposal records
    assert policies["QF75-11"].retention_years == 1 and policies["QF75-13"].retention_years == 1
    assert policies["QF70-2-1"].retention_years == 1 and policies["QF70-2-12"].retention_years == 1
    assert policies["QF70-2-8"].retention_years is None  # "permanent"
    assert policies["QF75-13"].name_ar == "تقرير زيارة ميدانية"
    assert policies["QF70-2-19"].kept_at == "school"
    assert policies["DISPOSAL"].retention_years is None


def test_it_lists_what_is_past_retention_and_what_an_open_ticket_keeps(world):
    dues = {d.code: d for d in retention_services.due_all(today=TODAY)}
    tickets = dues["QF75-11"]
    assert tickets.cutoff == dt.date(2025, 3, 1)
    assert tickets.ids == sorted([world["old"].pk, world["old2"].pk])
    assert tickets.kept_ids == [world["named"].pk]
    visits = dues["QF75-13"]
    assert visits.ids == [world["quiet_visit"].pk] and visits.kept_ids == [world["busy_visit"].pk]
    assert dues["QF70-2-1"].ids == [] and dues["QF70-2-1"].kept_ids == [world["programme"].pk]
    assert not dues["QF70-2-12"].held and not dues["QF70-2-17"].held
    listing = run("--list")
    assert "QF75-11" in listing and "2 past retention" in listing and "1 kept: linked to an open ticket" in listing
    assert "not stored in Siyana" in listing


def test_dry_runs_change_nothing(world, tmp_path, settings):
    settings.RETENTION_ARCHIVE_DIR = tmp_path / "archive"
    before = snapshot()
    out = run("--export", str(tmp_path / "export"), "--dry-run")
    assert "dry run" in out and not (tmp_path / "export").exists()
    assert snapshot() == before
    run("--export", str(tmp_path / "export"))
    before = snapshot()
    out = run("--purge", "--dry-run")
    assert "QF75-11: 2 record(s) would be deleted" in out
    out = run("--purge", "--archive", "--dry-run")
    assert "would be archived and deleted" in out
    assert snapshot() == before
    assert not (tmp_path / "archive").exists()


def test_a_purge_without_an_export_is_refused_and_changes_nothing(world):
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        run("--purge")
    assert "were not exported" in str(refused.value)
    assert snapshot() == before


def test_export_then_purge_keeps_what_open_tickets_reference(
    world, tmp_path, settings, django_capture_on_commit_callbacks
):
    export_dir = tmp_path / "export"
    out = run("--export", str(export_dir))
    manifest = json.loads((export_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = next(r for r in manifest["records"] if r["code"] == "QF75-11")
    assert entry["ids"] == sorted([world["old"].pk, world["old2"].pk]) and entry["cutoff"] == "2025-03-01"
    rows = json.loads((export_dir / "QF75-11.json").read_text(encoding="utf-8"))
    assert {r["number"] for r in rows} == {world["old"].number, world["old2"].number}
    assert rows[0]["actions"] and rows[0]["entries"] and rows[0]["report_diagnosis"] == "ذاكرة تالفة"
    csv_text = (export_dir / "QF75-11.csv").read_text(encoding="utf-8-sig")
    assert world["old"].number in csv_text and "requester_phone" in csv_text.splitlines()[0]
    assert "exported" in out
    media = Path(settings.MEDIA_ROOT)
    files_before = {p for p in media.rglob("*") if p.is_file()}
    assert len(files_before) == 2  # the old ticket's photo and its action's photo
    stock = SparePart.objects.get(code="RAM-8").quantity_on_hand
    old_ids = [world["old"].pk, world["old2"].pk]
    report_ids = list(TechnicalReport.objects.filter(ticket__in=old_ids).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion commits
        out = run("--purge")
    assert "QF75-11: 2 record(s) deleted" in out and "QF75-13: 1 record(s) deleted" in out
    remaining = set(Ticket.objects.values_list("pk", flat=True))
    assert not remaining & set(old_ids)
    # kept: the closed ticket an open one names, the recent one, the open ones, the follow-up ticket
    assert {world[k].pk for k in ("named", "recent", "open", "duplicate", "follow_up_ticket")} <= remaining
    assert not CorrectiveAction.objects.filter(ticket__in=old_ids).exists()
    assert not TicketEntry.objects.filter(ticket__in=old_ids).exists()
    assert not [p for p in media.rglob("*") if p.is_file()]  # the stored files went too
    assert SparePart.objects.get(code="RAM-8").quantity_on_hand == stock  # stock is not history
    # the change log held the same data: it goes with the rows
    assert not ObjectChange.objects.filter(changed_object_type__model="ticket", changed_object_id__in=old_ids).exists()
    assert not ObjectChange.objects.filter(
        changed_object_type__model="technicalreport", changed_object_id__in=report_ids
    ).exists()
    # visits: the one whose follow-up ticket is still open stays, with its programme
    assert set(Visit.objects.values_list("pk", flat=True)) == {world["busy_visit"].pk}
    assert VisitProgramme.objects.filter(pk=world["programme"].pk).exists()
    proof = RetentionExport.objects.get(code="QF75-11")
    assert proof.disposal == "purge" and proof.disposed_at is not None
    # a second purge finds nothing left to do
    assert "nothing is past retention" in run("--purge")


def test_the_export_must_be_of_the_same_set_and_intact(world, tmp_path):
    export_dir = tmp_path / "export"
    run("--export", str(export_dir))
    # another export into the same folder would overwrite the proof: refused
    with pytest.raises(CommandError):
        run("--export", str(export_dir))
    # the set changes: one more ticket is past retention a month later
    with pytest.raises(CommandError) as refused:
        call_command("retention", "--purge", "--date", "2026-11-01", stdout=StringIO())
    assert "export them first" in str(refused.value)
    # an exported file altered after the export
    (export_dir / "QF75-11.csv").write_text("edited", encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError) as refused:
        run("--purge")
    assert "changed" in str(refused.value)
    assert snapshot() == before


def test_a_reopened_ticket_changes_the_set(world, tmp_path, tech):
    run("--export", str(tmp_path / "export"))
    # the old duplicate's open twin closes: `named` is free to go, so the exported set is no longer the set
    twin = world["duplicate"]
    services.ticket_transition(ticket=twin, to=S.CLOSED, by=tech, expected_version=twin.version, reason="مكرر")
    with pytest.raises(CommandError):
        run("--purge")


def test_archive_keeps_a_restorable_copy(world, tmp_path, settings):
    settings.RETENTION_ARCHIVE_DIR = tmp_path / "archive"
    run("--export", str(tmp_path / "export"), "--record", "QF75-11")
    out = run("--purge", "--archive", "--record", "QF75-11")
    archive = next((tmp_path / "archive").glob("QF75-11-*.zip"))
    assert str(archive) in out
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        objects = list(serializers.deserialize("json", bundle.read("records.json")))
    assert {o.object._meta.model_name for o in objects} >= {"ticket", "ticketentry", "correctiveaction", "partusage"}
    assert {o.object.pk for o in objects if o.object._meta.model_name == "ticket"} == {
        world["old"].pk,
        world["old2"].pk,
    }
    assert sum(1 for n in names if n.startswith("files/")) == 2
    assert not Ticket.objects.filter(pk=world["old"].pk).exists()
    # restorable: loading the archive brings the tickets back
    for obj in objects:
        obj.save()
    assert Ticket.objects.filter(pk=world["old"].pk).exists()
    assert RetentionExport.objects.get(code="QF75-11").disposal == "archive"


def test_a_permanent_policy_keeps_everything(world, tmp_path):
    RetentionPolicy.objects.filter(code="QF75-11").update(retention_years=None)
    due = retention_services.due(RetentionPolicy.objects.get(code="QF75-11"), TODAY)
    assert due.cutoff is None and due.ids == []


def test_the_policy_page(world, users):
    head = client_for(users[Role.IT_HEAD])
    english(head)
    page = head.get(reverse("maintenance:retentionpolicy_list"))
    assert page.status_code == 200 and "QF75-13" in text(page) and "Not stored in Siyana" in text(page)
    policy = RetentionPolicy.objects.get(code="QF75-13")
    response = head.post(
        reverse("maintenance:retentionpolicy_edit", args=[policy.pk]), {"retention_years": 3, "notes": "قرار"}
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.retention_years == 3
    tech = client_for(users[Role.TECHNICIAN])
    assert tech.get(reverse("maintenance:retentionpolicy_list")).status_code == 200
    assert tech.get(reverse("maintenance:retentionpolicy_edit", args=[policy.pk])).status_code == 403
    assert client_for(users[Role.SCHOOL_STAFF]).get(reverse("maintenance:retentionpolicy_list")).status_code == 403
