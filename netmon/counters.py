"""SNMP counter arithmetic: deltas across wraps and resets, rates, and sysUpTime reboots.

Pure functions on integers and aware datetimes; no Django, no I/O. `netmon.engine`
re-exports everything here, so callers import from one place.

Counters (RFC 2863) only ever count up and wrap to zero at 2**32 (Counter32) or 2**64
(Counter64). Between two polls a counter may have

- counted up:                 cur >= prev, delta = cur - prev;
- wrapped once:               cur <  prev, delta = cur + 2**bits - prev;
- been reset (device reboot, agent restart, module swap, ifIndex renumbered): cur < prev,
  and the "wrapped" delta is a huge bogus number.

A wrap and a reset look alike, so we tell them apart by plausibility: a delta whose rate
exceeds what the interface can carry (`max_rate`) is a discontinuity, and so is any wrap
of a 64-bit counter (at 100 Gb/s a Counter64 of octets wraps after 46 years) and any
backwards step when the caller already knows the device rebooted (`reset=True`). A
discontinuity returns None — "no sample this time, the current value is the new
baseline" — never a made-up number. More than one wrap between two polls cannot be
seen at all; that is why 64-bit (ifHC*) counters are preferred above ~20 Mb/s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

__all__ = [
    "TICKS_PER_SECOND",
    "UPTIME_MODULUS",
    "counter_delta",
    "detect_reboot",
    "max_packet_rate",
    "octet_rate_bps",
    "rate",
]

#: sysUpTime is TimeTicks: hundredths of a second since the agent (re)started.
TICKS_PER_SECOND = 100
#: TimeTicks is an unsigned 32-bit value: it wraps to 0 after 2**32 ticks (~497.1 days).
UPTIME_MODULUS = 2**32

# The smallest Ethernet frame is 64 bytes plus 8 of preamble and 12 of inter-frame gap:
# the most packets per second a link of a given speed can carry.
_MIN_FRAME_BITS = (64 + 8 + 12) * 8


def _check_counter(name: str, value: int, bits: int) -> None:
    if not 0 <= value < 2**bits:
        raise ValueError(f"{name}={value} is not a {bits}-bit counter value")


def counter_delta(
    prev: int | None,
    cur: int,
    *,
    bits: Literal[32, 64] = 64,
    elapsed_s: float | None = None,
    max_rate: float | None = None,
    reset: bool = False,
) -> int | None:
    """How much a counter advanced from `prev` to `cur`, or None when that is unknowable.

    `max_rate` is the most the counter can plausibly advance per second (for octets, the
    interface speed in bits/s divided by 8; for packets, `max_packet_rate(speed)`); with
    `elapsed_s` it rejects a reset that looks like a wrap. `reset=True` says the caller
    saw a reboot (`detect_reboot`) since `prev`: then any backwards step is a reset.
    Returns None for: no previous value, a reset, an implausible rate, a 64-bit wrap.
    """
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, not {bits!r}")
    _check_counter("cur", cur, bits)
    if prev is None:
        return None
    _check_counter("prev", prev, bits)
    if cur >= prev:
        delta = cur - prev
    elif reset or bits == 64:
        return None
    else:
        delta = cur + 2**bits - prev
        if max_rate is None or not elapsed_s:
            # Without a plausibility bound, a "wrap" worth more than half the counter's range
            # is far likelier to be a reset of a counter that had counted high.
            if delta >= 2 ** (bits - 1):
                return None
    if max_rate is not None and elapsed_s is not None and elapsed_s > 0 and delta > max_rate * elapsed_s:
        return None
    return delta


def rate(delta: int | None, elapsed_s: float) -> float | None:
    """Units per second, or None when there is no delta or no elapsed time."""
    if delta is None or elapsed_s <= 0:
        return None
    return delta / elapsed_s


def max_packet_rate(speed_bps: float) -> float:
    """The most packets per second a link of `speed_bps` can carry (minimum-size frames)."""
    return speed_bps / _MIN_FRAME_BITS


def octet_rate_bps(
    prev: int | None,
    cur: int,
    *,
    bits: Literal[32, 64] = 64,
    elapsed_s: float,
    speed_bps: float | None = None,
    reset: bool = False,
) -> float | None:
    """Traffic in bits per second from two readings of an octet counter (ifInOctets, ifHCInOctets…)."""
    max_rate = speed_bps / 8 if speed_bps else None
    delta = counter_delta(prev, cur, bits=bits, elapsed_s=elapsed_s, max_rate=max_rate, reset=reset)
    octets_per_s = rate(delta, elapsed_s)
    return None if octets_per_s is None else octets_per_s * 8


def detect_reboot(
    prev_uptime_ticks: int | None,
    prev_at: datetime | None,
    uptime_ticks: int,
    now: datetime,
    *,
    tolerance_s: float = 10.0,
    drift: float = 0.001,
) -> bool:
    """Did the device (strictly: its SNMP agent) restart between the two sysUpTime readings?

    Continuous counting predicts `prev + elapsed wall time` (in ticks), modulo 2**32. A
    reading that matches that prediction, or the prediction less one or more whole wraps,
    within `tolerance_s` + `drift` × elapsed (poll latency, retries, device clock drift),
    is no reboot — this is how a 32-bit wrap after ~497 days is told from a restart. A
    reading that went backwards otherwise is a reboot, and so is one that moved forwards
    by clearly less than the wall time did (it rebooted during a long gap between polls).
    A reading ahead of the prediction is odd but no reboot. With no previous reading, or
    with the poller's clock gone backwards, nothing can be said: False.

    Note that sysUpTime restarts with the SNMP agent too; a restarted agent also resets
    its counters, so the consequence (new counter baselines) is the same.
    """
    if not 0 <= uptime_ticks < UPTIME_MODULUS:
        raise ValueError(f"uptime_ticks={uptime_ticks} is not a TimeTicks value")
    if prev_uptime_ticks is None or prev_at is None:
        return False
    if not 0 <= prev_uptime_ticks < UPTIME_MODULUS:
        raise ValueError(f"prev_uptime_ticks={prev_uptime_ticks} is not a TimeTicks value")
    elapsed_s = (now - prev_at).total_seconds()
    if elapsed_s < 0:
        return False
    tolerance = (tolerance_s + drift * elapsed_s) * TICKS_PER_SECOND
    expected = prev_uptime_ticks + elapsed_s * TICKS_PER_SECOND
    # k = 0 is "no wrap"; k = 1.. allow for wraps in the gap. The extra one covers a device
    # whose clock ran a little fast and wrapped just before the prediction did.
    for k in range(int(expected // UPTIME_MODULUS) + 2):
        if abs(uptime_ticks - (expected - k * UPTIME_MODULUS)) <= tolerance:
            return False
    if uptime_ticks < prev_uptime_ticks:
        return True
    return uptime_ticks < expected - tolerance
