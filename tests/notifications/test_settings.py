"""The NOTIFY_* and EMAIL_* settings from the environment, and the start-up checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.core.checks import run_checks

from tests.netmon.processes import ROOT

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in "
    "['EMAIL_BACKEND', 'NOTIFY_CELERY', 'NOTIFY_SMS_BACKEND', 'NOTIFY_SMS_EXTRA', 'DEFAULT_FROM_EMAIL']}))"
)
CLEAN = ("REDIS_URL", "CELERY_BROKER_URL", "EMAIL_HOST", "EMAIL_BACKEND", "NOTIFY_SMS_URL", "NOTIFY_CELERY")


def settings_with(tmp_path, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN}
    env.update(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="siyana.settings", **variables)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {SHOW}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_embedded_default_writes_to_the_console_and_sends_in_process(tmp_path):
    run = settings_with(tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "NOTIFY_CELERY": False,
        "NOTIFY_SMS_BACKEND": "notifications.backends.ConsoleSmsBackend",
        "NOTIFY_SMS_EXTRA": {},
        "DEFAULT_FROM_EMAIL": "Siyana <siyana@localhost>",
    }


def test_configured_servers_and_a_broker_switch_the_real_ways_on(tmp_path):
    run = settings_with(
        tmp_path,
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_HOST="127.0.0.1",
        NOTIFY_SMS_URL="https://127.0.0.1:8443/send",
        NOTIFY_SMS_EXTRA="sender=MOE-IT, unicode=1",
        DEFAULT_FROM_EMAIL="IT <it@school.example>",
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "NOTIFY_CELERY": True,
        "NOTIFY_SMS_BACKEND": "notifications.backends.HttpGatewaySmsBackend",
        "NOTIFY_SMS_EXTRA": {"sender": "MOE-IT", "unicode": "1"},
        "DEFAULT_FROM_EMAIL": "IT <it@school.example>",
    }
    assert json.loads(settings_with(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/1").stdout)["NOTIFY_CELERY"]
    assert not json.loads(settings_with(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0", NOTIFY_CELERY="false").stdout)[
        "NOTIFY_CELERY"
    ]


def test_bad_values_stop_the_start(tmp_path):
    for variables, message in [
        ({"NOTIFY_SMS_URL": "ftp://127.0.0.1/"}, "NOTIFY_SMS_URL must be an http:// or https:// URL"),
        ({"NOTIFY_SMS_FORMAT": "xml"}, "NOTIFY_SMS_FORMAT='xml' is not one of"),
        ({"NOTIFY_SMS_EXTRA": "sender"}, "NOTIFY_SMS_EXTRA must be comma-separated name=value pairs"),
        ({"NOTIFY_MAX_ATTEMPTS": "0"}, "NOTIFY_MAX_ATTEMPTS=0 is below the minimum"),
        ({"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"}, "not both"),
    ]:
        run = settings_with(tmp_path, **variables)
        assert run.returncode != 0 and message in run.stderr, (variables, run.stderr[-500:])


def check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id and message.id.startswith("notifications.")}


def test_the_checks_catch_a_backend_that_cannot_work(settings):
    assert check_ids() == set()
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.NoSuchBackend"
    assert check_ids() == {"notifications.E001"}
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.HttpGatewaySmsBackend"
    settings.NOTIFY_SMS_URL = ""
    assert check_ids() == {"notifications.E002"}
    settings.NOTIFY_SMS_BACKEND = "notifications.backends.ConsoleSmsBackend"
    settings.NOTIFY_LEASE_SECONDS = 15
    assert check_ids() == {"notifications.W001"}
