"""The monitoring pages. Thin: each view declares its model, selector, filterset, columns and form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core.roles import scope_queryset
from core.views import (
    EMPTY,
    ActionPermissionMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    badge,
    choice_counts,
    querystring,
)
from netmon import filtersets, selectors, services_config
from netmon import forms as netmon_forms
from netmon.choices import MonitorStatus, OutageCause, OutageContext, SnmpVersion, TargetRole, check_label
from netmon.display import format_duration
from netmon.models import MaintenanceWindow, Outage, PollerStatus, SnmpCredential, Target

# --------------------------------------------------------------------------- shared cells


def _status_cell(target: Target):
    html = badge(MonitorStatus, target.status)
    if not target.enabled:
        html = format_html('{} <span class="badge text-bg-light border">{}</span>', html, _("Paused"))
    return html


def _checks_cell(target: Target) -> str:
    names = []
    if target.icmp_enabled:
        names.append(_("Ping"))
    if target.snmp_enabled:
        names.append(_("SNMP"))
    return " · ".join(str(n) for n in names) or EMPTY


def _link(obj: Any, text: Any = None):
    if obj is None:
        return EMPTY
    return format_html('<a href="{}"><bdi>{}</bdi></a>', obj.get_absolute_url(), text if text is not None else obj)


def _ticket_cell(outage: Outage):
    ticket = outage.ticket
    if ticket is None:
        return EMPTY
    return format_html('<a href="{}" dir="ltr">{}</a>', ticket.get_absolute_url(), ticket.number)


def _duration_cell(outage: Outage):
    if outage.end is None:
        so_far = format_duration(timezone.now() - outage.start)
        return format_html('{} <span class="badge text-bg-danger">{}</span>', so_far, _("ongoing"))
    return format_duration(outage.duration_s)


# --------------------------------------------------------------------------- targets


class TargetListView(ObjectListView):
    model = Target
    queryset_function = selectors.target_list
    filterset_class = filtersets.TargetFilterSet
    columns = [
        Column("asset", label=gettext_lazy("Device"), sort="asset__asset_tag", link=True),
        Column("status", sort="status", render_fn=_status_cell),
        Column("asset.school", label=gettext_lazy("School"), sort="asset__school__code", link="value"),
        Column("role", sort="role", choices=TargetRole),
        Column("address", sort="address"),
        Column("checks", label=gettext_lazy("Checks"), render_fn=_checks_cell),
        Column("status_since", sort="status_since"),
        Column("last_poll_at", sort="last_poll_at"),
    ]


class TargetDetailView(ObjectDetailView):
    model = Target
    queryset_function = selectors.target_detail
    fields = [
        Column("asset", link="value"),
        Column("asset.school", label=gettext_lazy("School"), link="value"),
        Column("address"),
        Column("role", choices=TargetRole),
        Column("parent", render_fn=lambda t: _link(t.parent)),
        Column("circuit", link="value"),
        Column("enabled"),
        Column("interval_s"),
        Column("timeout_s"),
        Column("retries"),
        Column("fail_threshold"),
        Column("recover_threshold"),
        Column("icmp_enabled"),
        Column("max_rtt_ms"),
        Column("max_loss_pct"),
        Column("snmp_enabled"),
        Column("credential", render_fn=lambda t: format_html("<bdi>{}</bdi>", t.credential) if t.credential else EMPTY),
        Column("snmp_port"),
        Column("reboot_enabled"),
        Column("interfaces", render_fn=lambda t: ", ".join(str(i) for i in t.interfaces) or EMPTY),
        Column("max_errors_per_s"),
        Column("max_errors_per_mille"),
        Column("school_hours_only"),
    ]

    def extra_context_data(self) -> dict[str, Any]:
        target = self.object
        user = self.request.user
        now = timezone.now()
        checks = [
            {
                "name": row.check_name,
                "label": check_label(row.check_name),
                "badge": badge(MonitorStatus, row.status),
                "since": row.since,
                "failing_since": row.failing_since,
                "passing_since": row.passing_since,
            }
            for row in selectors.target_checks(target)
        ]
        monitored = set(target.interfaces or [])
        interfaces = []
        for index, info in sorted((target.snmp_interfaces or {}).items(), key=lambda kv: _as_int(kv[0])):
            info = info or {}
            interfaces.append(
                {
                    "index": index,
                    "name": info.get("name") or "",
                    "descr": info.get("descr") or "",
                    "alias": info.get("alias") or "",
                    "speed_mbps": (info["speed_bps"] / 1_000_000) if info.get("speed_bps") else None,
                    "monitored": _as_int(index) in monitored,
                }
            )
        outages = list(selectors.target_outages(target))
        for outage in outages:
            outage.duration_text = format_duration(outage.duration_s if outage.end else now - outage.start)
        return {
            "status_badge": _status_cell(target),
            "checks": checks,
            "flips": list(selectors.target_flips(target)),
            "outages": outages,
            "windows": scope_queryset(selectors.target_windows(target, now), user),
            "children": scope_queryset(target.children.select_related("asset"), user),
            "interfaces": interfaces,
            "outage_list_url": querystring(reverse("netmon:outage_list"), q=target.asset.asset_tag),
        }


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class TargetEditView(ObjectEditView):
    model = Target
    form_class = netmon_forms.TargetForm

    def save_object(self, form: forms.ModelForm) -> Model:
        return services_config.target_save(form.instance, user=self.request.user)


class TargetDeleteView(ObjectDeleteView):
    model = Target
    template_name = "netmon/target_delete.html"

    def delete_object(self, obj: Model) -> None:
        services_config.target_delete(obj)


# --------------------------------------------------------------------------- SNMP credentials


def _secrets_cell(credential: SnmpCredential):
    names = {"community": _("community"), "auth_key": _("authentication key"), "priv_key": _("privacy key")}
    used = services_config.SECRETS_OF.get(credential.version, ())
    return format_html_join(
        " ",
        '<span class="badge {}">{}: {}</span>',
        (
            (
                "text-bg-success" if credential.has_secret(field) else "text-bg-warning",
                names[field],
                _("stored ✓") if credential.has_secret(field) else _("not set"),
            )
            for field in used
        ),
    )


class SnmpCredentialListView(ObjectListView):
    model = SnmpCredential
    queryset_function = selectors.credential_list
    filterset_class = filtersets.SnmpCredentialFilterSet
    columns = [
        Column("name", sort="name"),
        Column("version", sort="version", choices=SnmpVersion),
        Column("user"),
        Column("auth_protocol"),
        Column("priv_protocol"),
        Column("secrets", label=gettext_lazy("Secrets"), render_fn=_secrets_cell),
        Column("target_count", label=gettext_lazy("Targets"), sort="target_count"),
    ]


class SnmpCredentialEditView(ObjectEditView):
    model = SnmpCredential
    form_class = netmon_forms.SnmpCredentialForm

    def get_initial(self) -> dict[str, Any]:
        # Never prefill a secret, not even from the query string.
        initial = super().get_initial()
        for name in netmon_forms.SnmpCredentialForm.SECRETS:
            initial.pop(name, None)
        return initial

    def save_object(self, form: forms.ModelForm) -> Model:
        return services_config.credential_save(form.instance, user=self.request.user, secrets=form.secrets())


class SnmpCredentialDeleteView(ObjectDeleteView):
    model = SnmpCredential

    def delete_object(self, obj: Model) -> None:
        services_config.credential_delete(obj)


# --------------------------------------------------------------------------- maintenance windows


def _window_state(window: MaintenanceWindow):
    now = timezone.now()
    if window.start <= now < window.end:
        return format_html('<span class="badge text-bg-warning">{}</span>', _("In force now"))
    if window.start > now:
        return format_html('<span class="badge text-bg-info">{}</span>', _("Upcoming"))
    return format_html('<span class="badge text-bg-light border">{}</span>', _("Past"))


def _window_scope(window: MaintenanceWindow):
    if window.target_id is not None:
        return _link(window.target, window.target.asset)
    if window.school_id is not None:
        return _("Every target of the school")
    return _("Every target")


class MaintenanceWindowListView(ObjectListView):
    model = MaintenanceWindow
    queryset_function = selectors.window_list
    filterset_class = filtersets.MaintenanceWindowFilterSet
    columns = [
        Column("name", sort="name"),
        Column("state", label=gettext_lazy("State"), render_fn=_window_state),
        Column("start", sort="start"),
        Column("end", sort="end"),
        Column("school", sort="school__code", link="value"),
        Column("target", label=gettext_lazy("Covers"), render_fn=_window_scope),
        Column("comments"),
    ]


class MaintenanceWindowEditView(ObjectEditView):
    model = MaintenanceWindow
    form_class = netmon_forms.MaintenanceWindowForm

    def save_object(self, form: forms.ModelForm) -> Model:
        return services_config.window_save(form.instance, user=self.request.user)


class MaintenanceWindowDeleteView(ObjectDeleteView):
    model = MaintenanceWindow

    def delete_object(self, obj: Model) -> None:
        services_config.window_delete(obj)


# --------------------------------------------------------------------------- outages


class OutageListView(ObjectListView):
    model = Outage
    queryset_function = selectors.outage_list
    filterset_class = filtersets.OutageFilterSet
    columns = [
        Column(
            "target",
            label=gettext_lazy("Target"),
            sort="target__asset__asset_tag",
            render_fn=lambda o: _link(o.target, o.target.asset),
        ),
        Column("target.asset.school", label=gettext_lazy("School"), sort="target__asset__school__code", link="value"),
        Column("check_name", sort="check_name", render_fn=lambda o: check_label(o.check_name)),
        Column("status", sort="status", choices=MonitorStatus),
        Column("cause", sort="cause", choices=OutageCause),
        Column("context", sort="context", choices=OutageContext),
        Column("start", sort="start"),
        Column("end", sort="end"),
        Column("duration_s", label=gettext_lazy("Duration"), sort="duration_s", render_fn=_duration_cell),
        Column("ticket", sort="ticket__number", render_fn=_ticket_cell),
    ]


# --------------------------------------------------------------------------- poller health


#: How a poller runs (PollerStatus.mode), for people.
POLLER_MODES = {"standalone": gettext_lazy("Standalone loop"), "celery": gettext_lazy("Celery worker")}


class PollerHealthView(ActionPermissionMixin, TemplateView):
    """Each poller's heartbeat and cycle figures, and what the targets and outages look like now."""

    model = PollerStatus
    template_name = "netmon/pollers.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        health = selectors.poller_health(request.user)
        for row in health["pollers"]:
            row.mode_label = POLLER_MODES.get(row.poller.mode, row.poller.mode)
        target_list = reverse("netmon:target_list")
        by_status = choice_counts(MonitorStatus, health["targets_by_status"])
        for row in by_status:
            row["url"] = querystring(target_list, status=row["value"], enabled="true")
        context = {
            "title": _("Poller health"),
            "pollers": health["pollers"],
            "stale_after_minutes": int(selectors.STALE_AFTER.total_seconds() // 60),
            "targets_by_status": by_status,
            "targets_disabled": health["targets_disabled"],
            "targets_disabled_url": querystring(target_list, enabled="false"),
            "targets_total": health["targets_total"],
            "open_outages": health["open_outages"],
            "open_outages_url": querystring(reverse("netmon:outage_list"), state="ongoing"),
        }
        return self.render_to_response(context)
