"""`manage.py unlock [USERNAME] [--address IP]`: lift a sign-in lockout before its minutes run out.

Forgets the failed sign-ins counted against the user name (any case, as the sign-in counts them) and/or the
client address, and records an "unlocked" event in the audit trail.
"""

from __future__ import annotations

import ipaddress

from django.core.management.base import BaseCommand, CommandError

from core import security
from core.models import AuditKind


class Command(BaseCommand):
    help = "Lift the sign-in lock of a user name and/or a client address (audited)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="", help="the user name as typed at sign-in")
        parser.add_argument("--address", default="", help="a client address locked after many failures")

    def handle(self, *args, username: str, address: str, **options):
        username, address = username.strip(), address.strip()
        if not username and not address:
            raise CommandError("name a user name, an --address, or both")
        if address:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise CommandError(f"--address: {address!r} is not an IP address") from None
        security.clear_failures(username, address=address)
        security.audit(AuditKind.UNLOCK, user_name=username, address=address, by="manage.py unlock")
        self.stdout.write(f"unlocked {' and '.join(filter(None, [username, address]))}")
