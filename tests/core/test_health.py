"""/healthz and /readyz against the real database (SQLite, PostgreSQL) and a real Redis on loopback.

The failing cases use a closed loopback port (127.0.0.1:1), where the kernel refuses at once.
Redis tests use database 15 (only PING is sent; nothing is written) and skip when no Redis
answers at 127.0.0.1:6379.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.urls import resolve

from core.health import healthz, readyz

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"
SECRET = "s3cret-pw-never-shown"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="no Redis answers at 127.0.0.1:6379")


def test_it_routes_both_paths_to_the_health_views():
    assert resolve("/healthz").func is healthz
    assert resolve("/readyz").func is readyz


def test_it_answers_healthz_without_touching_the_database(client):
    # No `db` fixture: pytest-django fails any query, so a 200 here proves no database access.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_it_refuses_writes_to_the_probes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_it_is_ready_when_the_database_answers(client, settings):
    settings.READYZ_CHECK_BROKER = False
    settings.REDIS_URL = ""
    response = client.get("/readyz")  # anonymous: no sign-in needed
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}}}


@needs_redis
@pytest.mark.django_db
def test_it_pings_the_configured_broker(client, settings):
    settings.READYZ_CHECK_BROKER = True
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.REDIS_URL = REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": {"ok": True}, "broker": {"ok": True}}


@pytest.mark.django_db
def test_it_answers_503_naming_a_broker_that_does_not_answer_and_leaks_no_url(client, settings, caplog):
    settings.READYZ_CHECK_BROKER = True
    settings.CELERY_BROKER_URL = f"redis://:{SECRET}@127.0.0.1:1/15"
    settings.REDIS_URL = ""
    with caplog.at_level(logging.WARNING, logger="core.health"):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"] == "ConnectionError"
    assert SECRET not in response.content.decode() and "127.0.0.1" not in response.content.decode()
    assert "broker check failed" in caplog.text and SECRET not in caplog.text


@needs_redis
@pytest.mark.django_db
def test_it_checks_the_cache_redis_when_it_is_another_server(client, settings):
    settings.READYZ_CHECK_BROKER = True
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:1/15"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


def test_it_answers_503_when_the_database_does_not_answer(tmp_path):
    """A whole process whose DATABASE_URL points at a closed port (with a password that must not show)."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "siyana.settings",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://siyana:{SECRET}@127.0.0.1:1/siyana",
        "LOG_FORMAT": "json",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    body = json.loads(result["body"])
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert SECRET not in result["body"] and SECRET not in done.stderr
    # the failure was logged, as one JSON line
    logged = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(entry["logger"] == "core.health" and entry["level"] == "WARNING" for entry in logged)
