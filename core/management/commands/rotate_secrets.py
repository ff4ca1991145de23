"""Re-encrypt every stored secret with the newest key of ENCRYPTION_KEYS (see core.crypto).

A model takes part by declaring `SECRET_FIELDS = {"name": "name_enc", ...}` (netmon's SNMP
credentials do). All or nothing: one secret that no configured key can read stops the run
and nothing is changed.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import crypto


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (SNMP communities and keys) with the newest ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="check that every secret decrypts; change nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        total = 0
        try:
            with transaction.atomic():
                for model in apps.get_models():
                    fields = list(getattr(model, "SECRET_FIELDS", {}).values())
                    if not fields:
                        continue
                    count = 0
                    for obj in model._default_manager.select_for_update().only("pk", *fields):
                        changed = []
                        for name in fields:
                            token = getattr(obj, name)
                            if token:
                                setattr(obj, name, crypto.rotate(token))
                                changed.append(name)
                        if changed:
                            # update(), not save(): no change-log entry and no signal ever sees a secret.
                            model._default_manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in changed})
                            count += 1
                    total += count
                    self.stdout.write(f"{model._meta.label}: {count} re-encrypted")
                if dry_run:
                    transaction.set_rollback(True)
        except crypto.SecretUnreadable as exc:
            raise CommandError(f"{exc}; nothing was changed") from None
        self.stdout.write(f"{total} objects {'checked' if dry_run else 're-encrypted'} with the newest key")
