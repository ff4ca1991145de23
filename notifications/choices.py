from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSet


class Channel(ChoiceSet):
    EMAIL = "email"
    SMS = "sms"
    CHOICES = [
        (EMAIL, _("E-mail"), "primary"),
        (SMS, _("SMS"), "info"),
    ]


class MessageStatus(ChoiceSet):
    """Where a message is on its way out.

    pending → sending → sent; a failed attempt goes back to `failed` with the next attempt
    scheduled, and after the last attempt (or a failure that no retry can mend) to `dead`.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    CHOICES = [
        (PENDING, _("Waiting"), "secondary"),
        (SENDING, _("Sending"), "primary"),
        (SENT, _("Sent"), "success"),
        (FAILED, _("Failed, will retry"), "warning"),
        (DEAD, _("Gave up"), "danger"),
    ]

    #: Still to be delivered: these carry `next_attempt_at` (for `sending`: when its lease runs out).
    QUEUED = (PENDING, FAILED, SENDING)
    #: What the IT head may send again by hand.
    RETRYABLE = (FAILED, DEAD)
