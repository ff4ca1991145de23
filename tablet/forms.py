"""The tablet's forms. They collect and clean input; maintenance.services decides and saves."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maintenance.choices import ActionOutcome, ActionType, HoldReason, Recommendation, ReportResult
from maintenance.models import SparePart, Ticket

#: What the device's idempotency keys look like (crypto.randomUUID, or the form's own key).
KEY_PATTERN = re.compile(r"^[A-Za-z0-9:_-]{8,100}$")
#: datetime-local without a zone (the server's time zone), or ISO 8601 with one (the tablet's script sends these).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
MAX_PARTS = 20
MAX_MINUTES = 24 * 60


class LocalDateTimeField(forms.DateTimeField):
    """datetime-local input; also takes ISO 8601 with an offset (Django's DateTimeField parses those)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        super().__init__(input_formats=LOCAL_FORMATS, **kwargs)


def part_choices() -> list[SparePart]:
    return list(SparePart.objects.filter(active=True).order_by("code"))


class ActionForm(forms.Form):
    """A corrective action from the tablet: type, outcome, asset, duration, parts, notes and one photo.

    The duration is either an end time or a number of minutes (the end is then start + minutes).
    Parts come as repeated `part` / `quantity` fields, one pair per row of the page.
    """

    action_type = forms.ChoiceField(label=_("Action type"), choices=ActionType.choices())
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ActionOutcome.choices(), initial=ActionOutcome.DONE)
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=None, required=False, empty_label=_("(none)"))
    started_at = LocalDateTimeField(label=_("Started at"))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=MAX_MINUTES, required=False
    )
    ended_at = LocalDateTimeField(label=_("Ended at"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=100)

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.fields["asset"].queryset = ticket.assets.select_related("asset_model").order_by("asset_tag")
        assets = list(self.fields["asset"].queryset)
        if len(assets) == 1:
            self.initial.setdefault("asset", assets[0].pk)
        self.parts = part_choices()
        if not self.is_bound:
            self.initial.setdefault("started_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def clean_idempotency_key(self) -> str | None:
        key = (self.cleaned_data.get("idempotency_key") or "").strip()
        if key and not KEY_PATTERN.match(key):
            raise ValidationError(_("This is not a valid idempotency key."))
        return key or None

    def clean(self):
        data = super().clean()
        started, ended, minutes = data.get("started_at"), data.get("ended_at"), data.get("duration_minutes")
        if started is not None and minutes:
            computed = started + timedelta(minutes=minutes)
            if ended is not None and ended != computed:
                self.add_error("duration_minutes", _("Give either the end time or the minutes, not both."))
            else:
                data["ended_at"] = computed
        data["parts"] = self._clean_parts()
        return data

    def _clean_parts(self) -> list[tuple[SparePart, int]]:
        if self.data is None or not hasattr(self.data, "getlist"):
            return []
        ids, quantities = self.data.getlist("part"), self.data.getlist("quantity")
        by_pk = {str(p.pk): p for p in self.parts}
        rows: list[tuple[SparePart, int]] = []
        for index, raw in enumerate(ids[:MAX_PARTS]):
            raw = (raw or "").strip()
            quantity = (quantities[index] if index < len(quantities) else "").strip()
            if not raw:
                continue
            part = by_pk.get(raw)
            if part is None:
                self.add_error(None, _("Unknown spare part #%(id)s.") % {"id": raw})
                continue
            try:
                count = int(quantity)
            except ValueError:
                count = 0
            if count < 1:
                self.add_error(None, _("How many of %(part)s?") % {"part": part})
                continue
            rows.append((part, count))
        return rows

    def part_rows(self) -> list[dict]:
        """The part rows to draw: what was sent (on an error), else one empty row."""
        rows = []
        if self.is_bound and hasattr(self.data, "getlist"):
            quantities = self.data.getlist("quantity")
            for index, raw in enumerate(self.data.getlist("part")[:MAX_PARTS]):
                if raw:
                    rows.append({"part": raw, "quantity": quantities[index] if index < len(quantities) else ""})
        return rows or [{"part": "", "quantity": ""}]


class TransitionForm(forms.Form):
    """Start (or resume) work, or put the ticket on hold, with the version the technician saw."""

    to = forms.ChoiceField(choices=[("in_progress", "in_progress"), ("on_hold", "on_hold")])
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    hold_reason = forms.ChoiceField(
        label=_("What is the ticket waiting for?"), choices=HoldReason.choices(), required=False
    )
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    """The technical report (QF75-11, second half), and whether to resolve the ticket with it."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    diagnosis = forms.CharField(label=_("Diagnosis"), widget=forms.Textarea(attrs={"rows": 3}))
    actions_taken = forms.CharField(label=_("Actions taken"), widget=forms.Textarea(attrs={"rows": 3}))
    result = forms.ChoiceField(label=_("Result"), choices=ReportResult.choices())
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=Recommendation.choices(), initial=Recommendation.NONE
    )
    recommendation_notes = forms.CharField(
        label=_("Recommendation notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TodaysSchoolForm(forms.Form):
    school = forms.IntegerField(required=False)
