"""The outbox: one row per message to one recipient on one channel (healthchecks' idea).

A message is rendered when it is queued, in the recipient's language, and keeps its
subject and body: a template changed afterwards does not alter what was promised, and a
retry sends exactly what the first attempt tried to send. Delivery is a separate step
that claims rows with one conditional UPDATE (see `notifications.services`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import Channel, MessageStatus


class Message(models.Model):
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices())
    recipient = models.CharField(_("recipient"), max_length=254, help_text=_("E-mail address or mobile number."))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    template = models.CharField(_("template"), max_length=64)
    # The data the message was rendered from, kept for the record (plain JSON: never a secret).
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML version"), blank=True)

    status = models.CharField(_("status"), max_length=8, choices=MessageStatus.choices(), default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a queued message is due; while `sending`, when the sender's lease runs out (a
    # sender that died mid-send leaves the row to be claimed again then). Empty once done.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Who holds the lease: the claim that moved the row to `sending`. Finishing a message
    # requires the same claim, so a sender whose lease ran out cannot overwrite a newer attempt.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)

    # The same business event queued twice (a retried transaction) stores one message.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True, editable=False)
    # What the message is about, without a foreign key: notifications knows nothing of tickets.
    ref_model = models.CharField(_("about (type)"), max_length=100, blank=True, help_text='"app_label.model"')
    ref_object_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    ref = models.CharField(_("about"), max_length=64, blank=True, help_text=_("e.g. the ticket number"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                name="%(app_label)s_%(class)s_unique_dedupe_key",
                violation_error_message=_("This notification has already been queued."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=MessageStatus.QUEUED) | Q(next_attempt_at__isnull=False),
                name="%(app_label)s_%(class)s_queued_has_due_time",
                violation_error_message=_("A queued notification needs the time of its next attempt."),
            ),
        ]
        indexes = [
            # The sender's one question, "what is due?", reads only the rows still queued:
            # sent and dead messages (nearly all of them, in time) stay out of this index.
            models.Index(
                fields=["next_attempt_at"],
                name="notifications_message_due",
                condition=Q(status__in=MessageStatus.QUEUED),
            ),
            models.Index(fields=["ref_model", "ref_object_id"], name="notifications_message_ref"),
            models.Index(fields=["status", "-created_at"], name="notifications_message_status"),
        ]

    def __str__(self) -> str:
        return f"{Channel.label(self.channel)} → {self.recipient}"

    def get_absolute_url(self) -> str:
        return reverse("notifications:message_detail", args=[self.pk])
