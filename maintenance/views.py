"""The ticket pages: list, add/edit, the school request form, the ticket with its work
(status, assignment, notes, attachments, corrective actions, technical report, feedback,
merge), the register of corrective actions, spare parts and the parts budget.

Every write is a POST to its own small view that calls one service and redirects back to
the ticket; a refused write renders the ticket again with the form's errors (400), and a
stale version renders it with the conflict and the ticket's current state (409).
Uploaded files are served only by `AttachmentDownloadView` / `ActionPhotoView`, which
reach them through the scoped ticket.
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.roles import ADD, CHANGE, VIEW, Role, can, scope_queryset, user_role
from core.views import (
    EMPTY,
    ActionPermissionMixin,
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedQuerysetMixin,
    apply_validation_error,
    badge,
    display_value,
    scope_form_fields,
    style_form,
)
from maintenance import exports, filtersets, forms, selectors, services, sla_services, uploads
from maintenance.choices import (
    ActionOutcome,
    ActionType,
    CloseReason,
    EntryKind,
    EscalationLevel,
    FeedbackKind,
    HoldReason,
    Recommendation,
    ReportResult,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketType,
)
from maintenance.models import (
    CorrectiveAction,
    PartBudget,
    SlaPolicy,
    SparePart,
    TechnicalReport,
    Ticket,
    TicketAttachment,
    TicketEntry,
    TicketFeedback,
)
from maintenance.sla_services import SlaReader
from maintenance.templatetags.sla import sla_badge_html

#: Why a ticket was closed, as the services record it.
CLOSE_REASONS = {value: label for value, label, _colour in CloseReason.CHOICES}

#: The button of each status move (the label says what it does, not where it goes).
TRANSITION_LABELS = {
    TicketStatus.IN_PROGRESS: gettext_lazy("Start work"),
    TicketStatus.ON_HOLD: gettext_lazy("Put on hold"),
    TicketStatus.RESOLVED: gettext_lazy("Resolve"),
    TicketStatus.CLOSED: gettext_lazy("Close"),
    TicketStatus.REOPENED: gettext_lazy("Reopen"),
    TicketStatus.ASSIGNED: gettext_lazy("Back to assigned"),
}


def _close_reason(ticket: Ticket) -> str:
    if not ticket.close_reason:
        return EMPTY
    return str(CLOSE_REASONS.get(ticket.close_reason, ticket.close_reason))


def _ticket_link(ticket: Ticket):
    return format_html('<a href="{}" dir="ltr">{}</a>', ticket.get_absolute_url(), ticket.number)


def _due_cell(ticket: Ticket):
    """The SLA badge of the clock that matters now (read for the whole page at once: TicketListView)."""
    reading = getattr(ticket, "sla_reading", None) or SlaReader().read(ticket)
    return sla_badge_html(reading.current) or EMPTY


def is_school_staff(user) -> bool:
    return user_role(user) == Role.SCHOOL_STAFF


# --------------------------------------------------------------------------- list, add, edit, request


class TicketListView(ObjectListView):
    model = Ticket
    queryset_function = selectors.ticket_list
    filterset_class = filtersets.TicketFilterSet
    columns = [
        Column("number", sort="number", render_fn=_ticket_link),
        Column("title", sort="title"),
        Column("school", sort="school__code", link="value"),
        Column("category", sort="category", choices=TicketCategory),
        Column("priority", sort="priority", choices=TicketPriority),
        Column("status", sort="status", choices=TicketStatus),
        Column("assigned_to", sort="assigned_to__username"),
        Column("source", sort="source", choices=TicketSource),
        Column("opened_at", sort="opened_at"),
        Column("resolve_due_at", label=gettext_lazy("SLA"), sort="resolve_due_at", render_fn=_due_cell),
    ]

    def paginate_queryset(self, queryset, page_size):
        # One SlaReader for the page: the SLA policies and holidays are loaded once for every row's badge.
        paginator, page, tickets, is_paginated = super().paginate_queryset(queryset, page_size)
        tickets = list(tickets)
        for ticket, reading in zip(tickets, SlaReader().read_many(tickets), strict=True):
            ticket.sla_reading = reading
        return paginator, page, tickets, is_paginated

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if is_school_staff(self.request.user) and can(self.request.user, ADD, Ticket):
            context["add_url"] = reverse("maintenance:ticket_request")
        return context


class TicketEditView(ObjectEditView):
    """Staff add a ticket (with its photos and files) or edit its details, with the version they saw."""

    model = Ticket
    form_class = forms.TicketForm
    template_name = "maintenance/ticket_form.html"
    queryset_function = selectors.ticket_detail

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "pk" not in kwargs and is_school_staff(request.user):
            return HttpResponseRedirect(reverse("maintenance:ticket_request"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if self.object is not None and self.request.method == "POST":
            # The form's instance is the ticket as read now; the service compares the
            # version the user saw (the hidden field), never this one.
            kwargs["initial"] = {"assets": list(self.object.assets.values_list("pk", flat=True))}
        return kwargs

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                obj = self.save_object(form)
            except services.TicketConflict as conflict:
                current = Ticket.objects.get(pk=self.object.pk)
                form.add_error(None, conflict.message)
                data = form.data.copy()
                data["version"] = current.version  # saving again now is a deliberate choice
                form.data = data
                context = self.get_context_data(form=form)
                context["conflict"] = conflict_context(current)
                return self.render_to_response(context, status=409)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                if self.object is None:
                    messages.success(request, _("Created %(object)s.") % {"object": obj})
                else:
                    messages.success(request, _("Saved %(object)s.") % {"object": obj})
                return HttpResponseRedirect(obj.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save_object(self, form: django_forms.ModelForm) -> Model:
        data = form.cleaned_data
        fields = {name: data[name] for name in services.EDITABLE_FIELDS}
        if self.object is None:
            files = data.get("attachments") or []
            for upload in files:
                uploads.check_upload(upload, field="attachments")
            with transaction.atomic():
                ticket = services.ticket_create(
                    opened_at=timezone.now(),
                    assets=list(data["assets"]),
                    author=self.request.user,
                    source=data["source"],
                    **fields,
                )
                for upload in files:
                    services.attachment_add(ticket=ticket, file=upload, by=self.request.user)
            return ticket
        return services.ticket_update(
            ticket=self.object,
            by=self.request.user,
            expected_version=data["version"],
            assets=list(data["assets"]),
            **fields,
        )


class TicketRequestView(ActionPermissionMixin, TemplateView):
    """School staff's request form: their school is implied; the ticket number is shown at once."""

    model = Ticket
    permission_action = ADD
    template_name = "maintenance/ticket_request.html"

    def school(self):
        profile = getattr(self.request.user, "profile", None)
        return getattr(profile, "school", None)

    def get_form(self) -> forms.TicketRequestForm:
        if self.request.method == "POST":
            return forms.TicketRequestForm(self.request.POST, self.request.FILES, school=self.school())
        return forms.TicketRequestForm(school=self.school())

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.school() is None:
            return HttpResponseRedirect(reverse("maintenance:ticket_add"))
        return self.render_to_response(self.context(self.get_form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.school() is None:
            raise PermissionDenied
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_request_create(
                    by=request.user,
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    type=data["type"],
                    location=data["location"],
                    assets=list(data["assets"]),
                    requester_phone=data["requester_phone"],
                    attachments=data["attachments"],
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Your request was received. Its ticket number is %(number)s.") % {"number": ticket.number},
                )
                return HttpResponseRedirect(ticket.get_absolute_url())
        return self.render_to_response(self.context(form), status=400)

    def context(self, form) -> dict[str, Any]:
        return {"form": style_form(form), "school": self.school(), "title": _("New maintenance request")}


# --------------------------------------------------------------------------- the ticket


def conflict_context(ticket: Ticket) -> dict[str, Any]:
    """What the conflict box shows: the ticket as it is now."""
    return {
        "status": badge(TicketStatus, ticket.status),
        "version": ticket.version,
        "assigned_to": ticket.assigned_to,
        "last_updated": ticket.last_updated,
        "priority": badge(TicketPriority, ticket.priority),
    }


def entry_summary(entry: TicketEntry) -> str:
    """One line on what an entry's data says (status moves, assignment, merges, duplicates, ratings)."""
    data = entry.data or {}
    if "to" in data and "from" in data and entry.kind in (EntryKind.STATUS, EntryKind.HOLD, EntryKind.RESUMED):
        text = _("Status: %(old)s → %(new)s") % {
            "old": TicketStatus.label(data.get("from", "")) or EMPTY,
            "new": TicketStatus.label(data["to"]),
        }
        if data.get("hold_reason"):
            text += " — " + HoldReason.label(data["hold_reason"])
        if data.get("close_reason"):
            text += " — " + str(CLOSE_REASONS.get(data["close_reason"], data["close_reason"]))
        return text
    if entry.kind == EntryKind.ASSIGNED:
        return _("Assigned to %(user)s") % {"user": data.get("to_name", "")}
    if entry.kind == EntryKind.MERGED and data.get("number"):
        if "into" in data:
            return _("Merged into %(number)s") % {"number": data["number"]}
        return _("%(number)s was merged into this ticket") % {"number": data["number"]}
    if entry.kind == EntryKind.DUPLICATE and data.get("number"):
        return _("Likely a duplicate of %(number)s") % {"number": data["number"]}
    if entry.kind in (EntryKind.RATING, EntryKind.ACCEPTED) and data.get("rating"):
        return _("Rating: %(rating)s of 5") % {"rating": data["rating"]}
    if entry.kind == EntryKind.ACTION and data.get("type"):
        text = ActionType.label(data["type"])
        if data.get("corrects"):
            text = _("Correction of action #%(id)s: %(type)s") % {"id": data["corrects"], "type": text}
        return text
    if entry.kind == EntryKind.REPORT:
        return _("Technical report: %(result)s") % {"result": ReportResult.label(data.get("result", ""))}
    if entry.kind == EntryKind.UPDATED and data.get("fields"):
        names = [str(Ticket._meta.get_field(f).verbose_name) for f in data["fields"] if _has_field(f)]
        return _("Changed: %(fields)s") % {"fields": ", ".join(names)}
    if entry.kind == EntryKind.ATTACHMENT and data.get("name"):
        return data["name"]
    if entry.kind == EntryKind.ESCALATED and "level" in data:
        return str(EscalationLevel.label(data["level"]))
    return ""


def _has_field(name: str) -> bool:
    try:
        Ticket._meta.get_field(name)
    except Exception:
        return False
    return True


class TicketDetailView(ObjectDetailView):
    model = Ticket
    queryset_function = selectors.ticket_detail
    fields = [
        Column("number"),
        Column("title"),
        Column("status", choices=TicketStatus),
        Column("priority", choices=TicketPriority),
        Column("category", choices=TicketCategory),
        Column("type", choices=TicketType),
        Column("source", choices=TicketSource),
        Column("school", link="value"),
        Column("location", link="value"),
        Column("requester_name"),
        Column("requester_phone"),
        Column("requester_email"),
        Column("assigned_to"),
        Column("hold_reason", choices=HoldReason),
        Column("opened_at"),
        Column("first_response_at"),
        Column("response_due_at"),
        Column("resolve_due_at"),
        Column("escalation_level", choices=EscalationLevel),
        Column("resolved_at"),
        Column("closed_at"),
        Column("close_reason", render_fn=_close_reason),
        Column("merged_into", link="value"),
        Column("version"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        return ticket_work_context(self.request, self.object, getattr(self, "overrides", {}))


def ticket_work_context(request: HttpRequest, ticket: Ticket, overrides: dict[str, Any]) -> dict[str, Any]:
    """Everything the ticket page shows and the forms the user may use (bound ones passed in `overrides`)."""
    user = request.user
    school_staff = is_school_staff(user)
    entries = list(selectors.ticket_entries(ticket, public_only=school_staff))
    for entry in entries:
        entry.kind_badge = badge(EntryKind, entry.kind)
        entry.summary = entry_summary(entry)
    attachments = list(selectors.ticket_attachments(ticket))
    if school_staff:
        attachments = [a for a in attachments if a.public]
    can_change = can(user, CHANGE, Ticket) and not school_staff
    is_open = ticket.status != TicketStatus.CLOSED
    report = TechnicalReport.objects.filter(ticket=ticket).select_related("technician").first()
    version = {"version": ticket.version}
    context: dict[str, Any] = {
        "status_badge": badge(TicketStatus, ticket.status),
        "entries": entries,
        "assets": list(ticket.assets.all()),
        "outages": list(selectors.ticket_outages(ticket, user)) if not school_staff else [],
        "attachments": attachments,
        "actions": selectors.ticket_actions(ticket),
        "report": report,
        "report_result": badge(ReportResult, report.result) if report else "",
        "report_recommendation": badge(Recommendation, report.recommendation) if report else "",
        "merged_tickets": list(scope_queryset(ticket.merged_tickets.all(), user)),
        "duplicate_suspect": ticket.duplicate_of_suspect
        if ticket.duplicate_of_suspect_id and is_open and ticket.merged_into_id is None
        else None,
        "feedback": list(ticket.feedback.select_related("by")),
        "school_staff": school_staff,
        "conflict": overrides.get("conflict"),
        "ticket_can_change": can_change,
    }
    if can_change and is_open:
        moves = services.allowed_transitions(ticket)
        context["transitions"] = [
            {"to": to, "label": TRANSITION_LABELS.get(to, TicketStatus.label(to)), "colour": TicketStatus.colour(to)}
            for to in moves
            if to != TicketStatus.ASSIGNED
        ]
        context["transition_form"] = style_form(
            overrides.get("transition_form") or forms.TransitionForm(initial=version)
        )
        context["assign_form"] = style_form(
            overrides.get("assign_form") or forms.AssignForm(initial={**version, "assigned_to": ticket.assigned_to_id})
        )
        context["merge_form"] = style_form(
            overrides.get("merge_form")
            or forms.MergeForm(
                initial={**version, "into": ticket.duplicate_of_suspect.number if ticket.duplicate_of_suspect else ""}
            )
        )
    if can_change:
        context["comment_form"] = style_form(overrides.get("comment_form") or forms.CommentForm())
    if can(user, ADD, TicketAttachment):
        context["attachment_form"] = style_form(overrides.get("attachment_form") or forms.AttachmentForm())
    if can(user, ADD, CorrectiveAction) and not school_staff:
        context["action_form"] = style_form(
            scope_form_fields(overrides.get("action_form") or forms.ActionForm(ticket=ticket), user)
        )
        part_formset = overrides.get("part_formset") or forms.PartFormSet(prefix="parts")
        for form in part_formset:
            style_form(form)
        context["part_formset"] = part_formset
    if can(user, CHANGE, TechnicalReport) and is_open and not school_staff:
        context["report_form"] = style_form(
            overrides.get("report_form") or forms.ReportForm(instance=report, initial=version)
        )
    if can(user, ADD, TicketFeedback) and ticket.status == TicketStatus.RESOLVED:
        context["feedback_form"] = style_form(overrides.get("feedback_form") or forms.FeedbackForm())
    already_rated = ticket.resolved_at is not None and any(
        f.rating is not None and f.resolved_at == ticket.resolved_at for f in context["feedback"]
    )
    if (
        can(user, ADD, TicketFeedback)
        and ticket.status == TicketStatus.CLOSED
        and ticket.close_reason in (CloseReason.RESOLVED, CloseReason.ACCEPTED)
        and not already_rated
    ):
        context["rating_form"] = style_form(overrides.get("rating_form") or forms.RatingForm())
    return context


def render_ticket(request: HttpRequest, ticket: Ticket, *, status: int, **overrides: Any) -> HttpResponse:
    """The ticket page again, with a refused form (400) or a conflict (409) in place."""
    view = TicketDetailView()
    view.setup(request, pk=ticket.pk)
    view.object = get_object_or_404(view.scoped_queryset(), pk=ticket.pk)
    if "conflict" in overrides and overrides["conflict"] is True:
        overrides["conflict"] = conflict_context(view.object)
    view.overrides = overrides
    return view.render_to_response(view.get_context_data(), status=status)


class TicketWriteView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """POST one form to one service for one (scoped) ticket, then back to the ticket.

    Subclasses set `model`/`permission_action` (what the role table must allow),
    `form_name` (the context name the ticket page renders it under), `build_form()` and
    `perform(form, ticket)`.
    """

    model: type[Model] = Ticket
    permission_action = CHANGE
    form_name = ""
    anchor = ""
    http_method_names = ["post"]

    def base_queryset(self) -> QuerySet:
        return selectors.ticket_detail()

    def build_form(self, ticket: Ticket):
        raise NotImplementedError

    def perform(self, form, ticket: Ticket) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def extra_overrides(self, form, ticket: Ticket) -> dict[str, Any]:
        return {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ticket = self.get_scoped_object()
        if is_school_staff(request.user) and self.permission_action == CHANGE:
            raise PermissionDenied
        form = self.build_form(ticket)
        if form.is_valid():
            try:
                message = self.perform(form, ticket)
            except services.TicketConflict as conflict:
                form.add_error(None, conflict.message)
                if "version" in form.fields:
                    data = form.data.copy()
                    data["version"] = conflict.current_version
                    form.data = data
                return render_ticket(
                    request,
                    ticket,
                    status=409,
                    conflict=True,
                    **{self.form_name: form},
                    **self.extra_overrides(form, ticket),
                )
            except services.IdempotencyConflict as conflict:
                form.add_error(None, conflict.message)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(ticket.get_absolute_url() + (f"#{self.anchor}" if self.anchor else ""))
        return render_ticket(
            request, ticket, status=400, **{self.form_name: form}, **self.extra_overrides(form, ticket)
        )


class TicketTransitionView(TicketWriteView):
    form_name = "transition_form"

    def build_form(self, ticket):
        return forms.TransitionForm(self.request.POST)

    def perform(self, form, ticket) -> str:
        data = form.cleaned_data
        moved = services.ticket_transition(
            ticket=ticket,
            to=data["to"],
            by=self.request.user,
            expected_version=data["version"],
            reason=data["reason"],
            hold_reason=data["hold_reason"] or None,
        )
        return _("%(number)s is now %(status)s.") % {"number": moved.number, "status": TicketStatus.label(moved.status)}


class TicketAssignView(TicketWriteView):
    form_name = "assign_form"

    def build_form(self, ticket):
        return forms.AssignForm(self.request.POST)

    def perform(self, form, ticket) -> str:
        data = form.cleaned_data
        services.ticket_assign(
            ticket=ticket, assignee=data["assigned_to"], by=self.request.user, expected_version=data["version"]
        )
        return _("Assigned to %(user)s.") % {"user": data["assigned_to"].get_username()}


class TicketCommentView(TicketWriteView):
    form_name = "comment_form"
    anchor = "ticket-timeline"

    def build_form(self, ticket):
        return forms.CommentForm(self.request.POST)

    def perform(self, form, ticket) -> str:
        services.ticket_comment(
            ticket=ticket, by=self.request.user, text=form.cleaned_data["text"], public=form.cleaned_data["public"]
        )
        return _("The reply was added.") if form.cleaned_data["public"] else _("The internal note was added.")


class TicketAttachmentView(TicketWriteView):
    model = TicketAttachment
    permission_action = ADD
    form_name = "attachment_form"
    anchor = "ticket-attachments"

    def build_form(self, ticket):
        return forms.AttachmentForm(self.request.POST, self.request.FILES)

    def perform(self, form, ticket) -> str:
        files = form.cleaned_data["files"]
        for upload in files:
            uploads.check_upload(upload, field="files")
        # School staff's files are theirs to see; staff choose.
        public = form.cleaned_data["public"] or is_school_staff(self.request.user)
        with transaction.atomic():
            for upload in files:
                services.attachment_add(ticket=ticket, file=upload, by=self.request.user, public=public)
        return _("%(count)s file(s) attached.") % {"count": len(files)}


class TicketActionView(TicketWriteView):
    """Log a corrective action (with parts); appends, so it never needs the ticket's version."""

    model = CorrectiveAction
    permission_action = ADD
    form_name = "action_form"
    anchor = "ticket-actions"

    def build_form(self, ticket):
        self.part_formset = forms.PartFormSet(self.request.POST, prefix="parts")
        return forms.ActionForm(self.request.POST, self.request.FILES, ticket=ticket)

    def extra_overrides(self, form, ticket) -> dict[str, Any]:
        return {"part_formset": self.part_formset}

    def perform(self, form, ticket) -> str:
        if not self.part_formset.is_valid():
            raise ValidationError({"__all__": _("Check the parts used.")})
        data = form.cleaned_data
        action, created = services.action_log(
            ticket=ticket,
            by=self.request.user,
            technician=data["technician"] or self.request.user,
            parts=forms.parts_from(self.part_formset),
            **forms.action_fields(data),
        )
        return _("The corrective action was recorded.") if created else _("This action was already recorded.")


class TicketReportView(TicketWriteView):
    model = TechnicalReport
    form_name = "report_form"
    anchor = "ticket-report"

    def build_form(self, ticket):
        instance = TechnicalReport.objects.filter(ticket=ticket).first()
        return forms.ReportForm(self.request.POST, instance=instance)

    def perform(self, form, ticket) -> str:
        data = form.cleaned_data
        services.report_save(
            ticket=ticket,
            by=self.request.user,
            expected_version=data["version"],
            diagnosis=data["diagnosis"],
            actions_taken=data["actions_taken"],
            result=data["result"],
            recommendation=data["recommendation"],
            recommendation_notes=data["recommendation_notes"],
            technician=data["technician"] or self.request.user,
        )
        return _("The technical report was saved.")


class TicketFeedbackView(TicketWriteView):
    """The requester's answer: school staff give it, or staff record it from a phone call."""

    model = TicketFeedback
    permission_action = ADD
    form_name = "feedback_form"
    anchor = "ticket-feedback"

    def build_form(self, ticket):
        if "answer" in self.request.POST:
            return forms.FeedbackForm(self.request.POST)
        self.form_name = "rating_form"
        return forms.RatingForm(self.request.POST)

    def perform(self, form, ticket) -> str:
        data = form.cleaned_data
        user = self.request.user
        name = user.get_full_name() or user.get_username()
        if "answer" not in data:
            services.feedback_rate(ticket=ticket, rating=data["rating"], comment=data["comment"], by=user, by_name=name)
            return _("Thank you for your rating.")
        if data["answer"] == FeedbackKind.OBJECTED:
            services.feedback_object(ticket=ticket, reason=data["reason"], by=user, by_name=name)
            return _("The objection was recorded and the ticket is reopened.")
        services.feedback_accept(ticket=ticket, rating=data["rating"], comment=data["comment"], by=user, by_name=name)
        return _("The solution was accepted and the ticket is closed.")


class TicketMergeView(TicketWriteView):
    form_name = "merge_form"

    def build_form(self, ticket):
        return forms.MergeForm(self.request.POST)

    def perform(self, form, ticket) -> str:
        data = form.cleaned_data
        into = scope_queryset(Ticket.objects.all(), self.request.user).filter(number=data["into"].strip()).first()
        if into is None:
            raise ValidationError({"into": _("No ticket with this number.")})
        services.ticket_merge(
            duplicate=ticket, into=into, by=self.request.user, expected_version=data["version"], reason=data["reason"]
        )
        return _("%(number)s was merged into %(into)s.") % {"number": ticket.number, "into": into.number}


class ActionCorrectView(ActionPermissionMixin, ScopedQuerysetMixin, TemplateView):
    """Correct a corrective action: a new version pointing at it (the original stays as it was)."""

    model = CorrectiveAction
    permission_action = ADD
    template_name = "maintenance/action_correct.html"

    def base_queryset(self) -> QuerySet:
        return selectors.action_register()

    def get_forms(self, action: CorrectiveAction):
        initial = {
            "action_type": action.action_type,
            "outcome": action.outcome,
            "asset": action.asset_id,
            "technician": action.technician_id,
            "started_at": timezone.localtime(action.started_at).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": timezone.localtime(action.ended_at).strftime("%Y-%m-%dT%H:%M") if action.ended_at else None,
            "notes": action.notes,
        }
        parts_initial = [{"part": u.part_id, "quantity": u.quantity} for u in action.parts.all()]
        if self.request.method == "POST":
            form = forms.ActionForm(self.request.POST, self.request.FILES, ticket=action.ticket, correction=True)
            formset = forms.PartFormSet(self.request.POST, prefix="parts")
        else:
            form = forms.ActionForm(initial=initial, ticket=action.ticket, correction=True)
            formset = forms.PartFormSet(prefix="parts", initial=parts_initial)
        for f in formset:
            style_form(f)
        return style_form(scope_form_fields(form, self.request.user)), formset

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = self.get_scoped_object()
        form, formset = self.get_forms(action)
        return self.render_to_response(self.context(action, form, formset))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = self.get_scoped_object()
        form, formset = self.get_forms(action)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                correction, _created = services.action_correct(
                    action=action,
                    by=request.user,
                    reason=data["correction_reason"],
                    technician=data["technician"] or action.technician,
                    parts=forms.parts_from(formset),
                    **forms.action_fields(data),
                )
            except services.IdempotencyConflict as conflict:
                form.add_error(None, conflict.message)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("The correction was recorded; the original stays in the register."))
                return HttpResponseRedirect(correction.get_absolute_url())
        return self.render_to_response(self.context(action, form, formset), status=400)

    def context(self, action, form, formset) -> dict[str, Any]:
        return {
            "action": action,
            "ticket": action.ticket,
            "form": form,
            "part_formset": formset,
            "title": _("Correct action #%(id)s of %(number)s") % {"id": action.pk, "number": action.ticket.number},
        }


# --------------------------------------------------------------------------- files, served through the scope


def _file_response(fieldfile, name: str, content_type: str) -> FileResponse:
    # Only our photos (checked as images when uploaded) show inline; everything else, PDF included
    # (a PDF viewer runs its scripts), is a download.
    inline = content_type in uploads.PILLOW_FORMATS
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(handle, content_type=content_type, as_attachment=not inline, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "private, no-store"
    return response


class AttachmentDownloadView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    """A ticket's photo or file, only for who may see the ticket (school staff: public files only)."""

    model = TicketAttachment
    permission_action = VIEW

    def base_queryset(self) -> QuerySet:
        return TicketAttachment.objects.select_related("ticket")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attachment = self.get_scoped_object()
        if not scope_queryset(Ticket.objects.filter(pk=attachment.ticket_id), request.user).exists():
            raise Http404
        if is_school_staff(request.user) and not attachment.public:
            raise Http404
        return _file_response(attachment.file, attachment.name, attachment.content_type)


class ActionPhotoView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    model = CorrectiveAction
    permission_action = VIEW

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = self.get_scoped_object()
        if not action.photo:
            raise Http404
        found = uploads.sniff(action.photo.open("rb").read(16), action.photo.name, action.photo)
        action.photo.close()
        content_type = found.content_type if found else "application/octet-stream"
        return _file_response(action.photo, action.photo_name or "photo", content_type)


# --------------------------------------------------------------------------- the register of corrective actions


def _parts_cell(action: CorrectiveAction):
    parts = list(action.parts.all())
    if not parts:
        return EMPTY
    return ", ".join(f"{u.part.code} × {u.quantity}" for u in parts)


def _action_ticket_cell(action: CorrectiveAction):
    html = _ticket_link(action.ticket)
    if action.corrects_id:
        html = format_html(
            '{} <span class="badge text-bg-warning">{}</span>', html, _("corrects #%(id)s") % {"id": action.corrects_id}
        )
    if getattr(action, "is_corrected", False):
        html = format_html('{} <span class="badge text-bg-secondary">{}</span>', html, _("corrected"))
    return html


class CorrectiveActionListView(ObjectListView):
    """The database of corrective actions: searchable across tickets, exportable (CSV, XLSX)."""

    model = CorrectiveAction
    queryset_function = selectors.action_register
    filterset_class = filtersets.CorrectiveActionFilterSet
    export_kind = "actions"
    title = gettext_lazy("Corrective actions")
    columns = [
        Column(
            "pk",
            label=gettext_lazy("ID"),
            sort="pk",
            render_fn=lambda a: format_html('<a href="{}">#{}</a>', a.get_absolute_url(), a.pk),
        ),
        Column("ticket", sort="ticket__number", render_fn=_action_ticket_cell),
        Column("ticket.school", label=gettext_lazy("School"), sort="ticket__school__code", link="value"),
        Column("asset", sort="asset__asset_tag", link="value"),
        Column("technician", sort="technician__username"),
        Column("action_type", sort="action_type", choices=ActionType),
        Column("outcome", sort="outcome", choices=ActionOutcome),
        Column("started_at", sort="started_at"),
        Column("ended_at", sort="ended_at"),
        Column("parts", label=gettext_lazy("Parts used"), render_fn=_parts_cell),
    ]

    def export_response(self, queryset: QuerySet, fmt: str) -> HttpResponse:
        return exports.actions_export_response(queryset, fmt)


# --------------------------------------------------------------------------- spare parts and budget


def _stock_cell(part: SparePart):
    text = display_value(part.quantity_on_hand)
    return format_html('<span class="badge text-bg-danger">{}</span>', text) if part.quantity_on_hand == 0 else text


class SparePartListView(ObjectListView):
    model = SparePart
    queryset_function = selectors.spare_parts
    filterset_class = filtersets.SparePartFilterSet
    columns = [
        Column("code", sort="code", link=True),
        Column("name", sort="name"),
        Column("unit", sort="unit"),
        Column("quantity_on_hand", sort="quantity_on_hand", render_fn=_stock_cell),
        Column("unit_cost", sort="unit_cost"),
        Column("active", sort="active"),
    ]


class SparePartDetailView(ObjectDetailView):
    model = SparePart
    fields = [
        Column("code"),
        Column("name"),
        Column("unit"),
        Column("quantity_on_hand"),
        Column("unit_cost"),
        Column("active"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        usages = (
            self.object.usages.select_related("action__ticket", "action__technician")
            .filter(action__in=scope_queryset(CorrectiveAction.objects.all(), self.request.user))
            .order_by("-action__started_at")[:50]
        )
        context: dict[str, Any] = {"usages": list(usages)}
        if can(self.request.user, CHANGE, SparePart):
            context["receipt_form"] = style_form(getattr(self, "receipt_form", None) or forms.StockReceiptForm())
        return context


class SparePartEditView(ObjectEditView):
    model = SparePart
    form_class = forms.SparePartForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return services.spare_part_save(part=form.instance, by=self.request.user)


class SparePartReceiveView(ActionPermissionMixin, ScopedQuerysetMixin, View):
    model = SparePart
    permission_action = CHANGE
    http_method_names = ["post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        part = self.get_scoped_object()
        form = forms.StockReceiptForm(request.POST)
        if form.is_valid():
            try:
                part = services.spare_part_receive(part=part, quantity=form.cleaned_data["quantity"], by=request.user)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The stock of %(part)s is now %(quantity)s.") % {"part": part, "quantity": part.quantity_on_hand},
                )
                return HttpResponseRedirect(part.get_absolute_url())
        view = SparePartDetailView()
        view.setup(request, pk=part.pk)
        view.object = part
        view.receipt_form = form
        return view.render_to_response(view.get_context_data(), status=400)


class SlaPolicyListView(ObjectListView):
    """The service targets: what the clocks on every ticket count against (IT head edits)."""

    model = SlaPolicy
    columns = [
        Column("priority", sort="priority", choices=TicketPriority),
        Column("category", sort="category", choices=TicketCategory),
        Column("response_hours", sort="response_hours"),
        Column("resolve_hours", sort="resolve_hours"),
        Column("active", sort="active"),
    ]


class SlaPolicyEditView(ObjectEditView):
    model = SlaPolicy
    form_class = forms.SlaPolicyForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        policy, applied = sla_services.sla_policy_save(policy=form.instance, by=self.request.user)
        if applied:
            messages.info(
                self.request, _("Due times of %(count)d open ticket(s) were recomputed.") % {"count": applied}
            )
        return policy

    def get_success_url(self, obj: Model) -> str:
        return reverse("maintenance:slapolicy_list")


class PartBudgetListView(ActionPermissionMixin, TemplateView):
    """The year's budget against what current corrective actions used in parts."""

    model = PartBudget
    permission_action = VIEW
    template_name = "maintenance/partbudget_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = timezone.localdate().year
        budgets = {b.year: b for b in PartBudget.objects.all()}
        rows = []
        for y in sorted(set(budgets) | {year}, reverse=True):
            budget = budgets.get(y)
            spent = selectors.parts_spent(y)
            rows.append(
                {
                    "year": y,
                    "budget": budget,
                    "spent": spent,
                    "left": (budget.amount - spent) if budget else None,
                    "edit_url": reverse("maintenance:partbudget_edit", args=[budget.pk]) if budget else None,
                }
            )
        context.update(
            {
                "rows": rows,
                "title": _("Parts budget"),
                "can_add": can(self.request.user, ADD, PartBudget),
                "can_change": can(self.request.user, CHANGE, PartBudget),
                "add_url": reverse("maintenance:partbudget_add"),
                "parts_url": reverse("maintenance:sparepart_list"),
            }
        )
        return context


class PartBudgetEditView(ObjectEditView):
    model = PartBudget
    form_class = forms.PartBudgetForm

    def save_object(self, form: django_forms.ModelForm) -> Model:
        return services.part_budget_save(budget=form.instance, by=self.request.user)

    def get_success_url(self, obj: Model) -> str:
        return reverse("maintenance:partbudget_list")
