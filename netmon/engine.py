"""The poller's pure state machine: results in, transitions out.

No Django, no I/O, no clock: every function takes `now` (an aware datetime: the time the
probe ran) and returns new values. The Django layer (`netmon.services`) loads the state,
calls these functions and stores what they return; tests and benchmarks call them alone.

Vocabulary
----------
- A *target* is what the poller watches; it has *checks*, each named by a string:
  ``icmp``, ``snmp`` (the reachability checks), ``rtt``, ``loss`` (ICMP quality),
  ``reboot``, ``interface:<ifIndex>`` (admin up but oper not up) and
  ``if_errors:<ifIndex>`` (error rate). The check name is also the ticket's *problem*:
  the database keeps one open automatic ticket per target and problem.
- `Status`: UNKNOWN (never decided), UP, DOWN, FLAPPING, UNREACHABLE. UNREACHABLE means
  "failing, but something upstream explains it": a parent target (uplink, fiber terminal)
  is down, or — for ``snmp`` — the same target's ``icmp`` is failing. It never raises a
  ticket, so only the root cause does.

One poll of one target
----------------------
::

    resolution = resolve_parents(statuses, parents, suspect=suspects)   # whole network, from the DB
    states, transitions = observe_target(
        states, results, now, config.policy, parent_down=resolution.is_blocked(target_id))
    # store states (to_dict) and transitions in ONE transaction, then for each transition:
    ticket_action(transition)  # OPEN → open or reuse the ticket; RESOLVE → recovery entry

`results` maps check names to verdicts: `True`/`False`, an `Evaluation` from
`evaluate_icmp`, `evaluate_interface`, `evaluate_if_errors` or `evaluate_reboot`, or
None for "no data" (e.g. interface checks when SNMP timed out) — no data is never a
failure; only the reachability checks see timeouts, so a dead device raises one ticket.

Decisions (and why)
-------------------
- Hysteresis per check (`observe`): DOWN after `fail_threshold` consecutive failures,
  UP after `recover_threshold` consecutive successes. The first decision of a new check
  (UNKNOWN) is UP on the first success (there is nothing to recover from) and DOWN after
  `fail_threshold` failures. A check that was DOWN stays DOWN when its parent goes down
  later (it failed first; its ticket is already open).
- Parent suppression is part of the state, not a filter on the side: when the parent is
  down (`parent_down=True`) a failing reachability check becomes UNREACHABLE instead of
  DOWN. If the parent comes back and the target still fails, the next poll turns
  UNREACHABLE into DOWN — a transition, so the ticket that was held back is raised then,
  and a restart in between cannot lose it. A parent that is merely *failing* (last poll
  failed, not yet DOWN: `target_suspect`) also blocks its children, so a child with a
  shorter threshold or an earlier poll cannot win the race and raise the wrong ticket.
- Flapping: changes between UP and DOWN are counted over `flap_window`; the one that
  reaches `flap_transitions` becomes a single transition to FLAPPING (instead of its
  UP/DOWN transition), and nothing more is emitted while flapping. FLAPPING ends — one
  transition, to the status hysteresis then gives — only after that status has held for
  `flap_quiet`; the count then starts afresh. Changes to or from UNREACHABLE and the
  first decision are not counted (a flapping parent must not make every child flap).
- Restarts: the state is a plain dict (`to_dict`/`from_dict`, JSON-safe). `observe`
  ignores an observation not newer than the last one (`now <= last_at`), so replaying
  a result after a crash emits nothing twice; and every transition carries `seq`, the
  check's transition counter, so (target, check, seq) is an idempotency key should a
  crash come between computing and storing.
- Interfaces: a fault only when ifAdminStatus is up(1) and ifOperStatus is down(2),
  notPresent(6), lowerLayerDown(7) or missing from the agent (the monitored row vanished).
  Admin down or testing is a deliberate choice, not a fault (and resolves an open
  ticket). Oper dormant(5) is OK: the interface is idle by design (backup/on-demand
  links, standby members). Oper testing(3) and unknown(4) give no verdict: the state
  stays as it was.
- Reboots are events: the ``reboot`` check fails for the one poll that sees sysUpTime go
  back (`detect_reboot`; a 32-bit wrap is told apart by the wall time elapsed), with
  fail and recover thresholds of 1. Its ticket is not auto-resolved — someone should read
  why a school switch restarted (usually power) — and repeated reboots become FLAPPING.
- Loss is judged per sample only when the probe sent at least two echoes; with one echo
  per cycle (what PERF.md recommends) a lossy link shows up as ``icmp`` flapping.

Counter arithmetic (deltas over wraps and resets, rates, sysUpTime) lives in
`netmon.counters` and is re-exported here.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from netmon.counters import (
    TICKS_PER_SECOND,
    UPTIME_MODULUS,
    counter_delta,
    detect_reboot,
    max_packet_rate,
    octet_rate_bps,
    rate,
)

__all__ = [
    "REACHABILITY_CHECKS",
    "STATE_VERSION",
    "TICKS_PER_SECOND",
    "UPTIME_MODULUS",
    "CheckKind",
    "CheckPolicy",
    "CheckState",
    "ErrorThresholds",
    "Evaluation",
    "IcmpSample",
    "IcmpThresholds",
    "IfStatus",
    "Resolution",
    "Status",
    "TargetConfig",
    "TicketAction",
    "Transition",
    "check_name",
    "counter_delta",
    "detect_reboot",
    "evaluate_icmp",
    "evaluate_if_errors",
    "evaluate_interface",
    "evaluate_reboot",
    "max_packet_rate",
    "observe",
    "observe_target",
    "octet_rate_bps",
    "parse_check",
    "policy_for",
    "rate",
    "resolve_parents",
    "should_raise_ticket",
    "target_status",
    "target_suspect",
    "ticket_action",
]

#: Bumped when the layout of `CheckState.to_dict()` changes; `from_dict` refuses newer ones.
STATE_VERSION = 1

T = TypeVar("T", bound=Hashable)


class Status(enum.StrEnum):
    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
    FLAPPING = "flapping"
    UNREACHABLE = "unreachable"  # failing, explained by a parent (or the target's own icmp)


class CheckKind(enum.StrEnum):
    ICMP = "icmp"
    SNMP = "snmp"
    RTT = "rtt"
    LOSS = "loss"
    REBOOT = "reboot"
    INTERFACE = "interface"  # interface:<ifIndex>
    IF_ERRORS = "if_errors"  # if_errors:<ifIndex>


class TicketAction(enum.StrEnum):
    NONE = "none"
    OPEN = "open"  # open, or reuse, the one open automatic ticket for (target, check)
    RESOLVE = "resolve"  # append a recovery entry to that ticket, if one is open


class IfStatus(enum.IntEnum):
    """ifAdminStatus / ifOperStatus values (RFC 2863)."""

    UP = 1
    DOWN = 2
    TESTING = 3
    UNKNOWN = 4
    DORMANT = 5
    NOT_PRESENT = 6
    LOWER_LAYER_DOWN = 7


#: The checks that say whether a target answers at all; their order is the order of
#: dependence (``snmp`` failing while ``icmp`` fails too is explained by ``icmp``).
REACHABILITY_CHECKS: tuple[str, ...] = (CheckKind.ICMP.value, CheckKind.SNMP.value)

_PER_INTERFACE = frozenset({CheckKind.INTERFACE, CheckKind.IF_ERRORS})
_FAILED = frozenset({Status.DOWN, Status.UNREACHABLE, Status.FLAPPING})


def check_name(kind: CheckKind | str, if_index: int | None = None) -> str:
    """``check_name("interface", 3) == "interface:3"``; ``check_name("icmp") == "icmp"``."""
    kind = CheckKind(kind)
    if kind in _PER_INTERFACE:
        if if_index is None or if_index < 1:
            raise ValueError(f"{kind} needs an ifIndex >= 1, got {if_index!r}")
        return f"{kind.value}:{if_index}"
    if if_index is not None:
        raise ValueError(f"{kind} takes no ifIndex")
    return kind.value


def parse_check(name: str) -> tuple[CheckKind, int | None]:
    """The inverse of `check_name`; ValueError for a name that is not a check."""
    kind, sep, index = name.partition(":")
    try:
        parsed = CheckKind(kind)
        if_index = int(index) if sep else None
    except ValueError:
        raise ValueError(f"not a check name: {name!r}") from None
    if check_name(parsed, if_index) != name:
        raise ValueError(f"not a check name: {name!r}")
    return parsed, if_index


# -- configuration ---------------------------------------------------------------------


def _positive(name: str, value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValueError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class CheckPolicy:
    """How one check turns observations into a status."""

    fail_threshold: int = 3  # consecutive failures before DOWN
    recover_threshold: int = 2  # consecutive successes before UP again
    flap_transitions: int = 4  # this many UP/DOWN changes within flap_window → FLAPPING
    flap_window: timedelta = timedelta(minutes=30)
    flap_quiet: timedelta = timedelta(minutes=15)  # stable this long → leave FLAPPING

    def __post_init__(self) -> None:
        if self.fail_threshold < 1 or self.recover_threshold < 1:
            raise ValueError("fail_threshold and recover_threshold must be at least 1")
        if self.flap_transitions < 2:
            raise ValueError("flap_transitions must be at least 2")
        _positive("flap_window", self.flap_window)
        _positive("flap_quiet", self.flap_quiet)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_threshold": self.fail_threshold,
            "recover_threshold": self.recover_threshold,
            "flap_transitions": self.flap_transitions,
            "flap_window_s": self.flap_window.total_seconds(),
            "flap_quiet_s": self.flap_quiet.total_seconds(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckPolicy:
        return cls(
            fail_threshold=int(data["fail_threshold"]),
            recover_threshold=int(data["recover_threshold"]),
            flap_transitions=int(data["flap_transitions"]),
            flap_window=timedelta(seconds=data["flap_window_s"]),
            flap_quiet=timedelta(seconds=data["flap_quiet_s"]),
        )


def policy_for(check: str, policy: CheckPolicy, overrides: Mapping[str, CheckPolicy] | None = None) -> CheckPolicy:
    """The policy of one check: an explicit override, else the target's — except that a
    reboot is an event, seen once, so ``reboot`` fails and recovers on a single poll."""
    if overrides and check in overrides:
        return overrides[check]
    if check == CheckKind.REBOOT:
        return replace(policy, fail_threshold=1, recover_threshold=1)
    return policy


@dataclass(frozen=True)
class IcmpThresholds:
    max_loss_pct: float | None = None  # None: no ``loss`` check
    max_rtt_ms: float | None = None  # None: no ``rtt`` check

    def to_dict(self) -> dict[str, Any]:
        return {"max_loss_pct": self.max_loss_pct, "max_rtt_ms": self.max_rtt_ms}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IcmpThresholds:
        return cls(max_loss_pct=data.get("max_loss_pct"), max_rtt_ms=data.get("max_rtt_ms"))


@dataclass(frozen=True)
class ErrorThresholds:
    """When an interface's inbound error rate is a fault; a None limit is not judged."""

    max_per_second: float | None = None
    max_per_mille: float | None = None  # errored packets per 1000 received
    min_packets: int = 1000  # below this many packets in a poll, per-mille is noise

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_per_second": self.max_per_second,
            "max_per_mille": self.max_per_mille,
            "min_packets": self.min_packets,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ErrorThresholds:
        return cls(
            max_per_second=data.get("max_per_second"),
            max_per_mille=data.get("max_per_mille"),
            min_packets=int(data.get("min_packets", 1000)),
        )


@dataclass(frozen=True)
class TargetConfig:
    """What is polled on one target, how often, and how patiently."""

    interval: timedelta = timedelta(seconds=60)
    timeout: timedelta = timedelta(seconds=2)
    retries: int = 1
    icmp: bool = True
    snmp: bool = True
    reboot: bool = True  # needs snmp
    interfaces: tuple[int, ...] = ()  # monitored ifIndex values, e.g. uplinks; needs snmp
    icmp_thresholds: IcmpThresholds = IcmpThresholds()
    error_thresholds: ErrorThresholds | None = None  # None: no if_errors checks
    policy: CheckPolicy = CheckPolicy()

    def __post_init__(self) -> None:
        _positive("interval", self.interval)
        _positive("timeout", self.timeout)
        if self.retries < 0:
            raise ValueError("retries cannot be negative")
        if self.timeout * (self.retries + 1) > self.interval:
            raise ValueError("timeout × (retries + 1) must fit in the interval")
        if any(i < 1 for i in self.interfaces) or len(set(self.interfaces)) != len(self.interfaces):
            raise ValueError(f"interfaces must be distinct ifIndex values >= 1: {self.interfaces}")

    def checks(self) -> tuple[str, ...]:
        """The names of the enabled checks, reachability first."""
        names: list[str] = []
        if self.icmp:
            names.append(CheckKind.ICMP.value)
        if self.snmp:
            names.append(CheckKind.SNMP.value)
        if self.icmp:
            if self.icmp_thresholds.max_rtt_ms is not None:
                names.append(CheckKind.RTT.value)
            if self.icmp_thresholds.max_loss_pct is not None:
                names.append(CheckKind.LOSS.value)
        if self.snmp:
            if self.reboot:
                names.append(CheckKind.REBOOT.value)
            for if_index in self.interfaces:
                names.append(check_name(CheckKind.INTERFACE, if_index))
                if self.error_thresholds is not None:
                    names.append(check_name(CheckKind.IF_ERRORS, if_index))
        return tuple(names)

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval_s": self.interval.total_seconds(),
            "timeout_s": self.timeout.total_seconds(),
            "retries": self.retries,
            "icmp": self.icmp,
            "snmp": self.snmp,
            "reboot": self.reboot,
            "interfaces": list(self.interfaces),
            "icmp_thresholds": self.icmp_thresholds.to_dict(),
            "error_thresholds": None if self.error_thresholds is None else self.error_thresholds.to_dict(),
            "policy": self.policy.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetConfig:
        errors = data.get("error_thresholds")
        return cls(
            interval=timedelta(seconds=data["interval_s"]),
            timeout=timedelta(seconds=data["timeout_s"]),
            retries=int(data["retries"]),
            icmp=bool(data["icmp"]),
            snmp=bool(data["snmp"]),
            reboot=bool(data["reboot"]),
            interfaces=tuple(int(i) for i in data["interfaces"]),
            icmp_thresholds=IcmpThresholds.from_dict(data["icmp_thresholds"]),
            error_thresholds=None if errors is None else ErrorThresholds.from_dict(errors),
            policy=CheckPolicy.from_dict(data["policy"]),
        )


# -- evaluating one probe result -------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """The verdict on one check for one poll.

    `ok` None means "no verdict" (no data, or nothing to judge): the status stays as it
    was. `detail` is JSON-safe and travels into the transition; `value` is what the check
    needs next time (the last sysUpTime, the last counters) and is kept in the state.
    """

    ok: bool | None
    detail: dict[str, Any] = field(default_factory=dict)
    value: Any = None


@dataclass(frozen=True)
class IcmpSample:
    """One ICMP probe of one host (icmplib's Host: packets_sent, packets_received, avg_rtt)."""

    sent: int
    received: int
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None

    def __post_init__(self) -> None:
        if self.sent < 0 or not 0 <= self.received <= self.sent:
            raise ValueError(f"impossible ICMP sample: sent={self.sent}, received={self.received}")


def evaluate_icmp(sample: IcmpSample, thresholds: IcmpThresholds = IcmpThresholds()) -> dict[str, Evaluation]:
    """Verdicts for ``icmp`` (any reply) and, when their thresholds are set, ``loss`` and ``rtt``.

    A probe that sent nothing (the poller's own error) judges nothing. Loss and RTT give no
    verdict when nothing came back — ``icmp`` already says so, with its own ticket — and
    loss none on a single echo (0 or 100 % says nothing about a link's quality).
    """
    loss_pct = 100.0 * (sample.sent - sample.received) / sample.sent if sample.sent else None
    detail = {
        "sent": sample.sent,
        "received": sample.received,
        "loss_pct": loss_pct,
        "rtt_avg_ms": sample.rtt_avg_ms,
        "rtt_max_ms": sample.rtt_max_ms,
    }
    answered = sample.received > 0
    verdicts = {CheckKind.ICMP.value: Evaluation(answered if sample.sent else None, detail, sample.rtt_avg_ms)}
    if thresholds.max_loss_pct is not None:
        ok = None
        if answered and loss_pct is not None and sample.sent >= 2:
            ok = loss_pct <= thresholds.max_loss_pct
        verdicts[CheckKind.LOSS.value] = Evaluation(ok, {**detail, "max_loss_pct": thresholds.max_loss_pct}, loss_pct)
    if thresholds.max_rtt_ms is not None:
        ok = None
        if answered and sample.rtt_avg_ms is not None:
            ok = sample.rtt_avg_ms <= thresholds.max_rtt_ms
        verdicts[CheckKind.RTT.value] = Evaluation(
            ok, {**detail, "max_rtt_ms": thresholds.max_rtt_ms}, sample.rtt_avg_ms
        )
    return verdicts


def _if_status_name(value: int | None) -> str | None:
    if value is None:
        return None
    try:
        return IfStatus(value).name.lower()
    except ValueError:
        return str(value)


_OPER_FAULTS = frozenset({IfStatus.DOWN, IfStatus.NOT_PRESENT, IfStatus.LOWER_LAYER_DOWN})
_OPER_OK = frozenset({IfStatus.UP, IfStatus.DORMANT})


def evaluate_interface(admin: int | None, oper: int | None) -> Evaluation:
    """Verdict on one monitored interface from ifAdminStatus and ifOperStatus.

    None for either value means the agent no longer has that row. See the module notes
    for the choice on testing(3), unknown(4) and dormant(5).
    """
    detail = {"admin": _if_status_name(admin), "oper": _if_status_name(oper)}
    if admin is None and oper is None:
        return Evaluation(False, {**detail, "missing": True}, None)
    if admin != IfStatus.UP:
        return Evaluation(True, detail, [admin, oper])  # shut down on purpose (or under test)
    if oper is None or oper in _OPER_FAULTS:
        return Evaluation(False, detail, [admin, oper])
    if oper in _OPER_OK:
        return Evaluation(True, detail, [admin, oper])
    return Evaluation(None, detail, [admin, oper])  # testing, unknown, or a value RFC 2863 lacks


def evaluate_if_errors(
    prev: Mapping[str, int] | None,
    cur: Mapping[str, int],
    *,
    elapsed_s: float,
    thresholds: ErrorThresholds,
    speed_bps: float | None = None,
    reset: bool = False,
    bits: Mapping[str, Literal[32, 64]] | None = None,
) -> Evaluation:
    """Verdict on an interface's inbound error rate from two readings of its counters.

    `cur` has ``errors`` (ifInErrors) and optionally ``packets`` (packets delivered, e.g.
    ifHCInUcastPkts + multicast + broadcast); `prev` is the previous reading (the check
    state's `value`), None on the first poll. Errored packets are not among the delivered
    ones (RFC 2863), so per-mille is errors / (packets + errors). `bits` gives each
    counter's width (default: errors 32, packets 64). `reset=True` after a reboot. A reset
    or a first reading gives no verdict; the reading becomes the new baseline.
    """
    widths: dict[str, Literal[32, 64]] = {"errors": 32, "packets": 64, **(bits or {})}
    max_rate = max_packet_rate(speed_bps) if speed_bps else None

    def delta(key: str) -> int | None:
        if key not in cur or prev is None or key not in prev:
            return None
        return counter_delta(prev[key], cur[key], bits=widths[key], elapsed_s=elapsed_s, max_rate=max_rate, reset=reset)

    value = dict(cur)
    errors, packets = delta("errors"), delta("packets")
    if errors is None or elapsed_s <= 0:
        return Evaluation(None, {"errors": None}, value)
    per_second = errors / elapsed_s
    received = None if packets is None else packets + errors
    per_mille = 1000.0 * errors / received if received else None
    detail = {
        "errors": errors,
        "packets": packets,
        "errors_per_s": per_second,
        "errors_per_mille": per_mille,
        "max_per_second": thresholds.max_per_second,
        "max_per_mille": thresholds.max_per_mille,
    }
    ok = True
    if thresholds.max_per_second is not None and per_second > thresholds.max_per_second:
        ok = False
    if (
        thresholds.max_per_mille is not None
        and per_mille is not None
        and received is not None
        and received >= thresholds.min_packets
        and per_mille > thresholds.max_per_mille
    ):
        ok = False
    return Evaluation(ok, detail, value)


def evaluate_reboot(state: CheckState | None, uptime_ticks: int, now: datetime) -> Evaluation:
    """Verdict for ``reboot``: False for the poll that sees sysUpTime go back.

    The previous reading is the ``reboot`` check's state (`value` and `last_at`).
    """
    _require_aware(now)
    prev = state.value if state is not None and isinstance(state.value, int) else None
    prev_at = state.last_at if state is not None else None
    rebooted = detect_reboot(prev, prev_at, uptime_ticks, now)
    uptime_s = uptime_ticks / TICKS_PER_SECOND
    detail = {"uptime_s": uptime_s, "booted_at": (now - timedelta(seconds=uptime_s)).isoformat()}
    if rebooted:
        detail["previous_uptime_s"] = None if prev is None else prev / TICKS_PER_SECOND
    return Evaluation(not rebooted, detail, uptime_ticks)


# -- the state machine -----------------------------------------------------------------


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass timezone-aware times")


def _dt(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_dt(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    _require_aware(parsed)
    return parsed


@dataclass(frozen=True)
class Transition:
    """A check changed status. `seq` numbers the check's transitions from 1."""

    check: str
    old: Status
    new: Status
    at: datetime
    seq: int
    reason: str  # failures · successes · first_success · flapping · quiet
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "old": self.old.value,
            "new": self.new.value,
            "at": _dt(self.at),
            "seq": self.seq,
            "reason": self.reason,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transition:
        at = _parse_dt(data["at"])
        assert at is not None
        return cls(
            check=data["check"],
            old=Status(data["old"]),
            new=Status(data["new"]),
            at=at,
            seq=int(data["seq"]),
            reason=data["reason"],
            detail=dict(data.get("detail") or {}),
        )


@dataclass(frozen=True)
class CheckState:
    """Everything one check remembers between polls; JSON-safe through `to_dict`.

    `status` is what the world sees; `stable` is what hysteresis alone says — the two
    differ only while FLAPPING, when `stable` keeps tracking the underlying UP/DOWN.
    """

    check: str
    status: Status = Status.UNKNOWN
    since: datetime | None = None  # when `status` began
    stable: Status = Status.UNKNOWN
    stable_since: datetime | None = None  # when `stable` last changed
    failures: int = 0  # consecutive
    successes: int = 0  # consecutive
    flips: tuple[datetime, ...] = ()  # UP↔DOWN changes of `stable` within the flap window
    last_at: datetime | None = None  # the last observation
    seq: int = 0  # transitions emitted so far
    value: Any = None  # what the check keeps for next time (JSON-safe)
    detail: dict[str, Any] = field(default_factory=dict)  # the last observation's detail

    @property
    def failing(self) -> bool:
        """The last observation failed."""
        return self.failures > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "check": self.check,
            "status": self.status.value,
            "since": _dt(self.since),
            "stable": self.stable.value,
            "stable_since": _dt(self.stable_since),
            "failures": self.failures,
            "successes": self.successes,
            "flips": [_dt(t) for t in self.flips],
            "last_at": _dt(self.last_at),
            "seq": self.seq,
            "value": self.value,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckState:
        version = data.get("v", STATE_VERSION)
        if version > STATE_VERSION:
            raise ValueError(f"check state version {version} is newer than this engine ({STATE_VERSION})")
        return cls(
            check=data["check"],
            status=Status(data["status"]),
            since=_parse_dt(data.get("since")),
            stable=Status(data.get("stable") or _stable_default(Status(data["status"]))),
            stable_since=_parse_dt(data.get("stable_since")),
            failures=int(data.get("failures", 0)),
            successes=int(data.get("successes", 0)),
            flips=tuple(t for t in (_parse_dt(s) for s in data.get("flips", ())) if t is not None),
            last_at=_parse_dt(data.get("last_at")),
            seq=int(data.get("seq", 0)),
            value=data.get("value"),
            detail=dict(data.get("detail") or {}),
        )


def _stable_default(status: Status) -> Status:
    # hysteresis never says FLAPPING; a state stored without `stable` starts it afresh
    return Status.UNKNOWN if status == Status.FLAPPING else status


def _next_stable(
    old: Status, ok: bool, failures: int, successes: int, policy: CheckPolicy, unreachable: bool
) -> Status:
    if ok:
        if old == Status.UNKNOWN:
            return Status.UP
        if old in (Status.DOWN, Status.UNREACHABLE) and successes >= policy.recover_threshold:
            return Status.UP
        return old
    if failures < policy.fail_threshold or old == Status.DOWN:
        return old
    return Status.UNREACHABLE if unreachable else Status.DOWN


def observe(
    state: CheckState,
    ok: bool | None,
    now: datetime,
    policy: CheckPolicy,
    *,
    detail: Mapping[str, Any] | None = None,
    value: Any = None,
    unreachable: bool = False,
) -> tuple[CheckState, Transition | None]:
    """Apply one observation of one check: hysteresis, parent suppression, flapping.

    `ok` None is "no verdict": only `value`, `detail` and `last_at` are kept. An
    observation at the very instant of the last (`now == state.last_at`) is a replay and
    changes nothing. One *older* than the last is not a replay — the poller writes an
    outcome only while the target is at the version it was polled from — but the wall
    clock stepped back: it counts, or a clock set back an hour would silence every check
    for that hour. `unreachable=True` says the target's parent is down: failing then leads to
    UNREACHABLE rather than DOWN. Returns the new state and at most one transition.
    """
    _require_aware(now)
    if state.last_at is not None and now == state.last_at:
        return state, None
    observed = dict(detail or {})
    if ok is None:
        return replace(state, last_at=now, value=value, detail=observed), None

    failures = 0 if ok else state.failures + 1
    successes = state.successes + 1 if ok else 0
    stable = _next_stable(state.stable, ok, failures, successes, policy, unreachable)
    stable_since = state.stable_since
    flips = state.flips
    if stable != state.stable:
        stable_since = now
        if {state.stable, stable} == {Status.UP, Status.DOWN}:
            flips = (*flips, now)
    flips = tuple(t for t in flips if now - t < policy.flap_window)

    new_status, reason, why = state.status, "", {}
    if state.status == Status.FLAPPING:
        quiet = now - (stable_since or now)
        if quiet >= policy.flap_quiet:
            new_status, reason, why = stable, "quiet", {"quiet_s": quiet.total_seconds()}
            flips = ()
    elif len(flips) >= policy.flap_transitions:
        new_status, reason = Status.FLAPPING, "flapping"
        why = {"flips": len(flips), "window_s": policy.flap_window.total_seconds(), "underlying": stable.value}
    elif stable != state.status:
        new_status = stable
        if state.status == Status.UNKNOWN and ok:
            reason = "first_success"
        else:
            reason = "successes" if ok else "failures"

    new_state = replace(
        state,
        stable=stable,
        stable_since=stable_since,
        failures=failures,
        successes=successes,
        flips=flips,
        last_at=now,
        value=value,
        detail=observed,
    )
    if new_status == state.status:
        return new_state, None
    seq = state.seq + 1
    transition = Transition(
        check=state.check,
        old=state.status,
        new=new_status,
        at=now,
        seq=seq,
        reason=reason,
        detail={
            **why,
            "failures": failures,
            "successes": successes,
            "parent_down": unreachable,
            "observation": observed,
        },
    )
    return replace(new_state, status=new_status, since=now, seq=seq), transition


def observe_target(
    states: Mapping[str, CheckState],
    results: Mapping[str, Evaluation | bool | None],
    now: datetime,
    policy: CheckPolicy,
    *,
    parent_down: bool = False,
    overrides: Mapping[str, CheckPolicy] | None = None,
) -> tuple[dict[str, CheckState], list[Transition]]:
    """Apply one poll of one target: every check's verdict, in dependency order.

    ``icmp`` goes first; ``snmp`` failing while ``icmp`` fails too (or the parent is down)
    becomes UNREACHABLE, so a dead device raises one ticket, not two. The other checks only
    have verdicts when the device answered, so parent suppression does not concern them.
    Checks absent from `results` (or None there) keep their state. Returns all states
    (new ones created as needed) and the transitions in check order.
    """
    new_states = dict(states)
    transitions: list[Transition] = []
    others = sorted(c for c in results if c not in REACHABILITY_CHECKS)
    order = [c for c in REACHABILITY_CHECKS if c in results] + others
    for check in order:
        result = results[check]
        if result is None:
            continue
        evaluation = result if isinstance(result, Evaluation) else Evaluation(bool(result))
        unreachable = False
        if check in REACHABILITY_CHECKS:
            unreachable = parent_down
            for upstream in REACHABILITY_CHECKS[: REACHABILITY_CHECKS.index(check)]:
                up_state = new_states.get(upstream)
                if up_state is not None and (up_state.failing or up_state.stable in _FAILED):
                    unreachable = True
        state = new_states.get(check) or CheckState(check=check)
        new_state, transition = observe(
            state,
            evaluation.ok,
            now,
            policy_for(check, policy, overrides),
            detail=evaluation.detail,
            value=evaluation.value,
            unreachable=unreachable,
        )
        new_states[check] = new_state
        if transition is not None:
            transitions.append(transition)
    return new_states, transitions


def _reachability(states: Mapping[str, CheckState]) -> list[CheckState]:
    return [states[c] for c in REACHABILITY_CHECKS if c in states]


def target_status(states: Mapping[str, CheckState]) -> Status:
    """A target's status for its children, from its reachability checks: UP when any of
    them is UP (it answers something), else FLAPPING, DOWN, UNREACHABLE, UNKNOWN in turn."""
    present = {s.status for s in _reachability(states)}
    for status in (Status.UP, Status.FLAPPING, Status.DOWN, Status.UNREACHABLE):
        if status in present:
            return status
    return Status.UNKNOWN


def target_suspect(states: Mapping[str, CheckState]) -> bool:
    """Not (yet) down, but every reachability check failed its last poll: children behind
    it should wait before blaming themselves (pass it in `resolve_parents(suspect=…)`)."""
    reach = _reachability(states)
    return bool(reach) and target_status(states) in (Status.UP, Status.UNKNOWN) and all(s.failing for s in reach)


# -- parents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution(Generic[T]):
    """The network seen through its parents.

    `statuses`: a DOWN (or FLAPPING) target behind a down parent is UNREACHABLE; only the
    highest down ancestor keeps its own status. `blocked_by[t]` is that highest down
    ancestor for every target behind one, whatever its own status (this is the
    `parent_down` of `observe_target`). `cycles` and `missing` are the misconfigured: a
    target on a parent cycle, or whose parent is not among the targets, is treated as
    having no parent. `order` lists the targets parents first.
    """

    statuses: dict[T, Status]
    blocked_by: dict[T, T]
    cycles: frozenset[T]
    missing: frozenset[T]
    order: tuple[T, ...]

    def is_blocked(self, target: T) -> bool:
        return target in self.blocked_by


_BLOCKING = frozenset({Status.DOWN, Status.FLAPPING, Status.UNREACHABLE})


def resolve_parents(
    statuses: Mapping[T, Status],
    parents: Mapping[T, T | None],
    *,
    suspect: Collection[T] = (),
) -> Resolution[T]:
    """Resolve parent suppression over the whole network in O(targets).

    A parent blocks its children when it is DOWN, FLAPPING or UNREACHABLE, or `suspect`
    (failing but not yet DOWN). A parent that is UP is proof the path to it works, so it
    blocks nothing even when its own parent is down; an UNKNOWN parent is seen through.
    """
    suspects = frozenset(suspect)
    missing = frozenset(t for t in statuses if parents.get(t) is not None and parents[t] not in statuses)
    parent_of: dict[T, T] = {}
    for t in statuses:
        p = parents.get(t)
        if p is not None and p in statuses:
            parent_of[t] = p

    # Follow each chain once; a node met again on the same walk closes a cycle.
    cycles: set[T] = set()
    done: set[T] = set()
    for start in statuses:
        position: dict[T, int] = {}
        path: list[T] = []
        node: T | None = start
        while node is not None and node not in done:
            if node in position:
                cycles.update(path[position[node] :])
                break
            position[node] = len(path)
            path.append(node)
            node = parent_of.get(node)
        done.update(path)
    for t in cycles:
        del parent_of[t]

    # Depth in the forest that is left, without recursion (chains can be long).
    depth: dict[T, int] = {}
    for start in statuses:
        chain: list[T] = []
        node = start
        while node is not None and node not in depth:
            chain.append(node)
            node = parent_of.get(node)
        base = -1 if node is None else depth[node]
        for offset, t in enumerate(reversed(chain), start=1):
            depth[t] = base + offset
    order = tuple(sorted(statuses, key=lambda t: depth[t]))

    blocked_by: dict[T, T] = {}
    effective: dict[T, Status] = {}
    for t in order:
        p = parent_of.get(t)
        if p is not None:
            if statuses[p] in _BLOCKING or p in suspects:
                blocked_by[t] = blocked_by.get(p, p)
            elif statuses[p] == Status.UNKNOWN and p in blocked_by:
                blocked_by[t] = blocked_by[p]
        own = statuses[t]
        effective[t] = Status.UNREACHABLE if t in blocked_by and own in _BLOCKING else own
    return Resolution(
        statuses=effective,
        blocked_by=blocked_by,
        cycles=frozenset(cycles),
        missing=missing,
        order=order,
    )


# -- tickets ---------------------------------------------------------------------------


def ticket_action(transition: Transition, *, effective: Status | None = None) -> TicketAction:
    """What a transition means for the check's automatic ticket.

    DOWN and FLAPPING open one (or reuse the open one); UNREACHABLE never does, nor does
    anything for a target whose resolved status (`effective`, from `resolve_parents`) is
    UNREACHABLE. UP after DOWN or FLAPPING appends a recovery entry — except for
    ``reboot``, whose ticket a person reads and closes.
    """
    if transition.new == Status.UNREACHABLE or effective == Status.UNREACHABLE:
        return TicketAction.NONE
    if transition.new in (Status.DOWN, Status.FLAPPING):
        return TicketAction.OPEN
    if transition.new == Status.UP and transition.old in (Status.DOWN, Status.FLAPPING):
        if transition.check == CheckKind.REBOOT:
            return TicketAction.NONE
        return TicketAction.RESOLVE
    return TicketAction.NONE


def should_raise_ticket(transition: Transition, *, effective: Status | None = None) -> bool:
    """True when the transition opens (or reuses) an automatic ticket."""
    return ticket_action(transition, effective=effective) == TicketAction.OPEN
