"""Field visits (issue 7): the visit programme of a term (QF70-2-1), preventive maintenance plans
that put visits on it, and the visit report (QF75-13) with its checklist and findings.

- `VisitProgramme` — one term of one directorate: the planned visits of that term print as
  form QF70-2-1.
- `MaintenancePlan` — a recurring preventive job ("every computer lab each term", "the UPS
  batteries every year"). `maintenance.visit_services.plans_generate` turns it into visits,
  one per covered location (or fiber site) per period; the partial unique constraints on
  `Visit` (plan, period, location) and (plan, period, fiber site) make generation
  idempotent even when two runs race.
- `Visit` — a planned or ad-hoc visit to a school (optionally one location) or a fiber site;
  once reported it is the QF75-13 record: who went, when, what was found and done.
- `VisitCheck` — a checklist line copied from the plan when the visit was generated, ticked
  on the visit.
- `VisitFinding` — what was found at a location or on an asset, what was done, and what
  remains to do (the follow-up); a follow-up can open a ticket (`ticket`, source "field visit").

Models are imported by maintenance.models (Django finds them there); writes go through
maintenance.visit_services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetCategory, LocationKind
from core.models import ChangeLoggedModel
from maintenance.choices import (
    CheckResult,
    FindingCondition,
    PlanFrequency,
    PlanTarget,
    Term,
    VisitPurpose,
    VisitStatus,
)


class VisitProgramme(ChangeLoggedModel):
    """The field visits programme of one term (form QF70-2-1)."""

    directorate = models.ForeignKey(
        "assets.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="visit_programmes"
    )
    academic_year = models.PositiveSmallIntegerField(
        _("school year"), help_text=_("The year the school year starts in: 2025 for 2025/2026.")
    )
    term = models.CharField(_("term"), max_length=1, choices=Term.choices())
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    notes = models.TextField(_("notes"), blank=True)

    scope = {"school": [], "directorate": ["directorate"]}

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("visit programme")
        verbose_name_plural = _("visit programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["directorate", "academic_year", "term"],
                name="%(app_label)s_%(class)s_unique_term",
                violation_error_message=_("This directorate already has a programme for this term."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")),
                name="%(app_label)s_%(class)s_date_order",
                violation_error_message=_("A programme cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{Term.label(self.term)} {self.school_year}"

    @property
    def school_year(self) -> str:
        return f"{self.academic_year}/{self.academic_year + 1}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:visitprogramme_detail", args=[self.pk])


class MaintenancePlan(ChangeLoggedModel):
    """A recurring preventive job that generates visits (with their checklist) on schedule."""

    directorate = models.ForeignKey(
        "assets.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="maintenance_plans"
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=VisitPurpose.choices(), default=VisitPurpose.PREVENTIVE
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=PlanFrequency.choices())
    target = models.CharField(
        _("one visit per"), max_length=12, choices=PlanTarget.choices(), default=PlanTarget.LOCATIONS
    )
    location_kind = models.CharField(
        _("location kind"),
        max_length=20,
        blank=True,
        choices=LocationKind.choices(),
        help_text=_("Empty: every kind of location."),
    )
    asset_category = models.CharField(
        _("asset category"),
        max_length=20,
        blank=True,
        choices=AssetCategory.choices(),
        help_text=_("Only locations holding such an asset (in service, in repair or spare). Empty: any location."),
    )
    schools = models.ManyToManyField(
        "assets.School",
        verbose_name=_("schools"),
        blank=True,
        related_name="maintenance_plans",
        help_text=_("Empty: every school of the directorate."),
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who the generated visits are assigned to; empty: assign them later."),
    )
    checklist = models.TextField(_("checklist"), blank=True, help_text=_("One check per line."))
    start_date = models.DateField(_("runs from"))
    end_date = models.DateField(_("runs until"), null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(
        _("days ahead"),
        default=14,
        help_text=_("The next period's visits are generated this many days before it starts."),
    )
    active = models.BooleanField(_("active"), default=True)

    scope = {"school": [], "directorate": ["directorate"]}

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__lte=F("end_date")),
                name="%(app_label)s_%(class)s_date_order",
                violation_error_message=_("A plan cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("maintenance:maintenanceplan_detail", args=[self.pk])

    @property
    def checklist_items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.target == PlanTarget.FIBER_SITES and (self.location_kind or self.asset_category):
            raise ValidationError(
                {"location_kind": _("A plan of fiber sites visits every active site: leave the location filters out.")}
            )


class Visit(ChangeLoggedModel):
    """A field visit: planned on a programme (or ad hoc), then reported (form QF75-13)."""

    programme = models.ForeignKey(
        VisitProgramme,
        verbose_name=_("programme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    plan = models.ForeignKey(
        MaintenancePlan,
        verbose_name=_("maintenance plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    period = models.CharField(
        _("plan period"), max_length=20, blank=True, editable=False, help_text=_("e.g. 2026-03, 2026-Q1, 2026")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=VisitPurpose.choices())
    school = models.ForeignKey(
        "assets.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    location = models.ForeignKey(
        "assets.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    fiber_site = models.ForeignKey(
        "assets.FiberSite",
        verbose_name=_("fiber site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
    )
    planned_date = models.DateField(_("planned date"), db_index=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technician"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="field_visits",
    )
    notes = models.TextField(_("planning notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices(), default=VisitStatus.PLANNED)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The report (QF75-13).
    visited_on = models.DateField(_("visit date"), null=True, blank=True)
    visitors = models.CharField(_("visitors"), max_length=300, blank=True, help_text=_("Who else went on the visit."))
    met_with = models.CharField(_("met with"), max_length=200, blank=True, help_text=_("Who received the visitors."))
    summary = models.TextField(_("findings"), blank=True)
    actions_taken = models.TextField(_("actions taken"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    scope = {"school": ["school"], "directorate": ["school__directorate", "fiber_site__directorate"]}

    class Meta:
        ordering = ["planned_date", "pk"]
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False) | Q(fiber_site__isnull=False),
                name="%(app_label)s_%(class)s_has_place",
                violation_error_message=_("A visit goes to a school or a fiber site."),
            ),
            models.UniqueConstraint(
                fields=["plan", "period", "location"],
                condition=Q(plan__isnull=False, location__isnull=False),
                name="%(app_label)s_%(class)s_one_per_plan_period_location",
                violation_error_message=_("This plan already has a visit to this location in this period."),
            ),
            models.UniqueConstraint(
                fields=["plan", "period", "fiber_site"],
                condition=Q(plan__isnull=False, fiber_site__isnull=False),
                name="%(app_label)s_%(class)s_one_per_plan_period_site",
                violation_error_message=_("This plan already has a visit to this fiber site in this period."),
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.DONE) | Q(visited_on__isnull=False),
                name="%(app_label)s_%(class)s_done_has_date",
                violation_error_message=_("A reported visit has its visit date."),
            ),
        ]
        indexes = [models.Index(fields=["technician", "status", "planned_date"], name="maint_visit_tech_status")]

    def __str__(self) -> str:
        return f"{self.number} {self.place}"

    @property
    def number(self) -> str:
        """The visit's reference on the printed forms."""
        return f"V-{self.pk:05d}" if self.pk else ""

    @property
    def place(self) -> str:
        if self.fiber_site_id:
            return str(self.fiber_site.name)
        name = self.school.name if self.school_id else ""
        return f"{name} — {self.location.name}" if self.location_id else str(name)

    @property
    def date(self):
        """The visit's date: when it happened, else when it is planned."""
        return self.visited_on or self.planned_date

    def get_absolute_url(self) -> str:
        return reverse("maintenance:visit_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.location_id and self.school_id and self.location.school_id != self.school_id:
            errors["location"] = _("The location is not in the visit's school.")
        if self.location_id and not self.school_id:
            errors["location"] = _("Name the school of the location.")
        if self.fiber_site_id and self.school_id and self.fiber_site.school_id not in (None, self.school_id):
            errors["fiber_site"] = _("The fiber site belongs to another school.")
        if (
            self.programme_id
            and self.planned_date
            and not (self.programme.start_date <= self.planned_date <= self.programme.end_date)
        ):
            errors["planned_date"] = _("The planned date is outside the programme's term (%(start)s – %(end)s).") % {
                "start": self.programme.start_date,
                "end": self.programme.end_date,
            }
        if errors:
            raise ValidationError(errors)


class VisitCheck(models.Model):
    """One line of the visit's checklist (copied from its plan when the visit was generated)."""

    visit = models.ForeignKey(Visit, verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("check"), max_length=300)
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices(), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope = {
        "school": ["visit__school"],
        "directorate": ["visit__school__directorate", "visit__fiber_site__directorate"],
    }

    class Meta:
        ordering = ["visit", "position", "pk"]
        verbose_name = _("visit check")
        verbose_name_plural = _("visit checks")

    def __str__(self) -> str:
        return self.text


class VisitFinding(ChangeLoggedModel):
    """What the visitors found at a location or on an asset, what they did, and what remains (the follow-up)."""

    visit = models.ForeignKey(Visit, verbose_name=_("field visit"), on_delete=models.CASCADE, related_name="findings")
    location = models.ForeignKey(
        "assets.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_findings",
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_findings",
    )
    condition = models.CharField(
        _("condition"), max_length=10, choices=FindingCondition.choices(), default=FindingCondition.ATTENTION
    )
    finding = models.TextField(_("finding"))
    action_taken = models.TextField(_("action taken"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True, help_text=_("What remains to be done."))
    ticket = models.ForeignKey(
        "maintenance.Ticket",
        verbose_name=_("follow-up ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit_findings",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope = {
        "school": ["visit__school"],
        "directorate": ["visit__school__directorate", "visit__fiber_site__directorate"],
    }

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("visit finding")
        verbose_name_plural = _("visit findings")

    def __str__(self) -> str:
        return self.finding[:60]

    def get_absolute_url(self) -> str:
        return reverse("maintenance:visit_detail", args=[self.visit_id]) + f"#finding-{self.pk}"
