"""What the probes accept as a target address: unicast IP literals, never a host name."""

from __future__ import annotations

import ipaddress
import re

__all__ = ["parse_address"]

_LIMITED_BROADCAST = ipaddress.IPv4Address("255.255.255.255")
# Something that looks like a DNS name: dot-separated labels of letters, digits, "-" and
# "_", with at least one letter somewhere (so "1.2.3" is a bad address, not a name).
_HOST_NAME = re.compile(
    r"(?=.*[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?"
)


def parse_address(address: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IP address in `address`, or ValueError saying why it is not one we may probe.

    Only unicast IP literals: a host name is refused (the poller makes no DNS lookups,
    ever), and so are the unspecified, multicast and limited-broadcast addresses.
    """
    if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address):
        ip = address
    elif not isinstance(address, str):
        raise ValueError(f"an address must be a string, not {type(address).__name__}")
    else:
        text = address.strip()
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            if _HOST_NAME.fullmatch(text):
                raise ValueError(
                    f"host names are not accepted ({address!r}): give an IP address; the poller never resolves names"
                ) from None
            raise ValueError(f"not an IP address: {address!r}") from None
    if ip.is_unspecified or ip.is_multicast or ip == _LIMITED_BROADCAST:
        raise ValueError(f"not a unicast address: {address!r}")
    return ip
