"""Shared fixtures: a directorate with two schools and one user per role."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Location,
    Manufacturer,
    Provider,
    School,
)
from core.roles import Role
from tests.agents import AgentUnavailable, snmpd_agent
from tests.factories import make_user


@pytest.fixture
def directorate(db) -> Directorate:
    return Directorate.objects.create(code="AMM1", name_ar="مديرية تربية لواء القصبة", name_en="Qasabah Directorate")


@pytest.fixture
def school(directorate) -> School:
    return School.objects.create(
        directorate=directorate, code="110001", name_ar="مدرسة الأمل الثانوية للبنات", name_en="Al-Amal Girls School"
    )


@pytest.fixture
def other_school(directorate) -> School:
    return School.objects.create(directorate=directorate, code="110002", name_ar="مدرسة النور الأساسية")


@pytest.fixture
def lab(school) -> Location:
    return Location.objects.create(
        school=school, name_ar="مختبر الحاسوب الأول", name_en="Computer lab 1", kind="computer_lab"
    )


@pytest.fixture
def other_lab(other_school) -> Location:
    return Location.objects.create(school=other_school, name_ar="مختبر العلوم", kind="science_lab")


@pytest.fixture
def desktop_model(db) -> AssetModel:
    hp = Manufacturer.objects.create(name="HP")
    return AssetModel.objects.create(manufacturer=hp, name="ProDesk 400 G7", category="desktop")


@pytest.fixture
def asset(school, lab, desktop_model) -> Asset:
    return Asset.objects.create(
        asset_tag="MOE-0001", asset_model=desktop_model, school=school, location=lab, serial="CZC1234"
    )


@pytest.fixture
def other_asset(other_school, other_lab, desktop_model) -> Asset:
    return Asset.objects.create(
        asset_tag="MOE-0002", asset_model=desktop_model, school=other_school, location=other_lab, serial="CZC9999"
    )


@pytest.fixture
def circuits(directorate, school, other_school) -> tuple[Circuit, Circuit]:
    """One circuit from the directorate to each school."""
    provider = Provider.objects.create(name="Orange Jordan")
    hq = FiberSite.objects.create(code="HQ", kind="directorate", directorate=directorate, name_ar="مبنى المديرية")
    site1 = FiberSite.objects.create(
        code="S-110001", kind="school", directorate=directorate, school=school, name_ar=school.name_ar
    )
    site2 = FiberSite.objects.create(
        code="S-110002", kind="school", directorate=directorate, school=other_school, name_ar=other_school.name_ar
    )
    c1 = Circuit.objects.create(
        cid="FO-1001", provider=provider, type="fiber_p2p", termination_a=hq, termination_z=site1
    )
    c2 = Circuit.objects.create(
        cid="FO-1002", provider=provider, type="fiber_p2p", termination_a=hq, termination_z=site2
    )
    return c1, c2


@pytest.fixture
def users(school, directorate) -> dict:
    """One user per role; school staff belong to `school`."""
    return {
        Role.IT_HEAD: make_user("head", Role.IT_HEAD, directorate=directorate),
        Role.TECHNICIAN: make_user("tech", Role.TECHNICIAN, directorate=directorate),
        Role.SCHOOL_STAFF: make_user("staff", Role.SCHOOL_STAFF, school=school),
        Role.VIEWER: make_user("viewer", Role.VIEWER),
    }


@pytest.fixture(scope="session")
def snmpd(tmp_path_factory):
    """A real net-snmp snmpd on loopback, shared by the whole run (skips where snmpd is not installed)."""
    try:
        with snmpd_agent(None, tmpdir=tmp_path_factory.mktemp("snmpd")) as agent:
            yield agent
    except AgentUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def api_for():
    def client_for(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def fresh_cache():
    """The default cache emptied before the test and again after it, so that counters kept in it
    (sign-in failures, lockouts, rate limits) neither come in from another test nor leave to one."""
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def redis_cache(settings):
    """The cache in the suite's private Redis database (locked, flushed), as settings make it with REDIS_URL set;
    yields a client of that database."""
    import redis

    from siyana.env import cache_settings
    from tests.netmon.celery_workers import BROKER_URL, REDIS_DB, exclusive_redis_db, redis_client

    client = redis_client()
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 did not answer: {exc}")
    with exclusive_redis_db() as ours:
        if not ours:
            pytest.skip(f"Redis database {REDIS_DB} stayed in use by another run of the tests")
        client.flushdb()
        settings.CACHES = cache_settings(BROKER_URL)
        try:
            yield client
        finally:
            client.flushdb()
            client.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness buys nothing in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reset_language():
    # Django keeps the last request's language active in the thread; a test must not
    # inherit the language of the one before it.
    from django.utils import translation

    yield
    translation.activate("ar")
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """SQLite tests use a file, not memory, so that a poller started as a subprocess (and
    threads racing each other) see the same test database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
