"""`manage.py generate_visits [--date YYYY-MM-DD] [--dry-run] [--loop]`: the visits the preventive
maintenance plans call for (maintenance.visit_services.plans_generate).

Idempotent: a second run the same day creates nothing. With a broker, Celery beat runs the same
generation every day (`maintenance.generate_visits`, queue `tickets`); without one, `make run`
keeps this command running with `--loop`, which generates at start and then once a day (it wakes
every hour and runs when the local date has changed). SIGTERM or Ctrl-C stops the loop between runs.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, transaction
from django.utils import timezone

from core.changelog import change_context
from maintenance import visit_services


class DryRun(Exception):
    """Raised to roll a dry run back."""


class Command(BaseCommand):
    help = "Generate the field visits that the active preventive maintenance plans call for (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Generate as on this day (YYYY-MM-DD); default: today.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be generated; change nothing.")
        parser.add_argument("--loop", action="store_true", help="Keep running: generate once a day.")
        parser.add_argument("--check-every", type=float, default=3600.0, help="Seconds between checks with --loop.")

    def handle(self, *args, date: str | None, dry_run: bool, loop: bool, check_every: float, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date takes YYYY-MM-DD, got {date!r}") from None
        if not loop:
            self.run_once(today, dry_run=dry_run)
            return
        self.shutdown = threading.Event()

        def stop(signum, _frame):
            self.stderr.write(f"generate_visits: {signal.Signals(signum).name} received; stopping")
            self.shutdown.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_day = None
        while not self.shutdown.is_set():
            day = timezone.localdate()
            if day != last_day:
                try:
                    self.run_once(None, dry_run=dry_run)
                    last_day = day
                except Exception as exc:  # a failed run must not stop the loop: the next check retries
                    self.stderr.write(f"generate_visits: failed: {type(exc).__name__}: {exc}")
                close_old_connections()
            self.shutdown.wait(check_every)

    def run_once(self, today: dt.date | None, *, dry_run: bool) -> int:
        result = None
        try:
            with transaction.atomic(), change_context():
                result = visit_services.plans_generate(today=today)
                if dry_run:
                    raise DryRun
        except DryRun:
            pass
        for plan, period, made in result.rounds:
            self.stdout.write(f"  {plan.name} · {period.key} ({period.start} – {period.end}): {made} new visit(s)")
        verb = "would be generated" if dry_run else "generated"
        self.stdout.write(f"generate_visits: {result.created} visit(s) {verb}")
        return result.created
