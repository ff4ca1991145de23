"""Disposal by committee (إتلاف; QP-70-2, 5.2 item 5): the statement of items to dispose of and the
committee's decision.

- `DisposalItem` — one asset on its way out. It is made when a technical report recommends
  disposal (or when the IT head puts an asset forward); the asset then waits in "awaiting
  disposal" and the item remembers the status it had, so that a refusal can put it back.
  The database keeps one pending item per asset.
- `DisposalList` — the IT head's list of pending items for the committee: assembled (draft),
  sent to the committee (submitted, then frozen), decided (decision number, date, members;
  each item approved or refused). Approved assets become "disposed" on the decision date;
  refused ones go back.

Writes go through maintenance.disposal_services; the asset's status always through
assets.services (its lifecycle, AssetStatus.allowed_next).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.choices import AssetStatus
from core.models import ChangeLoggedModel
from maintenance.choices import DisposalDecision, DisposalListStatus


class DisposalList(ChangeLoggedModel):
    """A statement of items to dispose of, and the committee's decision on it."""

    directorate = models.ForeignKey(
        "assets.Directorate", verbose_name=_("directorate"), on_delete=models.PROTECT, related_name="disposal_lists"
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=DisposalListStatus.choices(), default=DisposalListStatus.DRAFT
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("sent to the committee"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    committee_members = models.TextField(
        _("committee members"), blank=True, help_text=_("One member per line: name, then title.")
    )
    decision_notes = models.TextField(_("decision notes"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decision recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decision recorded at"), null=True, blank=True)

    scope = {"school": [], "directorate": ["directorate"]}

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("disposal list")
        verbose_name_plural = _("disposal lists")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DisposalListStatus.DECIDED)
                | (Q(decision_date__isnull=False) & ~Q(decision_number="")),
                name="%(app_label)s_%(class)s_decided_has_decision",
                violation_error_message=_("A decided list has its decision number and date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("maintenance:disposallist_detail", args=[self.pk])

    @property
    def members(self) -> list[str]:
        return [line.strip() for line in self.committee_members.splitlines() if line.strip()]


class DisposalItem(ChangeLoggedModel):
    """One asset put forward for disposal, and what became of it."""

    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="disposal_items"
    )
    previous_status = models.CharField(
        _("status before"),
        max_length=20,
        choices=AssetStatus.choices(),
        blank=True,
        help_text=_("The asset's status before it awaited disposal; a refusal puts it back when the lifecycle allows."),
    )
    reason = models.TextField(_("reason"))
    report = models.ForeignKey(
        "maintenance.TechnicalReport",
        verbose_name=_("technical report"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disposal_items",
    )
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recommended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recommended_at = models.DateTimeField(_("recommended at"))
    disposal_list = models.ForeignKey(
        DisposalList,
        verbose_name=_("disposal list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=DisposalDecision.choices(), default=DisposalDecision.PENDING
    )
    decision_note = models.CharField(_("committee's note"), max_length=300, blank=True)
    returned_status = models.CharField(
        _("returned to"), max_length=20, choices=AssetStatus.choices(), blank=True, editable=False
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True, editable=False)

    scope = {"school": ["asset__school"], "directorate": ["asset__school__directorate"]}

    class Meta:
        ordering = ["asset__asset_tag", "pk"]
        verbose_name = _("disposal item")
        verbose_name_plural = _("disposal items")
        constraints = [
            models.UniqueConstraint(
                fields=["asset"],
                condition=Q(decision=DisposalDecision.PENDING),
                name="%(app_label)s_%(class)s_one_pending_per_asset",
                violation_error_message=_("This asset is already awaiting disposal."),
            ),
            models.CheckConstraint(
                condition=Q(decision=DisposalDecision.PENDING)
                | Q(decision=DisposalDecision.WITHDRAWN)
                | Q(disposal_list__isnull=False),
                name="%(app_label)s_%(class)s_decided_on_a_list",
                violation_error_message=_("Only the committee decides an item, on a list."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.asset)

    def get_absolute_url(self) -> str:
        if self.disposal_list_id:
            return reverse("maintenance:disposallist_detail", args=[self.disposal_list_id]) + f"#item-{self.pk}"
        return reverse("maintenance:disposalitem_list")

    def clean(self) -> None:
        if self.disposal_list_id and self.asset_id:
            if self.asset.school.directorate_id != self.disposal_list.directorate_id:
                raise ValidationError({"disposal_list": _("The asset belongs to another directorate.")})
