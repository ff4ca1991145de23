"""`manage.py load_demo`: an idempotent demo directorate.

Each app that has demo data provides `<app>/demo.py` with `load(out) -> None`; they run in
INSTALLED_APPS order, which is the order of the apps' dependencies (assets before
maintenance before netmon), so no app reaches up to another.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.changelog import change_context


class Command(BaseCommand):
    help = "Create or refresh the demo directorate (schools, labs, assets, fiber circuits, users). Safe to re-run."

    def handle(self, *args, **options):
        with transaction.atomic(), change_context():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).load(self.stdout)
