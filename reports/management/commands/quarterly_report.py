"""manage.py quarterly_report --year Y --quarter Q --format html|xlsx|csv|pdf --output PATH

Writes the quarter's report (every directorate, or one with --directorate CODE) in Arabic by
default (--language en for English). Read as of the quarter's end, or now while it runs.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from assets.models import Directorate
from reports import exports, selectors
from reports.build import build_report
from reports.periods import Quarter


class Command(BaseCommand):
    help = "Write the quarterly help-desk, fault and corrective-action report as HTML, XLSX, CSV (zip) or PDF."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4])
        parser.add_argument("--format", required=True, choices=exports.FORMATS)
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--directorate", help="a directorate's code (default: every directorate)")
        parser.add_argument("--language", default="ar", choices=["ar", "en"])

    def handle(self, *args, **options) -> None:
        try:
            quarter = Quarter(options["year"], options["quarter"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        scope, label = selectors.Scope(), ""
        with translation.override(options["language"]):
            if options["directorate"]:
                directorate = Directorate.objects.filter(code=options["directorate"]).first()
                if directorate is None:
                    raise CommandError(f"no directorate with the code {options['directorate']!r}")
                scope, label = selectors.Scope(directorate_id=directorate.pk), str(directorate)
            report = build_report(quarter, scope=scope, scope_label=label)
            file = exports.export(report, options["format"])
        path = Path(options["output"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file.content)
        self.stdout.write(f"{path} ({len(file.content):,} bytes, {quarter})")
