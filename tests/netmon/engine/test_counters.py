"""Counter deltas over wraps and resets, rates, and interface error-rate verdicts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmon.engine import (
    ErrorThresholds,
    counter_delta,
    evaluate_if_errors,
    max_packet_rate,
    octet_rate_bps,
    rate,
)

C32 = 2**32
C64 = 2**64
GIGABIT_OCTETS = 1e9 / 8  # octets per second at line rate


def test_it_counts_up():
    assert counter_delta(1000, 1500, bits=32) == 500
    assert counter_delta(7, 7, bits=64) == 0


def test_a_single_32_bit_wrap_is_counted_across_zero():
    assert counter_delta(C32 - 100, 50, bits=32) == 150
    assert counter_delta(C32 - 100, 50, bits=32, elapsed_s=60, max_rate=GIGABIT_OCTETS) == 150


def test_a_reset_is_none_not_a_huge_number():
    # a busy counter restarted from zero: the "wrap" would be 4 billion octets in a minute
    assert counter_delta(3_000_000, 1_000, bits=32) is None
    assert counter_delta(3_000_000, 1_000, bits=32, elapsed_s=60, max_rate=100e6 / 8) is None


def test_a_wrap_faster_than_the_interface_can_carry_is_a_reset():
    # near the top, so it looks like a small wrap, but a 10 Mb/s port cannot move it in 60 s
    prev = C32 - 1_000_000_000
    assert counter_delta(prev, 500, bits=32) == 1_000_000_500  # plausible without a bound…
    assert counter_delta(prev, 500, bits=32, elapsed_s=60, max_rate=10e6 / 8) is None  # …not with one


def test_a_forward_jump_faster_than_the_interface_is_a_discontinuity():
    assert counter_delta(0, 10**12, bits=64, elapsed_s=60, max_rate=GIGABIT_OCTETS) is None


def test_a_64_bit_counter_going_back_is_always_a_reset():
    assert counter_delta(C64 - 10, 5, bits=64) is None


def test_after_a_known_reboot_any_step_back_is_a_reset():
    assert counter_delta(C32 - 100, 50, bits=32, reset=True) is None
    assert counter_delta(100, 150, bits=32, reset=True) == 50  # still counting up is still a delta


def test_the_first_reading_has_no_delta():
    assert counter_delta(None, 42, bits=32) is None


@pytest.mark.parametrize(("prev", "cur", "bits"), [(0, C32, 32), (-1, 0, 32), (0, C64, 64), (0, 1, 16)])
def test_it_rejects_values_that_are_not_counters(prev, cur, bits):
    with pytest.raises(ValueError):
        counter_delta(prev, cur, bits=bits)


@given(prev=st.integers(0, C32 - 1), delta=st.integers(0, 60 * int(GIGABIT_OCTETS) // 2))
def test_any_plausible_32_bit_delta_is_recovered_wrap_or_not(prev, delta):
    assert delta < C32
    cur = (prev + delta) % C32
    assert counter_delta(prev, cur, bits=32, elapsed_s=60, max_rate=GIGABIT_OCTETS) == delta


@given(prev=st.integers(0, C64 - 1), cur=st.integers(0, C64 - 1))
def test_a_64_bit_delta_is_never_bogus(prev, cur):
    delta = counter_delta(prev, cur, bits=64)
    assert delta is None or (cur >= prev and delta == cur - prev)


def test_rates():
    assert rate(600, 60) == 10.0
    assert rate(None, 60) is None
    assert rate(5, 0) is None
    assert octet_rate_bps(0, 75_000_000, elapsed_s=60) == 10e6
    assert octet_rate_bps(0, 75_000_000, elapsed_s=60, speed_bps=1e6) is None  # more than the link carries
    assert octet_rate_bps(None, 75_000_000, elapsed_s=60) is None
    assert max_packet_rate(1e9) == pytest.approx(1_488_095, rel=1e-3)  # the textbook 1.488 Mpps


# -- interface error rates -------------------------------------------------------------


PER_SECOND = ErrorThresholds(max_per_second=1.0)
PER_MILLE = ErrorThresholds(max_per_mille=5.0, min_packets=1000)


def test_errors_above_the_rate_are_a_fault():
    verdict = evaluate_if_errors({"errors": 0}, {"errors": 60}, elapsed_s=60, thresholds=PER_SECOND)
    assert verdict.ok is True
    verdict = evaluate_if_errors({"errors": 0}, {"errors": 61}, elapsed_s=60, thresholds=PER_SECOND)
    assert verdict.ok is False
    assert verdict.detail["errors_per_s"] == pytest.approx(61 / 60)
    assert verdict.value == {"errors": 61}  # the next baseline


def test_errors_per_thousand_packets_are_judged_only_with_enough_traffic():
    prev = {"errors": 10, "packets": 1_000_000}
    busy = evaluate_if_errors(prev, {"errors": 70, "packets": 1_010_000}, elapsed_s=60, thresholds=PER_MILLE)
    assert busy.ok is False
    assert busy.detail["errors_per_mille"] == pytest.approx(1000 * 60 / 10_060)
    fine = evaluate_if_errors(prev, {"errors": 12, "packets": 1_010_000}, elapsed_s=60, thresholds=PER_MILLE)
    assert fine.ok is True
    quiet = evaluate_if_errors(prev, {"errors": 13, "packets": 1_000_020}, elapsed_s=60, thresholds=PER_MILLE)
    assert quiet.ok is True  # 3 errors in 23 packets is 130 ‰, and noise


def test_errors_give_no_verdict_on_the_first_reading_or_after_a_reset():
    first = evaluate_if_errors(None, {"errors": 5}, elapsed_s=60, thresholds=PER_SECOND)
    assert (first.ok, first.value) == (None, {"errors": 5})
    reset = evaluate_if_errors({"errors": 900_000}, {"errors": 3}, elapsed_s=60, thresholds=PER_SECOND)
    assert reset.ok is None  # not 4 billion errors
    rebooted = evaluate_if_errors({"errors": C32 - 2}, {"errors": 3}, elapsed_s=60, thresholds=PER_SECOND, reset=True)
    assert rebooted.ok is None


def test_error_counters_wrap_too():
    verdict = evaluate_if_errors(
        {"errors": C32 - 10}, {"errors": 20}, elapsed_s=60, thresholds=PER_SECOND, speed_bps=1e9
    )
    assert (verdict.ok, verdict.detail["errors"]) == (True, 30)
