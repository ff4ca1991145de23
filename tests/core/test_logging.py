"""core.logging: one valid JSON object per line, secrets masked, the request id attached."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid

import pytest

from core.changelog import change_context
from core.logging import JsonFormatter, PlainFormatter, RequestIdFilter, logging_config

SECRET = "hunter2-never-logged"


@pytest.fixture
def capture():
    """A logger writing through the JSON formatter (and the request-id filter) into a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(f"siyana.test.{uuid.uuid4().hex}")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def lines() -> list[dict]:
        text = stream.getvalue()
        assert text.endswith("\n")
        return [json.loads(line) for line in text.splitlines()]

    yield logger, lines, stream
    logger.removeHandler(handler)


def test_it_writes_a_record_as_one_json_line(capture):
    logger, lines, stream = capture
    logger.info("poll cycle done: %d targets", 12, extra={"targets": 12, "shard": "0/2"})
    (entry,) = lines()
    assert stream.getvalue().count("\n") == 1
    assert entry["level"] == "INFO"
    assert entry["logger"] == logger.name
    assert entry["message"] == "poll cycle done: 12 targets"
    assert entry["targets"] == 12 and entry["shard"] == "0/2"
    stamp = dt.datetime.fromisoformat(entry["timestamp"])
    assert stamp.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) < 3600


def test_it_keeps_a_multi_line_exception_and_arabic_text_on_one_line(capture):
    logger, lines, _ = capture
    try:
        raise ValueError("السطر الأول\nthe second line")
    except ValueError:
        logger.exception("import failed for %s", "مدرسة")
    (entry,) = lines()
    assert entry["level"] == "ERROR"
    assert entry["message"] == "import failed for مدرسة"
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: السطر الأول\nthe second line" in entry["exception"]


def test_it_never_writes_secrets(capture):
    logger, lines, stream = capture
    logger.warning(
        "broker redis://:%s@127.0.0.1:6379/0 and database postgres://siyana:%s@db:5432/siyana refused",
        SECRET,
        SECRET,
        extra={
            "password": SECRET,
            "community": SECRET,
            "headers": {"Authorization": f"Token {SECRET}", "Accept": "application/json"},
            "url": f"https://user:{SECRET}@gateway.invalid/send",
        },
    )
    try:
        raise ConnectionError(f"cannot reach amqp://guest:{SECRET}@127.0.0.1:5672//")
    except ConnectionError:
        logger.error("broker down", exc_info=True)
    assert SECRET not in stream.getvalue()
    first, second = lines()
    assert "redis://:***@127.0.0.1:6379/0" in first["message"]
    assert "postgres://siyana:***@db:5432/siyana" in first["message"]
    assert first["password"] == "***" and first["community"] == "***"
    assert first["headers"] == {"Authorization": "***", "Accept": "application/json"}
    assert first["url"] == "https://user:***@gateway.invalid/send"
    assert "amqp://guest:***@127.0.0.1:5672//" in second["exception"]


def test_it_attaches_the_request_id_of_the_request_being_served(capture):
    logger, lines, _ = capture
    request_id = uuid.uuid4()
    with change_context(request_id=request_id):
        logger.info("inside")
    logger.info("outside")
    inside, outside = lines()
    assert inside["request_id"] == str(request_id)
    assert "request_id" not in outside


def test_it_writes_extras_json_cannot_hold_as_text(capture):
    logger, lines, _ = capture
    ident = uuid.uuid4()
    logger.info("x", extra={"ticket": ident, "at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)})
    (entry,) = lines()
    assert entry["ticket"] == str(ident)
    assert entry["at"].startswith("2026-01-02")


def test_the_plain_format_masks_url_passwords_too():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "db postgres://u:%s@h/d", (SECRET,), None)
    assert SECRET not in PlainFormatter("%(message)s").format(record)


def test_settings_pick_the_formatter_by_log_format():
    assert logging_config(fmt="json", level="INFO")["handlers"]["console"]["formatter"] == "json"
    assert logging_config(fmt="plain", level="DEBUG")["root"]["level"] == "DEBUG"


def test_a_django_process_logs_json_lines_with_log_format_json(tmp_path):
    """The real settings, in a process of their own: every line on stderr is one JSON object."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import django, logging; django.setup()\n"
        "logging.getLogger('netmon.scheduler').warning('late by %d s', 7, extra={'token': 'abc-secret-123'})\n"
        "logging.getLogger('django.request').error('Internal Server Error: /x')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "siyana.settings", "LOG_FORMAT": "json", "DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(e["logger"], e["message"]) for e in entries] == [
        ("netmon.scheduler", "late by 7 s"),
        ("django.request", "Internal Server Error: /x"),
    ]
    assert entries[0]["token"] == "***" and "abc-secret-123" not in done.stderr
