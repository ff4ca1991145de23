"""Forms of the inventory UI. They validate and build the instance; saving is the services' job."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetStatus, Weekday
from assets.models import (
    Asset,
    AssetModel,
    Circuit,
    Directorate,
    FiberSite,
    Holiday,
    Location,
    Manufacturer,
    Provider,
    School,
)

LTR = {"dir": "ltr"}
RTL = {"dir": "rtl", "lang": "ar"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's date picker wants ISO dates, whatever the UI language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


NAME_WIDGETS = {
    "name_ar": forms.TextInput(attrs=RTL),
    "name_en": forms.TextInput(attrs={**LTR, "lang": "en"}),
    "code": forms.TextInput(attrs=LTR),
    "email": forms.EmailInput(attrs=LTR),
    "phone": forms.TextInput(attrs={**LTR, "inputmode": "tel"}),
    "comments": forms.Textarea(attrs={"rows": 3}),
}


class DirectorateForm(forms.ModelForm):
    class Meta:
        model = Directorate
        fields = ["code", "name_ar", "name_en", "address", "phone", "email"]
        widgets = NAME_WIDGETS


class SchoolForm(forms.ModelForm):
    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"), choices=Weekday.choices(), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = School
        fields = [
            "directorate",
            "code",
            "name_ar",
            "name_en",
            "address",
            "phone",
            "email",
            "latitude",
            "longitude",
            "working_days",
            "day_start",
            "day_end",
            "comments",
        ]
        widgets = {
            **NAME_WIDGETS,
            "latitude": forms.NumberInput(attrs={**LTR, "step": "any"}),
            "longitude": forms.NumberInput(attrs={**LTR, "step": "any"}),
            "day_start": TimeInput(),
            "day_end": TimeInput(),
        }


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["school", "name_ar", "name_en", "kind", "room", "comments"]
        widgets = NAME_WIDGETS


class ManufacturerForm(forms.ModelForm):
    class Meta:
        model = Manufacturer
        fields = ["name", "website", "support_phone", "support_email"]
        widgets = {
            "website": forms.URLInput(attrs=LTR),
            "support_phone": forms.TextInput(attrs={**LTR, "inputmode": "tel"}),
            "support_email": forms.EmailInput(attrs=LTR),
        }


class AssetModelForm(forms.ModelForm):
    class Meta:
        model = AssetModel
        fields = ["manufacturer", "name", "category", "part_number"]
        widgets = {"part_number": forms.TextInput(attrs=LTR)}


class AssetForm(forms.ModelForm):
    """Status is chosen when the asset is added; later changes go through AssetStatusForm (lifecycle + reason)."""

    class Meta:
        model = Asset
        fields = [
            "asset_tag",
            "name",
            "asset_model",
            "serial",
            "school",
            "location",
            "status",
            "custodian",
            "purchase_date",
            "purchase_cost",
            "supplier",
            "funding",
            "warranty_end",
            "management_ip",
            "tags",
            "comments",
        ]
        widgets = {
            "asset_tag": forms.TextInput(attrs=LTR),
            "serial": forms.TextInput(attrs=LTR),
            "management_ip": forms.TextInput(attrs={**LTR, "inputmode": "decimal"}),
            "purchase_cost": forms.NumberInput(attrs={**LTR, "step": "0.01"}),
            "purchase_date": DateInput(),
            "warranty_end": DateInput(),
            "tags": forms.CheckboxSelectMultiple,
            "comments": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["status"]


class ProviderForm(forms.ModelForm):
    class Meta:
        model = Provider
        fields = ["name", "account", "contact_name", "contact_phone", "contact_email", "comments"]
        widgets = {
            "account": forms.TextInput(attrs=LTR),
            "contact_phone": forms.TextInput(attrs={**LTR, "inputmode": "tel"}),
            "contact_email": forms.EmailInput(attrs=LTR),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }


class FiberSiteForm(forms.ModelForm):
    class Meta:
        model = FiberSite
        fields = [
            "code",
            "name_ar",
            "name_en",
            "kind",
            "directorate",
            "school",
            "status",
            "commissioned_on",
            "address",
            "comments",
        ]
        widgets = {**NAME_WIDGETS, "commissioned_on": DateInput()}


class CircuitForm(forms.ModelForm):
    class Meta:
        model = Circuit
        fields = [
            "cid",
            "provider",
            "type",
            "status",
            "bandwidth_mbps",
            "install_date",
            "termination_a",
            "port_a",
            "termination_z",
            "port_z",
            "provider_contact",
            "description",
            "tags",
            "comments",
        ]
        widgets = {
            "cid": forms.TextInput(attrs=LTR),
            "port_a": forms.TextInput(attrs=LTR),
            "port_z": forms.TextInput(attrs=LTR),
            "install_date": DateInput(),
            "tags": forms.CheckboxSelectMultiple,
            "comments": forms.Textarea(attrs={"rows": 3}),
        }


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["name", "start_date", "end_date", "directorate", "school"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start is not None and end is not None and end < start:
            # Said on the field; the database constraint would say it for the whole form.
            self.add_error("end_date", _("A holiday cannot end before it starts."))
        return data


class AssetStatusForm(forms.Form):
    """Offers only the statuses the lifecycle allows from the asset's current one."""

    status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, asset: Asset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = AssetStatus.allowed_next(asset.status)
        self.fields["status"].choices = [(v, label) for v, label in AssetStatus.choices() if v in allowed]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A CSV or XLSX file."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV file"),
        choices=[],
        initial="auto",
        required=False,
        help_text=_("Leave it on Detect unless the import says the text is garbled."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and show what would change, without saving anything"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        from assets.imports import ENCODINGS  # on first use: the importer is heavy, most pages never need it

        super().__init__(*args, **kwargs)
        self.fields["encoding"].choices = list(ENCODINGS.items())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
