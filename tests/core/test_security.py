"""Sign-in throttling and lockout, password rules, CSRF, and the rotation of the secrets' key."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from core import crypto
from core.models import AuditEvent, AuditKind
from core.roles import Role
from tests.factories import english

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings, fresh_cache):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 6
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(client, username, password, ip="192.0.2.10", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_three_failures_lock_the_user_name_even_for_the_right_password(users):
    client = english()
    for _ in range(2):
        r = sign_in(client, "tech", "wrong")
        assert r.status_code == 200 and "password didn&#x27;t match" in r.content.decode()
    r = sign_in(client, "tech", "wrong")  # the third: locks
    assert "locked for 15 minutes" in r.content.decode()
    r = sign_in(client, "tech", "pw-tech")
    assert not signed_in(client) and "locked for 15 minutes" in r.content.decode()
    # from another address too: it is the user name that is locked…
    other = english()
    assert "locked" in sign_in(other, "tech", "pw-tech", ip="192.0.2.99").content.decode() and not signed_in(other)
    # …and only that user name.
    sign_in(client, "viewer", "pw-viewer")
    assert signed_in(client)
    kinds = list(AuditEvent.objects.filter(user_name="tech").values_list("kind", flat=True))
    assert kinds.count(AuditKind.LOGIN_FAILED) == 5 and kinds.count(AuditKind.LOCKOUT) == 1


def test_the_lock_message_is_translated(users):
    client = Client()  # Arabic: the default language
    for _ in range(3):
        r = sign_in(client, "tech", "wrong")
    assert "دقيقة" in r.content.decode()


def test_the_lock_ends_after_its_minutes(users, settings):
    client = english()
    for _ in range(3):
        sign_in(client, "tech", "wrong")
    cache.clear()  # the lock's timeout passing: it lives only in the cache
    sign_in(client, "tech", "pw-tech")
    assert signed_in(client)


def test_a_successful_sign_in_resets_the_user_names_count(users):
    client = english()
    for _ in range(2):
        sign_in(client, "tech", "wrong")
    sign_in(client, "tech", "pw-tech")
    assert signed_in(client)
    client.logout()
    for _ in range(2):
        sign_in(client, "tech", "wrong")
    sign_in(client, "tech", "pw-tech")
    assert signed_in(client)


def test_one_address_trying_many_user_names_is_locked(users):
    client = english()
    for i in range(6):
        sign_in(client, f"guess{i}", "wrong", ip="203.0.113.5")
    r = sign_in(client, "viewer", "pw-viewer", ip="203.0.113.5")
    assert not signed_in(client) and "locked" in r.content.decode()
    sign_in(client, "viewer", "pw-viewer", ip="203.0.113.6")
    assert signed_in(client)


def test_behind_a_proxy_the_address_is_the_trusted_hop(users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = english()
    for i in range(6):
        sign_in(client, f"guess{i}", "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    # the proxy's own address is not what was locked: another client behind it still signs in
    sign_in(client, "viewer", "pw-viewer", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert signed_in(client)
    event = AuditEvent.objects.filter(kind=AuditKind.LOGIN_FAILED).first()
    assert event.client_address == "203.0.113.5"


def test_the_api_password_endpoint_counts_and_obeys_the_lock(users):
    client = Client()
    for _ in range(3):
        assert client.post("/api/auth/token/", {"username": "tech", "password": "bad"}).status_code == 400
    r = client.post("/api/auth/token/", {"username": "tech", "password": "pw-tech"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert "token" not in r.json()
    # and the web sign-in shares the count
    assert "locked" in sign_in(english(), "tech", "pw-tech").content.decode()


def test_logins_and_logouts_are_audited(users):
    client = english()
    sign_in(client, "tech", "pw-tech", ip="192.0.2.44")
    client.post(reverse("logout"), REMOTE_ADDR="192.0.2.44")
    events = list(AuditEvent.objects.filter(user_name="tech").order_by("pk").values_list("kind", "client_address"))
    assert events[-2:] == [(AuditKind.LOGIN, "192.0.2.44"), (AuditKind.LOGOUT, "192.0.2.44")]


def test_with_redis_the_lock_is_shared_and_expires_by_itself(users, redis_cache):
    client = english()
    for _ in range(3):
        sign_in(client, "tech", "wrong")
    locks = [k for k in redis_cache.keys("*") if k.endswith(b":locked")]
    assert len(locks) == 1 and 0 < redis_cache.ttl(locks[0]) <= 15 * 60
    assert "locked" in sign_in(english(), "tech", "pw-tech").content.decode()


# -- passwords ---------------------------------------------------------------------------------------------
def test_passwords_need_ten_characters_and_are_checked_against_common_ones(users):
    with pytest.raises(ValidationError) as short:
        password_validation.validate_password("Zq8!kd3#L", users[Role.TECHNICIAN])
    assert any("10" in m for m in short.value.messages)
    with pytest.raises(ValidationError):
        password_validation.validate_password("1234567890")
    with pytest.raises(ValidationError):
        password_validation.validate_password("password123")
    password_validation.validate_password("qamar-fi-lail", users[Role.TECHNICIAN])


def test_the_demo_password_meets_the_rules():
    from assets.demo import DEMO_PASSWORD

    password_validation.validate_password(DEMO_PASSWORD)


def test_changepassword_refuses_a_short_password(users, monkeypatch):
    answers = iter(["short-pw", "short-pw"] * 3)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError):
        call_command("changepassword", "tech", stdout=StringIO(), stderr=StringIO())
    assert users[Role.TECHNICIAN].__class__.objects.get(username="tech").check_password("pw-tech")


# -- CSRF -----------------------------------------------------------------------------------------------------
def test_the_sign_in_form_carries_a_csrf_token_and_refuses_a_post_without_it(users):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'name="csrfmiddlewaretoken" value="\w+"', page)
    assert client.post(reverse("login"), {"username": "tech", "password": "pw-tech"}).status_code == 403
    token = client.cookies["csrftoken"].value
    client.post(reverse("login"), {"username": "tech", "password": "pw-tech", "csrfmiddlewaretoken": token})
    assert signed_in(client)


def test_the_api_with_a_session_enforces_csrf_and_with_a_token_needs_none(users, desktop_model, school):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[Role.IT_HEAD])
    body = {"asset_tag": "CSRF-1", "asset_model": desktop_model.pk, "school": school.pk}
    r = client.post("/api/assets/", body, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    from core.services import issue_api_token

    key = issue_api_token(users[Role.IT_HEAD], "script")
    r = Client(enforce_csrf_checks=True).post(
        "/api/assets/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert r.status_code == 201, r.content


# -- the secrets' key ------------------------------------------------------------------------------------------
def test_rotation_old_key_to_new_key_then_the_old_key_removed(settings, directorate):
    from netmon.models import SnmpCredential

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    credential = SnmpCredential(name="schools", version="v2c")
    credential.set_secret("community", "Old-Key-Community-77")
    credential.save()
    v3 = SnmpCredential(name="core", version="v3", user="noc", auth_protocol="SHA", priv_protocol="AES-128")
    v3.set_secret("auth_key", "auth-key-secret-1")
    v3.set_secret("priv_key", "priv-key-secret-2")
    v3.save()
    before = SnmpCredential.objects.get(pk=credential.pk).community_enc

    settings.ENCRYPTION_KEYS = [new, old]  # the new key first; the old one still decrypts
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "netmon.SnmpCredential: 2 re-encrypted" in out.getvalue()
    assert SnmpCredential.objects.get(pk=credential.pk).community_enc != before

    settings.ENCRYPTION_KEYS = [new]  # the old key removed
    assert SnmpCredential.objects.get(pk=credential.pk).get_secret("community") == "Old-Key-Community-77"
    v3 = SnmpCredential.objects.get(pk=v3.pk)
    assert (v3.get_secret("auth_key"), v3.get_secret("priv_key")) == ("auth-key-secret-1", "priv-key-secret-2")
    # the rotation wrote no secret into the change log
    from core.models import ObjectChange

    assert "Old-Key-Community-77" not in str(list(ObjectChange.objects.values_list("postchange_data", flat=True)))


def test_removing_the_old_key_before_rotating_is_refused_and_changes_nothing(settings, directorate):
    from netmon.models import SnmpCredential

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [old]
    credential = SnmpCredential(name="schools", version="v2c")
    credential.set_secret("community", "c-1")
    credential.save()
    stored = credential.community_enc
    settings.ENCRYPTION_KEYS = [new]
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("rotate_secrets", stdout=StringIO())
    assert SnmpCredential.objects.get(pk=credential.pk).community_enc == stored
    with pytest.raises(crypto.SecretUnreadable):
        SnmpCredential.objects.get(pk=credential.pk).get_secret("community")
    settings.ENCRYPTION_KEYS = [new, old]
    call_command("rotate_secrets", "--dry-run", stdout=StringIO())
    assert SnmpCredential.objects.get(pk=credential.pk).community_enc == stored  # dry run: untouched


def test_snmp_secrets_stay_out_of_logs_reprs_and_the_change_log(directorate, caplog):
    import logging

    from core.models import ObjectChange
    from netmon.models import SnmpCredential

    v3 = SnmpCredential(name="core", version="v3", user="noc", auth_protocol="SHA", priv_protocol="AES-128")
    v3.set_secret("auth_key", "Auth-Secret-Pass-1")
    v3.set_secret("priv_key", "Priv-Secret-Pass-2")
    v3.save()
    v2 = SnmpCredential(name="schools", version="v2c")
    v2.set_secret("community", "Community-Secret-3")
    v2.save()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("netmon").warning("probing with %r and %r", v3.probe_credentials(), v2.probe_credentials())
    logged = caplog.text + repr(list(ObjectChange.objects.values_list("prechange_data", "postchange_data")))
    for secret in ("Auth-Secret-Pass-1", "Priv-Secret-Pass-2", "Community-Secret-3"):
        assert secret not in logged
    assert v2.community_enc not in logged


# -- lockout: names, unlocking, the cache down --------------------------------------------------------------
def test_the_user_name_is_counted_whatever_its_case_and_spaces(users):
    for name in ("Tech", " TECH", "tech "):
        sign_in(english(), name, "wrong", ip="192.0.2.21")
    r = sign_in(english(), "tech", "pw-tech", ip="192.0.2.22")
    assert "locked for 15 minutes" in r.content.decode()


def test_a_successful_api_sign_in_clears_the_user_names_count(users):
    client = Client()
    for _round in range(2):
        for _ in range(2):
            assert client.post("/api/auth/token/", {"username": "tech", "password": "bad"}).status_code == 400
        r = client.post("/api/auth/token/", {"username": "tech", "password": "pw-tech"})
        assert r.status_code == 200, r.content  # 4 failures in all, never 3 in a row


def test_unlock_lifts_a_user_names_or_an_addresss_lock_and_is_audited(users):
    for _ in range(3):
        sign_in(english(), "tech", "wrong", ip="192.0.2.31")
    assert "locked" in sign_in(english(), "tech", "pw-tech", ip="192.0.2.32").content.decode()
    out = StringIO()
    call_command("unlock", " TECH ", stdout=out)
    client = english()
    sign_in(client, "tech", "pw-tech", ip="192.0.2.32")
    assert signed_in(client) and "unlocked TECH" in out.getvalue()
    for n in range(6):
        sign_in(english(), f"guess{n}", "wrong", ip="192.0.2.33")
    assert "locked" in sign_in(english(), "viewer", "pw-viewer", ip="192.0.2.33").content.decode()
    call_command("unlock", "--address", "192.0.2.33", stdout=StringIO())
    client = english()
    sign_in(client, "viewer", "pw-viewer", ip="192.0.2.33")
    assert signed_in(client)
    events = AuditEvent.objects.filter(kind=AuditKind.UNLOCK)
    assert {(e.user_name, e.details["address"]) for e in events} == {("TECH", ""), ("", "192.0.2.33")}
    with pytest.raises(CommandError):
        call_command("unlock")
    with pytest.raises(CommandError, match="address"):
        call_command("unlock", "--address", "not-an-address")


def test_with_the_cache_down_sign_in_works_unlimited_and_the_error_is_logged(users, caplog):
    """Fails open: no count, no lock, no 500 (a closed loopback port stands for Redis down)."""
    from django.test import override_settings

    from siyana.env import cache_settings

    with override_settings(CACHES=cache_settings("redis://127.0.0.1:9/15")):
        for _ in range(4):
            r = sign_in(english(), "tech", "wrong")
            assert r.status_code == 200 and "password didn&#x27;t match" in r.content.decode()
        client = english()
        assert sign_in(client, "tech", "pw-tech").status_code == 302 and signed_in(client)
        assert Client().post("/api/auth/token/", {"username": "tech", "password": "pw-tech"}).status_code == 200
    assert any(r.levelname == "ERROR" and "cache is unreachable" in r.getMessage() for r in caplog.records)
