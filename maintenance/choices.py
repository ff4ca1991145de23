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
    ASSIGNED = "assigned"
    UPDATED = "updated"
    HOLD = "hold"
    RESUMED = "resumed"
    ACTION = "action"
    REPORT = "report"
    ATTACHMENT = "attachment"
    OBJECTION = "objection"
    ACCEPTED = "accepted"
    RATING = "rating"
    MERGED = "merged"
    DUPLICATE = "duplicate"
    ESCALATED = "escalated"
    NOTIFIED = "notified"
    CHOICES = [
        (CREATED, _("Opened"), "primary"),
        (COMMENT, _("Comment"), "secondary"),
        (STATUS, _("Status change"), "info"),
        (FAULT_REPEATED, _("Fault seen again"), "danger"),
        (RECOVERED, _("Recovered"), "success"),
        (ASSIGNED, _("Assigned"), "info"),
        (UPDATED, _("Details changed"), "light"),
        (HOLD, _("Put on hold"), "secondary"),
        (RESUMED, _("Resumed"), "warning"),
        (ACTION, _("Corrective action"), "primary"),
        (REPORT, _("Technical report"), "dark"),
        (ATTACHMENT, _("Attachment"), "light"),
        (OBJECTION, _("Objection"), "danger"),
        (ACCEPTED, _("Solution accepted"), "success"),
        (RATING, _("Rating"), "warning"),
        (MERGED, _("Merged"), "dark"),
        (DUPLICATE, _("Likely duplicate"), "warning"),
        (ESCALATED, _("Escalated"), "danger"),
        (NOTIFIED, _("Notified"), "light"),
    ]


class CloseReason(ChoiceSet):
    """Why a ticket was closed (`Ticket.close_reason`)."""

    RESOLVED = "resolved"
    ACCEPTED = "accepted"
    SELF_RECOVERED = "self_recovered"
    MERGED = "merged"
    CANCELLED = "cancelled"
    CHOICES = [
        (RESOLVED, _("Closed after resolution"), "success"),
        (ACCEPTED, _("The requester accepted the solution"), "success"),
        (SELF_RECOVERED, _("The fault cleared by itself soon after it began."), "info"),
        (MERGED, _("Merged into another ticket"), "dark"),
        (CANCELLED, _("Closed without resolution"), "secondary"),
    ]


class HoldReason(ChoiceSet):
    """What an on-hold ticket waits for (`Ticket.hold_reason`)."""

    PARTS = "parts"
    VENDOR = "vendor"
    SCHOOL = "school"
    OTHER = "other"
    CHOICES = [
        (PARTS, _("Waiting for parts"), "warning"),
        (VENDOR, _("Waiting for the vendor"), "info"),
        (SCHOOL, _("Waiting for the school"), "primary"),
        (OTHER, _("Other"), "secondary"),
    ]


class EscalationLevel(ChoiceSet):
    """How far up a ticket has been escalated (`Ticket.escalation_level`); fixed, not configurable.

    Level 1 is the directorate's IT head; level 2 the ministry-level IT centre, reached by
    e-mail at settings.ESCALATION_MINISTRY_EMAIL.
    """

    NONE = 0
    IT_HEAD = 1
    MINISTRY = 2
    CHOICES = [
        (NONE, _("Not escalated"), "light"),
        (IT_HEAD, _("IT head"), "warning"),
        (MINISTRY, _("Ministry IT centre"), "danger"),
    ]


class AttachmentKind(ChoiceSet):
    PHOTO = "photo"
    FILE = "file"
    CHOICES = [
        (PHOTO, _("Photo"), "info"),
        (FILE, _("File"), "secondary"),
    ]


class ReportResult(ChoiceSet):
    """The result line of the technical report (QF75-11, second half)."""

    FIXED = "fixed"
    PARTIALLY_FIXED = "partially_fixed"
    NOT_FIXED = "not_fixed"
    REPLACED = "replaced"
    SENT_TO_VENDOR = "sent_to_vendor"
    CHOICES = [
        (FIXED, _("Fixed"), "success"),
        (PARTIALLY_FIXED, _("Partially fixed"), "warning"),
        (NOT_FIXED, _("Not fixed"), "danger"),
        (REPLACED, _("Replaced"), "info"),
        (SENT_TO_VENDOR, _("Sent to the vendor"), "secondary"),
    ]


class Recommendation(ChoiceSet):
    """The technical report's recommendation; RECOMMEND_DISPOSAL feeds the disposal work (issue 7)."""

    NONE = "none"
    RECOMMEND_DISPOSAL = "disposal"
    RECOMMEND_REPLACEMENT = "replacement"
    RECOMMEND_UPGRADE = "upgrade"
    SEND_TO_VENDOR = "send_to_vendor"
    CHOICES = [
        (NONE, _("No recommendation"), "light"),
        (RECOMMEND_DISPOSAL, _("Recommend disposal"), "danger"),
        (RECOMMEND_REPLACEMENT, _("Recommend replacement"), "warning"),
        (RECOMMEND_UPGRADE, _("Recommend upgrade"), "info"),
        (SEND_TO_VENDOR, _("Send to the vendor"), "secondary"),
    ]


class ActionType(ChoiceSet):
    """What a corrective action did."""

    DIAGNOSIS = "diagnosis"
    REPAIR = "repair"
    PART_REPLACEMENT = "part_replacement"
    RECONFIGURATION = "reconfiguration"
    DEVICE_REPLACEMENT = "device_replacement"
    SOFTWARE_REINSTALL = "software_reinstall"
    CABLE_REPAIR = "cable_repair"
    SENT_TO_VENDOR = "sent_to_vendor"
    RECOMMEND_DISPOSAL = "recommend_disposal"
    CHOICES = [
        (DIAGNOSIS, _("Diagnosis"), "info"),
        (REPAIR, _("Repair"), "success"),
        (PART_REPLACEMENT, _("Part replacement"), "primary"),
        (RECONFIGURATION, _("Reconfiguration"), "info"),
        (DEVICE_REPLACEMENT, _("Device replacement"), "primary"),
        (SOFTWARE_REINSTALL, _("Software reinstall"), "secondary"),
        (CABLE_REPAIR, _("Cable / fiber repair"), "warning"),
        (SENT_TO_VENDOR, _("Sent to the vendor"), "secondary"),
        (RECOMMEND_DISPOSAL, _("Recommend disposal"), "danger"),
    ]


class ActionOutcome(ChoiceSet):
    """How a corrective action ended."""

    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    FOLLOW_UP = "follow_up"
    CHOICES = [
        (DONE, _("Done"), "success"),
        (PARTIAL, _("Partly done"), "warning"),
        (FAILED, _("Did not work"), "danger"),
        (FOLLOW_UP, _("Needs follow-up"), "info"),
    ]


class FeedbackKind(ChoiceSet):
    """One row of the requester's feedback (`TicketFeedback.kind`)."""

    ACCEPTED = "accepted"
    OBJECTED = "objected"
    RATED = "rated"
    CHOICES = [
        (ACCEPTED, _("Accepted"), "success"),
        (OBJECTED, _("Objected"), "danger"),
        (RATED, _("Rated"), "warning"),
    ]


# ------------------------------------------------------------- field visits, plans, disposal, needs (issue 7)


class VisitPurpose(ChoiceSet):
    """Why a field visit is made (QF70-2-1's purpose column)."""

    FIBER_SITE_CHECK = "fiber_site_check"
    LAB_READINESS = "lab_readiness"
    PREVENTIVE = "preventive"
    PROJECT_RECEIPT = "project_receipt"
    FOLLOW_UP = "follow_up"
    CHOICES = [
        (FIBER_SITE_CHECK, _("Fiber site check"), "info"),
        (LAB_READINESS, _("Lab readiness"), "primary"),
        (PREVENTIVE, _("Preventive maintenance"), "success"),
        (PROJECT_RECEIPT, _("Project receipt"), "warning"),
        (FOLLOW_UP, _("Follow-up"), "secondary"),
    ]


class VisitStatus(ChoiceSet):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"
    CHOICES = [
        (PLANNED, _("Planned"), "primary"),
        (DONE, _("Reported"), "success"),
        (CANCELLED, _("Cancelled"), "secondary"),
    ]


class Term(ChoiceSet):
    """The terms of a school year; a visit programme (QF70-2-1) covers one."""

    FIRST = "1"
    SECOND = "2"
    SUMMER = "3"
    CHOICES = [
        (FIRST, _("First term"), "primary"),
        (SECOND, _("Second term"), "info"),
        (SUMMER, _("Summer"), "warning"),
    ]


class PlanFrequency(ChoiceSet):
    """How often a preventive maintenance plan comes round. A term is a visit programme's dates."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    TERM = "term"
    YEARLY = "yearly"
    CHOICES = [
        (MONTHLY, _("Every month"), "info"),
        (QUARTERLY, _("Every quarter"), "primary"),
        (TERM, _("Every term"), "success"),
        (YEARLY, _("Every year"), "warning"),
    ]


class PlanTarget(ChoiceSet):
    """What one generated visit covers: a location of a school (a lab, the network room…) or a fiber site."""

    LOCATIONS = "locations"
    FIBER_SITES = "fiber_sites"
    CHOICES = [
        (LOCATIONS, _("School locations"), "primary"),
        (FIBER_SITES, _("Fiber sites"), "info"),
    ]


class CheckResult(ChoiceSet):
    """One checklist line of a visit, as found."""

    OK = "ok"
    FAULT = "fault"
    NOT_APPLICABLE = "na"
    CHOICES = [
        (OK, _("OK"), "success"),
        (FAULT, _("Fault"), "danger"),
        (NOT_APPLICABLE, _("Not applicable"), "secondary"),
    ]


class FindingCondition(ChoiceSet):
    GOOD = "good"
    ATTENTION = "attention"
    FAULT = "fault"
    CHOICES = [
        (GOOD, _("Good"), "success"),
        (ATTENTION, _("Needs attention"), "warning"),
        (FAULT, _("Fault"), "danger"),
    ]


class DisposalListStatus(ChoiceSet):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    DECIDED = "decided"
    CHOICES = [
        (DRAFT, _("Being assembled"), "secondary"),
        (SUBMITTED, _("With the committee"), "warning"),
        (DECIDED, _("Decided"), "success"),
    ]


class DisposalDecision(ChoiceSet):
    """Where one item of the disposal work stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CHOICES = [
        (PENDING, _("Awaiting the committee"), "warning"),
        (APPROVED, _("Disposal approved"), "dark"),
        (REFUSED, _("Disposal refused"), "info"),
        (WITHDRAWN, _("Withdrawn"), "secondary"),
    ]


class ProjectKind(ChoiceSet):
    PROJECT = "project"
    TENDER = "tender"
    DONATION = "donation"
    CHOICES = [
        (PROJECT, _("Project"), "primary"),
        (TENDER, _("Tender"), "info"),
        (DONATION, _("Donation"), "success"),
    ]


class ProjectStatus(ChoiceSet):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    EXECUTED = "executed"
    CANCELLED = "cancelled"
    CHOICES = [
        (PLANNED, _("Planned"), "secondary"),
        (IN_PROGRESS, _("In progress"), "warning"),
        (EXECUTED, _("Executed"), "success"),
        (CANCELLED, _("Cancelled"), "dark"),
    ]


class NeedStatus(ChoiceSet):
    """Derived from what was provided against a need (never stored)."""

    OPEN = "open"
    PARTLY = "partly"
    PROVIDED = "provided"
    CHOICES = [
        (OPEN, _("Not provided"), "danger"),
        (PARTLY, _("Partly provided"), "warning"),
        (PROVIDED, _("Provided"), "success"),
    ]


class RecordKeptAt(ChoiceSet):
    """Where a record is kept (QP-70-2's records table)."""

    DEPARTMENT = "department"
    SCHOOL = "school"
    CHOICES = [
        (DEPARTMENT, _("Educational Technology and Information Department"), "primary"),
        (SCHOOL, _("The school"), "info"),
    ]
