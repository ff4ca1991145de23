from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assets.choices import (
    DEFAULT_WORKING_DAYS,
    AssetCategory,
    AssetStatus,
    CircuitStatus,
    CircuitType,
    FiberSiteKind,
    FiberSiteStatus,
    LocationKind,
)
from core.models import ChangeLoggedModel
from core.roles import Role

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Use letters, digits, dots, dashes and underscores only.")
)


def default_working_days() -> list[int]:
    return list(DEFAULT_WORKING_DAYS)


class BilingualNameMixin(models.Model):
    """An Arabic name (required) and an English one (optional); `name` follows the UI language."""

    name_ar = models.CharField(_("Arabic name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_ar


class Directorate(BilingualNameMixin, ChangeLoggedModel):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    scope = {"school": [], "directorate": ["pk"]}

    class Meta:
        ordering = ["code"]
        verbose_name = _("directorate")
        verbose_name_plural = _("directorates")

    def get_absolute_url(self) -> str:
        return reverse("assets:directorate_detail", args=[self.pk])


class School(BilingualNameMixin, ChangeLoggedModel):
    directorate = models.ForeignKey(
        Directorate, verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="schools"
    )
    code = models.CharField(
        _("national school code"),
        max_length=30,
        unique=True,
        validators=[code_validator],
        error_messages={"unique": _("A school with this national code already exists.")},
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    working_days = models.JSONField(
        _("working days"),
        default=default_working_days,
        help_text=_("Weekdays the school is open (Monday = 0 … Sunday = 6)."),
    )
    day_start = models.TimeField(_("working day starts"), default=dt.time(7, 30))
    day_end = models.TimeField(_("working day ends"), default=dt.time(14, 30))
    comments = models.TextField(_("comments"), blank=True)

    scope = {"school": ["pk"], "directorate": ["directorate"]}

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(
                condition=Q(day_start__lt=models.F("day_end")),
                name="%(app_label)s_%(class)s_day_order",
                violation_error_message=_("The working day must end after it starts."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("assets:school_detail", args=[self.pk])

    def clean(self) -> None:
        days = self.working_days
        if not isinstance(days, list) or not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            raise ValidationError({"working_days": _("Choose at least one weekday.")})
        if len(set(days)) != len(days):
            raise ValidationError({"working_days": _("A weekday is listed twice.")})
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})


class Holiday(ChangeLoggedModel):
    """A day or run of days with no school: for every school, one directorate's, or one school's.

    The poller opens no ticket for an outage on a holiday (it is still recorded), and SLA
    clocks do not run on them.
    """

    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    directorate = models.ForeignKey(
        Directorate,
        verbose_name=_("directorate"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holidays",
        help_text=_("Empty: every directorate."),
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holidays",
        help_text=_("Empty: every school of the directorate."),
    )

    # A national holiday (no directorate, no school) is seen by everyone; a school's one by
    # its directorate too, even when the directorate was left empty.
    scope = {
        "school": ["school"],
        "directorate": ["directorate", "school__directorate"],
        "everywhere": ["directorate", "school"],
    }

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=models.F("end_date")),
                name="%(app_label)s_%(class)s_date_order",
                violation_error_message=_("A holiday cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["end_date", "start_date"], name="assets_holiday_dates")]

    def __str__(self) -> str:
        if self.start_date == self.end_date:
            return f"{self.name} ({self.start_date})"
        return f"{self.name} ({self.start_date} – {self.end_date})"

    def get_absolute_url(self) -> str:
        return reverse("assets:holiday_list") + f"?q={self.name}"

    #: The SLA clocks and reports expand holidays day by day: a "holiday" of centuries (found by the API
    #: fuzz test) made every ticket take seconds. The longest real closure is a summer break.
    MAX_DAYS = 366

    def clean(self) -> None:
        if self.school_id is not None and self.directorate_id is not None:
            if self.school.directorate_id != self.directorate_id:
                raise ValidationError({"school": _("The school belongs to another directorate.")})
        if self.start_date and self.end_date and (self.end_date - self.start_date).days >= self.MAX_DAYS:
            raise ValidationError({"end_date": _("A holiday lasts at most %(days)d days.") % {"days": self.MAX_DAYS}})


class Location(BilingualNameMixin, ChangeLoggedModel):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="locations")
    kind = models.CharField(_("kind"), max_length=20, choices=LocationKind.choices())
    room = models.CharField(_("room"), max_length=50, blank=True)
    comments = models.TextField(_("comments"), blank=True)

    scope = {"school": ["school"], "directorate": ["school__directorate"]}

    class Meta:
        ordering = ["school__code", "name_ar"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name_ar"],
                name="%(app_label)s_%(class)s_unique_school_name",
                violation_error_message=_("This school already has a location with this name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school.name} — {self.name}" if self.school_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("assets:location_detail", args=[self.pk])


class Manufacturer(ChangeLoggedModel):
    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("A manufacturer with this name already exists.")},
    )
    website = models.URLField(_("website"), blank=True)
    support_phone = models.CharField(_("support phone"), max_length=30, blank=True)
    support_email = models.EmailField(_("support e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assets:manufacturer_list") + f"?q={self.name}"


class AssetModel(ChangeLoggedModel):
    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.PROTECT, related_name="asset_models"
    )
    name = models.CharField(_("model"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=AssetCategory.choices())
    part_number = models.CharField(_("part number"), max_length=50, blank=True)

    class Meta:
        ordering = ["manufacturer__name", "name"]
        verbose_name = _("asset model")
        verbose_name_plural = _("asset models")
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "name"],
                name="%(app_label)s_%(class)s_unique_manufacturer_name",
                violation_error_message=_("This manufacturer already has a model with this name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.manufacturer.name} {self.name}" if self.manufacturer_id else self.name

    @property
    def is_network_device(self) -> bool:
        return self.category in AssetCategory.NETWORK

    def get_absolute_url(self) -> str:
        return reverse("assets:assetmodel_list") + f"?q={self.name}"


class Asset(ChangeLoggedModel):
    asset_tag = models.CharField(
        _("asset tag"),
        max_length=50,
        unique=True,
        validators=[code_validator],
        error_messages={"unique": _("An asset with this tag already exists.")},
    )
    name = models.CharField(_("name"), max_length=100, blank=True, help_text=_("Host name or label, if any."))
    asset_model = models.ForeignKey(
        AssetModel, verbose_name=_("model"), on_delete=models.PROTECT, related_name="assets"
    )
    # Copied from the model so that "serial unique per manufacturer" is a database constraint.
    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="assets")
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="assets", null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=AssetStatus.choices(), default=AssetStatus.IN_SERVICE)
    custodian = models.CharField(_("custodian"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_cost = models.DecimalField(
        _("purchase cost"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    supplier = models.CharField(_("supplier"), max_length=100, blank=True)
    funding = models.CharField(_("funding project / tender"), max_length=100, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    management_ip = models.GenericIPAddressField(_("management IP"), null=True, blank=True, unpack_ipv4=True)
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True, editable=False)
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="assets")
    comments = models.TextField(_("comments"), blank=True)

    scope = {"school": ["school"], "directorate": ["school__directorate"]}

    class Meta:
        ordering = ["asset_tag"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "serial"],
                condition=~Q(serial=""),
                name="%(app_label)s_%(class)s_unique_manufacturer_serial",
                violation_error_message=_("This manufacturer already has an asset with this serial number."),
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="assets_asset_school_status"),
            models.Index(fields=["management_ip"], name="assets_asset_mgmt_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.name}".strip()

    def save(self, *args, **kwargs):
        # Keep the copied manufacturer true to the model, whatever path wrote the row.
        self._copy_manufacturer()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # Before validation too: the serial-per-manufacturer constraint is checked on the copy.
        self._copy_manufacturer()
        if self.location_id is not None and self.school_id is not None and self.location.school_id != self.school_id:
            raise ValidationError({"location": _("The location must belong to the asset's school.")})
        if self.warranty_end and self.purchase_date and self.warranty_end < self.purchase_date:
            raise ValidationError({"warranty_end": _("The warranty cannot end before the purchase date.")})

    def get_absolute_url(self) -> str:
        return reverse("assets:asset_detail", args=[self.pk])

    @property
    def category(self) -> str:
        return self.asset_model.category

    def _copy_manufacturer(self) -> None:
        # The related model is cached on the instance (and dropped when asset_model changes),
        # so clean() and save() of one write cost one query between them, not two.
        if self.asset_model_id is not None:
            self.manufacturer_id = self.asset_model.manufacturer_id


class Provider(ChangeLoggedModel):
    name = models.CharField(
        _("name"),
        max_length=100,
        unique=True,
        error_messages={"unique": _("A provider with this name already exists.")},
    )
    account = models.CharField(_("account number"), max_length=50, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assets:provider_list") + f"?q={self.name}"


class FiberSite(BilingualNameMixin, ChangeLoggedModel):
    """A place covered by the fiber project: a school, the directorate office or a network node."""

    code = models.CharField(
        _("site code"),
        max_length=30,
        unique=True,
        validators=[code_validator],
        error_messages={"unique": _("A fiber site with this code already exists.")},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FiberSiteKind.choices())
    directorate = models.ForeignKey(
        Directorate, verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="fiber_sites"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="fiber_sites", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FiberSiteStatus.choices(), default=FiberSiteStatus.ACTIVE
    )
    commissioned_on = models.DateField(_("commissioned on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    comments = models.TextField(_("comments"), blank=True)

    scope = {"school": ["school"], "directorate": ["directorate"]}

    class Meta:
        ordering = ["code"]
        verbose_name = _("fiber site")
        verbose_name_plural = _("fiber sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=FiberSiteKind.SCHOOL, school__isnull=False) | (~Q(kind=FiberSiteKind.SCHOOL)),
                name="%(app_label)s_%(class)s_school_site_has_school",
                violation_error_message=_("A school site must name its school."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("assets:fibersite_detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind != FiberSiteKind.SCHOOL and self.school_id is not None:
            raise ValidationError({"school": _("Only a school site names a school.")})
        if self.school_id is not None and self.directorate_id is not None:
            if self.school.directorate_id != self.directorate_id:
                raise ValidationError({"school": _("The school belongs to another directorate.")})


class Circuit(ChangeLoggedModel):
    cid = models.CharField(
        _("circuit ID"),
        max_length=50,
        unique=True,
        error_messages={"unique": _("A circuit with this ID already exists.")},
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="circuits"
    )
    type = models.CharField(_("type"), max_length=20, choices=CircuitType.choices())
    status = models.CharField(_("status"), max_length=20, choices=CircuitStatus.choices(), default=CircuitStatus.ACTIVE)
    bandwidth_mbps = models.PositiveIntegerField(_("bandwidth (Mbit/s)"), null=True, blank=True)
    install_date = models.DateField(_("install date"), null=True, blank=True)
    termination_a = models.ForeignKey(
        FiberSite, verbose_name=_("A end"), on_delete=models.PROTECT, related_name="circuits_a"
    )
    port_a = models.CharField(_("A end port / ODF"), max_length=50, blank=True)
    termination_z = models.ForeignKey(
        FiberSite,
        verbose_name=_("Z end"),
        on_delete=models.PROTECT,
        related_name="circuits_z",
        null=True,
        blank=True,
    )
    port_z = models.CharField(_("Z end port / ODF"), max_length=50, blank=True)
    provider_contact = models.CharField(
        _("provider contact"), max_length=200, blank=True, help_text=_("Who to call about this circuit.")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    tags = models.ManyToManyField("core.Tag", verbose_name=_("tags"), blank=True, related_name="circuits")
    comments = models.TextField(_("comments"), blank=True)

    scope = {
        "school": ["termination_a__school", "termination_z__school"],
        "directorate": ["termination_a__directorate", "termination_z__directorate"],
    }

    class Meta:
        ordering = ["cid"]
        verbose_name = _("circuit")
        verbose_name_plural = _("circuits")
        constraints = [
            models.CheckConstraint(
                condition=~Q(termination_a=models.F("termination_z")),
                name="%(app_label)s_%(class)s_distinct_ends",
                violation_error_message=_("A circuit cannot end where it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.cid

    def get_absolute_url(self) -> str:
        return reverse("assets:circuit_detail", args=[self.pk])


class Profile(models.Model):
    """A user's role, and the directorate or school it is limited to."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    directorate = models.ForeignKey(
        Directorate,
        verbose_name=_("directorate"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Limits the user to one directorate; empty means all."),
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Required for school staff: the only school they see."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.SCHOOL_STAFF) | Q(school__isnull=False),
                name="%(app_label)s_%(class)s_school_staff_has_school",
                violation_error_message=_("School staff must belong to a school."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
