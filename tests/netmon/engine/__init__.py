"""Tests of `netmon.engine`: plain functions, no database, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from netmon.engine import CheckPolicy, CheckState, Transition, observe

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def run(
    results: Iterable[bool | None],
    policy: CheckPolicy | None = None,
    *,
    state: CheckState | None = None,
    start: datetime = T0,
    step: timedelta = MINUTE,
    unreachable: bool = False,
) -> tuple[CheckState, list[Transition]]:
    """Feed one check a series of verdicts, one per `step`; the final state and all transitions."""
    policy = policy or CheckPolicy()
    state = state or CheckState(check="icmp")
    transitions: list[Transition] = []
    for i, ok in enumerate(results):
        state, transition = observe(state, ok, start + i * step, policy, unreachable=unreachable)
        if transition is not None:
            transitions.append(transition)
    return state, transitions
