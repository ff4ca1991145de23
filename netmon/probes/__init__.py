"""Pure asyncio probes: ICMP echo (`icmp`) and SNMP GET/GETBULK (`snmp`). No Django here.

Everything the poller needs is re-exported from this package::

    from netmon.probes import SnmpClient, SnmpTarget, SnmpV2c, ping_many
"""

from netmon.probes.addresses import parse_address
from netmon.probes.icmp import IcmpUnavailable, PingResult, icmp_privileged, ping_many
from netmon.probes.snmp import (
    AUTH_PROTOCOLS,
    PRIV_PROTOCOLS,
    Discovery,
    InterfaceInfo,
    InterfaceReading,
    PollResult,
    SnmpClient,
    SnmpTarget,
    SnmpV2c,
    SnmpV3,
)

__all__ = [
    "AUTH_PROTOCOLS",
    "PRIV_PROTOCOLS",
    "Discovery",
    "IcmpUnavailable",
    "InterfaceInfo",
    "InterfaceReading",
    "PingResult",
    "PollResult",
    "SnmpClient",
    "SnmpTarget",
    "SnmpV2c",
    "SnmpV3",
    "icmp_privileged",
    "parse_address",
    "ping_many",
]
