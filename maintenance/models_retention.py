"""Record retention (QP-70-2, section 6): how long each record type is kept, and the exports that
prove a purge's records were saved first.

- `RetentionPolicy` — one row of the procedure's records table (seeded by migration 0003:
  name, code, where kept, for how long), the period editable by the IT head; records Siyana
  does not hold (the school's lab registers…) are listed for completeness and never purged.
- `RetentionExport` — one `manage.py retention --export` of one record type: which records
  (a hash of their ids), the files written and the manifest's SHA-256. `--purge` acts only on
  a set that an export with the same hash holds and whose files are still intact
  (maintenance.retention_services).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assets.models import BilingualNameMixin
from core.models import ChangeLoggedModel
from maintenance.choices import RecordKeptAt


class RetentionPolicy(BilingualNameMixin, ChangeLoggedModel):
    code = models.CharField(_("record code"), max_length=30, unique=True)
    position = models.PositiveSmallIntegerField(_("number in the records table"), default=0)
    kept_at = models.CharField(
        _("kept at"), max_length=12, choices=RecordKeptAt.choices(), default=RecordKeptAt.DEPARTMENT
    )
    retention_years = models.PositiveSmallIntegerField(
        _("kept for (years)"), null=True, blank=True, help_text=_("Empty: kept permanently.")
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(retention_years__isnull=True) | Q(retention_years__gte=1),
                name="%(app_label)s_%(class)s_at_least_a_year",
                violation_error_message=_("A record is kept for at least one year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:retentionpolicy_list")


class RetentionExport(models.Model):
    """One export of the records of one type that were past their retention (the proof a purge needs)."""

    code = models.CharField(_("record code"), max_length=30, db_index=True)
    cutoff = models.DateField(_("kept until before"))
    set_hash = models.CharField(_("hash of the record set"), max_length=64)
    count = models.PositiveIntegerField(_("records"))
    directory = models.CharField(_("directory"), max_length=500)
    files = models.JSONField(_("files"), default=dict, help_text=_("File name → SHA-256."))
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("exported at"))
    created_by = models.CharField(_("exported by"), max_length=150, blank=True)
    disposed_at = models.DateTimeField(_("purged or archived at"), null=True, blank=True)
    disposal = models.CharField(_("what was done"), max_length=10, blank=True)
    archive_path = models.CharField(_("archive"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("retention export")
        verbose_name_plural = _("retention exports")

    def __str__(self) -> str:
        return f"{self.code} {self.created_at:%Y-%m-%d %H:%M} ({self.count})"
