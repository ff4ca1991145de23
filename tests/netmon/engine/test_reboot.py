"""Reboots: sysUpTime going back, told apart from the 32-bit wrap by the wall time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from netmon.engine import (
    UPTIME_MODULUS,
    CheckPolicy,
    CheckState,
    Status,
    TicketAction,
    detect_reboot,
    evaluate_reboot,
    observe_target,
    ticket_action,
)

from . import MINUTE, T0

DAY = 86_400 * 100  # ticks


def test_steady_counting_is_no_reboot():
    assert not detect_reboot(10 * DAY, T0, 10 * DAY + 6000, T0 + MINUTE)


def test_a_little_poll_latency_is_no_reboot():
    assert not detect_reboot(10 * DAY, T0, 10 * DAY + 6000 - 400, T0 + MINUTE)  # 4 s short
    assert not detect_reboot(10 * DAY, T0, 10 * DAY + 6000 + 400, T0 + MINUTE)


def test_uptime_going_back_is_a_reboot():
    assert detect_reboot(10 * DAY, T0, 4500, T0 + MINUTE)


def test_the_32_bit_wrap_is_no_reboot():
    # 30 s before the wrap, polled 60 s later: the counter reads 30 s past zero
    prev = UPTIME_MODULUS - 3000
    assert not detect_reboot(prev, T0, 3000, T0 + MINUTE)
    # a device clock a little fast, or a little slow, across the wrap
    assert not detect_reboot(prev, T0, 3000 + 300, T0 + MINUTE)
    assert not detect_reboot(UPTIME_MODULUS - 5700, T0, UPTIME_MODULUS - 100, T0 + MINUTE)


def test_a_reboot_just_after_the_wrap_point_is_still_a_reboot():
    # the wrap would read 3000; it reads 500 — it restarted 5 s ago
    assert detect_reboot(UPTIME_MODULUS - 3000, T0, 500, T0 + MINUTE)


def test_the_wrap_is_recognised_after_a_long_gap():
    # last seen two days before the wrap, seen again five days later
    prev = UPTIME_MODULUS - 2 * DAY
    assert not detect_reboot(prev, T0, 3 * DAY, T0 + timedelta(days=5))


def test_a_reboot_during_a_long_gap_is_seen_even_when_uptime_grew():
    # up 10 minutes at the last poll; two hours later up 30 minutes: it restarted in between
    assert detect_reboot(60_000, T0, 180_000, T0 + timedelta(hours=2))


def test_uptime_ahead_of_the_clock_is_no_reboot():
    assert not detect_reboot(10 * DAY, T0, 11 * DAY, T0 + MINUTE)


def test_nothing_can_be_said_without_a_previous_reading_or_with_the_clock_gone_back():
    assert not detect_reboot(None, None, 5, T0)
    assert not detect_reboot(10 * DAY, T0, 5, T0 - MINUTE)


def test_it_rejects_values_that_are_not_timeticks():
    with pytest.raises(ValueError):
        detect_reboot(None, None, UPTIME_MODULUS, T0)
    with pytest.raises(ValueError):
        detect_reboot(-1, T0, 5, T0 + MINUTE)


@given(
    prev=st.integers(0, UPTIME_MODULUS - 1),
    elapsed_s=st.integers(1, 30 * 86_400),
    jitter_ticks=st.integers(-500, 500),
)
def test_continuous_counting_is_never_a_reboot_wrap_or_not(prev, elapsed_s, jitter_ticks):
    cur = (prev + elapsed_s * 100 + jitter_ticks) % UPTIME_MODULUS
    assert not detect_reboot(prev, T0, cur, T0 + timedelta(seconds=elapsed_s))


@given(
    prev=st.integers(0, UPTIME_MODULUS - 1),
    elapsed_s=st.integers(60, 30 * 86_400),
    booted_s_ago=st.integers(0, 30 * 86_400),
)
def test_a_restart_within_the_gap_is_always_a_reboot(prev, elapsed_s, booted_s_ago):
    tolerance_s = 10 + 0.001 * elapsed_s
    assume(booted_s_ago < elapsed_s - tolerance_s - 1)  # it surely booted after the last poll
    assume(prev + elapsed_s * 100 < UPTIME_MODULUS)  # no wrap in the gap to confuse it with
    assert detect_reboot(prev, T0, booted_s_ago * 100, T0 + timedelta(seconds=elapsed_s))


def test_a_reboot_raises_one_ticket_that_stays_for_a_person():
    policy = CheckPolicy()  # reboot overrides this with fail/recover 1
    states: dict[str, CheckState] = {}
    uptimes = [10 * DAY + i * 6000 for i in range(3)] + [1500, 7500, 13500]
    transitions = []
    for i, uptime in enumerate(uptimes):
        now = T0 + i * MINUTE
        verdict = evaluate_reboot(states.get("reboot"), uptime, now)
        states, new = observe_target(states, {"reboot": verdict}, now, policy)
        transitions += new
    assert [(t.old, t.new) for t in transitions] == [
        (Status.UNKNOWN, Status.UP),
        (Status.UP, Status.DOWN),
        (Status.DOWN, Status.UP),
    ]
    reboot = transitions[1]
    assert reboot.at == T0 + 3 * MINUTE
    assert reboot.detail["observation"]["previous_uptime_s"] == (10 * DAY + 2 * 6000) / 100
    assert reboot.detail["observation"]["booted_at"] == (T0 + 3 * MINUTE - timedelta(seconds=15)).isoformat()
    assert [ticket_action(t) for t in transitions] == [TicketAction.NONE, TicketAction.OPEN, TicketAction.NONE]
    assert states["reboot"].value == 13500
