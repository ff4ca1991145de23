"""QF75-11 maintenance tickets.

This is the part of the ticket the poller needs (issue 3): numbering, the fields of the
form's request half, statuses, the timeline, and the link an automatic ticket keeps to
the monitored problem that opened it. Corrective actions, the technical report, SLA and
notifications grow on it (issue 4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import ChangeLoggedModel
from maintenance.choices import EntryKind, TicketCategory, TicketPriority, TicketSource, TicketStatus, TicketType


class TicketCounter(models.Model):
    """The last ticket number given in a year: numbers are gap-free per year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Ticket(ChangeLoggedModel):
    number = models.CharField(_("ticket number"), max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    seq = models.PositiveIntegerField(_("number in year"), editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    school = models.ForeignKey(
        "assets.School",
        verbose_name=_("school"),
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
    )
    location = models.ForeignKey(
        "assets.Location",
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="tickets",
        null=True,
        blank=True,
    )
    assets = models.ManyToManyField("assets.Asset", verbose_name=_("assets"), blank=True, related_name="tickets")
    category = models.CharField(_("category"), max_length=20, choices=TicketCategory.choices())
    type = models.CharField(_("type"), max_length=20, choices=TicketType.choices(), default=TicketType.FAULT)
    source = models.CharField(_("source"), max_length=20, choices=TicketSource.choices())
    priority = models.CharField(
        _("priority"), max_length=10, choices=TicketPriority.choices(), default=TicketPriority.NORMAL
    )
    status = models.CharField(_("status"), max_length=20, choices=TicketStatus.choices(), default=TicketStatus.NEW)
    requester_name = models.CharField(_("requester name"), max_length=100, blank=True)
    requester_phone = models.CharField(_("requester phone"), max_length=30, blank=True)
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("close reason"), max_length=30, blank=True)
    # An automatic ticket remembers the monitored problem that opened it: which target
    # ("netmon.target:<id>") and which check ("icmp", "interface:3", …). The poller finds
    # the open ticket by these two; the constraint below makes it the only one.
    monitor_key = models.CharField(_("monitored target"), max_length=64, blank=True, editable=False)
    monitor_problem = models.CharField(_("monitored problem"), max_length=64, blank=True, editable=False)

    scope = {"school": ["school"], "directorate": ["school__directorate"]}

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["year", "seq"], name="%(app_label)s_%(class)s_unique_year_seq"),
            models.UniqueConstraint(
                fields=["monitor_key", "monitor_problem"],
                condition=Q(source=TicketSource.MONITORING) & ~Q(status=TicketStatus.CLOSED),
                name="%(app_label)s_%(class)s_one_open_automatic",
                violation_error_message=_("This monitored problem already has an open ticket."),
            ),
            models.CheckConstraint(
                condition=~Q(source=TicketSource.MONITORING) | ~Q(monitor_key=""),
                name="%(app_label)s_%(class)s_automatic_has_target",
            ),
        ]
        indexes = [models.Index(fields=["status", "priority"], name="maint_ticket_status_prio")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:ticket_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in TicketStatus.OPEN


class TicketEntry(models.Model):
    """One line of a ticket's timeline. Append-only: entries are never edited."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices())
    at = models.DateTimeField(_("time"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ticket entry")
        verbose_name_plural = _("ticket entries")
        indexes = [models.Index(fields=["ticket", "at"], name="maint_entry_ticket_at")]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind} {self.at:%Y-%m-%d %H:%M}"
