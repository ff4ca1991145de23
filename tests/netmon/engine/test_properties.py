"""Properties of the engine over arbitrary histories (hypothesis).

A history is a sequence of polls of one check: a verdict (or none), the time since the
previous poll (sometimes negative: the wall clock stepped back), whether the parent is down,
whether the process restarted just before (the state went through JSON, as through the
database), and whether the same result was processed twice (a replay). Whatever the
history: transitions chain (each starts where the last ended, none repeats a status), they
are numbered without gaps, a restart changes nothing, a replay emits nothing, and the
automatic ticket they drive is open exactly while the check is failing.
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from netmon.engine import CheckPolicy, CheckState, Status, TicketAction, Transition, observe, ticket_action

from . import T0

policies = st.builds(
    CheckPolicy,
    fail_threshold=st.integers(1, 4),
    recover_threshold=st.integers(1, 4),
    flap_transitions=st.integers(2, 6),
    flap_window=st.integers(60, 3600).map(lambda s: timedelta(seconds=s)),
    flap_quiet=st.integers(30, 1800).map(lambda s: timedelta(seconds=s)),
)
polls = st.lists(
    st.tuples(
        st.one_of(st.none(), st.booleans(), st.booleans()),  # the verdict (True/False twice as likely)
        st.one_of(st.integers(1, 900), st.integers(1, 900), st.just(-3600)),  # seconds since the last poll
        st.booleans(),  # parent down
        st.booleans(),  # restarted before this poll
        st.booleans(),  # the result processed twice
    ),
    max_size=60,
)


def through_json(state: CheckState) -> CheckState:
    return CheckState.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))


def play(history, policy: CheckPolicy, *, restarts: bool = True) -> tuple[CheckState, list[Transition]]:
    state, now, transitions = CheckState(check="icmp"), T0, []
    for ok, seconds, parent_down, restarted, twice in history:
        now += timedelta(seconds=seconds)
        if restarts and restarted:
            state = through_json(state)
        before = state
        state, transition = observe(state, ok, now, policy, unreachable=parent_down)
        if twice:
            again, repeated = observe(state, ok, now, policy, unreachable=parent_down)
            assert repeated is None and again == state  # a replay changes nothing
        if transition is not None:
            assert transition.at == now and state.since == now
            transitions.append(transition)
        else:
            assert state.status == before.status
    return state, transitions


@settings(max_examples=300, deadline=None)
@given(history=polls, policy=policies)
def test_transitions_chain_and_are_numbered_without_gaps(history, policy):
    state, transitions = play(history, policy)
    previous = Status.UNKNOWN
    for seq, t in enumerate(transitions, start=1):
        assert t.old == previous and t.new != t.old  # never two transitions to the same status in a row
        assert t.seq == seq  # the flips the recorder stores are exactly the transitions, numbered 1…n
        previous = t.new
    assert state.status == previous and state.seq == len(transitions)


@settings(max_examples=200, deadline=None)
@given(history=polls, policy=policies)
def test_a_restart_between_any_two_polls_changes_nothing(history, policy):
    with_restarts = play(history, policy, restarts=True)
    without = play(history, policy, restarts=False)
    assert [t.to_dict() for t in with_restarts[1]] == [t.to_dict() for t in without[1]]
    assert with_restarts[0].to_dict() == without[0].to_dict()


@settings(max_examples=300, deadline=None)
@given(history=polls, policy=policies)
def test_the_ticket_is_opened_once_per_problem_and_resolved_only_when_open(history, policy):
    """The recorder's ledger: OPEN with a ticket open reuses it; RESOLVE closes it."""
    _state, transitions = play(history, policy)
    open_ticket = False
    opened = 0
    for t in transitions:
        action = ticket_action(t)
        if action == TicketAction.OPEN:
            if not open_ticket:
                opened += 1
                # a new ticket only when the check was not already failing in a way that opens one
                assert t.old not in (Status.DOWN, Status.FLAPPING)
            open_ticket = True
        elif action == TicketAction.RESOLVE:
            assert open_ticket, t  # a recovery always has the ticket its failure opened
            open_ticket = False
        if t.new in (Status.DOWN, Status.FLAPPING):
            assert open_ticket  # failing ⇒ a ticket is open
    fresh = [
        t for t in transitions if ticket_action(t) == TicketAction.OPEN and t.old not in (Status.DOWN, Status.FLAPPING)
    ]
    assert opened <= len(fresh)
