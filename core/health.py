"""Liveness and readiness for container orchestration and load balancers. No sign-in needed.

- `/healthz` — the process is up and serves requests. Touches nothing else (no database), so a
  database outage never gets the web containers restarted in a loop.
- `/readyz` — the process can do its work: the database answers `SELECT 1`, and the broker
  (Redis) answers PING when one is configured (REDIS_URL or CELERY_BROKER_URL), as does the
  cache's Redis if it is another server. 200 when all pass, else 503 naming the failed checks.
  Each check gives up after READYZ_TIMEOUT_SECONDS.

The answers name each check and, on failure, only the exception's class: no host, URL or
password ever leaves through them (the full error, with URL passwords masked, goes to the log).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database(timeout: float) -> None:
    connection = connections["default"]
    with transaction.atomic(using="default"), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An answer that takes longer is no answer; SET LOCAL holds for this transaction only.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{int(timeout * 1000)}ms"])
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 did not return 1")


def check_redis(url: str, timeout: float) -> None:
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss", "unix"}:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return
    # Another broker (e.g. amqp://): one connection attempt through kombu, which Celery uses.
    from kombu import Connection

    with Connection(url, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)


def readiness_checks() -> dict:
    """name → callable(timeout) for what this deployment depends on."""
    checks = {"database": check_database}
    broker = settings.CELERY_BROKER_URL
    if settings.READYZ_CHECK_BROKER and broker:
        checks["broker"] = lambda timeout: check_redis(broker, timeout)
    cache_url = settings.REDIS_URL
    if cache_url and cache_url != broker:
        checks["cache"] = lambda timeout: check_redis(cache_url, timeout)
    return checks


def run_checks() -> tuple[bool, dict]:
    timeout = settings.READYZ_TIMEOUT_SECONDS
    results = {}
    for name, check in readiness_checks().items():
        try:
            check(timeout)
        except Exception as exc:  # any failure means "not ready"; what failed is logged and named
            logger.warning("readyz: %s check failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
    return all(r["ok"] for r in results.values()), results


@login_not_required
@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def readyz(request):
    ok, checks = run_checks()
    body = {"status": "ok" if ok else "unavailable", "checks": checks}
    if not ok:
        body["failed"] = sorted(name for name, result in checks.items() if not result["ok"])
    return JsonResponse(body, status=200 if ok else 503)
