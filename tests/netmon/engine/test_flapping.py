"""Flapping: K changes within the window become one FLAPPING state, not a storm."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from netmon.engine import CheckPolicy, Status, TicketAction, ticket_action

from . import MINUTE, T0, run

# fail and recover on one poll, so each verdict that differs from the last is a change
TWITCHY = CheckPolicy(
    fail_threshold=1,
    recover_threshold=1,
    flap_transitions=4,
    flap_window=timedelta(minutes=30),
    flap_quiet=timedelta(minutes=15),
)
STORM = [True] + [False, True] * 3  # first decision, then six UP/DOWN changes, one a minute


def test_it_turns_a_storm_into_exactly_one_flapping_transition():
    state, transitions = run(STORM, TWITCHY)
    assert state.status == Status.FLAPPING
    assert [(t.old, t.new) for t in transitions] == [
        (Status.UNKNOWN, Status.UP),
        (Status.UP, Status.DOWN),
        (Status.DOWN, Status.UP),
        (Status.UP, Status.DOWN),
        (Status.DOWN, Status.FLAPPING),  # the fourth change, instead of DOWN → UP
    ]
    flapping = transitions[-1]
    assert flapping.at == T0 + 4 * MINUTE
    assert flapping.detail["flips"] == 4
    assert ticket_action(flapping) == TicketAction.OPEN


def test_it_emits_nothing_while_flapping_however_long_the_storm():
    state, _ = run(STORM, TWITCHY)
    state, transitions = run([False, True] * 20, TWITCHY, state=state, start=T0 + 7 * MINUTE)
    assert state.status == Status.FLAPPING
    assert transitions == []
    assert state.stable == Status.UP  # hysteresis keeps tracking underneath


def test_it_leaves_flapping_once_stable_for_the_quiet_period():
    state, _ = run(STORM, TWITCHY)  # last change at minute 6
    # stable UP from minute 6: still flapping at minute 20, out at minute 21
    state, transitions = run([True] * 14, TWITCHY, state=state, start=T0 + 7 * MINUTE)
    assert (state.status, transitions) == (Status.FLAPPING, [])
    state, transitions = run([True], TWITCHY, state=state, start=T0 + 21 * MINUTE)
    assert state.status == Status.UP
    assert [(t.old, t.new, t.reason) for t in transitions] == [(Status.FLAPPING, Status.UP, "quiet")]
    assert ticket_action(transitions[0]) == TicketAction.RESOLVE
    assert state.flips == ()  # counting starts afresh


def test_it_leaves_flapping_to_down_when_that_is_what_held():
    state, _ = run(STORM, TWITCHY)
    state, transitions = run([False] * 16, TWITCHY, state=state, start=T0 + 7 * MINUTE)
    assert state.status == Status.DOWN
    assert [(t.old, t.new) for t in transitions] == [(Status.FLAPPING, Status.DOWN)]
    assert transitions[0].at == T0 + 22 * MINUTE  # DOWN since minute 7, quiet for 15
    assert ticket_action(transitions[0]) == TicketAction.OPEN


def test_a_change_inside_the_quiet_period_restarts_it():
    state, _ = run(STORM, TWITCHY)
    state, transitions = run([True] * 10 + [False] + [True] * 14, TWITCHY, state=state, start=T0 + 7 * MINUTE)
    assert (state.status, transitions) == (Status.FLAPPING, [])


def test_changes_spread_wider_than_the_window_are_not_flapping():
    # one change every 10 minutes: never four within 30 minutes
    results = [True] + ([False] * 10 + [True] * 10) * 4
    state, transitions = run(results, TWITCHY)
    assert Status.FLAPPING not in {t.new for t in transitions}
    assert len(transitions) == 1 + 8


def test_changes_through_a_down_parent_are_not_flapping():
    # the parent flaps; the child follows it through UNREACHABLE and must not flap itself
    state, transitions = run(STORM * 3, TWITCHY, unreachable=True)
    assert Status.FLAPPING not in {t.new for t in transitions}
    assert {t.new for t in transitions} == {Status.UP, Status.UNREACHABLE}
    assert all(ticket_action(t) != TicketAction.OPEN for t in transitions)


def test_the_default_policy_needs_real_failures_to_count_a_change():
    # with fail 3 / recover 2 a single lost poll is not a change at all
    state, transitions = run([True, False] * 30)
    assert (state.status, len(transitions)) == (Status.UP, 1)


@given(st.lists(st.booleans(), min_size=1, max_size=120))
def test_flapping_is_entered_once_and_quiet_before_it_is_left(results):
    state, transitions = run(results, TWITCHY)
    flapping_since = None
    for t in transitions:
        if flapping_since is not None:
            # the only way out, and only after quiet
            assert t.old == Status.FLAPPING
            assert t.reason == "quiet"
            assert t.at - flapping_since >= TWITCHY.flap_quiet
            flapping_since = None
        elif t.new == Status.FLAPPING:
            flapping_since = t.at
    # between entering and leaving FLAPPING nothing was emitted, so FLAPPING transitions
    # alternate with exits: never two in a row
    news = [t.new for t in transitions]
    assert all(not (a == b == Status.FLAPPING) for a, b in zip(news, news[1:], strict=False))
    if flapping_since is not None:
        assert state.status == Status.FLAPPING
