"""Needs, projects and the standard allocation of labs (QP-70-2, 5.2 items 4 and 10).

- `Project` — a project, tender or donation that provides schools with equipment; the
  executed ones are the "list of executed projects".
- `Need` — a need identified at a school (item type, quantity, justification), from a field
  visit or a ticket: the "list of needs identified".
- `NeedProvision` — how much of a need a project provided, and when: the "list of needs
  provided". A need's status (not / partly / fully provided) is derived from these rows.
- `StandardAllocation` — how many devices of a category a lab of a kind should hold; the
  surplus / shortage list (QF70-2-12) compares each lab with it
  (maintenance.need_selectors.surplus_shortage).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetCategory, LocationKind
from core.models import ChangeLoggedModel
from maintenance.choices import ProjectKind, ProjectStatus


class Project(ChangeLoggedModel):
    directorate = models.ForeignKey(
        "assets.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ProjectKind.choices(), default=ProjectKind.PROJECT)
    reference = models.CharField(_("reference / tender number"), max_length=100, blank=True)
    funder = models.CharField(_("funded by"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProjectStatus.choices(), default=ProjectStatus.PLANNED
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    completed_on = models.DateField(_("executed on"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    scope = {"school": [], "directorate": ["directorate"]}

    class Meta:
        ordering = ["-completed_on", "-started_on", "name", "pk"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ProjectStatus.EXECUTED) | Q(completed_on__isnull=False),
                name="%(app_label)s_%(class)s_executed_has_date",
                violation_error_message=_("An executed project has the date it was executed."),
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(completed_on__isnull=True)
                | Q(started_on__lte=models.F("completed_on")),
                name="%(app_label)s_%(class)s_date_order",
                violation_error_message=_("A project cannot be executed before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})" if self.reference else self.name

    def get_absolute_url(self) -> str:
        return reverse("maintenance:project_detail", args=[self.pk])


class Need(ChangeLoggedModel):
    school = models.ForeignKey(
        "assets.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="needs"
    )
    category = models.CharField(_("item type"), max_length=20, choices=AssetCategory.choices())
    description = models.CharField(_("specification"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    justification = models.TextField(_("justification"))
    source_visit = models.ForeignKey(
        "maintenance.Visit",
        verbose_name=_("from field visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    source_ticket = models.ForeignKey(
        "maintenance.Ticket",
        verbose_name=_("from ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    identified_on = models.DateField(_("identified on"))
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope = {"school": ["school"], "directorate": ["school__directorate"]}

    class Meta:
        ordering = ["-identified_on", "-pk"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("The quantity must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{AssetCategory.label(self.category)} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:need_detail", args=[self.pk])


class NeedProvision(ChangeLoggedModel):
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="provisions")
    project = models.ForeignKey(
        Project, verbose_name=_("project / tender"), on_delete=models.PROTECT, related_name="provisions"
    )
    quantity = models.PositiveIntegerField(_("quantity provided"))
    provided_on = models.DateField(_("provided on"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    scope = {"school": ["need__school"], "directorate": ["need__school__directorate"]}

    class Meta:
        ordering = ["-provided_on", "-pk"]
        verbose_name = _("need provided")
        verbose_name_plural = _("needs provided")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("The quantity must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ← {self.project} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:need_detail", args=[self.need_id])


class StandardAllocation(ChangeLoggedModel):
    """How many devices of a category a lab (location) of a kind should hold."""

    location_kind = models.CharField(_("lab type"), max_length=20, choices=LocationKind.choices())
    category = models.CharField(_("item type"), max_length=20, choices=AssetCategory.choices())
    quantity = models.PositiveIntegerField(_("standard quantity"))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        ordering = ["location_kind", "category"]
        verbose_name = _("standard allocation")
        verbose_name_plural = _("standard allocations")
        constraints = [
            models.UniqueConstraint(
                fields=["location_kind", "category"],
                name="%(app_label)s_%(class)s_unique_kind_category",
                violation_error_message=_("This lab type already has a standard for this item type."),
            ),
        ]

    def __str__(self) -> str:
        return f"{LocationKind.label(self.location_kind)}: {AssetCategory.label(self.category)} × {self.quantity}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:standardallocation_list")
