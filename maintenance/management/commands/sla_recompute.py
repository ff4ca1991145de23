"""`manage.py sla_recompute [--all]`: write the SLA policy and due times of existing tickets.

A backfill (tickets opened before the SLA wiring, demo data) and the way to apply a changed
policy table or holiday calendar to open tickets at once. It runs the same refresh as every
ticket write (`maintenance.sla_services.sla_refresh`), so a second run changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from maintenance import sla_services


class Command(BaseCommand):
    help = "Recompute the SLA policy and due times of open tickets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--all", dest="include_closed", action="store_true", help="Closed tickets too.")

    def handle(self, *args, include_closed: bool, **options):
        seen, changed = sla_services.sla_recompute(include_closed=include_closed)
        self.stdout.write(f"sla_recompute: {seen} ticket(s) read, {changed} changed")
