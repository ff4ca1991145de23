from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.choices import ChoiceSet


class Weekday(ChoiceSet):
    """Python's weekday numbers (Monday = 0), labelled in the user's language."""

    CHOICES = [
        ("6", _("Sunday"), "secondary"),
        ("0", _("Monday"), "secondary"),
        ("1", _("Tuesday"), "secondary"),
        ("2", _("Wednesday"), "secondary"),
        ("3", _("Thursday"), "secondary"),
        ("4", _("Friday"), "secondary"),
        ("5", _("Saturday"), "secondary"),
    ]


# Sunday to Thursday: the school week in Jordan.
DEFAULT_WORKING_DAYS = [6, 0, 1, 2, 3]


class LocationKind(ChoiceSet):
    COMPUTER_LAB = "computer_lab"
    SCIENCE_LAB = "science_lab"
    LIBRARY = "library"
    MULTIPURPOSE = "multipurpose"
    OFFICE = "office"
    SERVER_ROOM = "server_room"
    CHOICES = [
        (COMPUTER_LAB, _("Computer lab"), "primary"),
        (SCIENCE_LAB, _("Science lab"), "success"),
        (LIBRARY, _("Library"), "info"),
        (MULTIPURPOSE, _("Multipurpose room"), "warning"),
        (OFFICE, _("Office"), "secondary"),
        (SERVER_ROOM, _("Server / network room"), "dark"),
    ]


class AssetCategory(ChoiceSet):
    DESKTOP = "desktop"
    LAPTOP = "laptop"
    PRINTER = "printer"
    PROJECTOR = "projector"
    INTERACTIVE_BOARD = "interactive_board"
    SWITCH = "switch"
    ROUTER = "router"
    ACCESS_POINT = "access_point"
    FIREWALL = "firewall"
    UPS = "ups"
    SERVER = "server"
    LAB_INSTRUMENT = "lab_instrument"
    SCIENCE_EQUIPMENT = "science_equipment"
    FIBER_TERMINAL = "fiber_terminal"
    OTHER = "other"
    CHOICES = [
        (DESKTOP, _("Desktop computer"), "primary"),
        (LAPTOP, _("Laptop"), "primary"),
        (PRINTER, _("Printer"), "secondary"),
        (PROJECTOR, _("Projector"), "secondary"),
        (INTERACTIVE_BOARD, _("Interactive board"), "secondary"),
        (SWITCH, _("Switch"), "info"),
        (ROUTER, _("Router"), "info"),
        (ACCESS_POINT, _("Access point"), "info"),
        (FIREWALL, _("Firewall"), "info"),
        (UPS, _("UPS"), "warning"),
        (SERVER, _("Server"), "dark"),
        (LAB_INSTRUMENT, _("Lab instrument"), "success"),
        (SCIENCE_EQUIPMENT, _("Science equipment"), "success"),
        (FIBER_TERMINAL, _("Fiber terminal equipment"), "info"),
        (OTHER, _("Other"), "light"),
    ]

    # What the poller can watch: these carry a management address.
    NETWORK = frozenset({SWITCH, ROUTER, ACCESS_POINT, FIREWALL, UPS, SERVER, FIBER_TERMINAL})


class AssetStatus(ChoiceSet):
    IN_SERVICE = "in_service"
    IN_REPAIR = "in_repair"
    SPARE = "spare"
    SURPLUS = "surplus"
    AWAITING_DISPOSAL = "awaiting_disposal"
    DISPOSED = "disposed"
    CHOICES = [
        (IN_SERVICE, _("In service"), "success"),
        (IN_REPAIR, _("In repair"), "warning"),
        (SPARE, _("Spare"), "info"),
        (SURPLUS, _("Surplus"), "secondary"),
        (AWAITING_DISPOSAL, _("Awaiting disposal"), "danger"),
        (DISPOSED, _("Disposed"), "dark"),
    ]

    # The lifecycle. Disposed is final; leaving "awaiting disposal" other than to
    # "disposed" is the committee refusing the item, which puts it back into use or stock.
    TRANSITIONS = {
        IN_SERVICE: {IN_REPAIR, SPARE, SURPLUS, AWAITING_DISPOSAL},
        IN_REPAIR: {IN_SERVICE, SPARE, AWAITING_DISPOSAL},
        SPARE: {IN_SERVICE, IN_REPAIR, SURPLUS, AWAITING_DISPOSAL},
        SURPLUS: {IN_SERVICE, SPARE, AWAITING_DISPOSAL},
        AWAITING_DISPOSAL: {DISPOSED, IN_SERVICE, SPARE, SURPLUS},
        DISPOSED: set(),
    }

    @classmethod
    def allowed_next(cls, status: str) -> set[str]:
        """The statuses an asset in `status` may move to (empty when final)."""
        return cls.TRANSITIONS.get(status, set())


class FiberSiteKind(ChoiceSet):
    SCHOOL = "school"
    DIRECTORATE = "directorate"
    NODE = "node"
    CHOICES = [
        (SCHOOL, _("School"), "primary"),
        (DIRECTORATE, _("Directorate office"), "dark"),
        (NODE, _("Network node"), "info"),
    ]


class FiberSiteStatus(ChoiceSet):
    PLANNED, ACTIVE, DECOMMISSIONED = "planned", "active", "decommissioned"
    CHOICES = [
        (PLANNED, _("Planned"), "info"),
        (ACTIVE, _("Active"), "success"),
        (DECOMMISSIONED, _("Decommissioned"), "secondary"),
    ]


class CircuitType(ChoiceSet):
    FIBER_P2P = "fiber_p2p"
    GPON = "gpon"
    METRO_ETHERNET = "metro_ethernet"
    DARK_FIBER = "dark_fiber"
    LEASED_LINE = "leased_line"
    WIRELESS = "wireless"
    DSL = "dsl"
    CHOICES = [
        (FIBER_P2P, _("Point-to-point fiber"), "primary"),
        (GPON, _("GPON"), "primary"),
        (METRO_ETHERNET, _("Metro Ethernet"), "info"),
        (DARK_FIBER, _("Dark fiber"), "dark"),
        (LEASED_LINE, _("Leased line"), "secondary"),
        (WIRELESS, _("Wireless link"), "warning"),
        (DSL, _("DSL"), "secondary"),
    ]


class CircuitStatus(ChoiceSet):
    PLANNED = "planned"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    OFFLINE = "offline"
    DECOMMISSIONED = "decommissioned"
    CHOICES = [
        (PLANNED, _("Planned"), "info"),
        (PROVISIONING, _("Provisioning"), "primary"),
        (ACTIVE, _("Active"), "success"),
        (OFFLINE, _("Offline"), "danger"),
        (DECOMMISSIONED, _("Decommissioned"), "secondary"),
    ]
