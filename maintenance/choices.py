from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSet


class TicketStatus(ChoiceSet):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CHOICES = [
        (NEW, _("New"), "primary"),
        (ASSIGNED, _("Assigned"), "info"),
        (IN_PROGRESS, _("In progress"), "warning"),
        (ON_HOLD, _("On hold"), "secondary"),
        (RESOLVED, _("Resolved"), "success"),
        (CLOSED, _("Closed"), "dark"),
        (REOPENED, _("Reopened"), "danger"),
    ]

    #: Every status but CLOSED: a resolved ticket can still be reopened by a repeat fault
    #: or the requester's objection, so it still counts as open for "one open ticket".
    OPEN = frozenset({NEW, ASSIGNED, IN_PROGRESS, ON_HOLD, RESOLVED, REOPENED})


class TicketCategory(ChoiceSet):
    DEVICE = "device"
    NETWORK = "network"
    FIBER = "fiber"
    LAB_EQUIPMENT = "lab_equipment"
    SOFTWARE = "software"
    CHOICES = [
        (DEVICE, _("Device"), "primary"),
        (NETWORK, _("Network"), "info"),
        (FIBER, _("Fiber"), "warning"),
        (LAB_EQUIPMENT, _("Lab equipment"), "success"),
        (SOFTWARE, _("Software system"), "secondary"),
    ]


class TicketType(ChoiceSet):
    FAULT = "fault"
    SERVICE_REQUEST = "service_request"
    INQUIRY = "inquiry"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    CHOICES = [
        (FAULT, _("Fault report"), "danger"),
        (SERVICE_REQUEST, _("Service request"), "primary"),
        (INQUIRY, _("Inquiry"), "info"),
        (COMPLAINT, _("Complaint"), "warning"),
        (SUGGESTION, _("Suggestion"), "success"),
    ]


class TicketSource(ChoiceSet):
    MONITORING = "monitoring"
    PORTAL = "portal"
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    CHOICES = [
        (MONITORING, _("Automatic monitoring"), "dark"),
        (PORTAL, _("School portal"), "primary"),
        (PHONE, _("Phone"), "info"),
        (EMAIL, _("E-mail"), "info"),
        (LETTER, _("Official letter"), "secondary"),
        (VISIT, _("Field visit"), "success"),
    ]


class TicketPriority(ChoiceSet):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"
    CHOICES = [
        (LOW, _("Low"), "secondary"),
        (NORMAL, _("Normal"), "primary"),
        (HIGH, _("High"), "warning"),
        (URGENT, _("Urgent"), "danger"),
    ]


class EntryKind(ChoiceSet):
    """What a line of a ticket's timeline records."""

    CREATED = "created"
    COMMENT = "comment"
    STATUS = "status"
    FAULT_REPEATED = "fault_repeated"
    RECOVERED = "recovered"
    CHOICES = [
        (CREATED, _("Opened"), "primary"),
        (COMMENT, _("Comment"), "secondary"),
        (STATUS, _("Status change"), "info"),
        (FAULT_REPEATED, _("Fault seen again"), "danger"),
        (RECOVERED, _("Recovered"), "success"),
    ]
