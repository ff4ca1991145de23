"""Forms of the field work pages (visits, programmes, plans, disposal, needs, standards, retention).
They collect and clean input; the services (visit_services, disposal_services, need_services)
decide and save."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.forms import DateInput
from assets.models import Asset, FiberSite, Location, School
from maintenance.choices import CheckResult, FindingCondition, TicketPriority
from maintenance.forms import technicians
from maintenance.models import (
    DisposalItem,
    MaintenancePlan,
    Need,
    NeedProvision,
    Project,
    RetentionPolicy,
    StandardAllocation,
    Ticket,
    Visit,
    VisitProgramme,
)

TEXT = {"rows": 3}


class VisitProgrammeForm(forms.ModelForm):
    class Meta:
        model = VisitProgramme
        fields = ["directorate", "academic_year", "term", "start_date", "end_date", "notes"]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "notes": forms.Textarea(attrs=TEXT)}


class MaintenancePlanForm(forms.ModelForm):
    class Meta:
        model = MaintenancePlan
        fields = [
            "directorate",
            "name",
            "purpose",
            "frequency",
            "target",
            "location_kind",
            "asset_category",
            "schools",
            "technician",
            "checklist",
            "start_date",
            "end_date",
            "lead_days",
            "active",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "checklist": forms.Textarea(attrs={"rows": 6}),
            "schools": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians()
        self.fields["schools"].queryset = School.objects.order_by("code")


class VisitForm(forms.ModelForm):
    """Planning a visit: where, when, why, who."""

    class Meta:
        model = Visit
        fields = ["programme", "purpose", "school", "location", "fiber_site", "planned_date", "technician", "notes"]
        widgets = {"planned_date": DateInput(), "notes": forms.Textarea(attrs=TEXT)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians()
        self.fields["location"].queryset = Location.objects.select_related("school").order_by("school__code", "name_ar")
        self.fields["fiber_site"].queryset = FiberSite.objects.order_by("code")
        self.fields["school"].required = False


class VisitReportForm(forms.Form):
    """The report (QF75-13) and, after its fields, one result and note per checklist line."""

    visited_on = forms.DateField(label=_("Visit date"), widget=DateInput())
    visitors = forms.CharField(
        label=_("Visitors"), max_length=300, required=False, help_text=_("Who else went on the visit.")
    )
    met_with = forms.CharField(label=_("Met with"), max_length=200, required=False)
    summary = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs=TEXT))
    actions_taken = forms.CharField(label=_("Actions taken"), required=False, widget=forms.Textarea(attrs=TEXT))
    recommendations = forms.CharField(label=_("Recommendations"), required=False, widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, visit: Visit, **kwargs):
        if not kwargs.get("data") and not args:
            kwargs.setdefault(
                "initial",
                {
                    "visited_on": visit.visited_on or min(visit.planned_date, timezone.localdate()),
                    "visitors": visit.visitors,
                    "met_with": visit.met_with,
                    "summary": visit.summary,
                    "actions_taken": visit.actions_taken,
                    "recommendations": visit.recommendations,
                },
            )
        super().__init__(*args, **kwargs)
        self.checks = list(visit.checks.all())
        result_choices = [("", _("Not checked")), *CheckResult.choices()]
        for check in self.checks:
            self.fields[f"check-{check.pk}-result"] = forms.ChoiceField(
                label=check.text,
                choices=result_choices,
                required=False,
                initial=check.result,
                widget=forms.RadioSelect,
            )
            self.fields[f"check-{check.pk}-note"] = forms.CharField(
                label=_("Note"), max_length=300, required=False, initial=check.note
            )

    def report_fields(self):
        return [
            self[name] for name in ("visited_on", "visitors", "met_with", "summary", "actions_taken", "recommendations")
        ]

    def check_rows(self):
        return [(c, self[f"check-{c.pk}-result"], self[f"check-{c.pk}-note"]) for c in self.checks]

    def check_results(self) -> dict[int, tuple[str, str]]:
        return {
            c.pk: (self.cleaned_data[f"check-{c.pk}-result"], self.cleaned_data[f"check-{c.pk}-note"])
            for c in self.checks
        }


class FindingForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none(), required=False)
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none(), required=False)
    condition = forms.ChoiceField(
        label=_("Condition"), choices=FindingCondition.choices(), initial=FindingCondition.ATTENTION
    )
    finding = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 2}))
    action_taken = forms.CharField(label=_("Action taken"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    follow_up = forms.CharField(
        label=_("Follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What remains to be done. It becomes the ticket's request."),
    )
    open_ticket = forms.BooleanField(label=_("Open a ticket for the follow-up now"), required=False)
    priority = forms.ChoiceField(label=_("Ticket priority"), choices=TicketPriority.choices(), initial="normal")

    def __init__(self, *args, visit: Visit, **kwargs):
        super().__init__(*args, **kwargs)
        if visit.school_id:
            self.fields["location"].queryset = Location.objects.filter(school_id=visit.school_id).order_by("name_ar")
            self.fields["asset"].queryset = (
                Asset.objects.filter(school_id=visit.school_id).select_related("asset_model").order_by("asset_tag")
            )
            if visit.location_id:
                self.fields["location"].initial = visit.location_id
        else:
            del self.fields["location"]
            del self.fields["asset"]


class FindingTicketForm(forms.Form):
    priority = forms.ChoiceField(label=_("Ticket priority"), choices=TicketPriority.choices(), initial="normal")


class CancelVisitForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 2}))


class PlanGenerateForm(forms.Form):
    """No fields: the POST is the request (and its CSRF token)."""


# --------------------------------------------------------------------------- disposal


class DisposalRecommendForm(forms.Form):
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=Asset.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = (
            Asset.objects.exclude(status__in=["disposed", "awaiting_disposal"])
            .select_related("asset_model")
            .order_by("asset_tag")
        )


class DisposalItemsForm(forms.Form):
    """Pending items (and assets set to "awaiting disposal" by hand) to put on a draft list."""

    items = forms.ModelMultipleChoiceField(
        label=_("Items awaiting the committee"),
        queryset=DisposalItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assets = forms.ModelMultipleChoiceField(
        label=_("Assets set to awaiting disposal by hand"),
        queryset=Asset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, items=None, assets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items if items is not None else DisposalItem.objects.none()
        self.fields["assets"].queryset = assets if assets is not None else Asset.objects.none()
        self.fields["items"].label_from_instance = lambda i: f"{i.asset} — {i.asset.school.name} — {i.reason[:80]}"
        self.fields["assets"].label_from_instance = lambda a: f"{a} — {a.school.name}"

    def clean(self):
        data = super().clean()
        if not data.get("items") and not data.get("assets"):
            raise forms.ValidationError(_("Choose at least one item."))
        return data


class DisposalListForm(forms.Form):
    directorate = forms.ModelChoiceField(label=_("Directorate"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args, **kwargs):
        from assets.models import Directorate

        super().__init__(*args, **kwargs)
        self.fields["directorate"].queryset = Directorate.objects.order_by("code")


class DisposalTitleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)


class DisposalDecisionForm(forms.Form):
    """The committee's decision: number, date, members, and approve / refuse for every item."""

    APPROVE, REFUSE = "approve", "refuse"

    decision_number = forms.CharField(label=_("Decision number"), max_length=50)
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput())
    committee_members = forms.CharField(
        label=_("Committee members"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One member per line: name, then title."),
    )
    decision_notes = forms.CharField(label=_("Decision notes"), required=False, widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        choices = [(self.APPROVE, _("Approve disposal")), (self.REFUSE, _("Refuse"))]
        for item in self.items:
            self.fields[f"item-{item.pk}"] = forms.ChoiceField(
                label=str(item.asset), choices=choices, widget=forms.RadioSelect, initial=self.APPROVE
            )
            self.fields[f"item-{item.pk}-note"] = forms.CharField(
                label=_("Committee's note"), max_length=300, required=False
            )

    def header_fields(self):
        return [self[n] for n in ("decision_number", "decision_date", "committee_members", "decision_notes")]

    def item_rows(self):
        return [(i, self[f"item-{i.pk}"], self[f"item-{i.pk}-note"]) for i in self.items]

    def decisions(self) -> tuple[list[int], dict[int, str]]:
        approved, refused = [], {}
        for item in self.items:
            if self.cleaned_data[f"item-{item.pk}"] == self.APPROVE:
                approved.append(item.pk)
            else:
                refused[item.pk] = self.cleaned_data[f"item-{item.pk}-note"]
        return approved, refused


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


# --------------------------------------------------------------------------- needs, projects, standards, retention


class NeedForm(forms.ModelForm):
    ticket_number = forms.CharField(
        label=_("From ticket"), max_length=20, required=False, help_text=_("The ticket's number, e.g. 2026-000123.")
    )

    class Meta:
        model = Need
        fields = ["school", "category", "description", "quantity", "justification", "source_visit", "identified_on"]
        widgets = {"identified_on": DateInput(), "justification": forms.Textarea(attrs=TEXT)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_visit"].queryset = Visit.objects.select_related("school", "location", "fiber_site")
        self.fields["identified_on"].initial = timezone.localdate()
        if self.instance.pk and self.instance.source_ticket_id:
            self.fields["ticket_number"].initial = self.instance.source_ticket.number

    def clean_ticket_number(self):
        number = self.cleaned_data["ticket_number"].strip()
        if not number:
            return None
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise forms.ValidationError(_("No ticket with this number."))
        return ticket


class ProvisionForm(forms.ModelForm):
    class Meta:
        model = NeedProvision
        fields = ["project", "quantity", "provided_on", "notes"]
        widgets = {"provided_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provided_on"].initial = timezone.localdate()


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "directorate",
            "name",
            "kind",
            "reference",
            "funder",
            "status",
            "started_on",
            "completed_on",
            "description",
        ]
        widgets = {"started_on": DateInput(), "completed_on": DateInput(), "description": forms.Textarea(attrs=TEXT)}


class StandardAllocationForm(forms.ModelForm):
    class Meta:
        model = StandardAllocation
        fields = ["location_kind", "category", "quantity", "notes"]


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["retention_years", "notes"]
        widgets = {"notes": forms.Textarea(attrs=TEXT)}
