"""Log records as JSON lines (LOG_FORMAT=json), with the stdlib only.

One record is one line: `{"timestamp": "2026-11-22T06:40:00.123456+00:00", "level": "INFO",
"logger": "netmon.scheduler", "message": "...", ...}` — the timestamp in ISO-8601 UTC, then the
exception's text (`exc_info`) and stack if any, the request id of the request being served (set
by core.middleware.ChangeLoggingMiddleware) and every `extra={...}` field of the call.

Secrets never reach the log through it: an extra field whose name says it holds one (password,
secret, token, key, community, authorization, cookie …) is written as "***", and the password of
any URL (`redis://:pw@host`, `postgres://user:pw@host/db`) in the message, the exception text or
a field is masked — a DATABASE_URL or broker URL in an error message stays readable without its
password. Configured in siyana/settings.py (LOGGING); gunicorn's own logs use it too
(docker/gunicorn.conf.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys

MASK = "***"

# The attributes every LogRecord has: whatever else a record carries came from `extra=`.
_RESERVED = frozenset(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", None, None))) | {"message", "asctime"}
_SECRET_NAME = re.compile(r"pass|secret|token|key|community|auth|cookie|credential|session", re.IGNORECASE)
# scheme://user:password@host — keep scheme and user, mask the password.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):(?P<pw>[^@\s/]+)@")


def redact(text: str) -> str:
    """The text with the password of every URL in it masked."""
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:{MASK}@", text)


def _clean(name: str, value):
    if _SECRET_NAME.search(name) and value not in (None, ""):
        return MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _clean(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(name, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC), level, logger, message, exception, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        for name, value in vars(record).items():
            if name not in _RESERVED and name not in entry and not name.startswith("_"):
                entry[name] = _clean(name, value)
        # default=str: an extra that JSON cannot hold (a UUID, a datetime, a model) becomes its text.
        return json.dumps(entry, ensure_ascii=False, default=lambda v: redact(str(v)))


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to records logged while a request is served (none outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            # Looked up lazily: logging is configured before the apps (and core.changelog) load.
            changelog = sys.modules.get("core.changelog")
            context = changelog._current.get() if changelog is not None else None
            if context is not None:
                record.request_id = str(context.request_id)
        return True


class PlainFormatter(logging.Formatter):
    """The human-readable line of `make run`, with URL passwords masked all the same."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(*, fmt: str, level: str) -> dict:
    """settings.LOGGING for LOG_FORMAT (json or plain) and LOG_LEVEL."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "core.logging.JsonFormatter"},
            "plain": {"()": "core.logging.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers propagate to root (one handler, one format); its default
        # "django" console handler is replaced so that nothing is printed twice.
        "loggers": {"django": {"handlers": [], "level": level, "propagate": True}},
    }
