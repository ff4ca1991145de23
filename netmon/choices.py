from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSet
from maintenance.choices import TicketCategory, TicketPriority


class TargetRole(ChoiceSet):
    """Where a device sits in the network: it sets an automatic ticket's priority and category."""

    CORE = "core"
    FIBER = "fiber"
    UPLINK = "uplink"
    DISTRIBUTION = "distribution"
    ACCESS = "access"
    SERVER = "server"
    UPS = "ups"
    ACCESS_POINT = "access_point"
    CHOICES = [
        (CORE, _("Directorate core"), "danger"),
        (FIBER, _("Fiber terminal"), "warning"),
        (UPLINK, _("School uplink / router"), "warning"),
        (DISTRIBUTION, _("Distribution switch"), "info"),
        (ACCESS, _("Access switch"), "primary"),
        (SERVER, _("Server"), "dark"),
        (UPS, _("UPS"), "secondary"),
        (ACCESS_POINT, _("Access point"), "light"),
    ]

    PRIORITY = {
        CORE: TicketPriority.URGENT,
        FIBER: TicketPriority.HIGH,
        UPLINK: TicketPriority.HIGH,
        DISTRIBUTION: TicketPriority.HIGH,
        ACCESS: TicketPriority.NORMAL,
        SERVER: TicketPriority.NORMAL,
        UPS: TicketPriority.NORMAL,
        ACCESS_POINT: TicketPriority.LOW,
    }
    CATEGORY = {
        CORE: TicketCategory.NETWORK,
        FIBER: TicketCategory.FIBER,
        UPLINK: TicketCategory.NETWORK,
        DISTRIBUTION: TicketCategory.NETWORK,
        ACCESS: TicketCategory.NETWORK,
        SERVER: TicketCategory.DEVICE,
        UPS: TicketCategory.DEVICE,
        ACCESS_POINT: TicketCategory.NETWORK,
    }


class MonitorStatus(ChoiceSet):
    """netmon.engine.Status, labelled."""

    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
    FLAPPING = "flapping"
    UNREACHABLE = "unreachable"
    CHOICES = [
        (UNKNOWN, _("Unknown"), "secondary"),
        (UP, _("Up"), "success"),
        (DOWN, _("Down"), "danger"),
        (FLAPPING, _("Flapping"), "warning"),
        (UNREACHABLE, _("Unreachable via parent"), "dark"),
    ]
    FAILED = frozenset({DOWN, FLAPPING, UNREACHABLE})


class OutageCause(ChoiceSet):
    OWN = "own"
    PARENT = "parent"
    CHOICES = [
        (OWN, _("The device itself"), "danger"),
        (PARENT, _("Its parent (uplink or circuit)"), "dark"),
    ]


class OutageContext(ChoiceSet):
    """When an outage began, for tickets and for the fault report's separate counts."""

    WORKING_HOURS = "working_hours"
    OUTSIDE_HOURS = "outside_hours"
    HOLIDAY = "holiday"
    MAINTENANCE = "maintenance"
    CHOICES = [
        (WORKING_HOURS, _("Working hours"), "primary"),
        (OUTSIDE_HOURS, _("Outside working hours"), "secondary"),
        (HOLIDAY, _("Holiday"), "info"),
        (MAINTENANCE, _("Planned maintenance"), "warning"),
    ]


class SnmpVersion(ChoiceSet):
    V2C = "v2c"
    V3 = "v3"
    CHOICES = [(V2C, "SNMP v2c", "secondary"), (V3, "SNMP v3 (authPriv)", "success")]


class SnmpAuthProtocol(ChoiceSet):
    CHOICES = [("SHA", "SHA-1", "secondary"), ("SHA-256", "SHA-256", "success")]


class SnmpPrivProtocol(ChoiceSet):
    CHOICES = [("AES-128", "AES-128", "secondary"), ("AES-256", "AES-256", "success")]


def check_label(check: str) -> str:
    """A check's name for people: "icmp" → "Ping", "interface:3" → "Interface 3"."""
    kind, _sep, index = check.partition(":")
    labels = {
        "icmp": _("Ping"),
        "snmp": _("SNMP"),
        "rtt": _("Round-trip time"),
        "loss": _("Packet loss"),
        "reboot": _("Reboot"),
        "interface": _("Interface %(index)s"),
        "if_errors": _("Errors on interface %(index)s"),
    }
    label = labels.get(kind)
    if label is None:
        return check
    return str(label) % {"index": index} if index else str(label)
