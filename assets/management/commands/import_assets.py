"""manage.py import_assets FILE [--dry-run] [--kind KIND] [--user USERNAME]: all rows or none."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from assets.imports import ENCODINGS, ORDER, import_file, iter_error_lines


class Command(BaseCommand):
    help = "Import schools, locations, fiber sites, assets and circuits from a CSV or XLSX file, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv file (one kind) or an .xlsx workbook (one sheet per kind).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and count; write nothing.")
        parser.add_argument("--kind", choices=ORDER, help="What the file holds (default: from sheet names or header).")
        parser.add_argument("--user", help="The user the change log names for these changes.")
        parser.add_argument(
            "--encoding", choices=list(ENCODINGS), default="auto", help="A CSV file's encoding (default: detect)."
        )

    def handle(
        self, *args, file: str, dry_run: bool, kind: str | None, user: str | None, encoding: str = "auto", **options
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        importer = None
        if user:
            importer = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: user}).first()
            if importer is None:
                raise CommandError(_("No such user: %(user)s") % {"user": user})
        with path.open("rb") as fileobj:
            result = import_file(fileobj, path.name, user=importer, dry_run=dry_run, kind=kind, encoding=encoding)
        if not result.ok:
            for line in iter_error_lines(result):
                self.stderr.write(line)
            raise CommandError(
                _("%(count)d error(s); nothing was written.") % {"count": len(result.errors)}, returncode=1
            )
        for sheet_kind in ORDER:
            if sheet_kind in result.created:
                self.stdout.write(
                    _("%(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                    % {
                        "kind": sheet_kind,
                        "created": result.created[sheet_kind],
                        "updated": result.updated[sheet_kind],
                        "unchanged": result.unchanged.get(sheet_kind, 0),
                    }
                )
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import complete.")))
