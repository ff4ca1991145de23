"""Hysteresis: DOWN after N consecutive failures, UP after M successes; ICMP verdicts."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmon.engine import (
    CheckPolicy,
    CheckState,
    IcmpSample,
    IcmpThresholds,
    Status,
    TicketAction,
    evaluate_icmp,
    observe,
    observe_target,
    ticket_action,
)

from . import MINUTE, T0, run

NO_FLAPPING = CheckPolicy(flap_transitions=10_000)


def test_it_never_goes_down_on_fewer_failures_than_the_threshold():
    state, transitions = run([True, False, False, True, False, False, True], CheckPolicy(fail_threshold=3))
    assert state.status == Status.UP
    assert [(t.old, t.new) for t in transitions] == [(Status.UNKNOWN, Status.UP)]


def test_it_goes_down_exactly_on_the_nth_consecutive_failure():
    state, transitions = run([True, False, False], CheckPolicy(fail_threshold=3))
    assert state.status == Status.UP
    state, transitions = run([False], CheckPolicy(fail_threshold=3), state=state, start=T0 + 3 * MINUTE)
    assert state.status == Status.DOWN
    assert len(transitions) == 1
    down = transitions[0]
    assert (down.old, down.new, down.at, down.reason) == (Status.UP, Status.DOWN, T0 + 3 * MINUTE, "failures")
    assert down.detail["failures"] == 3
    assert ticket_action(down) == TicketAction.OPEN


def test_it_recovers_only_after_m_consecutive_successes():
    policy = CheckPolicy(fail_threshold=2, recover_threshold=3)
    state, transitions = run([True, False, False, True, True, False, True, True], policy)
    assert state.status == Status.DOWN  # two successes, a failure, two successes: not yet three in a row
    state, more = run([True], policy, state=state, start=T0 + 8 * MINUTE)
    assert state.status == Status.UP
    assert [(t.old, t.new) for t in transitions + more] == [
        (Status.UNKNOWN, Status.UP),
        (Status.UP, Status.DOWN),
        (Status.DOWN, Status.UP),
    ]
    assert ticket_action(more[0]) == TicketAction.RESOLVE


def test_it_decides_up_on_the_first_success_of_a_new_check():
    state, transitions = run([True], CheckPolicy(recover_threshold=5))
    assert state.status == Status.UP
    assert transitions[0].reason == "first_success"
    assert ticket_action(transitions[0]) == TicketAction.NONE


def test_it_decides_down_for_a_new_check_that_never_answered():
    state, transitions = run([False, False, False], CheckPolicy(fail_threshold=3))
    assert state.status == Status.DOWN
    assert [(t.old, t.new) for t in transitions] == [(Status.UNKNOWN, Status.DOWN)]
    assert ticket_action(transitions[0]) == TicketAction.OPEN


def test_it_stays_unknown_until_decided():
    state, transitions = run([False, False])
    assert (state.status, transitions) == (Status.UNKNOWN, [])


def test_it_keeps_state_on_no_verdict():
    state, _ = run([True, False, False])
    after, transition = observe(state, None, T0 + 10 * MINUTE, CheckPolicy(), value=7, detail={"why": "no data"})
    assert transition is None
    assert (after.status, after.failures, after.successes) == (state.status, 2, 0)
    assert (after.value, after.detail, after.last_at) == (7, {"why": "no data"}, T0 + 10 * MINUTE)


def test_it_ignores_a_replayed_observation():
    state, _ = run([True, False, False])
    again, transition = observe(state, False, state.last_at, CheckPolicy())
    assert (again, transition) == (state, None)


def test_an_older_observation_counts_when_the_clock_went_back():
    """The wall clock stepped back an hour: the checks must not fall silent for that hour."""
    state, _ = run([True, False, False])  # two failures, threshold 3
    back = state.last_at - 60 * MINUTE
    down, transition = observe(state, False, back, CheckPolicy())
    assert transition is not None and (transition.old, transition.new) == (Status.UP, Status.DOWN)
    assert down.last_at == back
    up, _ = observe(down, True, back + MINUTE, CheckPolicy())
    assert up.successes == 1


def test_it_numbers_transitions():
    state, transitions = run([True, False, False, False, True, True], CheckPolicy())
    assert [t.seq for t in transitions] == [1, 2, 3]
    assert state.seq == 3


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        observe(CheckState(check="icmp"), True, datetime(2025, 1, 1), CheckPolicy())


@pytest.mark.parametrize(
    "kwargs", [{"fail_threshold": 0}, {"recover_threshold": 0}, {"flap_transitions": 1}, {"flap_quiet": MINUTE * 0}]
)
def test_it_rejects_a_nonsensical_policy(kwargs):
    with pytest.raises(ValueError):
        CheckPolicy(**kwargs)


@given(
    results=st.lists(st.booleans(), max_size=60),
    fail=st.integers(1, 5),
    recover=st.integers(1, 5),
)
def test_it_changes_status_only_on_enough_consecutive_results(results, fail, recover):
    policy = CheckPolicy(fail_threshold=fail, recover_threshold=recover, flap_transitions=10_000)
    state, transitions = run(results, policy)
    status = Status.UNKNOWN
    for t in transitions:
        i = int((t.at - T0) / MINUTE)
        assert t.old == status  # a transition starts where the last one ended
        if t.new == Status.DOWN:
            assert i + 1 >= fail and not any(results[i + 1 - fail : i + 1])
        elif t.old == Status.DOWN:
            assert i + 1 >= recover and all(results[i + 1 - recover : i + 1])
        status = t.new
    assert state.status == status
    # …and never missed one: a run of `fail` failures ends DOWN, a run of `recover` successes UP.
    if len(results) >= fail and not any(results[-fail:]):
        assert state.status == Status.DOWN
    if results and all(results[-recover:]):
        assert state.status == Status.UP


# -- ICMP verdicts ---------------------------------------------------------------------


def test_icmp_is_up_with_any_reply_and_down_with_none():
    assert evaluate_icmp(IcmpSample(sent=1, received=1, rtt_avg_ms=0.3))["icmp"].ok is True
    silent = evaluate_icmp(IcmpSample(sent=3, received=0))
    assert silent["icmp"].ok is False
    assert silent["icmp"].detail["loss_pct"] == 100.0


def test_icmp_judges_loss_and_rtt_against_their_thresholds():
    thresholds = IcmpThresholds(max_loss_pct=20, max_rtt_ms=50)
    good = evaluate_icmp(IcmpSample(sent=10, received=9, rtt_avg_ms=12.0), thresholds)
    assert (good["icmp"].ok, good["loss"].ok, good["rtt"].ok) == (True, True, True)
    bad = evaluate_icmp(IcmpSample(sent=10, received=5, rtt_avg_ms=180.0), thresholds)
    assert (bad["icmp"].ok, bad["loss"].ok, bad["rtt"].ok) == (True, False, False)
    assert bad["loss"].detail["loss_pct"] == 50.0
    assert bad["rtt"].value == 180.0


def test_icmp_quality_gives_no_verdict_without_replies_or_on_a_single_echo():
    thresholds = IcmpThresholds(max_loss_pct=20, max_rtt_ms=50)
    dead = evaluate_icmp(IcmpSample(sent=3, received=0), thresholds)
    assert (dead["loss"].ok, dead["rtt"].ok) == (None, None)  # icmp itself says it, with its own ticket
    single = evaluate_icmp(IcmpSample(sent=1, received=1, rtt_avg_ms=1.0), thresholds)
    assert single["loss"].ok is None


def test_icmp_has_no_quality_checks_without_thresholds():
    assert set(evaluate_icmp(IcmpSample(sent=1, received=1))) == {"icmp"}


def test_icmp_judges_nothing_when_the_poller_sent_nothing():
    assert evaluate_icmp(IcmpSample(sent=0, received=0))["icmp"].ok is None


def test_icmp_rejects_an_impossible_sample():
    with pytest.raises(ValueError):
        IcmpSample(sent=1, received=2)


def test_it_raises_one_ticket_for_a_slow_link_not_one_per_poll():
    thresholds = IcmpThresholds(max_rtt_ms=50)
    states: dict[str, CheckState] = {}
    actions = []
    for i in range(10):
        results = evaluate_icmp(IcmpSample(sent=1, received=1, rtt_avg_ms=200.0), thresholds)
        states, transitions = observe_target(states, results, T0 + i * MINUTE, NO_FLAPPING)
        actions += [(t.check, ticket_action(t)) for t in transitions]
    assert states["icmp"].status == Status.UP
    assert states["rtt"].status == Status.DOWN
    assert [a for a in actions if a[1] == TicketAction.OPEN] == [("rtt", TicketAction.OPEN)]
