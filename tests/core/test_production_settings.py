"""Production settings, each in a process of its own with the production environment.

`check --deploy` must be clean; a response must carry the security headers and cookie flags;
collectstatic must build whitenoise's compressed manifest (as the image does) and pages then
link the hashed names. The embedded default (no variable set) stays plain http.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "siyana.school.test"


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE", "SESSION_", "CSRF_", "STATIC_", "CONTENT_SECURITY", "REDIS", "CELERY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="siyana.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE="true",
        SECURE_BEHIND_PROXY="true",
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    done = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_check_deploy_warns_about_the_embedded_default(tmp_path):
    """The same check fails on plain http: the test above is not clean by accident."""
    env = production_env(tmp_path)
    for key in ("SECURE", "SECURE_BEHIND_PROXY"):
        env.pop(key)
    done = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert done.returncode != 0
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in done.stdout + done.stderr


RESPONSE_SCRIPT = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
c = Client()
host = {"HTTP_HOST": "%(host)s"}
plain = c.get("/login/", **host)
proxied = c.get("/login/", HTTP_X_FORWARDED_PROTO="https", **host)
csrf = proxied.cookies["csrftoken"]
login = c.post("/login/", {"username": "nobody", "password": "x", "csrfmiddlewaretoken": csrf.value},
               HTTP_X_FORWARDED_PROTO="https", **host)
health = c.get("/healthz", **host)
# a signed-in user gets a session cookie: create one and log in through the form
from django.contrib.auth import get_user_model
get_user_model().objects.create_user("head", password="a-long-enough-pass-1")
c2 = Client()
page = c2.get("/login/", HTTP_X_FORWARDED_PROTO="https", **host)
signed = c2.post("/login/", {"username": "head", "password": "a-long-enough-pass-1",
                              "csrfmiddlewaretoken": page.cookies["csrftoken"].value},
                 HTTP_X_FORWARDED_PROTO="https", **host)
session = signed.cookies.get("sessionid")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "headers": dict(proxied.headers),
    "status": proxied.status_code,
    "csrf": {"secure": csrf["secure"], "samesite": csrf["samesite"]},
    "health": [health.status_code, health.get("Strict-Transport-Security")],
    "session": None if session is None else {
        "secure": session["secure"], "httponly": session["httponly"], "samesite": session["samesite"]},
    "signed": signed.status_code,
}))
"""


def test_a_response_under_production_settings_carries_the_security_headers_and_cookie_flags(tmp_path):
    done = run([sys.executable, "-c", RESPONSE_SCRIPT % {"host": HOST}], production_env(tmp_path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # plain http is sent to https…
    assert result["plain"] == [301, f"https://{HOST}/login/"]
    # …but the container's health check on plain http is answered (and gets no HSTS)
    assert result["health"] == [200, None]
    headers = result["headers"]
    assert result["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in csp
    assert "http:" not in csp and "https:" not in csp and "*" not in csp  # our own origin only
    assert result["csrf"] == {"secure": True, "samesite": "Lax"}
    assert result["signed"] == 302
    assert result["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_the_embedded_default_stays_plain_http(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.STORAGES['staticfiles']['BACKEND'], s.WHITENOISE_USE_FINDERS, s.LOG_FORMAT)\n"
    )
    env = {k: v for k, v in production_env(tmp_path).items() if k not in {"SECURE", "SECURE_BEHIND_PROXY", "DEBUG"}}
    done = run([sys.executable, "-c", script], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "False",
        "False",
        "0",
        "django.contrib.staticfiles.storage.StaticFilesStorage",
        "True",
        "plain",
    ]


@pytest.mark.parametrize("name,value", [("SECURE", "maybe"), ("SECURE_HSTS_SECONDS", "-1"), ("LOG_FORMAT", "xml")])
def test_a_bad_production_value_stops_the_service_naming_it(tmp_path, name, value):
    done = run([sys.executable, "manage.py", "check"], production_env(tmp_path, **{name: value}))
    assert done.returncode != 0
    assert name in done.stderr and "ImproperlyConfigured" in done.stderr


def test_collectstatic_builds_the_compressed_manifest_and_pages_link_hashed_names(tmp_path):
    static_root = tmp_path / "static"
    env = production_env(tmp_path, STATIC_MANIFEST="true", STATIC_ROOT=str(static_root))
    # Compressing the JavaScript bundles (plotly, Swagger UI, ReDoc: megabytes, gzip and brotli) is
    # whitenoise's own work and takes minutes of this shared machine's CPU: the CSS shows it here.
    collect = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "settings.WHITENOISE_SKIP_COMPRESS_EXTENSIONS = ['js', 'map', 'png', 'jpg', 'woff', 'woff2']\n"
        "from django.core.management import call_command\n"
        "call_command('collectstatic', interactive=False, verbosity=0)\n"
    )
    done = run([sys.executable, "-c", collect], env, timeout=600)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    plotly = manifest["vendor/plotly/plotly.min.js"]
    assert plotly != "vendor/plotly/plotly.min.js" and (static_root / plotly).exists()
    css = [name for name in manifest.values() if name.endswith(".css")]
    assert css and all((static_root / (name + ".gz")).exists() for name in css)  # whitenoise's compressed copies
    script = (
        "import django; django.setup()\n"
        "from django.templatetags.static import static\n"
        "print(static('vendor/plotly/plotly.min.js'))\n"
    )
    done = run([sys.executable, "-c", script], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"/static/{plotly}"
