"""`manage.py retention --list | --export DIR | --purge [--archive] [--dry-run]`: apply the records
table's retention periods (maintenance.retention_services has the rules).

    retention --list                      what is past retention, per record type (changes nothing)
    retention --export DIR                write it to DIR (CSV + JSON + manifest.json) and record the export
    retention --purge --dry-run           check the export proof and say what would be deleted
    retention --purge                     delete the exported set (refused without an intact export of it)
    retention --purge --archive           keep a restorable copy in RETENTION_ARCHIVE_DIR, then delete

`--record CODE` (repeatable) limits any of them to some record types; `--date` computes as on
another day. Nothing linked to an open ticket is ever past retention.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from core.changelog import change_context
from maintenance import retention_services


class Command(BaseCommand):
    help = "List, export, then purge or archive the records that are past their retention period."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--list", action="store_true", help="List what is past retention.")
        action.add_argument("--export", metavar="DIR", help="Export what is past retention into DIR.")
        action.add_argument("--purge", action="store_true", help="Delete the exported records past retention.")
        parser.add_argument("--archive", action="store_true", help="With --purge: archive a restorable copy first.")
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; say what would be done.")
        parser.add_argument("--record", action="append", metavar="CODE", help="Only this record type (repeatable).")
        parser.add_argument("--date", help="As on this day (YYYY-MM-DD); default: today.")

    def handle(self, *args, **options):
        with translation.override("en"):  # an operator's log: codes and counts, in one language
            self.run(options)

    def run(self, options) -> None:
        if options["archive"] and not options["purge"]:
            raise CommandError("--archive goes with --purge.")
        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(f"--date takes YYYY-MM-DD, got {options['date']!r}") from None
        codes = options["record"]
        dry_run = options["dry_run"]
        try:
            if options["list"]:
                self.list(today, codes)
            elif options["export"]:
                self.export(Path(options["export"]), today, codes, dry_run)
            else:
                self.purge(today, codes, options["archive"], dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def list(self, today, codes) -> None:
        for item in retention_services.due_all(today=today, codes=codes):
            policy = item.policy
            kept_for = f"{policy.retention_years} year(s)" if policy.retention_years else "permanent"
            if not item.held:
                status = "not stored in Siyana"
            elif item.cutoff is None:
                status = "kept permanently"
            else:
                status = f"{len(item.ids)} past retention (before {item.cutoff})"
                if item.kept_ids:
                    status += f", {len(item.kept_ids)} kept: linked to an open ticket"
            self.stdout.write(f"{policy.code:<10} {kept_for:<11} {status}")

    def export(self, directory: Path, today, codes, dry_run: bool) -> None:
        plan = retention_services.export(
            directory=directory, today=today, codes=codes, by=getpass.getuser(), dry_run=dry_run
        )
        if not plan.dues:
            self.stdout.write("retention: nothing is past retention; nothing exported")
            return
        for item in plan.dues:
            self.stdout.write(f"{item.code}: {len(item.ids)} record(s) (before {item.cutoff})")
        for name, size in sorted(plan.files.items()):
            self.stdout.write(f"  {directory / name} ({size} bytes)")
        if dry_run:
            self.stdout.write("retention: dry run — nothing written")
        else:
            self.stdout.write(f"retention: exported with {directory / retention_services.MANIFEST}")

    def purge(self, today, codes, archive: bool, dry_run: bool) -> None:
        try:
            with change_context():
                result = retention_services.purge(today=today, codes=codes, archive=archive, dry_run=dry_run)
        except retention_services.RetentionRefused as refused:
            raise CommandError("retention: refused, nothing changed:\n  " + "\n  ".join(refused.problems)) from None
        if not result.dues:
            self.stdout.write("retention: nothing is past retention; nothing to purge")
            return
        verb = "would be " if dry_run else ""
        done = "archived and deleted" if archive else "deleted"
        for code, count in result.deleted.items():
            line = f"{code}: {count} record(s) {verb}{done}"
            if code in result.archives:
                line += f" — archive {result.archives[code]}"
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("retention: dry run — the export proof holds; nothing changed")
