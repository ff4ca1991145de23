"""The dashboard's year/quarter picker."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.models import Directorate
from core.roles import scope_queryset
from reports.periods import Quarter


class QuarterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[
            (1, _("Q1 (January–March)")),
            (2, _("Q2 (April–June)")),
            (3, _("Q3 (July–September)")),
            (4, _("Q4 (October–December)")),
        ],  # fmt: skip
    )
    directorate = forms.ModelChoiceField(
        label=_("Directorate"), queryset=Directorate.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        directorates = (
            scope_queryset(Directorate.objects.all(), user) if user is not None else Directorate.objects.all()
        )
        self.fields["directorate"].queryset = directorates
        # Only a reader who sees several directorates chooses one.
        if directorates.count() < 2:
            del self.fields["directorate"]

    @classmethod
    def for_request(cls, data, *, user) -> QuarterForm:
        current = Quarter.current()
        values = {"year": current.year, "quarter": current.quarter}
        values.update({k: v for k, v in data.items() if k in ("year", "quarter", "directorate") and v != ""})
        return cls(values, user=user)

    def report_quarter(self) -> Quarter:
        return Quarter(self.cleaned_data["year"], self.cleaned_data["quarter"])

    def directorate_id(self) -> int | None:
        directorate = self.cleaned_data.get("directorate")
        return directorate.pk if directorate is not None else None
