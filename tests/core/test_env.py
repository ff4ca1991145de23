from __future__ import annotations

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from siyana.env import env_bool, env_int, env_list, env_secret, parse_database_url


def test_env_bool_reads_the_usual_spellings_and_refuses_the_rest(monkeypatch):
    monkeypatch.setenv("X", "yes")
    assert env_bool("X", False) is True
    monkeypatch.setenv("X", "0")
    assert env_bool("X", True) is False
    monkeypatch.setenv("X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X='maybe' is not a boolean"):
        env_bool("X", False)
    monkeypatch.delenv("X")
    assert env_bool("X", True) is True


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "12")
    assert env_int("N", 1) == 12
    monkeypatch.setenv("N", "twelve")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        env_int("N", 1, minimum=1)


def test_env_list(monkeypatch):
    monkeypatch.setenv("HOSTS", "siyana.moe.gov.jo, 127.0.0.1,")
    assert env_list("HOSTS", []) == ["siyana.moe.gov.jo", "127.0.0.1"]


def test_env_secret_reads_a_file_and_refuses_both(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("K_FILE", str(secret))
    assert env_secret("K") == "s3cret"
    monkeypatch.setenv("K", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("K")
    monkeypatch.delenv("K")
    monkeypatch.setenv("K_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("K")


def test_database_urls():
    sqlite = parse_database_url("sqlite:///var/siyana.sqlite3")
    assert sqlite["NAME"] == "var/siyana.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert parse_database_url("sqlite:////srv/siyana/db.sqlite3")["NAME"] == "/srv/siyana/db.sqlite3"
    pg = parse_database_url("postgres://siyana:p%40ss@127.0.0.1:5432/siyana?sslmode=disable")
    assert (pg["ENGINE"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "siyana",
        "p@ss",
        "127.0.0.1",
        "5432",
        "siyana",
    )
    assert pg["OPTIONS"] == {"sslmode": "disable"}
    for bad in ("mysql://x/y", "postgres://127.0.0.1:5432/", "sqlite://", "postgres://h:notaport/db"):
        with pytest.raises(ImproperlyConfigured):
            parse_database_url(bad)


def test_settings_fail_loudly_on_a_bad_value(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "DATA_DIR": str(tmp_path), "DEBUG": "perhaps"}
    run = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "DEBUG='perhaps' is not a boolean" in run.stderr
    env = {**os.environ, "DATA_DIR": str(tmp_path), "TIME_ZONE": "Mars/Olympus"}
    run = subprocess.run([sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "not a known time zone" in run.stderr


def test_the_embedded_default_is_arabic_in_amman(settings):
    assert settings.LANGUAGE_CODE == "ar" and settings.TIME_ZONE == "Asia/Amman"
    assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or os.environ.get("DATABASE_URL")


def test_a_sqlite_file_database_opens_in_wal_mode(tmp_path, django_db_blocker):
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    settings_dict = {
        **connections["default"].settings_dict,
        **parse_database_url(f"sqlite:///{tmp_path / 'wal.sqlite3'}"),
    }
    wrapper = DatabaseWrapper(settings_dict, alias="wal-check")
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        wrapper.close()
