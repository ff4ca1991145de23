"""Every URL of the project × every role: who may read and write what.

`ACCESS` classifies every named URL pattern (Django's and the API routers'); a URL added
without a line here fails `test_every_url_is_classified`. `test_the_role_matrix` then walks
every URL with the demo directorate loaded (`manage.py load_demo`: ten schools, tickets,
visits, needs, disposal…) plus a few rows the demo lacks, as:

- anonymous: the login page (pages) or 401/403 (API), except the PUBLIC pages;
- a viewer: every unsafe method (POST to pages; POST/PATCH/DELETE to the API) is refused;
- school staff of school A: every object of another school is 403/404 for reads and writes,
  and lists (pages, CSV exports, API) never show another school's rows;
- a technician: SNMP credentials, the audit trail and API tokens are out of reach for writes
  (no URL changes roles or users at all: `test_no_url_edits_users_or_roles`); technicians and
  school staff write nothing of a model core.roles gives them no write on;
- the IT head: every page and endpoint answers without a server error; every <form method="post">
  on them carries a CSRF token and its target refuses a POST without one (403).

The public look-up's secrecy and rate limit are proven in tests/maintenance/test_public_lookup.py.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.roles import ADD, CHANGE, DELETE, can, scope_queryset

PUBLIC = "public"  # anyone, no account (the requester's pages, sign-in, health checks, the PWA shell)
SESSION = "session"  # changes only the visitor's own session (sign out, language)
METRICS = "metrics"  # Prometheus: the IT head or a technician, the METRICS_TOKEN, or loopback
REDIRECT = "redirect"  # / → the dashboard
PAGE = "page"  # a signed-in page; what each role reads and writes follows core.roles
API = "api"  # a signed-in API endpoint; the same rules

ACCESS: dict[str, str] = {
    "home": REDIRECT,
    "login": PUBLIC,
    "logout": SESSION,
    "audit": PAGE,
    "api_tokens": PAGE,
    "set_language": SESSION,
    "metrics": METRICS,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "api-schema": API,
    "api-docs": API,
    "api-token": PUBLIC,
    "api-import": API,
    "api-reports-quarterly": API,
    "directorate-list": API,
    "directorate-detail": API,
    "directorate-history": API,
    "directorate-journal": API,
    "school-list": API,
    "school-detail": API,
    "school-history": API,
    "school-journal": API,
    "location-list": API,
    "location-detail": API,
    "location-history": API,
    "location-journal": API,
    "manufacturer-list": API,
    "manufacturer-detail": API,
    "manufacturer-history": API,
    "manufacturer-journal": API,
    "assetmodel-list": API,
    "assetmodel-detail": API,
    "assetmodel-history": API,
    "assetmodel-journal": API,
    "asset-list": API,
    "asset-detail": API,
    "asset-history": API,
    "asset-journal": API,
    "provider-list": API,
    "provider-detail": API,
    "provider-history": API,
    "provider-journal": API,
    "fibersite-list": API,
    "fibersite-detail": API,
    "fibersite-history": API,
    "fibersite-journal": API,
    "circuit-list": API,
    "circuit-detail": API,
    "circuit-history": API,
    "circuit-journal": API,
    "tag-list": API,
    "tag-detail": API,
    "tag-history": API,
    "tag-journal": API,
    "holiday-list": API,
    "holiday-detail": API,
    "holiday-history": API,
    "holiday-journal": API,
    "target-list": API,
    "target-detail": API,
    "target-history": API,
    "target-journal": API,
    "outage-list": API,
    "outage-detail": API,
    "snmpcredential-list": API,
    "snmpcredential-detail": API,
    "snmpcredential-history": API,
    "snmpcredential-journal": API,
    "maintenancewindow-list": API,
    "maintenancewindow-detail": API,
    "maintenancewindow-history": API,
    "maintenancewindow-journal": API,
    "ticket-list": API,
    "ticket-detail": API,
    "ticket-actions": API,
    "ticket-assign": API,
    "ticket-history": API,
    "ticket-journal": API,
    "ticket-report": API,
    "ticket-transition": API,
    "sparepart-list": API,
    "sparepart-detail": API,
    "sparepart-history": API,
    "sparepart-journal": API,
    "field-visit-list": API,
    "field-visit-detail": API,
    "field-visit-cancel": API,
    "field-visit-finding-ticket": API,
    "field-visit-findings": API,
    "field-visit-history": API,
    "field-visit-journal": API,
    "field-visit-report": API,
    "api-root": API,
    "assets:dashboard": PAGE,
    "assets:import": PAGE,
    "assets:asset_status": PAGE,
    "assets:asset_label": PAGE,
    "assets:location_labels": PAGE,
    "assets:location_options": PAGE,
    "assets:directorate_list": PAGE,
    "assets:directorate_detail": PAGE,
    "assets:directorate_add": PAGE,
    "assets:directorate_edit": PAGE,
    "assets:directorate_delete": PAGE,
    "assets:school_list": PAGE,
    "assets:school_detail": PAGE,
    "assets:school_add": PAGE,
    "assets:school_edit": PAGE,
    "assets:school_delete": PAGE,
    "assets:location_list": PAGE,
    "assets:location_detail": PAGE,
    "assets:location_add": PAGE,
    "assets:location_edit": PAGE,
    "assets:location_delete": PAGE,
    "assets:manufacturer_list": PAGE,
    "assets:manufacturer_add": PAGE,
    "assets:manufacturer_edit": PAGE,
    "assets:manufacturer_delete": PAGE,
    "assets:assetmodel_list": PAGE,
    "assets:assetmodel_add": PAGE,
    "assets:assetmodel_edit": PAGE,
    "assets:assetmodel_delete": PAGE,
    "assets:asset_list": PAGE,
    "assets:asset_detail": PAGE,
    "assets:asset_add": PAGE,
    "assets:asset_edit": PAGE,
    "assets:asset_delete": PAGE,
    "assets:holiday_list": PAGE,
    "assets:holiday_add": PAGE,
    "assets:holiday_edit": PAGE,
    "assets:holiday_delete": PAGE,
    "assets:provider_list": PAGE,
    "assets:provider_add": PAGE,
    "assets:provider_edit": PAGE,
    "assets:provider_delete": PAGE,
    "assets:fibersite_list": PAGE,
    "assets:fibersite_detail": PAGE,
    "assets:fibersite_add": PAGE,
    "assets:fibersite_edit": PAGE,
    "assets:fibersite_delete": PAGE,
    "assets:circuit_list": PAGE,
    "assets:circuit_detail": PAGE,
    "assets:circuit_add": PAGE,
    "assets:circuit_edit": PAGE,
    "assets:circuit_delete": PAGE,
    "netmon:pollers": PAGE,
    "netmon:outage_list": PAGE,
    "netmon:target_list": PAGE,
    "netmon:target_detail": PAGE,
    "netmon:target_add": PAGE,
    "netmon:target_edit": PAGE,
    "netmon:target_delete": PAGE,
    "netmon:snmpcredential_list": PAGE,
    "netmon:snmpcredential_add": PAGE,
    "netmon:snmpcredential_edit": PAGE,
    "netmon:snmpcredential_delete": PAGE,
    "netmon:maintenancewindow_list": PAGE,
    "netmon:maintenancewindow_add": PAGE,
    "netmon:maintenancewindow_edit": PAGE,
    "netmon:maintenancewindow_delete": PAGE,
    "notifications:message_list": PAGE,
    "notifications:message_detail": PAGE,
    "notifications:message_retry": PAGE,
    "reports:dashboard": PAGE,
    "reports:export": PAGE,
    "tablet:queue": PAGE,
    "tablet:todays_school": PAGE,
    "tablet:ticket": PAGE,
    "tablet:transition": PAGE,
    "tablet:action": PAGE,
    "tablet:resolve": PAGE,
    "tablet:scan": PAGE,
    "tablet:asset": PAGE,
    "tablet:outbox": PAGE,
    "tablet:visits": PAGE,
    "tablet:visit": PAGE,
    "tablet:offline": PUBLIC,
    "tablet:service_worker": PUBLIC,
    "tablet:manifest": PUBLIC,
    "tablet:jsi18n": PUBLIC,
    "maintenance:public_lookup": PUBLIC,
    "maintenance:public_feedback": PUBLIC,
    "maintenance:public_ticket": PUBLIC,
    "maintenance:ticket_request": PAGE,
    "maintenance:ticket_list": PAGE,
    "maintenance:ticket_detail": PAGE,
    "maintenance:ticket_add": PAGE,
    "maintenance:ticket_edit": PAGE,
    "maintenance:ticket_transition": PAGE,
    "maintenance:ticket_assign": PAGE,
    "maintenance:ticket_comment": PAGE,
    "maintenance:ticket_attach": PAGE,
    "maintenance:ticket_action": PAGE,
    "maintenance:ticket_report": PAGE,
    "maintenance:ticket_feedback": PAGE,
    "maintenance:ticket_merge": PAGE,
    "maintenance:ticket_print": PAGE,
    "maintenance:ticket_pdf": PAGE,
    "maintenance:attachment_download": PAGE,
    "maintenance:correctiveaction_list": PAGE,
    "maintenance:action_correct": PAGE,
    "maintenance:action_photo": PAGE,
    "maintenance:slapolicy_list": PAGE,
    "maintenance:slapolicy_add": PAGE,
    "maintenance:slapolicy_edit": PAGE,
    "maintenance:partbudget_list": PAGE,
    "maintenance:partbudget_add": PAGE,
    "maintenance:partbudget_edit": PAGE,
    "maintenance:sparepart_receive": PAGE,
    "maintenance:sparepart_list": PAGE,
    "maintenance:sparepart_detail": PAGE,
    "maintenance:sparepart_add": PAGE,
    "maintenance:sparepart_edit": PAGE,
    "maintenance:visit_list": PAGE,
    "maintenance:visit_detail": PAGE,
    "maintenance:visit_add": PAGE,
    "maintenance:visit_edit": PAGE,
    "maintenance:visit_report": PAGE,
    "maintenance:visit_finding": PAGE,
    "maintenance:visit_finding_ticket": PAGE,
    "maintenance:visit_finding_delete": PAGE,
    "maintenance:visit_cancel": PAGE,
    "maintenance:visit_print": PAGE,
    "maintenance:visit_pdf": PAGE,
    "maintenance:visitprogramme_list": PAGE,
    "maintenance:visitprogramme_detail": PAGE,
    "maintenance:visitprogramme_add": PAGE,
    "maintenance:visitprogramme_edit": PAGE,
    "maintenance:visitprogramme_print": PAGE,
    "maintenance:visitprogramme_pdf": PAGE,
    "maintenance:maintenanceplan_list": PAGE,
    "maintenance:maintenanceplan_detail": PAGE,
    "maintenance:maintenanceplan_add": PAGE,
    "maintenance:maintenanceplan_edit": PAGE,
    "maintenance:maintenanceplan_generate": PAGE,
    "maintenance:disposalitem_list": PAGE,
    "maintenance:disposal_recommend": PAGE,
    "maintenance:disposalitem_withdraw": PAGE,
    "maintenance:disposallist_list": PAGE,
    "maintenance:disposallist_add": PAGE,
    "maintenance:disposallist_detail": PAGE,
    "maintenance:disposallist_title": PAGE,
    "maintenance:disposallist_items": PAGE,
    "maintenance:disposallist_remove": PAGE,
    "maintenance:disposallist_submit": PAGE,
    "maintenance:disposallist_decision": PAGE,
    "maintenance:disposallist_print": PAGE,
    "maintenance:disposallist_pdf": PAGE,
    "maintenance:disposaldecision_print": PAGE,
    "maintenance:disposaldecision_pdf": PAGE,
    "maintenance:needprovision_list": PAGE,
    "maintenance:need_list": PAGE,
    "maintenance:need_detail": PAGE,
    "maintenance:need_add": PAGE,
    "maintenance:need_edit": PAGE,
    "maintenance:need_delete": PAGE,
    "maintenance:need_provide": PAGE,
    "maintenance:project_list": PAGE,
    "maintenance:project_detail": PAGE,
    "maintenance:project_add": PAGE,
    "maintenance:project_edit": PAGE,
    "maintenance:standardallocation_list": PAGE,
    "maintenance:standardallocation_add": PAGE,
    "maintenance:standardallocation_edit": PAGE,
    "maintenance:standardallocation_delete": PAGE,
    "maintenance:surplus_shortage": PAGE,
    "maintenance:surplus_shortage_print": PAGE,
    "maintenance:surplus_shortage_pdf": PAGE,
    "maintenance:retentionpolicy_list": PAGE,
    "maintenance:retentionpolicy_edit": PAGE,
}

#: What a technician must never write: SNMP credentials, the audit trail, tokens (core.roles).
TECHNICIAN_NO_WRITE = {
    "snmpcredential-list",
    "snmpcredential-detail",
    "netmon:snmpcredential_add",
    "netmon:snmpcredential_edit",
    "netmon:snmpcredential_delete",
    "audit",
    "api_tokens",
}

#: The model whose `pk` (tag, number, token) a URL takes, where the view names no model or another one.
MODEL_OF = {
    "maintenance:ticket_action": "maintenance.Ticket",
    "maintenance:ticket_attach": "maintenance.Ticket",
    "maintenance:ticket_feedback": "maintenance.Ticket",
    "maintenance:ticket_report": "maintenance.Ticket",
    "maintenance:visit_finding": "maintenance.Visit",
    "maintenance:visit_finding_delete": "maintenance.Visit",
    "maintenance:visit_finding_ticket": "maintenance.Visit",
    "maintenance:need_provide": "maintenance.Need",
    "maintenance:public_ticket": "maintenance.Ticket",
    "maintenance:public_feedback": "maintenance.Ticket",
    "tablet:ticket": "maintenance.Ticket",
    "tablet:transition": "maintenance.Ticket",
    "tablet:action": "maintenance.Ticket",
    "tablet:resolve": "maintenance.Ticket",
    "tablet:visit": "maintenance.Visit",
    "tablet:asset": "assets.Asset",
}

#: Models with rows of another school in the world below; a scoped detail URL of any other
#: model is reported by the matrix, so a new scoped model cannot go unchecked.
SCOPE_UNCHECKED = {"maintenance.TicketAttachment", "maintenance.CorrectiveAction"}

pytestmark = pytest.mark.django_db


# -- the URL patterns -------------------------------------------------------------------------------------
def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (pattern.namespace + ":" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or f"<unnamed {pattern.pattern}>"), pattern


def url_patterns() -> dict[str, URLPattern]:
    """Every named URL, once (the API's `.json` format-suffix twins share their route's name)."""
    found: dict[str, URLPattern] = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        found.setdefault(name, pattern)
    return found


def view_class(pattern: URLPattern):
    return getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)


def model_of(name: str, pattern: URLPattern):
    if name in MODEL_OF:
        return apps.get_model(MODEL_OF[name])
    cls = view_class(pattern)
    if cls is None:
        return None
    return (
        getattr(cls, "model", None)
        or getattr(getattr(cls, "queryset", None), "model", None)
        or getattr(cls, "permission_model", None)
    )


def kwarg_names(pattern: URLPattern) -> set[str]:
    return set(pattern.pattern.regex.groupindex) - {"format"}


def test_every_url_is_classified():
    names = set(url_patterns())
    unclassified = sorted(names - set(ACCESS))
    assert not unclassified, f"classify these URLs in ACCESS (tests/core/test_role_matrix.py): {unclassified}"
    gone = sorted(set(ACCESS) - names)
    assert not gone, f"these URLs no longer exist: remove them from ACCESS: {gone}"


def test_no_url_edits_users_or_roles():
    """Roles and users change only through commands (createsuperuser, changepassword) and the database:
    no page or endpoint serves them, so no role can edit them over the web. (API tokens: the IT head's
    /tokens/ page, in TECHNICIAN_NO_WRITE above and tests/core/test_tokens.py.)"""
    forbidden = {"assets.profile", get_user_model()._meta.label_lower}
    served = {
        name: model._meta.label_lower
        for name, pattern in url_patterns().items()
        if (model := model_of(name, pattern)) is not None and model._meta.label_lower in forbidden
    }
    assert not served


# -- the world -----------------------------------------------------------------------------------------------
def build_world():
    from assets.models import Holiday, School
    from maintenance.models import Ticket
    from netmon.models import MaintenanceWindow, Outage, Target
    from notifications.models import Message

    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = {u.username: u for u in get_user_model().objects.all()}
    staff = users["staff"]
    school_a = staff.profile.school
    school_b = School.objects.exclude(pk=school_a.pk).order_by("pk").first()
    now = timezone.now()
    for school in (school_a, school_b):
        target = Target.objects.filter(asset__school=school).first()
        if target is None:
            continue
        MaintenanceWindow.objects.create(
            name=f"w-{school.code}", start=now, end=now + timezone.timedelta(hours=1), school=school
        )
        Outage.objects.create(
            target=target, check_name="icmp", status="down", cause="icmp", context="normal", start=now
        )
    Holiday.objects.create(name="h-b", start_date=now.date(), end_date=now.date(), school=school_b)
    Message.objects.create(
        channel="email", recipient="a@example.invalid", language="ar", template="t", body="x", next_attempt_at=now
    )
    assert Ticket.objects.filter(school=school_b).exists()
    return users


def pick(model, user, *, outside: bool, need: set[str]):
    """An object of `model` that `user` may see (outside=False) or may not (outside=True)."""
    queryset = model._default_manager.all()
    visible = scope_queryset(model._default_manager.all(), user).values("pk")
    queryset = queryset.exclude(pk__in=visible) if outside else queryset.filter(pk__in=visible)
    if "finding" in need or "finding_id" in need:
        queryset = queryset.filter(findings__isnull=False)
    if "item" in need:
        queryset = queryset.filter(items__isnull=False)
    if "token" in need:
        queryset = queryset.filter(resolved_at__isnull=False)
    return queryset.order_by("pk").first()


def build_url(name: str, pattern: URLPattern, obj) -> str:
    from maintenance import public

    kwargs = {}
    for key in kwarg_names(pattern):
        if key == "pk":
            kwargs[key] = obj.pk if obj is not None else 999999
        elif key in ("finding", "finding_id"):
            kwargs[key] = obj.findings.first().pk if obj is not None else 999999
        elif key == "item":
            kwargs[key] = obj.items.first().pk if obj is not None else 999999
        elif key == "fmt":
            kwargs[key] = "svg"
        elif key == "tag":
            kwargs[key] = obj.asset_tag if obj is not None else "NO-SUCH-TAG"
        elif key == "number":
            kwargs[key] = obj.number if obj is not None else "2026-999999"
        elif key == "token":
            kwargs[key] = public.feedback_token(obj) if obj is not None else "x"
        else:
            raise AssertionError(f"{name}: teach build_url the URL argument {key!r}")
    return reverse(name, kwargs=kwargs)


def api_unsafe(name: str, url: str) -> list[tuple[str, str]]:
    if name.endswith("-detail"):
        return [("patch", url), ("delete", url)]
    return [("post", url)]


def client_for(user) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.50", raise_request_exception=False)  # a server error is a finding
    if user is not None:
        client.force_login(user)
    return client


def call(client, method: str, url: str):
    if method in ("patch", "put"):
        return getattr(client, method)(url, "{}", content_type="application/json")
    return getattr(client, method)(url, {} if method == "post" else None)


def hrefs(body: str) -> set[str]:
    return set(re.findall(r'href="([^"?#]+)', body))


POST_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)


def check_csrf(url: str, body: str, csrf_client: Client, posted: set[str], problems: list[str]) -> None:
    """Every <form method="post"> carries Django's CSRF token, and its target refuses a POST without one."""
    for attrs, inner in POST_FORM.findall(body):
        if not re.search(r'method\s*=\s*"?post', attrs, re.I):
            continue
        if 'name="csrfmiddlewaretoken"' not in inner:
            problems.append(f"a POST form on {url} has no CSRF token: <form{attrs}>")
        action = re.search(r'action\s*=\s*"([^"]*)"', attrs)
        target = (action.group(1) if action and action.group(1) else url).replace("&amp;", "&")
        if target in posted or not target.startswith("/"):
            continue
        posted.add(target)
        r = csrf_client.post(target, {})
        if r.status_code != 403:
            problems.append(f"POST {target} (a form on {url}) without a CSRF token → {r.status_code}, not 403")


def test_the_role_matrix(settings):
    settings.METRICS_TOKEN = ""
    users = build_world()
    staff, viewer, tech, head = users["staff"], users["viewer"], users["tech"], users["head"]
    problems: list[str] = []
    unchecked_scope: set[str] = set()
    outside_checked = forbidden_writes = 0

    def expect(who: str, method: str, url: str, response, allowed: set[int], why: str):
        if response.status_code not in allowed:
            status = response.status_code
            problems.append(f"{who} {method.upper()} {url} → {status} (expected {sorted(allowed)}: {why})")

    csrf_client = Client(REMOTE_ADDR="192.0.2.50", enforce_csrf_checks=True, raise_request_exception=False)
    csrf_client.force_login(head)
    posted: set[str] = set()
    anonymous = client_for(None)
    anonymous.raise_request_exception = False
    clients = {
        name: client_for(user) for name, user in (("viewer", viewer), ("staff", staff), ("tech", tech), ("head", head))
    }
    for name, pattern in sorted(url_patterns().items()):
        access = ACCESS[name]
        model = model_of(name, pattern)
        need = kwarg_names(pattern)
        scoped = model is not None and getattr(model, "scope", None) is not None
        inside = pick(model, staff, outside=False, need=need) if model is not None and need else None
        url = build_url(name, pattern, inside)

        # anonymous
        r = anonymous.get(url)
        if access in (PAGE, REDIRECT):
            if not (r.status_code == 302 and (access == REDIRECT or r["Location"].startswith("/login/"))):
                problems.append(f"anonymous GET {url} → {r.status_code}: not sent to the login page")
        elif access == API:
            expect("anonymous", "get", url, r, {401, 403}, "the API needs a token or a session")
        elif access == METRICS:
            expect("anonymous", "get", url, r, {403}, "metrics from a non-loopback address need the token")
        elif access == PUBLIC:
            if r.status_code in (401, 403) or (r.status_code == 302 and r["Location"].startswith("/login/")):
                problems.append(f"anonymous GET {url} → {r.status_code}: a public page must not need an account")
        if access not in (PAGE, API):
            continue

        # the IT head reads everything without a server error
        if not name.endswith("_pdf"):  # PDFs render the same templates as their print pages (tested there)
            r = clients["head"].get(url)
            expect("head", "get", url, r, {200, 302, 400, 404, 405}, "the IT head's page answers")
            if r.status_code == 200 and r.get("Content-Type", "").startswith("text/html"):
                check_csrf(url, r.content.decode(), csrf_client, posted, problems)

        # a viewer writes nothing
        unsafe = api_unsafe(name, url) if access == API else [("post", url)]
        for method, target in unsafe:
            r = call(clients["viewer"], method, target)
            expect(
                "viewer",
                method,
                target,
                r,
                {403, 405} | ({404} if need and inside is None else set()),
                "a viewer writes nothing",
            )

        # a technician never writes credentials, the audit trail or tokens
        if name in TECHNICIAN_NO_WRITE:
            for method, target in unsafe + ([("get", url)] if access == PAGE and not name.endswith("_list") else []):
                r = call(clients["tech"], method, target)
                expect("tech", method, target, r, {403, 405}, "technicians do not touch credentials")

        # technicians and school staff write nothing of a model their role may not add, change or delete
        # (a detail page's POST and `…/journal/` add a journal note: core.journalentry, its own right)
        journal = name.endswith(("_detail", "-journal"))
        if model is not None and not journal:
            for who in ("tech", "staff"):
                user = users[who]
                if any(can(user, action, model) for action in (ADD, CHANGE, DELETE)):
                    continue
                for method, target in unsafe:
                    forbidden_writes += 1
                    r = call(clients[who], method, target)
                    expect(
                        who,
                        method,
                        target,
                        r,
                        {403, 405} | ({404} if need and inside is None else set()),
                        f"{who} may not write {model._meta.label}",
                    )

        # school staff: another school's objects do not exist for them…
        if scoped and need:
            outside = pick(model, staff, outside=True, need=need)
            if outside is None:
                unchecked_scope.add(model._meta.label)
            else:
                other = build_url(name, pattern, outside)
                outside_checked += 1
                if not name.endswith("_pdf"):
                    r = clients["staff"].get(other)
                    expect("staff", "get", other, r, {403, 404, 405}, "another school's object")
                for method, target in api_unsafe(name, other) if access == API else [("post", other)]:
                    r = call(clients["staff"], method, target)
                    expect("staff", method, target, r, {403, 404, 405}, "another school's object")
        # …and lists never show them
        elif scoped and not need:
            hidden = model._default_manager.exclude(
                pk__in=scope_queryset(model._default_manager.all(), staff).values("pk")
            )
            if access == API:
                r = clients["staff"].get(url, {"page_size": 1000})
                if r.status_code == 200 and "results" in r.json():
                    leaked = {row.get("id") for row in r.json()["results"]} & set(hidden.values_list("pk", flat=True))
                    if leaked:
                        problems.append(f"staff GET {url} lists another school's rows {sorted(leaked)[:5]}")
            else:
                r = clients["staff"].get(url)
                if r.status_code == 200:
                    shown = hrefs(r.content.decode())
                    for obj in hidden[:200]:
                        try:
                            link = obj.get_absolute_url()
                        except Exception:  # noqa: BLE001 - a model without its own page
                            break
                        if link in shown and link != url:  # (a model whose "page" is its list)
                            problems.append(f"staff GET {url} links another school's {model._meta.label} {link}")
                            break
                    export = getattr(view_class(pattern), "export_kind", None)
                    if export and model._meta.label == "assets.Asset":
                        csv = clients["staff"].get(url, {"export": "csv"}).content.decode("utf-8-sig")
                        leaked = [tag for tag in hidden.values_list("asset_tag", flat=True)[:300] if tag in csv]
                        if leaked:
                            problems.append(f"staff export of {url} holds another school's assets {leaked[:3]}")

    assert not problems, "\n".join(problems)
    # the walk reached what it claims to: other schools' objects and the POST forms' targets
    assert outside_checked > 80 and forbidden_writes > 80 and len(posted) > 30, (outside_checked, forbidden_writes)
    assert unchecked_scope <= SCOPE_UNCHECKED, f"no other-school row to check: {sorted(unchecked_scope)}"
