"""The deployment files against the project: no Docker engine runs here, so the compose file's
services, commands, queues, environment and health checks, the Dockerfile and the lock files are
read and checked against what the code defines — and the image's gunicorn configuration and health
check script run for real on loopback.
"""

from __future__ import annotations

import ast
import gc
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve
from packaging.requirements import Requirement

from core.health import readyz

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {name: s for name, s in SERVICES.items() if s.get("build", {}).get("dockerfile") == "docker/Dockerfile"}
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
# Read by the postgres image, and by the image's own scripts (docker/gunicorn.conf.py, docker/healthcheck.py).
POSTGRES_VARS = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
IMAGE_VARS = {"PORT", "WEB_CONCURRENCY"}
SECRET_VARS = {"SECRET_KEY", "ENCRYPTION_KEYS", "METRICS_TOKEN", "EMAIL_HOST_PASSWORD", "NOTIFY_SMS_TOKEN"}


def settings_env_vars() -> set[str]:
    """Every variable siyana/settings.py reads through siyana.env's helpers (NAME_FILE for secrets)."""
    names = set()
    tree = ast.parse((ROOT / "siyana" / "settings.py").read_text())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(node.args[0].value)
            if node.func.id == "env_secret":
                names.add(f"{node.args[0].value}_FILE")
    return names


def env_example_vars() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))


def route_queues() -> set[str]:
    return {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}


def option(argv: list[str], *flags: str) -> str | None:
    for flag in flags:
        if flag in argv:
            return argv[argv.index(flag) + 1]
    return None


# ---------------------------------------------------------------------------------- compose


def test_it_has_every_service_of_the_stack():
    assert {"postgres", "redis", "migrate", "web", "beat", "scheduler-worker", "tickets-worker", "poller"} <= set(
        SERVICES
    )
    assert set(COMPOSE["volumes"]) >= {"siyana-data", "pg-data"}
    assert "siyana-data:/data" in APP_SERVICES["web"]["volumes"]
    assert any(v.startswith("pg-data:") for v in SERVICES["postgres"]["volumes"])


def test_every_command_names_a_real_manage_command_celery_app_or_wsgi_module():
    commands = get_commands()
    for name, service in APP_SERVICES.items():
        argv = service["command"]
        if argv[:2] == ["python", "manage.py"]:
            assert argv[2] in commands, f"{name}: manage.py has no command {argv[2]!r}"
        elif argv[0] == "celery":
            assert option(argv, "-A", "--app") == "siyana", name
            assert argv[3] in {"worker", "beat"}, name
        elif argv[0] == "gunicorn":
            assert argv[-1] == "siyana.wsgi" and (ROOT / "siyana" / "wsgi.py").exists()
            assert (ROOT / option(argv, "-c", "--config")).exists()
        else:
            pytest.fail(f"{name}: unknown command {argv}")
    assert APP_SERVICES["migrate"]["command"][2] == "migrate"
    assert APP_SERVICES["migrate"]["restart"] == "no"


def test_the_celery_app_is_the_projects():
    from siyana.celery import app

    assert app.main == "siyana"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


def test_the_workers_consume_exactly_the_queues_the_routes_name():
    consumed = set()
    for name, service in APP_SERVICES.items():
        argv = service["command"]
        if argv[0] == "celery" and argv[3] == "worker":
            queues = set(option(argv, "-Q", "--queues").split(","))
            assert queues <= route_queues(), f"{name} consumes a queue no task is routed to: {queues - route_queues()}"
            consumed |= queues
    assert consumed == route_queues(), f"no worker consumes {route_queues() - consumed}"
    assert option(APP_SERVICES["poller"]["command"], "-Q") == "netmon"


def test_exactly_one_beat():
    beats = [n for n, s in APP_SERVICES.items() if s["command"][0] == "celery" and s["command"][3] == "beat"]
    assert beats == ["beat"]


def test_ticket_and_notification_tasks_never_wait_behind_the_pollers():
    routes = settings.CELERY_TASK_ROUTES
    urgent = [task for task in routes if task.startswith(("maintenance.", "notifications."))]
    assert {"maintenance.escalate_due", "notifications.deliver"} <= set(urgent)
    for task in urgent:
        assert routes[task]["queue"] not in {"netmon", "celery"}, task
    # …and the worker that takes them takes no poll batches
    tickets = option(APP_SERVICES["tickets-worker"]["command"], "-Q").split(",")
    assert "netmon" not in tickets and {routes[t]["queue"] for t in urgent} <= set(tickets)


def test_every_routed_task_exists():
    from siyana.celery import app

    app.loader.import_default_modules()
    missing = set(settings.CELERY_TASK_ROUTES) - set(app.tasks)
    assert not missing, f"routes name tasks nobody defines: {missing}"


def test_every_long_running_service_has_a_health_check_and_waits_for_what_it_needs():
    for name, service in SERVICES.items():
        if name == "migrate":
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
    for name, service in APP_SERVICES.items():
        needs = service["depends_on"]
        assert needs["postgres"] == {"condition": "service_healthy"}, name
        if name != "migrate":
            assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
            assert needs["redis"] == {"condition": "service_healthy"}, name
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_the_web_health_check_asks_the_readiness_view():
    test = APP_SERVICES["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "docker/healthcheck.py"]
    assert resolve(test[3]).func is readyz


def test_each_worker_health_check_pings_the_workers_own_name():
    for name, service in APP_SERVICES.items():
        argv = service["command"]
        if argv[0] == "celery" and argv[3] == "worker":
            node = option(argv, "-n", "--hostname")
            assert node and node.endswith("@%h"), name
            check = service["healthcheck"]["test"]
            assert check[0] == "CMD-SHELL"
            words = shlex.split(check[1])
            assert words[:5] == ["celery", "-A", "siyana", "inspect", "ping"], name
            assert option(words, "-d", "--destination") == node.replace("%h", "$$HOSTNAME"), name


def test_every_variable_the_compose_file_uses_is_documented_and_read():
    documented = env_example_vars()
    read = settings_env_vars()
    for name, service in SERVICES.items():
        env_file = service.get("env_file")
        if name in APP_SERVICES or name == "postgres":
            assert env_file == "../.env", name  # the repository root's .env, made from .env.example
        environment = service.get("environment") or {}
        keys = environment if isinstance(environment, dict) else [e.split("=", 1)[0] for e in environment]
        for key in keys:
            assert key in documented, f"{name}: {key} is not in .env.example"
            assert key in read or (name == "postgres" and key in POSTGRES_VARS), f"{name}: settings never read {key}"
    text = (ROOT / "docker" / "compose.yaml").read_text()
    for key in re.findall(r"(?<!\$)\$\{?([A-Z][A-Z0-9_]*)", text):
        assert key in documented, f"${key} is not in .env.example"


def test_env_example_lists_every_variable_the_settings_read_and_no_other():
    documented = env_example_vars()
    read = settings_env_vars()
    file_variants = {f"{name}_FILE" for name in SECRET_VARS}
    assert file_variants <= read  # every secret can come from a file
    missing = (read - file_variants) - documented
    assert not missing, f"missing from .env.example: {sorted(missing)}"
    assert not documented - read - POSTGRES_VARS - IMAGE_VARS, f"read by nobody: {documented - read}"
    image_scripts = "".join((ROOT / "docker" / name).read_text() for name in ("gunicorn.conf.py", "healthcheck.py"))
    for name in IMAGE_VARS:
        assert f'"{name}"' in image_scripts


def test_env_example_holds_no_real_secret():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))
    assert values["SECRET_KEY"].startswith("change-me")
    assert values["POSTGRES_PASSWORD"].startswith("change-me")
    assert f":{values['POSTGRES_PASSWORD']}@" in values["DATABASE_URL"]
    assert values["DEBUG"] == "false" and values["SECURE"] == "true"


# ---------------------------------------------------------------------------------- Dockerfile


def dockerfile_stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]


def test_the_image_is_slim_python_311_and_runs_as_a_user_not_root():
    stages = dockerfile_stages()
    assert all(stage.startswith("python:3.11-slim-bookworm") for stage in stages)
    final = stages[-1]
    users = re.findall(r"^USER (\S+)", final, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "useradd" in final


def test_the_image_installs_python_packages_from_the_production_lock():
    assert "COPY requirements-production.lock" in DOCKERFILE
    installs = re.findall(r"pip install ([^\n\\&]+)", DOCKERFILE)
    assert installs and all("-r /tmp/requirements-production.lock" in i for i in installs), installs


def test_the_image_has_pango_arabic_fonts_and_the_pollers_tools():
    packages = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", " ".join(re.findall(r"apt-get install ([^&]+)", DOCKERFILE))))
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "fonts-noto-core", "fping", "snmp", "iproute2"} <= packages
    assert "gettext" in packages  # compilemessages, in the build stage
    assert "compilemessages" in DOCKERFILE and "collectstatic" in DOCKERFILE


def test_the_image_checks_its_health_and_starts_gunicorn():
    assert re.search(r'HEALTHCHECK .*\n?.*"docker/healthcheck.py", "/healthz"', DOCKERFILE)
    assert resolve("/healthz").func.__name__ == "healthz"
    cmd = json.loads(re.findall(r"^CMD (.+)$", DOCKERFILE, flags=re.MULTILINE)[-1])
    assert cmd == APP_SERVICES["web"]["command"]
    assert "STATIC_MANIFEST=true" in DOCKERFILE and "LOG_FORMAT=json" in DOCKERFILE


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".env", ".venv", "var", "node_modules", "tests", "docker/secret_key"} <= ignored


# ---------------------------------------------------------------------------------- lock files


def lock_pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, _, version = line.partition("==")
            assert version and " " not in version, f"{name}: {line!r} is not an exact pin"
            pins[package.lower().replace("_", "-")] = version
    return pins


def test_the_locks_pin_every_dependency_within_pyproject_ranges():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    production = lock_pins("requirements-production.lock")
    full = lock_pins("requirements.lock")
    assert production.items() <= full.items()  # the image runs the versions the tests ran
    extras = project["optional-dependencies"]
    groups = [(project["dependencies"], production), (extras["postgres"], production)]
    groups += [(extras["test"], full), (extras["demo"], full)]
    for requirements, pins in groups:
        for spec in requirements:
            requirement = Requirement(spec)
            if requirement.name == "siyana":
                continue
            name = requirement.name.lower().replace("_", "-")
            assert name in pins, f"{name} is not pinned"
            assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} vs {spec}"


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\$\(STAMP\): .*requirements\.lock", makefile, flags=re.MULTILINE)
    assert "pip install --quiet -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^lock:", makefile, flags=re.MULTILINE) and "scripts/lock.sh" in makefile


# ---------------------------------------------------------------------------------- the image's scripts, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_images_gunicorn_serves_both_probes_to_its_health_check_and_logs_json(tmp_path):
    """gunicorn -c docker/gunicorn.conf.py as the image runs it (SECURE on, JSON logs), on loopback."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "CELERY", "SECURE", "STATIC_"))},
        "DJANGO_SETTINGS_MODULE": "siyana.settings",
        "SECRET_KEY": "x" * 8 + "a-test-only-secret-key-of-fifty-characters-x",
        "ALLOWED_HOSTS": ".school.test",
        "SECURE": "true",
        "SECURE_BEHIND_PROXY": "true",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LOG_FORMAT": "json",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",  # loopback only, not the image's 0.0.0.0
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "-c", "docker/gunicorn.conf.py", "siyana.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        check = [sys.executable, "docker/healthcheck.py"]
        deadline = time.monotonic() + 90
        while subprocess.run([*check, "/healthz"], cwd=ROOT, env=env, capture_output=True).returncode != 0:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.5)
        ready = subprocess.run([*check, "/readyz"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert ready.returncode == 0, ready.stderr
        # a page that is not exempt is redirected to https: the check really tells 200 from the rest
        redirected = subprocess.run([*check, "/login/"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert redirected.returncode == 1 and "HTTP 301" in redirected.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert any("/readyz" in e["message"] for e in access)
    assert any(e["logger"] == "gunicorn.error" and "Listening at" in e["message"] for e in entries)
    assert any(e["logger"] == "gunicorn.error" and "Worker settled" in e["message"] for e in entries)


def test_settling_a_worker_freezes_what_is_alive_and_still_collects_new_garbage():
    from siyana import wsgi

    threshold = gc.get_threshold()
    try:
        wsgi.settle()
        assert gc.get_freeze_count() > 10_000  # Django and the project, moved out of the collector's walks
        assert gc.get_threshold() == (wsgi.YOUNG_THRESHOLD, *threshold[1:])
        garbage = [[]]
        garbage[0].append(garbage)  # a cycle made after settling is still collected
        del garbage
        assert gc.collect() >= 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_the_health_check_sends_an_allowed_host():
    sys.path.insert(0, str(ROOT / "docker"))
    try:
        from healthcheck import host_header
    finally:
        sys.path.remove(str(ROOT / "docker"))
    assert host_header("siyana.example.org,localhost") == "siyana.example.org"
    assert host_header(".school.test") == "school.test"
    assert host_header("*") == "localhost"
    assert host_header("") == "localhost"
