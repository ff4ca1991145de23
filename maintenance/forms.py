"""Forms of the ticket pages. They only collect and clean input; the services decide and save.

Every form that changes the ticket row carries the `version` the user saw (a hidden field),
so a stale form ends in a clear conflict instead of a silent overwrite.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import Asset, Location
from core.roles import Role
from maintenance.choices import (
    ActionOutcome,
    ActionType,
    FeedbackKind,
    HoldReason,
    Recommendation,
    ReportResult,
    TicketCategory,
    TicketStatus,
    TicketType,
)
from maintenance.models import CorrectiveAction, PartBudget, SlaPolicy, SparePart, TechnicalReport, Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by maintenance.uploads in the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods"})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


def technicians():
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, profile__role__in=[Role.TECHNICIAN, Role.IT_HEAD])
        .order_by("username")
    )


class VersionField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, min_value=1, **kwargs)


class TicketForm(forms.ModelForm):
    """Staff's ticket form (add and edit); attachments only when adding."""

    version = VersionField(required=False)
    attachments = MultipleFileField(label=_("Photos and files"))

    class Meta:
        model = Ticket
        fields = [
            "title",
            "category",
            "type",
            "source",
            "priority",
            "school",
            "location",
            "assets",
            "requester_name",
            "requester_phone",
            "requester_email",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = Asset.objects.select_related("asset_model").order_by("asset_tag")
        self.fields["location"].queryset = Location.objects.select_related("school").order_by("school__code")
        if self.instance.pk:
            del self.fields["attachments"]
            del self.fields["source"]  # where a ticket came from is history
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]


class TicketRequestForm(forms.Form):
    """A school's request: their school is implied, so only what they know is asked."""

    title = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=TicketCategory.choices())
    type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices(), initial=TicketType.FAULT)
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False)
    assets = forms.ModelMultipleChoiceField(
        label=_("Devices"),
        queryset=Asset.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    description = forms.CharField(label=_("What is wrong?"), widget=forms.Textarea(attrs={"rows": 5}))
    requester_phone = forms.CharField(
        label=_("Mobile number"), max_length=30, required=False, help_text=_("We send the ticket number by SMS.")
    )
    attachments = MultipleFileField(label=_("Photos and files"))

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = Location.objects.filter(school=school).order_by("name_ar")
        self.fields["assets"].queryset = (
            Asset.objects.filter(school=school).select_related("asset_model").order_by("asset_tag")
        )


class TransitionForm(forms.Form):
    version = VersionField()
    to = forms.ChoiceField(label=_("New status"), choices=TicketStatus.choices())
    hold_reason = forms.ChoiceField(label=_("Waiting for"), choices=[("", "—"), *HoldReason.choices()], required=False)
    reason = forms.CharField(
        label=_("Reason (shown to the requester)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    version = VersionField()
    assigned_to = forms.ModelChoiceField(label=_("Technician"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians()


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    public = forms.BooleanField(
        label=_("Public reply (the requester sees it)"),
        required=False,
        help_text=_("Leave unticked for an internal note."),
    )


class AttachmentForm(forms.Form):
    files = MultipleFileField(label=_("Photos and files"), required=True)
    public = forms.BooleanField(label=_("The requester may see them"), required=False)


class ActionForm(forms.ModelForm):
    """A corrective action, or (with `correction=True`) a correction of one."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)
    correction_reason = forms.CharField(
        label=_("What does this correction fix?"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    class Meta:
        model = CorrectiveAction
        fields = ["action_type", "outcome", "asset", "technician", "started_at", "ended_at", "notes", "photo"]
        widgets = {
            "started_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ended_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, ticket: Ticket, correction: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action_type"].choices = ActionType.choices()
        self.fields["outcome"].choices = ActionOutcome.choices()
        self.fields["technician"].queryset = technicians()
        self.fields["technician"].required = False
        self.fields["technician"].help_text = _("Empty: you.")
        assets = Asset.objects.select_related("asset_model").order_by("asset_tag")
        if ticket.school_id:
            assets = assets.filter(school=ticket.school_id)
        self.fields["asset"].queryset = assets
        for name in ("started_at", "ended_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        if not self.is_bound and not correction:
            self.initial.setdefault("started_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        if not self.is_bound:
            # One key per form shown: a double submit (or a resent form) records the action once.
            self.initial.setdefault("idempotency_key", f"form:{uuid.uuid4().hex}")
        if correction:
            self.fields["correction_reason"].required = True
        else:
            del self.fields["correction_reason"]


class PartRowForm(forms.Form):
    part = forms.ModelChoiceField(label=_("Spare part"), queryset=None, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = SparePart.objects.filter(active=True).order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("part") and not data.get("quantity"):
            self.add_error("quantity", _("How many?"))
        return data


PartFormSet = forms.formset_factory(PartRowForm, extra=3, max_num=20)


def parts_from(formset) -> list[tuple[SparePart, int]]:
    return [(f.cleaned_data["part"], f.cleaned_data["quantity"]) for f in formset if f.cleaned_data.get("part")]


def action_fields(data: dict) -> dict:
    """The corrective action a cleaned action form describes, as keyword arguments of
    services.action_log / action_correct (the caller adds who, the parts and any technician)."""
    return {
        "action_type": data["action_type"],
        "outcome": data["outcome"],
        "started_at": data["started_at"],
        "ended_at": data["ended_at"],
        "asset": data["asset"],
        "notes": data["notes"],
        "photo": data.get("photo") or None,
        "idempotency_key": data["idempotency_key"] or None,
    }


class ReportForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = TechnicalReport
        fields = ["diagnosis", "actions_taken", "result", "recommendation", "recommendation_notes", "technician"]
        widgets = {
            "diagnosis": forms.Textarea(attrs={"rows": 3}),
            "actions_taken": forms.Textarea(attrs={"rows": 3}),
            "recommendation_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = ReportResult.choices()
        self.fields["recommendation"].choices = Recommendation.choices()
        self.fields["technician"].queryset = technicians()
        self.fields["technician"].required = False
        self.fields["technician"].help_text = _("Empty: you.")


class FeedbackForm(forms.Form):
    """The requester's answer, taken by staff (phone) or given by school staff."""

    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[(FeedbackKind.ACCEPTED, _("Accept the solution")), (FeedbackKind.OBJECTED, _("Object"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the objection"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rating = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *[(i, str(i)) for i in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("answer") == FeedbackKind.OBJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("An objection needs a reason."))
        return data


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Satisfaction"), choices=[(i, str(i)) for i in range(1, 6)], coerce=int)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    version = VersionField()
    into = forms.CharField(label=_("Original ticket number"), max_length=20)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SparePartForm(forms.ModelForm):
    class Meta:
        model = SparePart
        fields = ["code", "name", "unit", "quantity_on_hand", "unit_cost", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The stock changes only by receiving parts or drawing them in an action.
            del self.fields["quantity_on_hand"]
        else:
            self.fields["quantity_on_hand"].label = _("Opening stock")
            self.fields["quantity_on_hand"].min_value = 0


class StockReceiptForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Quantity received"),
        help_text=_("A negative number writes off a stock-take difference."),
    )


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["priority", "category", "response_hours", "resolve_hours", "active"]


class PartBudgetForm(forms.ModelForm):
    class Meta:
        model = PartBudget
        fields = ["year", "amount", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
