"""The requester's pages, without an account (the rules are in `maintenance.public`):

- `/track/` — look a ticket up by its number and the phone number given with it. A match
  lets this browser session read the ticket at `/track/<number>/` for a while; anything
  else gets one and the same "not found" (404), whatever was wrong. Too many tries from one
  address, or too many failed ones on one number, get 429 with Retry-After.
- `/track/<number>/` — the ticket as the requester may read it: status, category, school,
  dates and the public timeline (no internal note, no attachment, no technician's name),
  and, while its resolution waits for an answer, the link to answer it.
- `/track/answer/<token>/` — accept the solution (with an optional 1–5 rating and comment)
  or object with a reason (the ticket reopens). The token is the signed link from the
  "resolved" message; a used, stale or expired link is refused with the reason (410).

Every form is a POST with Django's CSRF protection.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from core.security import client_ip  # the TRUSTED_PROXY_COUNT rule, shared with the sign-in lockout
from core.views import apply_validation_error, badge, style_form
from maintenance import public, services
from maintenance.choices import FeedbackKind, TicketCategory, TicketStatus
from maintenance.forms import FeedbackForm
from maintenance.models import Ticket

TEMPLATES = "maintenance/public/"


class LookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Ticket number"),
        max_length=30,
        help_text=gettext_lazy("As it was sent to you, e.g. 2026-000123."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=30,
        help_text=gettext_lazy("The phone number given with the request."),
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_number(self) -> str:
        number = public.normalise_number(self.cleaned_data["number"])
        if number is None:
            raise ValidationError(_("Enter the ticket number as it was sent to you, e.g. 2026-000123."))
        return number

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if len(public.phone_key(phone)) < public.MIN_PHONE_DIGITS:
            raise ValidationError(_("Enter the whole phone number."))
        return phone


@method_decorator(never_cache, name="dispatch")  # a shared school PC: nothing kept to go back to
class LookupView(View):
    template_name = TEMPLATES + "lookup.html"

    def render(self, request: HttpRequest, form: LookupForm, *, status: int = 200, **extra: Any) -> HttpResponse:
        context = {"form": style_form(form), "title": _("Follow a maintenance request"), **extra}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {}
        number = public.normalise_number(request.GET.get("number", ""))
        if number:
            initial["number"] = number
        return self.render(request, LookupForm(initial=initial))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LookupForm(request.POST)
        if not form.is_valid():
            return self.render(request, form, status=400)
        number, phone = form.cleaned_data["number"], form.cleaned_data["phone"]
        if not public.try_lookup(ip=client_ip(request), number=number):
            response = self.render(
                request,
                LookupForm(initial={"number": number}),
                status=429,
                refused=_("Too many attempts. Wait a few minutes and try again."),
            )
            response["Retry-After"] = str(settings.PUBLIC_LOOKUP_WINDOW_SECONDS)
            return response
        ticket = public.find_ticket(number=number, phone=phone)
        if ticket is None:
            public.lookup_failed(number)
            # One answer for an unknown number and a wrong phone: nothing says which it was.
            return self.render(
                request,
                LookupForm(initial={"number": number}),
                status=404,
                refused=_("No request matches this ticket number and phone number. Check both and try again."),
            )
        public.grant(request.session, ticket)
        return HttpResponseRedirect(reverse("maintenance:public_ticket", args=[ticket.number]))


@method_decorator(never_cache, name="dispatch")
class PublicTicketView(View):
    template_name = TEMPLATES + "ticket.html"

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        ticket = public.granted_ticket(request.session, number)
        if ticket is None:
            return HttpResponseRedirect(reverse("maintenance:public_lookup") + "?" + urlencode({"number": number}))
        context = {
            "title": _("Ticket %(number)s") % {"number": ticket.number},
            "ticket": ticket,
            "status_badge": badge(TicketStatus, ticket.status),
            "category": TicketCategory.label(ticket.category),
            "school": ticket.school.name if ticket.school_id else "",
            "entries": public.public_timeline(ticket),
            "feedback_url": public.feedback_path(ticket) if public.answerable(ticket) else "",
        }
        return render(request, self.template_name, context)


@method_decorator(never_cache, name="dispatch")
class PublicFeedbackView(View):
    template_name = TEMPLATES + "feedback.html"

    REFUSALS = {
        public.LinkRefused.INVALID: (404, gettext_lazy("This link is not valid. Use the link from your message.")),
        public.LinkRefused.EXPIRED: (
            410,
            gettext_lazy("This link has expired. Please call the IT department if the problem is not solved."),
        ),
        public.LinkRefused.STALE: (
            410,
            gettext_lazy(
                "This link is out of date: the ticket was reopened, resolved again or closed since it was sent."
            ),
        ),
        public.LinkRefused.ANSWERED: (410, gettext_lazy("This resolution has already been answered.")),
    }

    def refused(self, request: HttpRequest, refusal: public.LinkRefused) -> HttpResponse:
        status, message = self.REFUSALS[refusal.reason]
        context = {
            "title": _("Your answer"),
            "refused": message,
            "ticket": refusal.ticket if refusal.reason != public.LinkRefused.INVALID else None,
            "answer": refusal.answer,
            "objected": refusal.answer is not None and refusal.answer.kind == FeedbackKind.OBJECTED,
        }
        return render(request, self.template_name, context, status=status)

    def render_form(self, request: HttpRequest, ticket: Ticket, form: FeedbackForm, *, status: int = 200):
        resolution = (
            ticket.entries.filter(public=True, data__to=TicketStatus.RESOLVED, at=ticket.resolved_at)
            .values_list("text", flat=True)
            .first()
        )
        context = {
            "title": _("Is the problem solved?"),
            "ticket": ticket,
            "school": ticket.school.name if ticket.school_id else "",
            "resolution": resolution or "",
            "form": style_form(form),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            ticket = public.feedback_ticket(token)
        except public.LinkRefused as refusal:
            return self.refused(request, refusal)
        return self.render_form(request, ticket, FeedbackForm())

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            ticket = public.feedback_ticket(token)
        except public.LinkRefused as refusal:
            return self.refused(request, refusal)
        form = FeedbackForm(request.POST)
        if not form.is_valid():
            return self.render_form(request, ticket, form, status=400)
        data = form.cleaned_data
        name = ticket.requester_name
        try:
            if data["answer"] == FeedbackKind.OBJECTED:
                services.feedback_object(ticket=ticket, reason=data["reason"], by=None, by_name=name)
                done = _("Your objection was recorded and the ticket is reopened. The IT department will be in touch.")
            else:
                services.feedback_accept(
                    ticket=ticket, rating=data["rating"], comment=data["comment"], by=None, by_name=name
                )
                done = _("Thank you. The solution is accepted and the ticket is closed.")
        except ValidationError as exc:
            try:  # answered a moment ago (another tab, a double click): say so
                public.feedback_ticket(token)
            except public.LinkRefused as refusal:
                return self.refused(request, refusal)
            apply_validation_error(form, exc)
            return self.render_form(request, ticket, form, status=400)
        ticket.refresh_from_db()
        context = {"title": _("Your answer"), "done": done, "ticket": ticket}
        return render(request, self.template_name, context)
