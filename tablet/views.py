"""The technician's tablet (issue 5): my queue, a ticket, logging an action, the report, the scanner.

Thin views: reads come from tablet.selectors, writes go to maintenance.services (or
tablet.services for the report-and-resolve step). Every page is under /tablet/, the one
scope of the PWA's service worker (served from /tablet/sw.js by `service_worker`).

The action endpoint answers the tablet's offline queue in JSON (Accept: application/json)
with the contract of /api/tickets/{id}/actions/ — 201 recorded, 200 a replay of a recorded
idempotency key, 409 the key used for another action, 400 refused — plus the photo, which
the REST API does not take.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache

from core.roles import ADD, can
from core.views import apply_validation_error, style_form
from maintenance import services
from maintenance.choices import HoldReason, TicketStatus
from maintenance.forms import action_fields
from maintenance.models import CorrectiveAction, TechnicalReport, Ticket
from maintenance.sla_services import SlaReader, describe
from tablet import selectors
from tablet.forms import ActionForm, ResolveForm, TransitionForm
from tablet.services import report_and_resolve

S = TicketStatus
TODAYS_SCHOOL = "tablet.todays_school"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class TabletMixin(LoginRequiredMixin):
    """Signed in, and a role that works tickets (logs corrective actions): technicians and the IT head."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if wants_json(request):
                # The offline queue must see "sign in again", not a login page it would take for success.
                return JsonResponse({"detail": _("Sign in again to send this action.")}, status=401)
            return self.handle_no_permission()
        if not can(request.user, ADD, CorrectiveAction):
            if wants_json(request):
                return JsonResponse({"detail": _("You may not record corrective actions.")}, status=403)
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_ticket(self) -> Ticket:
        ticket = selectors.ticket_for(self.request.user, self.kwargs["pk"])
        if ticket is None:
            raise Http404
        return ticket


# --------------------------------------------------------------------------- my queue


def todays_school_id(request: HttpRequest) -> int | None:
    """The school the technician picked for today (kept in the session until midnight, local time)."""
    picked = request.session.get(TODAYS_SCHOOL) or {}
    if picked.get("date") != timezone.localdate().isoformat():
        return None
    return picked.get("school")


class QueueView(TabletMixin, View):
    """My open tickets, the most pressing first; "today's school" narrows them to the school I am at."""

    def get(self, request: HttpRequest) -> HttpResponse:
        tickets = selectors.work_queue(request.user)
        schools = selectors.queue_schools(tickets)
        school_id = todays_school_id(request)
        todays = next((school for school, _count in schools if school.pk == school_id), None)
        if todays is not None:
            tickets = [t for t in tickets if t.school_id == todays.pk]
        for ticket in tickets:
            ticket.sla_words = describe(ticket.sla_clock)
        return render(
            request,
            "tablet/queue.html",
            {"tickets": tickets, "schools": schools, "todays_school": todays, "title": _("My queue")},
        )


class TodaysSchoolView(TabletMixin, View):
    def post(self, request: HttpRequest) -> HttpResponse:
        raw = request.POST.get("school", "")
        if raw.isdigit():
            request.session[TODAYS_SCHOOL] = {"date": timezone.localdate().isoformat(), "school": int(raw)}
        else:
            request.session.pop(TODAYS_SCHOOL, None)
        return redirect("tablet:queue")


# --------------------------------------------------------------------------- a ticket


def ticket_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    allowed = services.allowed_transitions(ticket)
    reading = SlaReader().read(ticket).current
    return {
        "ticket": ticket,
        "title": ticket.number,
        "sla_clock": reading,
        "sla_words": describe(reading),
        "can_start": S.IN_PROGRESS in allowed,
        "can_hold": S.ON_HOLD in allowed,
        "can_resolve": S.RESOLVED in allowed,
        "can_report": ticket.status != S.CLOSED,
        "hold_reasons": HoldReason.choices(),
        "actions": selectors.ticket_actions(ticket),
        "histories": selectors.asset_histories(ticket, request.user),
        "timeline": selectors.outage_timeline(ticket, request.user),
        "report": TechnicalReport.objects.filter(ticket=ticket).first(),
    }


class TicketView(TabletMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        return render(request, "tablet/ticket.html", ticket_context(request, ticket))


class TransitionView(TabletMixin, View):
    """Start (or resume) work, or put on hold, with the version the page showed."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The form was incomplete: nothing was changed."))
            return redirect("tablet:ticket", pk=ticket.pk)
        data = form.cleaned_data
        try:
            moved = services.ticket_transition(
                ticket=ticket,
                to=data["to"],
                by=request.user,
                expected_version=data["version"],
                reason=data["reason"],
                hold_reason=data["hold_reason"] or None,
            )
        except services.TicketConflict as exc:
            return conflict_response(request, exc)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("tablet:ticket", pk=ticket.pk)
        messages.success(
            request,
            _("%(number)s is now %(status)s.") % {"number": moved.number, "status": TicketStatus.label(moved.status)},
        )
        return redirect("tablet:ticket", pk=ticket.pk)


def conflict_response(request: HttpRequest, exc: services.TicketConflict) -> HttpResponse:
    """The ticket as it is now, with what happened: someone changed it since the page was loaded."""
    current = selectors.ticket_for(request.user, exc.ticket.pk)
    context = ticket_context(request, current)
    context["conflict"] = exc.message
    return render(request, "tablet/ticket.html", context, status=409)


# --------------------------------------------------------------------------- log a corrective action


def form_errors(form) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


class ActionView(TabletMixin, View):
    """Log a corrective action. The page's script queues it on the device and posts it here in JSON
    (with the device's idempotency key); without the script the form posts here as HTML."""

    def render_form(self, ticket: Ticket, form: ActionForm, status: int = 200) -> HttpResponse:
        style_form(form)
        return render(
            self.request,
            "tablet/action.html",
            {"ticket": ticket, "form": form, "title": _("Log a corrective action")},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        return self.render_form(ticket, ActionForm(ticket=ticket))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        form = ActionForm(request.POST, request.FILES, ticket=ticket)
        as_json = wants_json(request)
        if not form.is_valid():
            if as_json:
                return JsonResponse(
                    {"detail": _("The action was refused: check the form."), "errors": form_errors(form)}, status=400
                )
            return self.render_form(ticket, form, status=400)
        data = form.cleaned_data
        try:
            action, created = services.action_log(
                ticket=ticket,
                by=request.user,
                parts=data["parts"],
                **action_fields(data),
            )
        except services.IdempotencyConflict as exc:
            if as_json:
                return JsonResponse({"detail": exc.message, "action": exc.action.pk}, status=409)
            form.add_error(None, exc.message)
            return self.render_form(ticket, form, status=409)
        except ValidationError as exc:
            if as_json:
                return JsonResponse({"detail": " ".join(exc.messages), "errors": _error_dict(exc)}, status=400)
            apply_validation_error(form, exc)
            return self.render_form(ticket, form, status=400)
        text = _("The corrective action was recorded.") if created else _("This action was already recorded.")
        if as_json:
            return JsonResponse(
                {"id": action.pk, "created": created, "ticket": ticket.pk, "detail": text},
                status=201 if created else 200,
            )
        messages.success(request, text)
        return redirect(reverse("tablet:ticket", args=[ticket.pk]) + f"#action-{action.pk}")


def _error_dict(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


# --------------------------------------------------------------------------- technical report and resolve


class ResolveView(TabletMixin, View):
    """The technical report (diagnosis, actions taken, result, recommendation), and the resolution with it."""

    def render_form(self, ticket: Ticket, form: ResolveForm, status: int = 200) -> HttpResponse:
        style_form(form)
        can_resolve = S.RESOLVED in services.allowed_transitions(ticket)
        return render(
            self.request,
            "tablet/resolve.html",
            {"ticket": ticket, "form": form, "can_resolve": can_resolve, "title": _("Technical report")},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        report = TechnicalReport.objects.filter(ticket=ticket).first()
        initial: dict[str, Any] = {"version": ticket.version}
        if report is not None:
            for name in ("diagnosis", "actions_taken", "result", "recommendation", "recommendation_notes"):
                initial[name] = getattr(report, name)
        else:
            # What the technician logged is where the report's "actions taken" starts.
            lines = [a.notes for a in selectors.ticket_actions(ticket) if a.notes]
            initial["actions_taken"] = "\n".join(lines)
        return self.render_form(ticket, ResolveForm(initial=initial))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self.get_ticket()
        form = ResolveForm(request.POST)
        if not form.is_valid():
            return self.render_form(ticket, form, status=400)
        resolve = "save_only" not in request.POST
        try:
            data = dict(form.cleaned_data)
            version = data.pop("version")
            _report, current = report_and_resolve(
                ticket=ticket, by=request.user, expected_version=version, resolve=resolve, **data
            )
        except services.TicketConflict as exc:
            return conflict_response(request, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.render_form(ticket, form, status=400)
        if resolve:
            messages.success(request, _("%(number)s is resolved.") % {"number": current.number})
        else:
            messages.success(request, _("The technical report was saved."))
        return redirect("tablet:ticket", pk=ticket.pk)


# --------------------------------------------------------------------------- scan and asset


class ScanView(TabletMixin, View):
    """The camera (BarcodeDetector, else the vendored jsQR), a photo of the label, or the typed tag.

    `?code=` is what was read: a label's URL or the asset tag; a known asset opens its page.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("code", "").strip()
        context: dict[str, Any] = {"code": code, "title": _("Scan an asset")}
        if code:
            asset = selectors.asset_from_code(code, request.user)
            if asset is not None:
                return redirect("tablet:asset", tag=asset.asset_tag)
            context["not_found"] = True
            return render(request, "tablet/scan.html", context, status=404)
        return render(request, "tablet/scan.html", context)


class AssetView(TabletMixin, View):
    def get(self, request: HttpRequest, tag: str) -> HttpResponse:
        asset = selectors.asset_by_tag(request.user, tag)
        if asset is None:
            raise Http404
        tickets = list(selectors.asset_tickets(asset, request.user)[: selectors.HISTORY_LIMIT])
        context = {
            "asset": asset,
            "title": asset.asset_tag,
            "open_tickets": [t for t in tickets if t.status != S.CLOSED],
            "past_tickets": [t for t in tickets if t.status == S.CLOSED],
            "actions": list(selectors.asset_actions(asset, request.user)[: selectors.HISTORY_LIMIT]),
        }
        return render(request, "tablet/asset.html", context)


class OutboxView(TabletMixin, View):
    """The actions waiting on this device (read from IndexedDB by the page's script)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "tablet/outbox.html", {"title": _("Waiting to sync")})


# --------------------------------------------------------------------------- the PWA's plumbing


def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has not kept (no data: it is cached for everyone)."""
    return render(request, "tablet/offline.html", {"title": _("Offline"), "shell": True})


#: The app shell the service worker keeps at install (static paths; the pages are kept as they are opened).
SHELL_STATIC = [
    "vendor/bootstrap/css/bootstrap.rtl.min.css",
    "vendor/bootstrap/css/bootstrap.min.css",
    "vendor/bootstrap/js/bootstrap.bundle.min.js",
    "css/siyana.css",
    "tablet/tablet.css",
    "tablet/tablet.js",
    "tablet/scan.js",
    "tablet/icon-192.png",
    "tablet/icon-512.png",
    "vendor/jsqr/jsQR.js",
    "vendor/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2",
    "vendor/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-700-normal.woff2",
]


@cache
def _shell_version(files: tuple[str, ...]) -> str:
    """A hash of the service worker and the shell's files: a new deployment is a new worker (and cache)."""
    digest = hashlib.sha256()
    for name in ("tablet/sw.js", *files):
        path = finders.find(name)
        if path:
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


def service_worker(request: HttpRequest) -> HttpResponse:
    """/tablet/sw.js: its scope is /tablet/ (the URL's own folder). The shell list and the version are
    filled in here, so the static URLs follow STATIC_URL and a changed file installs a new worker."""
    path = finders.find("tablet/sw.js")
    if path is None:
        raise Http404
    version = (_shell_version.__wrapped__ if settings.DEBUG else _shell_version)(tuple(SHELL_STATIC))
    shell = [reverse("tablet:offline"), *(static(name) for name in SHELL_STATIC)]
    body = (
        Path(path)
        .read_text()
        .replace('"__VERSION__"', json.dumps(version))
        .replace("[] /* __SHELL__ */", json.dumps(shell))
        .replace('"__SCOPE__"', json.dumps(reverse("tablet:queue")))
        .replace('"__OFFLINE__"', json.dumps(reverse("tablet:offline")))
        .replace('"__STATIC__"', json.dumps(static("")))
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("tablet:queue")
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, in the user's language (name, direction)."""
    data = {
        "name": _("Siyana — technician"),
        "short_name": _("Siyana"),
        "description": _("My tickets, corrective actions and asset labels, also without a connection."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": reverse("tablet:queue"),
        "scope": reverse("tablet:queue"),
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f8f9fa",
        "theme_color": "#0d5c63",
        "icons": [
            {"src": static("tablet/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("tablet/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
