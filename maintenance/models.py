"""QF75-11 maintenance tickets and the database of corrective actions (QP-70-2, 5.2 item 1).

The models, and who writes what (every write goes through maintenance.services):

- `Ticket` — the request half of form QF75-11: number (YYYY-NNNNNN, gap-free per year
  through `TicketCounter`), school/location/assets, category, type, source, priority,
  requester, status. `version` is the optimistic lock: every service write that changes
  the ticket row claims it with `UPDATE … WHERE version = expected` (a stale version is a
  `TicketConflict`). `hold_reason`/`on_hold_since` describe the current hold;
  `merged_into` points a duplicate at its original; `duplicate_of_suspect` flags a likely
  duplicate found on create. The SLA columns (`sla_policy`, `first_response_at`,
  `response_due_at`, `resolve_due_at`, `escalation_level`, `escalated_at`) are written by
  the SLA/escalation work (maintenance/sla.py and its wiring); the services here only set
  `first_response_at`.
- `TicketEntry` — the timeline, append-only. `public=True` marks what the requester may
  read (public replies, status changes, their own feedback); everything else is internal.
- `TicketAttachment` — photos and files, stored under MEDIA_ROOT/tickets/<year>/ with a
  random name and served only through the scoped `maintenance:attachment_download` view.
- `TechnicalReport` — the second half of QF75-11, one per ticket (editable until closed).
- `CorrectiveAction` + `PartUsage` — append-only: a correction is a new row whose
  `corrects` points at the row it replaces; the current version of an action is the one
  nobody corrects. The database refuses an UPDATE of either table (a trigger).
- `SparePart`, `PartBudget` — the stock of parts and the year's budget; a `PartUsage`
  draws stock down (never below zero: a check constraint and a conditional UPDATE).
- `TicketFeedback` — the requester's answers, one row each (accepted, objected, rated), so
  objections are counted per quarter by counting rows.
- `SlaPolicy` — response and resolve targets in working hours per priority (and optionally
  category); defaults seeded by migration 0002.
"""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ChangeLoggedModel
from maintenance.choices import (
    ActionOutcome,
    ActionType,
    AttachmentKind,
    CloseReason,
    EntryKind,
    EscalationLevel,
    FeedbackKind,
    HoldReason,
    Recommendation,
    ReportResult,
    TicketCategory,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketType,
)


class TicketCounter(models.Model):
    """The last ticket number given in a year: numbers are gap-free per year."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class SlaPolicy(ChangeLoggedModel):
    """Service targets for a priority (and optionally one category), in WORKING hours.

    The most specific active policy applies: (priority, category) before (priority, "").
    Working hours follow the directorate's calendar (Sunday–Thursday, holidays), counted by
    maintenance/sla.py.
    """

    priority = models.CharField(_("priority"), max_length=10, choices=TicketPriority.choices())
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=TicketCategory.choices(),
        blank=True,
        help_text=_("Empty: every category without a policy of its own."),
    )
    response_hours = models.DecimalField(
        _("first response (working hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    resolve_hours = models.DecimalField(
        _("resolution (working hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "category"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "category"],
                name="%(app_label)s_%(class)s_unique_priority_category",
                violation_error_message=_("There is already a policy for this priority and category."),
            ),
            models.CheckConstraint(
                condition=Q(response_hours__gt=0) & Q(resolve_hours__gte=F("response_hours")),
                name="%(app_label)s_%(class)s_hours_valid",
                violation_error_message=_("The resolution time must be at least the response time."),
            ),
        ]

    def __str__(self) -> str:
        category = TicketCategory.label(self.category) if self.category else _("any category")
        return f"{TicketPriority.label(self.priority)} / {category}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:slapolicy_list")  # the policies are read as one table


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
    close_reason = models.CharField(_("close reason"), max_length=30, blank=True, choices=CloseReason.choices())
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Optimistic lock: every service write that changes this row claims it with
    # UPDATE ... WHERE version = <the version the writer read>; 0 rows means someone else won.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    hold_reason = models.CharField(_("hold reason"), max_length=10, choices=HoldReason.choices(), blank=True)
    on_hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        editable=False,
    )
    duplicate_of_suspect = models.ForeignKey(
        "self",
        verbose_name=_("likely duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suspected_duplicates",
        editable=False,
    )
    # SLA: written by the SLA/escalation work (maintenance/sla.py); first_response_at by the services here.
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True, editable=False)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True, editable=False)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices(), default=EscalationLevel.NONE, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True, editable=False)
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
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(status=TicketStatus.CLOSED, close_reason=CloseReason.MERGED),
                name="%(app_label)s_%(class)s_merged_is_closed",
                violation_error_message=_("A merged ticket is closed as merged."),
            ),
            models.CheckConstraint(
                condition=Q(on_hold_since__isnull=True) | Q(status=TicketStatus.ON_HOLD),
                name="%(app_label)s_%(class)s_hold_since_only_on_hold",
                violation_error_message=_("Only a ticket on hold has an on-hold time."),
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0) & Q(escalation_level__lte=2),
                name="%(app_label)s_%(class)s_escalation_level_range",
                violation_error_message=_("Unknown escalation level."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "priority"], name="maint_ticket_status_prio"),
            # the queues: open tickets by due time, and one technician's open tickets
            models.Index(fields=["status", "resolve_due_at"], name="maint_ticket_status_due"),
            models.Index(fields=["status", "response_due_at"], name="maint_ticket_status_resp_due"),
            models.Index(fields=["assigned_to", "status"], name="maint_ticket_assignee_status"),
            # the open queue (every open ticket by due time) and its count: the open tickets only, a few
            # hundred of 100,000 (bench/db.py: a sequential scan of the whole table without it)
            models.Index(
                fields=["resolve_due_at", "opened_at", "id"],
                condition=~Q(status=TicketStatus.CLOSED),
                name="maint_ticket_open_queue",
            ),
            # a technician's queue (web and tablet): their open tickets only, whatever their history's length
            models.Index(
                fields=["assigned_to", "resolve_due_at"],
                condition=~Q(status=TicketStatus.CLOSED),
                name="maint_ticket_open_assignee",
            ),
            # the report frames: tickets not closed before a period (`closed_at IS NULL OR closed_at >= since`)
            models.Index(fields=["closed_at"], name="maint_ticket_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:ticket_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in TicketStatus.OPEN


class TicketEntry(models.Model):
    """One line of a ticket's timeline. Append-only: entries are never edited.

    `public` entries are what the requester may read on the public look-up (public
    replies, status changes and their reasons, the requester's own feedback); the rest
    (internal notes, actions, reports, escalations) never leaves the staff pages.
    """

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
    public = models.BooleanField(_("public"), default=False, help_text=_("Shown to the requester."))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("ticket entry")
        verbose_name_plural = _("ticket entries")
        indexes = [models.Index(fields=["ticket", "at"], name="maint_entry_ticket_at")]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    """tickets/<year>/<random>.<ext>: never the uploader's file name on disk (kept in `name`)."""
    ext = os.path.splitext(filename)[1].lower()[:10]
    year = timezone.localtime(instance.at or timezone.now()).year
    return f"tickets/{year}/{uuid.uuid4().hex}{ext}"


def action_photo_path(instance, filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()[:10]
    year = timezone.localtime(instance.created_at or timezone.now()).year
    return f"tickets/{year}/actions/{uuid.uuid4().hex}{ext}"


class TicketAttachment(models.Model):
    """A photo or file on a ticket. Checked by maintenance.uploads (size, sniffed type) and
    served only through `maintenance:attachment_download`, which checks the ticket's scope."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices())
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("uploaded at"))
    public = models.BooleanField(_("public"), default=False, help_text=_("Shown to the requester."))

    scope = {"school": ["ticket__school"], "directorate": ["ticket__school__directorate"]}

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("maintenance:attachment_download", args=[self.pk])


class TechnicalReport(ChangeLoggedModel):
    """The second half of QF75-11, one per ticket. Required before a ticket is resolved."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="technical_report"
    )
    diagnosis = models.TextField(_("diagnosis"))
    actions_taken = models.TextField(_("actions taken"))
    result = models.CharField(_("result"), max_length=20, choices=ReportResult.choices())
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices(), default=Recommendation.NONE
    )
    recommendation_notes = models.TextField(_("recommendation notes"), blank=True)
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("report date"))

    scope = {"school": ["ticket__school"], "directorate": ["ticket__school__directorate"]}

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("technical report")
        verbose_name_plural = _("technical reports")

    def __str__(self) -> str:
        return str(_("Technical report of %(number)s") % {"number": self.ticket.number})

    def get_absolute_url(self) -> str:
        return reverse("maintenance:ticket_detail", args=[self.ticket_id]) + "#report"


class SparePart(ChangeLoggedModel):
    """A part kept in stock. `quantity_on_hand` changes only by F() updates in the services."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="piece", help_text=_("e.g. piece, metre, box"))
    quantity_on_hand = models.IntegerField(_("quantity on hand"), default=0)
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_on_hand__gte=0),
                name="%(app_label)s_%(class)s_stock_not_negative",
                violation_error_message=_("The stock of a part cannot go below zero."),
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0),
                name="%(app_label)s_%(class)s_cost_not_negative",
                violation_error_message=_("The unit cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:sparepart_detail", args=[self.pk])


class PartBudget(ChangeLoggedModel):
    """The year's maintenance and spare-parts budget (an input of QP-70-2, 5.2 item 1)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=3, validators=[MinValueValidator(Decimal("0"))]
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("parts budget")
        verbose_name_plural = _("parts budgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    def get_absolute_url(self) -> str:
        return reverse("maintenance:partbudget_list")


class CorrectiveAction(models.Model):
    """One corrective action: the database QP-70-2 asks for. APPEND-ONLY.

    The services only ever insert rows (and the database refuses an UPDATE with a trigger).
    A correction is a new row whose `corrects` points at the row it replaces; each row is
    corrected at most once, so corrections form a chain and the current version of an
    action is the row no other row corrects. `idempotency_key` (sent by the tablet's
    offline queue) makes a replayed sync return the existing row instead of a second one;
    `fingerprint` is the hash of what was sent with that key, so a different payload under
    a used key is refused.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="actions")
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    action_type = models.CharField(_("action type"), max_length=30, choices=ActionType.choices())
    outcome = models.CharField(_("outcome"), max_length=20, choices=ActionOutcome.choices())
    notes = models.TextField(_("notes"), blank=True)
    photo = models.FileField(_("photo"), upload_to=action_photo_path, max_length=200, blank=True)
    photo_name = models.CharField(_("photo file name"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True, null=True, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    scope = {"school": ["ticket__school"], "directorate": ["ticket__school__directorate"]}

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        constraints = [
            models.UniqueConstraint(
                fields=["corrects"],
                name="%(app_label)s_%(class)s_corrected_once",
                violation_error_message=_("This action has already been corrected: correct the latest version."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message=_("An action cannot end before it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "started_at"], name="maint_action_ticket_start"),
            models.Index(fields=["started_at"], name="maint_action_started"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {ActionType.label(self.action_type)} {self.started_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("maintenance:ticket_detail", args=[self.ticket_id]) + f"#action-{self.pk}"


class PartUsage(models.Model):
    """Parts used by one corrective action, with the unit cost at the time. APPEND-ONLY like the action.

    Spending counts only the parts of current actions (not corrected): a correction that
    changes the parts returns the corrected action's parts to stock and draws its own.
    """

    action = models.ForeignKey(
        CorrectiveAction, verbose_name=_("corrective action"), on_delete=models.PROTECT, related_name="parts"
    )
    part = models.ForeignKey(SparePart, verbose_name=_("spare part"), on_delete=models.PROTECT, related_name="usages")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="%(app_label)s_%(class)s_quantity_positive",
                violation_error_message=_("The quantity must be at least 1."),
            ),
            models.UniqueConstraint(
                fields=["action", "part"],
                name="%(app_label)s_%(class)s_one_row_per_part",
                violation_error_message=_("A part is listed once per action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part.code} × {self.quantity}"

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity


class TicketFeedback(models.Model):
    """The requester's answer to a resolution, one row per answer (rows, not counters).

    ACCEPTED and OBJECTED answer the resolution at `resolved_at` (one answer each — the
    constraint stops a double submit); an objection carries a reason and reopens the
    ticket. A rating (1–5, optional comment) may come with an acceptance or on its own.
    `by` is the signed-in user, or empty when the requester answered on the public page.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.PROTECT, related_name="feedback")
    kind = models.CharField(_("kind"), max_length=10, choices=FeedbackKind.choices())
    resolved_at = models.DateTimeField(_("resolution answered"), null=True, blank=True)
    reason = models.TextField(_("reason for the objection"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_name = models.CharField(_("name"), max_length=100, blank=True)

    scope = {"school": ["ticket__school"], "directorate": ["ticket__school__directorate"]}

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="%(app_label)s_%(class)s_rating_1_to_5",
                violation_error_message=_("The rating is from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=FeedbackKind.OBJECTED) | ~Q(reason=""),
                name="%(app_label)s_%(class)s_objection_has_reason",
                violation_error_message=_("An objection needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=FeedbackKind.RATED) | Q(rating__isnull=False),
                name="%(app_label)s_%(class)s_rated_has_rating",
                violation_error_message=_("Choose a rating from 1 to 5."),
            ),
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"],
                condition=Q(kind__in=[FeedbackKind.ACCEPTED, FeedbackKind.OBJECTED]),
                name="%(app_label)s_%(class)s_one_answer_per_resolution",
                violation_error_message=_("This resolution has already been answered."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {FeedbackKind.label(self.kind)}"


# Field visits and plans, disposal, needs and projects, record retention (issue 7): their own modules,
# imported here so that Django (and `from maintenance.models import …`) finds them.
from maintenance.models_disposal import DisposalItem, DisposalList  # noqa: E402
from maintenance.models_needs import Need, NeedProvision, Project, StandardAllocation  # noqa: E402
from maintenance.models_retention import RetentionExport, RetentionPolicy  # noqa: E402
from maintenance.models_visits import (  # noqa: E402
    MaintenancePlan,
    Visit,
    VisitCheck,
    VisitFinding,
    VisitProgramme,
)

__all__ = [
    "CorrectiveAction",
    "DisposalItem",
    "DisposalList",
    "MaintenancePlan",
    "Need",
    "NeedProvision",
    "PartBudget",
    "PartUsage",
    "Project",
    "RetentionExport",
    "RetentionPolicy",
    "SlaPolicy",
    "SparePart",
    "StandardAllocation",
    "TechnicalReport",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketEntry",
    "TicketFeedback",
    "Visit",
    "VisitCheck",
    "VisitFinding",
    "VisitProgramme",
]
