"""API tokens: hashed at rest, shown once, expiring and revocable; authtoken's clear keys carried over."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core.models import ApiToken, AuditEvent, AuditKind
from core.roles import Role
from core.services import issue_api_token, revoke_api_token
from tests.factories import english

pytestmark = pytest.mark.django_db


def get(client, key, path="/api/assets/", scheme="Token"):
    return client.get(path, HTTP_AUTHORIZATION=f"{scheme} {key}")


def test_an_issued_key_is_stored_only_as_its_hash(users, asset, client):
    key = issue_api_token(users[Role.VIEWER], "inventory sync")
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and token.prefix == key[:8]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_apitoken")
        assert key not in repr(cursor.fetchall())
    r = get(client, key)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert get(client, key, scheme="Bearer").status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    event = AuditEvent.objects.get(kind=AuditKind.TOKEN_ISSUED)
    assert event.details["prefix"] == key[:8] and key not in str(event.details)


def test_a_wrong_revoked_or_expired_key_is_refused(users, client):
    assert get(client, "0" * 40).status_code == 401
    key = issue_api_token(users[Role.VIEWER], "laptop")
    revoke_api_token(ApiToken.objects.get(), by=users[Role.IT_HEAD])
    assert get(client, key).status_code == 401
    assert AuditEvent.objects.filter(kind=AuditKind.TOKEN_REVOKED, user_name="head").exists()
    old = issue_api_token(users[Role.VIEWER], "old", expires=timezone.now() - timedelta(minutes=1))
    assert get(client, old).status_code == 401
    users[Role.VIEWER].is_active = False
    users[Role.VIEWER].save()
    fresh = issue_api_token(users[Role.VIEWER], "fresh")
    assert get(client, fresh).status_code == 401


def test_a_token_needs_a_name(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        issue_api_token(users[Role.VIEWER], "  ")
    assert "name" in info.value.message_dict


def test_the_password_endpoint_issues_a_new_key_and_revokes_the_one_before(users, client):
    r = client.post("/api/auth/token/", {"username": "tech", "password": "pw-tech"})
    assert r.status_code == 200
    first = r.json()["token"]
    second = client.post("/api/auth/token/", {"username": "tech", "password": "pw-tech"}).json()["token"]
    assert first != second
    assert get(client, first).status_code == 401 and get(client, second).status_code == 200
    assert client.post("/api/auth/token/", {"username": "tech", "password": "bad"}).status_code == 400


def test_the_command_issues_once_lists_and_revokes(users, client):
    out, err = StringIO(), StringIO()
    call_command("api_token", "issue", "viewer", "bench", "--days", "2", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert len(key) == 40 and "not stored" in err.getvalue()
    assert get(client, key).status_code == 200
    token = ApiToken.objects.get()
    assert timedelta(days=1) < token.expires - timezone.now() <= timedelta(days=2)
    listing = StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and key not in listing.getvalue() and "active" in listing.getvalue()
    call_command("api_token", "revoke", token.prefix, stdout=StringIO())
    assert get(client, key).status_code == 401
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "issue", "nobody", "x", stdout=StringIO())
    with pytest.raises(CommandError, match="no active token"):
        call_command("api_token", "revoke", token.prefix, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_authtokens_clear_keys_and_drops_their_table(client):
    """core 0002 run on a database that still has DRF's authtoken table: keys carried over as hashes."""
    from django.db.migrations.executor import MigrationExecutor

    from tests.factories import make_user

    user = make_user("legacy", Role.VIEWER)
    clear_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [clear_key, timezone.now() - timedelta(days=30), user.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=user)
    assert token.prefix == clear_key[:8] and token.name == "authtoken"
    assert get(client, clear_key, path="/api/schools/").status_code == 200


def test_drf_authtoken_is_gone():
    from django.conf import settings

    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert not any("authtoken" in c for c in settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"])


def test_the_it_heads_page_issues_a_key_once_and_revokes(users, client):
    from django.test import Client

    for role in (Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER):
        other = Client()
        other.force_login(users[role])
        assert other.get("/tokens/").status_code == 403
        assert other.post("/tokens/", {"user": users[role].pk, "name": "mine"}).status_code == 403
    assert Client().get("/tokens/").status_code == 302
    client.force_login(users[Role.IT_HEAD])
    english(client)
    r = client.post("/tokens/", {"user": users[Role.TECHNICIAN].pk, "name": "inventory sync", "days": "30"})
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    key = re.search(r'id="new-key">(\w+)<', r.content.decode()).group(1)
    assert get(client.__class__(), key).status_code == 200
    page = client.get("/tokens/").content.decode()
    assert key not in page and key[:8] in page and "inventory sync" in page  # never shown again
    bad = client.post("/tokens/", {"user": users[Role.TECHNICIAN].pk, "name": ""})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    token = ApiToken.objects.get()
    assert client.post("/tokens/", {"revoke": token.pk}).status_code == 302
    assert get(client.__class__(), key).status_code == 401
    kinds = set(AuditEvent.objects.filter(user_name="head").values_list("kind", flat=True))
    assert {AuditKind.TOKEN_ISSUED, AuditKind.TOKEN_REVOKED} <= kinds


def test_a_directorates_it_head_manages_only_the_directorates_tokens(users, school, client):
    """Not a superuser's, not another directorate's IT head's: not offered, not listed, not revocable (404)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from assets.models import Directorate
    from tests.factories import make_user

    elsewhere = Directorate.objects.create(code="ELSE", name_ar="مديرية أخرى", name_en="Elsewhere")
    other_head = make_user("other-head", Role.IT_HEAD, directorate=elsewhere)
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    theirs = [issue_api_token(other_head, "theirs"), issue_api_token(root, "root's")]
    mine = issue_api_token(users[Role.SCHOOL_STAFF], "school laptop")  # staff of a school in the directorate
    client.force_login(users[Role.IT_HEAD])
    english(client)
    page = client.get("/tokens/").content.decode()
    assert mine[:8] in page and not any(key[:8] in page for key in theirs)
    assert f'value="{users[Role.TECHNICIAN].pk}"' in page and f'value="{root.pk}"' not in page
    assert f'value="{other_head.pk}"' not in page and f'value="{users[Role.VIEWER].pk}"' not in page  # viewer: all
    for account in (root, other_head, users[Role.VIEWER]):
        r = client.post("/tokens/", {"user": account.pk, "name": "mine now"})
        assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    assert not ApiToken.objects.filter(name="mine now").exists()
    for token in ApiToken.objects.filter(user__in=[root, other_head]):
        assert client.post("/tokens/", {"revoke": token.pk}).status_code == 404
    assert not ApiToken.objects.filter(revoked__isnull=False).exists()
    # a superuser sees and manages them all, superusers included
    admin = Client()
    admin.force_login(root)
    page = admin.get("/tokens/").content.decode()
    assert all(key[:8] in page for key in [*theirs, mine])
    assert admin.post("/tokens/", {"user": root.pk, "name": "root's second"}).status_code == 200
    assert admin.post("/tokens/", {"revoke": ApiToken.objects.get(user=other_head).pk}).status_code == 302
