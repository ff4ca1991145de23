"""schemathesis against /api/schema/: no request the schema allows (or nearly allows) gets a 5xx.

The schema is loaded from the app itself over WSGI (no network, no server): schemathesis
generates requests for every operation, from the schema's own types, and sends them as an
IT head and as a technician, each with an API token (`core.services.issue_api_token`).
Bounded and derandomized: a few examples per operation, the same ones on every run.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth

from core.roles import Role
from core.services import issue_api_token
from siyana.wsgi import application
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=False)

TRACE = bool(os.environ.get("FUZZ_TRACE"))
EXAMPLES = {Role.IT_HEAD: 3, Role.TECHNICIAN: 2}
SETTINGS = dict(
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a 5xx is reported as found, at once
    deadline=None,
    database=None,  # no example database: the same examples on every machine
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(directorate, school, other_school, lab, asset, other_asset, circuits):
    """Rows for the generated requests to find (ids 1, 2… exist) besides the ones they invent.

    The requests go through the real WSGI handler, which closes the database connection after
    each request; like Django's test client, keep it open (the test's transaction lives on it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield True
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz(role: Role, directorate, school) -> list[str]:
    user = make_user(f"fuzz-{role}", role, directorate=directorate, school=school)
    headers = {"Authorization": f"Token {issue_api_token(user, 'schemathesis')}", "Accept-Language": "en"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20, "the schema lost its operations"
    only = os.environ.get("FUZZ_ONLY")  # e.g. FUZZ_ONLY="POST /api/tickets/": one operation, while debugging
    calls: list[float] = []  # seconds per request of the current operation (FUZZ_TRACE=1 prints them)
    for operation in [o for o in operations if o.label == only] if only else operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES[role], **SETTINGS)
        def run(case):
            t = time.monotonic()
            response = case.call(headers=headers)
            calls.append(time.monotonic() - t)
            statuses[response.status_code // 100] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except (Exception, BaseExceptionGroup) as exc:  # a 5xx: keep going, report every operation that has one
                failures.append(f"{case.method} {case.formatted_path}: {exc}"[:600])

        started = time.monotonic()
        calls.clear()
        run()
        if TRACE:
            print(
                f"{time.monotonic() - started:6.2f}s {sum(calls):6.2f}s in {len(calls)} calls {operation.label}",
                flush=True,
            )
    if TRACE:
        print(dict(statuses))
    # The requests were let in and did things: not a run of 401s that proves nothing (most generated
    # requests are 400s and 404s: invented ids, values the validation refuses; technicians get 403s).
    assert statuses[2] >= (20 if not only else 0), dict(statuses)
    return failures


def test_no_server_error_for_the_it_head(world, directorate, school):
    assert fuzz(Role.IT_HEAD, directorate, school) == []


def test_no_server_error_for_a_technician(world, directorate, school):
    assert fuzz(Role.TECHNICIAN, directorate, school) == []


def test_the_checks_used_exist():
    # Pinned names: a schemathesis upgrade that renames them fails here, not silently.
    assert callable(not_a_server_error) and callable(ignored_auth)


# --------------------------------------------------------------------------- the 500s it found, fixed


@pytest.fixture
def head_api(directorate):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(make_user("fuzz-fixed", Role.IT_HEAD, directorate=directorate))
    return client


def test_a_year_that_is_no_year_is_a_400(head_api):
    for year in ("-1.9", "0", "1.5", "99999"):
        response = head_api.get("/api/holidays/", {"year": year})
        assert response.status_code == 400 and "year" in response.json(), year
    assert head_api.get("/api/holidays/", {"year": "2026"}).status_code == 200


def test_a_holiday_of_centuries_is_refused_on_its_last_day(head_api):
    body = {"name": "forever", "start_date": "0001-01-01", "end_date": "9999-12-31"}
    response = head_api.post("/api/holidays/", body, format="json")
    assert response.status_code == 400 and "end_date" in response.json()
    body["end_date"] = "0001-06-30"  # a long summer break is fine
    assert head_api.post("/api/holidays/", body, format="json").status_code == 201


def test_monitoring_tickets_are_the_pollers(head_api):
    body = {"category": "fiber", "source": "monitoring", "title": "down"}
    response = head_api.post("/api/tickets/", body, format="json")
    assert response.status_code == 400 and "source" in response.json()


def test_a_ticket_without_a_school_is_answered_not_a_500(head_api):
    response = head_api.post("/api/tickets/", {"category": "fiber", "source": "email", "title": "ascii"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "ascii"
