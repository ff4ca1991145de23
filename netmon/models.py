"""What the poller watches and what it saw.

Configuration (`SnmpCredential`, `Target`, `MaintenanceWindow`) is change-logged like the
inventory. What the poller writes on every cycle (the runtime columns of `Target`,
`TargetCheck`, `Flip`, `Outage`, samples, `PollerStatus`) is written with bulk queries
by `netmon.services`, never through `save()`, so it does not flood the change log.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import crypto
from core.models import ChangeLoggedModel
from netmon import engine
from netmon.choices import (
    MonitorStatus,
    OutageCause,
    OutageContext,
    SnmpAuthProtocol,
    SnmpPrivProtocol,
    SnmpVersion,
    TargetRole,
)


class SnmpCredential(ChangeLoggedModel):
    """A named set of SNMP credentials, shared by the targets that use it.

    The community and the v3 keys are stored encrypted (`core.crypto`) and are write-only:
    forms and the API accept them and never show them again.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    version = models.CharField(_("SNMP version"), max_length=3, choices=SnmpVersion.choices())
    community_enc = models.TextField(editable=False, blank=True)
    user = models.CharField(_("v3 user"), max_length=64, blank=True)
    auth_protocol = models.CharField(
        _("v3 authentication"), max_length=10, choices=SnmpAuthProtocol.choices(), blank=True
    )
    auth_key_enc = models.TextField(editable=False, blank=True)
    priv_protocol = models.CharField(_("v3 privacy"), max_length=10, choices=SnmpPrivProtocol.choices(), blank=True)
    priv_key_enc = models.TextField(editable=False, blank=True)

    changelog_exclude = ("community_enc", "auth_key_enc", "priv_key_enc")
    SECRET_FIELDS = {"community": "community_enc", "auth_key": "auth_key_enc", "priv_key": "priv_key_enc"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("SNMP credential")
        verbose_name_plural = _("SNMP credentials")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_version_display()})"

    def get_absolute_url(self) -> str:
        return reverse("netmon:snmpcredential_list")

    def set_secret(self, field: str, plain: str) -> None:
        setattr(self, self.SECRET_FIELDS[field], crypto.encrypt(plain) if plain else "")

    def get_secret(self, field: str) -> str:
        token = getattr(self, self.SECRET_FIELDS[field])
        return crypto.decrypt(token) if token else ""

    def has_secret(self, field: str) -> bool:
        return bool(getattr(self, self.SECRET_FIELDS[field]))

    def clean(self) -> None:
        if self.version == SnmpVersion.V2C and not self.community_enc:
            raise ValidationError({"community": _("An SNMP v2c credential needs a community.")})
        if self.version == SnmpVersion.V3:
            errors = {}
            if not self.user:
                errors["user"] = _("An SNMP v3 credential needs a user name.")
            if not self.auth_protocol:
                errors["auth_protocol"] = _("Choose the authentication protocol.")
            if not self.priv_protocol:
                errors["priv_protocol"] = _("Choose the privacy protocol.")
            if not self.auth_key_enc:
                errors["auth_key"] = _("An SNMP v3 credential needs an authentication key.")
            if not self.priv_key_enc:
                errors["priv_key"] = _("An SNMP v3 credential needs a privacy key.")
            if errors:
                raise ValidationError(errors)

    def probe_credentials(self):
        """The credentials as `netmon.probes.snmp` takes them (decrypted, in memory only)."""
        from netmon.probes.snmp import SnmpV2c, SnmpV3

        if self.version == SnmpVersion.V2C:
            return SnmpV2c(self.get_secret("community"))
        return SnmpV3(
            user=self.user,
            auth_protocol=self.auth_protocol,
            auth_key=self.get_secret("auth_key"),
            priv_protocol=self.priv_protocol,
            priv_key=self.get_secret("priv_key"),
        )


def _default_interfaces() -> list[int]:
    return []


class Target(ChangeLoggedModel):
    """One monitored device: an asset, its address, its checks and its parent (uplink)."""

    asset = models.OneToOneField(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="monitor"
    )
    address = models.GenericIPAddressField(_("address"), unpack_ipv4=True)
    role = models.CharField(_("role"), max_length=20, choices=TargetRole.choices(), default=TargetRole.ACCESS)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The uplink this device sits behind."),
    )
    circuit = models.ForeignKey(
        "assets.Circuit",
        verbose_name=_("circuit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="targets",
        help_text=_("The fiber circuit this device terminates, if any."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    interval_s = models.PositiveIntegerField(
        _("interval (s)"), default=60, validators=[MinValueValidator(10), MaxValueValidator(3600)]
    )
    timeout_s = models.FloatField(
        _("timeout (s)"), default=2.0, validators=[MinValueValidator(0.2), MaxValueValidator(30)]
    )
    retries = models.PositiveSmallIntegerField(_("retries"), default=1, validators=[MaxValueValidator(5)])
    icmp_enabled = models.BooleanField(_("ping"), default=True)
    max_rtt_ms = models.FloatField(_("RTT threshold (ms)"), null=True, blank=True, validators=[MinValueValidator(0)])
    max_loss_pct = models.FloatField(
        _("loss threshold (%)"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    snmp_enabled = models.BooleanField(_("SNMP"), default=False)
    credential = models.ForeignKey(
        SnmpCredential,
        verbose_name=_("SNMP credential"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
    )
    snmp_port = models.PositiveIntegerField(
        _("SNMP port"), default=161, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    reboot_enabled = models.BooleanField(_("reboot detection"), default=True)
    interfaces = models.JSONField(
        _("monitored interfaces"),
        default=_default_interfaces,
        blank=True,
        help_text=_("ifIndex numbers, e.g. the uplink ports."),
    )
    max_errors_per_s = models.FloatField(
        _("interface errors threshold (/s)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    max_errors_per_mille = models.FloatField(
        _("interface errors threshold (‰)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    fail_threshold = models.PositiveSmallIntegerField(
        _("failures before down"), default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    recover_threshold = models.PositiveSmallIntegerField(
        _("successes before up"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    school_hours_only = models.BooleanField(
        _("tickets in school hours only"),
        default=True,
        help_text=_(
            "Outside the school's working days and hours, on holidays and in maintenance windows an "
            "outage is recorded but opens no ticket until the school day starts."
        ),
    )

    # Runtime, written by netmon.services with update() (not change-logged).
    status = models.CharField(
        _("status"), max_length=12, choices=MonitorStatus.choices(), default=MonitorStatus.UNKNOWN, editable=False
    )
    status_since = models.DateTimeField(_("status since"), null=True, blank=True, editable=False)
    suspect = models.BooleanField(default=False, editable=False)  # failing, not yet down: holds children back
    last_poll_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    poll_version = models.PositiveBigIntegerField(default=0, editable=False)
    last_error = models.CharField(_("last error"), max_length=200, blank=True, editable=False)
    discovered_at = models.DateTimeField(_("discovered"), null=True, blank=True, editable=False)
    sys_name = models.CharField(_("sysName"), max_length=255, blank=True, editable=False)
    sys_descr = models.TextField(_("sysDescr"), blank=True, editable=False)
    sys_object_id = models.CharField(_("sysObjectID"), max_length=255, blank=True, editable=False)
    snmp_interfaces = models.JSONField(default=dict, blank=True, editable=False)  # ifIndex → discovery info
    processors = models.JSONField(default=list, blank=True, editable=False)  # hrProcessorLoad instances

    RUNTIME_FIELDS = (
        "status",
        "status_since",
        "suspect",
        "last_poll_at",
        "next_poll_at",
        "poll_version",
        "last_error",
        "discovered_at",
        "sys_name",
        "sys_descr",
        "sys_object_id",
        "snmp_interfaces",
        "processors",
    )
    changelog_exclude = RUNTIME_FIELDS
    scope = {"school": ["asset__school"], "directorate": ["asset__school__directorate"]}

    class Meta:
        ordering = ["asset__asset_tag"]
        verbose_name = _("monitored target")
        verbose_name_plural = _("monitored targets")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("A target cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(snmp_enabled=False) | Q(credential__isnull=False),
                name="%(app_label)s_%(class)s_snmp_needs_credential",
                violation_error_message=_("SNMP checks need an SNMP credential."),
            ),
        ]
        indexes = [
            models.Index(fields=["enabled", "next_poll_at"], name="netmon_target_due"),
            models.Index(fields=["status"], name="netmon_target_status"),
        ]

    def __str__(self) -> str:
        return f"{self.asset} ({self.address})"

    def get_absolute_url(self) -> str:
        return reverse("netmon:target_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        # Saving the configuration never writes the runtime columns: the poller may have
        # moved them on since this instance was loaded.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "created" and f.name not in self.RUNTIME_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def monitor_key(self) -> str:
        """How an automatic ticket names this target."""
        return f"netmon.target:{self.pk}"

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.snmp_enabled and self.credential_id is None:
            errors["credential"] = _("SNMP checks need an SNMP credential.")
        if not self.icmp_enabled and not self.snmp_enabled:
            errors["icmp_enabled"] = _("Enable ping, SNMP or both.")
        interfaces = self.interfaces
        if not isinstance(interfaces, list) or any(not isinstance(i, int) or i < 1 for i in interfaces):
            errors["interfaces"] = _("List ifIndex numbers (whole numbers from 1).")
        elif len(set(interfaces)) != len(interfaces):
            errors["interfaces"] = _("An interface is listed twice.")
        elif interfaces and not self.snmp_enabled:
            errors["interfaces"] = _("Interface checks need SNMP.")
        if self.timeout_s is not None and self.interval_s is not None and self.retries is not None:
            if self.timeout_s * (self.retries + 1) > self.interval_s:
                errors["timeout_s"] = _("Timeout × (retries + 1) must fit in the interval.")
        if self.parent_id is not None and self.pk is not None:
            seen, node = {self.pk}, self.parent
            for _step in range(1000):
                if node is None:
                    break
                if node.pk in seen:
                    errors["parent"] = _("This parent would make a loop.")
                    break
                seen.add(node.pk)
                node = node.parent
        if errors:
            raise ValidationError(errors)

    def config(self) -> engine.TargetConfig:
        """The engine's view of this target's settings."""
        errors = None
        if self.max_errors_per_s is not None or self.max_errors_per_mille is not None:
            errors = engine.ErrorThresholds(
                max_per_second=self.max_errors_per_s, max_per_mille=self.max_errors_per_mille
            )
        return engine.TargetConfig(
            interval=timedelta(seconds=self.interval_s),
            timeout=timedelta(seconds=self.timeout_s),
            retries=self.retries,
            icmp=self.icmp_enabled,
            snmp=self.snmp_enabled,
            reboot=self.reboot_enabled,
            interfaces=tuple(self.interfaces or ()),
            icmp_thresholds=engine.IcmpThresholds(max_loss_pct=self.max_loss_pct, max_rtt_ms=self.max_rtt_ms),
            error_thresholds=errors,
            policy=engine.CheckPolicy(fail_threshold=self.fail_threshold, recover_threshold=self.recover_threshold),
        )


class TargetCheck(models.Model):
    """The engine's state of one check of one target (`engine.CheckState.to_dict()`)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="checks")
    check_name = models.CharField(_("check"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=MonitorStatus.choices())
    since = models.DateTimeField(_("since"), null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)  # first failure of the current run of failures
    passing_since = models.DateTimeField(null=True, blank=True)  # first success of the current run of successes
    state = models.JSONField(default=dict)

    class Meta:
        ordering = ["target", "check_name"]
        constraints = [
            models.UniqueConstraint(fields=["target", "check_name"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.check_name} {self.status}"


class Flip(models.Model):
    """One transition of one check (healthchecks' Flip). (target, check, seq) is its identity,
    so a replayed or concurrent write of the same transition cannot be stored twice."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="flips")
    check_name = models.CharField(_("check"), max_length=64)
    seq = models.PositiveIntegerField()
    old = models.CharField(_("from"), max_length=12, choices=MonitorStatus.choices())
    new = models.CharField(_("to"), max_length=12, choices=MonitorStatus.choices())
    at = models.DateTimeField(_("time"))
    reason = models.CharField(_("reason"), max_length=20)
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["target", "check_name", "seq"], name="%(app_label)s_%(class)s_unique"),
        ]
        indexes = [
            models.Index(fields=["target", "-at"], name="netmon_flip_target_at"),
            models.Index(fields=["at"], name="netmon_flip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.check_name} {self.old}→{self.new}"


class Outage(models.Model):
    """A stretch of time one check of one target was failing: the basis of availability."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="outages")
    check_name = models.CharField(_("check"), max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=MonitorStatus.choices())
    cause = models.CharField(_("cause"), max_length=10, choices=OutageCause.choices())
    context = models.CharField(_("began"), max_length=20, choices=OutageContext.choices())
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    duration_s = models.FloatField(_("duration (s)"), null=True, blank=True)
    ticket = models.ForeignKey(
        "maintenance.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outages",
    )

    scope = {"school": ["target__asset__school"], "directorate": ["target__asset__school__directorate"]}

    class Meta:
        ordering = ["-start", "-pk"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "check_name"],
                condition=Q(end__isnull=True),
                name="%(app_label)s_%(class)s_one_open",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="%(app_label)s_%(class)s_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["start", "end"], name="netmon_outage_span"),
            models.Index(fields=["target", "-start"], name="netmon_outage_target"),
            # availability over a period: the outages still open or ended after its start
            models.Index(fields=["end"], name="netmon_outage_end"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.check_name} {self.start:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("netmon:target_detail", args=[self.target_id]) + f"#outage-{self.pk}"

    @property
    def duration(self) -> timedelta | None:
        return None if self.duration_s is None else timedelta(seconds=self.duration_s)


class Sample(models.Model):
    """One measurement: raw, kept `NETMON_RAW_DAYS`; rolled up into `SampleRollup`."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.CharField(max_length=32)  # rtt_ms, uptime_s, cpu:<i>, in_bps:<if>, out_bps:<if>, errors_ps:<if>
    at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        # One target's series: this btree. Time ranges over every target (roll-ups, pruning): the index
        # `netmon_sample_at`, made by migration 0003 outside the model's state — BRIN on PostgreSQL
        # (over a thousand times smaller than a btree, about as fast for those ranges: bench/RESULTS.md), a btree
        # elsewhere.
        indexes = [
            models.Index(fields=["target", "metric", "at"], name="netmon_sample_series"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.metric} {self.at} {self.value}"


class SampleRollup(models.Model):
    """Samples summarised per bucket of `resolution_s` seconds (300 or 3600)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+", db_index=False)
    metric = models.CharField(max_length=32)
    resolution_s = models.PositiveIntegerField()
    bucket = models.DateTimeField()
    count = models.PositiveIntegerField()
    avg = models.FloatField()
    min = models.FloatField()
    max = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "metric", "resolution_s", "bucket"], name="%(app_label)s_%(class)s_unique"
            ),
        ]
        indexes = [models.Index(fields=["resolution_s", "bucket"], name="netmon_rollup_bucket")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.metric}@{self.resolution_s}s {self.bucket}"


class MaintenanceWindow(ChangeLoggedModel):
    """Planned work: outages inside it are recorded but open no ticket.

    It covers one target, one school's targets, or — with neither — every target.
    """

    name = models.CharField(_("name"), max_length=100)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    school = models.ForeignKey(
        "assets.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
    )
    target = models.ForeignKey(
        Target,
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="maintenance_windows",
    )
    comments = models.TextField(_("comments"), blank=True)

    # A window for one target is seen by that target's school and directorate; one for
    # every target (no school, no target) by everyone.
    scope = {
        "school": ["school", "target__asset__school"],
        "directorate": ["school__directorate", "target__asset__school__directorate"],
        "everywhere": ["school", "target"],
    }

    class Meta:
        ordering = ["-start"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="%(app_label)s_%(class)s_end_after_start",
                violation_error_message=_("A maintenance window must end after it starts."),
            ),
        ]
        indexes = [models.Index(fields=["end", "start"], name="netmon_window_span")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("netmon:maintenancewindow_list")


class PollerStatus(models.Model):
    """The heartbeat of one poller process (standalone loop or Celery worker)."""

    name = models.CharField(_("poller"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=100)
    pid = models.PositiveIntegerField(_("process"))
    mode = models.CharField(_("mode"), max_length=20)  # standalone · celery
    shard = models.CharField(_("shard"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started"))
    heartbeat_at = models.DateTimeField(_("last heartbeat"))
    cycle_started_at = models.DateTimeField(_("last cycle start"), null=True, blank=True)
    cycle_duration_s = models.FloatField(_("last cycle duration (s)"), null=True, blank=True)
    lag_s = models.FloatField(_("lag (s)"), null=True, blank=True)
    targets_due = models.PositiveIntegerField(_("targets due"), default=0)
    targets_late = models.PositiveIntegerField(_("targets late"), default=0)
    polls_total = models.PositiveBigIntegerField(_("polls"), default=0)
    errors_total = models.PositiveBigIntegerField(_("errors"), default=0)
    dropped_packets_total = models.PositiveBigIntegerField(
        _("dropped packets"),
        default=0,
        help_text=_("SNMP packets dropped since the poller started: garbage, truncated, oversized, wrong request id."),
    )
    pending_outcomes = models.PositiveIntegerField(
        _("outcomes waiting"), default=0, help_text=_("Poll results kept in memory while the database was away.")
    )
    last_error = models.TextField(_("last error"), blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("poller")
        verbose_name_plural = _("pollers")

    def __str__(self) -> str:
        return self.name
