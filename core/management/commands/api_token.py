"""`manage.py api_token issue USER NAME [--days N]` · `revoke PREFIX|ID` · `list [USER]`.

The key is printed once, when it is issued; only its hash is stored (core.models.ApiToken).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from core import services
from core.models import ApiToken


class Command(BaseCommand):
    help = "Issue, revoke or list API tokens (the key is shown once; only its hash is stored)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="command", required=True)
        issue = sub.add_parser("issue", help="issue a token and print its key once")
        issue.add_argument("username")
        issue.add_argument("name", help="what or who uses it, e.g. 'inventory sync'")
        issue.add_argument("--days", type=int, default=None, help="expires after this many days (default: never)")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix or id")
        revoke.add_argument("token", help="the prefix shown by `list`, or the id")
        listing = sub.add_parser("list", help="list tokens (prefix, user, name, created, last used, state)")
        listing.add_argument("username", nargs="?")

    def handle(self, *args, command: str, **options):
        return getattr(self, f"do_{command}")(**options)

    def do_issue(self, *, username: str, name: str, days: int | None, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more")
        expires = timezone.now() + timedelta(days=days) if days else None
        try:
            key = services.issue_api_token(user, name, expires=expires)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(key)
        self.stderr.write("Keep this key now: it is not stored and cannot be shown again.")

    def do_revoke(self, *, token: str, **options):
        query = Q(prefix=token) | (Q(pk=int(token)) if token.isdigit() else Q(pk__in=[]))
        matches = list(ApiToken.objects.filter(query, revoked__isnull=True).select_related("user"))
        if not matches:
            raise CommandError(f"no active token matches {token!r}")
        if len(matches) > 1:
            raise CommandError(f"{len(matches)} tokens match {token!r}: give the id")
        services.revoke_api_token(matches[0])
        self.stdout.write(f"revoked {matches[0]}")

    def do_list(self, *, username: str | None = None, **options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "-created")
        if username:
            tokens = tokens.filter(user__username=username)
        now = timezone.now()
        for t in tokens:
            state = "active" if t.is_usable(now) else ("revoked" if t.revoked else "expired")
            last = t.last_used.isoformat(timespec="minutes") if t.last_used else "-"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}\t{t.user.get_username()}\t{t.name}\t"
                f"{t.created.isoformat(timespec='minutes')}\t{last}\t{state}"
            )
