"""The audit trail: what is recorded, that it cannot be rewritten, and the IT head's page."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.test import Client

from assets.models import Profile
from core.models import AuditEvent, AuditKind
from core.roles import Role
from core.security import audit
from tests.factories import english

pytestmark = pytest.mark.django_db


def test_the_trail_refuses_update_in_the_database(users):
    event = audit(AuditKind.LOGIN, user=users[Role.TECHNICIAN])
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(user_name="someone-else")
    event.refresh_from_db()
    assert event.user_name == "tech"


def test_the_trail_refuses_delete_on_postgresql(users):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite allows DELETE: its flush between transactional tests empties tables with it (core 0003)")
    event = audit(AuditKind.LOGIN, user=users[Role.TECHNICIAN])
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_a_user_keeps_their_events(users):
    audit(AuditKind.LOGIN, user=users[Role.VIEWER])
    users[Role.VIEWER].delete()
    assert AuditEvent.objects.filter(kind=AuditKind.LOGIN, user_name="viewer").exists()


def test_a_role_change_records_who_changed_what(users, school, api_for):
    from core.changelog import change_context

    profile = Profile.objects.get(user=users[Role.VIEWER])
    with change_context(user=users[Role.IT_HEAD]):
        profile.role = Role.SCHOOL_STAFF
        profile.school = school
        profile.save()
    event = AuditEvent.objects.filter(kind=AuditKind.ROLE_CHANGE).latest("pk")
    assert event.user_name == "head" and event.details["subject"] == "viewer"
    assert event.details["changes"]["role"] == [Role.VIEWER, Role.SCHOOL_STAFF]
    assert event.details["changes"]["school_id"] == [None, school.pk]


def test_making_a_superuser_is_a_permission_change(users):
    user = users[Role.TECHNICIAN]
    user.is_superuser = True
    user.save()
    event = AuditEvent.objects.filter(kind=AuditKind.PERMISSION_CHANGE).latest("pk")
    assert event.details["subject"] == "tech" and event.details["changes"] == {"is_superuser": [False, True]}


def test_exports_are_recorded_with_the_user_the_address_and_the_query(users, asset):
    client = Client()
    client.force_login(users[Role.TECHNICIAN])
    r = client.get("/assets/?export=csv&q=MOE", REMOTE_ADDR="192.0.2.7")
    assert r.status_code == 200
    event = AuditEvent.objects.get(kind=AuditKind.EXPORT)
    assert (event.user_name, event.client_address) == ("tech", "192.0.2.7")
    assert event.details["path"] == "/assets/" and "export=csv" in event.details["query"]
    assert event.details["content_type"].startswith("text/csv")
    # an ordinary page is not an export
    client.get("/assets/")
    assert AuditEvent.objects.filter(kind=AuditKind.EXPORT).count() == 1


def test_only_the_it_head_reads_the_trail_page_and_it_filters(users):
    audit(AuditKind.LOGIN_FAILED, user_name="mallory", reason="x")
    audit(AuditKind.LOGIN, user=users[Role.TECHNICIAN])
    for role in (Role.TECHNICIAN, Role.SCHOOL_STAFF, Role.VIEWER):
        client = Client()
        client.force_login(users[role])
        assert client.get("/audit/").status_code == 403
    assert Client().get("/audit/").status_code == 302
    client = Client()
    client.force_login(users[Role.IT_HEAD])
    page = client.get("/audit/").content.decode()
    assert 'dir="rtl"' in page and "mallory" in page and "tech" in page
    filtered = client.get("/audit/", {"kind": AuditKind.LOGIN_FAILED}).content.decode()
    assert "mallory" in filtered and ">tech<" not in filtered
    english(client)
    assert "Sign-in failed" in client.get("/audit/").content.decode()


def test_a_directorates_it_head_reads_only_the_directorates_events(users):
    """Their accounts' events and failures under their names (any case); guessed names: everyone; no more."""
    from django.contrib.auth import get_user_model

    from assets.models import Directorate
    from tests.factories import make_user

    elsewhere = Directorate.objects.create(code="ELSE", name_ar="مديرية أخرى", name_en="Elsewhere")
    make_user("farhead", Role.IT_HEAD, directorate=elsewhere)
    root = get_user_model().objects.create_superuser("rootuser", password="pw-root")
    audit(AuditKind.LOGIN, user=users[Role.SCHOOL_STAFF])
    audit(AuditKind.LOGIN_FAILED, user_name=" TECH ", reason="bad password")
    audit(AuditKind.LOGIN_FAILED, user_name="nosuchname", reason="bad password")
    audit(AuditKind.LOGIN, user=root)
    audit(AuditKind.LOGIN_FAILED, user_name="FarHead", reason="bad password")
    audit(AuditKind.LOCKOUT, user_name="farhead")
    client = Client()
    client.force_login(users[Role.IT_HEAD])
    page = client.get("/audit/").content.decode()
    assert ">staff<" in page and "TECH" in page and "nosuchname" in page
    assert "rootuser" not in page and "arhead" not in page.lower()
    client.force_login(root)
    page = client.get("/audit/").content.decode()
    assert "FarHead" in page and "rootuser" in page and ">staff<" in page
