"""Forms of the monitoring pages. They validate and build the instance; saving is the services' job."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from assets.forms import LTR
from netmon.models import MaintenanceWindow, SnmpCredential, Target


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's picker wants ISO local times, whatever the UI language.
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class IntegerListField(forms.CharField):
    """ifIndex numbers typed as "1, 2, 24" (or one per line)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[int]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        parts = [p for p in re.split(r"[\s,،;]+", text or "") if p]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("List ifIndex numbers (whole numbers from 1)."), code="invalid") from None


class TargetForm(forms.ModelForm):
    address = forms.GenericIPAddressField(
        label=_("address"),
        required=False,
        unpack_ipv4=True,
        help_text=_("Leave blank to use the asset's management IP."),
        widget=forms.TextInput(attrs={**LTR, "inputmode": "decimal"}),
    )
    interfaces = IntegerListField(
        label=_("monitored interfaces"),
        required=False,
        help_text=_("ifIndex numbers, e.g. the uplink ports: 1, 24"),
        widget=forms.TextInput(attrs=LTR),
    )

    class Meta:
        model = Target
        fields = [
            "asset",
            "address",
            "role",
            "parent",
            "circuit",
            "enabled",
            "interval_s",
            "timeout_s",
            "retries",
            "fail_threshold",
            "recover_threshold",
            "icmp_enabled",
            "max_rtt_ms",
            "max_loss_pct",
            "snmp_enabled",
            "credential",
            "snmp_port",
            "reboot_enabled",
            "interfaces",
            "max_errors_per_s",
            "max_errors_per_mille",
            "school_hours_only",
        ]
        widgets = {
            "interval_s": forms.NumberInput(attrs=LTR),
            "timeout_s": forms.NumberInput(attrs={**LTR, "step": "0.1"}),
            "retries": forms.NumberInput(attrs=LTR),
            "max_rtt_ms": forms.NumberInput(attrs={**LTR, "step": "any"}),
            "max_loss_pct": forms.NumberInput(attrs={**LTR, "step": "any"}),
            "snmp_port": forms.NumberInput(attrs=LTR),
            "max_errors_per_s": forms.NumberInput(attrs={**LTR, "step": "any"}),
            "max_errors_per_mille": forms.NumberInput(attrs={**LTR, "step": "any"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An asset has one target: offer the assets not yet monitored (and this one's own).
        free = Q(monitor__isnull=True)
        parents = self.fields["parent"].queryset
        if self.instance.pk is not None:
            free |= Q(pk=self.instance.asset_id)
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["asset"].queryset = self.fields["asset"].queryset.filter(free).select_related("school")
        self.fields["parent"].queryset = parents.select_related("asset")

    def clean_interfaces(self) -> list[int]:
        return self.cleaned_data.get("interfaces") or []


class SecretField(forms.CharField):
    """A write-only secret: the input is never filled in again, not even after an error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        kwargs.setdefault(
            "widget", forms.PasswordInput(render_value=False, attrs={**LTR, "autocomplete": "new-password"})
        )
        super().__init__(**kwargs)


class SnmpCredentialForm(forms.ModelForm):
    community = SecretField(label=_("community"), max_length=200)
    auth_key = SecretField(label=_("authentication key"), max_length=200)
    priv_key = SecretField(label=_("privacy key"), max_length=200)

    SECRETS = ("community", "auth_key", "priv_key")
    field_order = ["name", "version", "community", "user", "auth_protocol", "auth_key", "priv_protocol", "priv_key"]

    class Meta:
        model = SnmpCredential
        fields = ["name", "version", "community", "user", "auth_protocol", "auth_key", "priv_protocol", "priv_key"]
        widgets = {"name": forms.TextInput(attrs=LTR), "user": forms.TextInput(attrs=LTR)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.SECRETS:
            field = self.fields[name]
            if self.instance.pk is not None and self.instance.has_secret(name):
                field.help_text = _("Stored ✓ — leave blank to keep it.")
                field.widget.attrs["placeholder"] = "••••••••"
            else:
                field.help_text = _("Not set.")

    def secrets(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.SECRETS}

    def _post_clean(self) -> None:
        # Only build the instance here: the model's clean() needs the secrets, which only the
        # service sets (encrypted). credential_save() validates, and its errors land on the form.
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)


class MaintenanceWindowForm(forms.ModelForm):
    class Meta:
        model = MaintenanceWindow
        fields = ["name", "start", "end", "school", "target", "comments"]
        widgets = {
            "start": DateTimeInput(),
            "end": DateTimeInput(),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "school": _("Empty: every school (or the chosen target only)."),
            "target": _("Empty: every target of the school (or every target)."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = self.fields["target"].queryset.select_related("asset")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            # Said on the field; the database constraint would say it for the whole form.
            self.add_error("end", _("A maintenance window must end after it starts."))
        return data
