"""Parent suppression: behind a down uplink or fiber, only the parent raises a ticket."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmon.engine import (
    CheckPolicy,
    CheckState,
    Status,
    TicketAction,
    Transition,
    observe_target,
    resolve_parents,
    should_raise_ticket,
    target_status,
    target_suspect,
    ticket_action,
)

from . import MINUTE, T0

UP, DOWN, UNKNOWN, FLAPPING, UNREACHABLE = Status.UP, Status.DOWN, Status.UNKNOWN, Status.FLAPPING, Status.UNREACHABLE
# school switch behind school router behind fiber terminal behind the directorate core
CHAIN = {"core": None, "ont": "core", "router": "ont", "switch": "router"}


def test_only_the_highest_down_ancestor_is_down():
    r = resolve_parents({"core": UP, "ont": DOWN, "router": DOWN, "switch": DOWN}, CHAIN)
    assert r.statuses == {"core": UP, "ont": DOWN, "router": UNREACHABLE, "switch": UNREACHABLE}
    assert r.blocked_by == {"router": "ont", "switch": "ont"}
    assert r.order == ("core", "ont", "router", "switch")


def test_a_child_that_still_answers_stays_up():
    r = resolve_parents({"core": DOWN, "ont": UP, "router": DOWN, "switch": UP}, CHAIN)
    # the fiber terminal answers, so the path to it works: the router is really down
    assert r.statuses == {"core": DOWN, "ont": UP, "router": DOWN, "switch": UP}
    assert r.blocked_by == {"ont": "core", "switch": "router"}


def test_an_undecided_parent_is_seen_through():
    r = resolve_parents({"core": DOWN, "ont": UNKNOWN, "router": DOWN, "switch": DOWN}, CHAIN)
    assert r.statuses["router"] == UNREACHABLE
    assert r.blocked_by["switch"] == "core"


def test_a_flapping_parent_suppresses_too():
    r = resolve_parents({"core": FLAPPING, "ont": FLAPPING, "router": UP, "switch": UP}, CHAIN)
    assert r.statuses["ont"] == UNREACHABLE
    assert r.blocked_by["ont"] == "core"


def test_a_failing_parent_holds_its_children_back():
    r = resolve_parents({"core": UP, "ont": UP, "router": DOWN, "switch": DOWN}, CHAIN, suspect={"ont"})
    assert r.statuses == {"core": UP, "ont": UP, "router": UNREACHABLE, "switch": UNREACHABLE}
    assert r.blocked_by == {"router": "ont", "switch": "ont"}


def test_a_missing_parent_is_no_parent_and_is_reported():
    r = resolve_parents({"router": DOWN, "switch": DOWN}, {"router": "ont", "switch": "router"})
    assert r.statuses == {"router": DOWN, "switch": UNREACHABLE}
    assert r.missing == frozenset({"router"})
    assert r.cycles == frozenset()


def test_a_cycle_does_not_loop_and_is_reported():
    parents = {"a": "b", "b": "c", "c": "a", "tail": "a", "self": "self"}
    r = resolve_parents({"a": DOWN, "b": DOWN, "c": DOWN, "tail": DOWN, "self": DOWN}, parents)
    assert r.cycles == frozenset({"a", "b", "c", "self"})
    # on the cycle: no parent, so each is down on its own; behind it: suppressed
    assert r.statuses == {"a": DOWN, "b": DOWN, "c": DOWN, "tail": UNREACHABLE, "self": DOWN}
    assert r.blocked_by == {"tail": "a"}


def test_a_long_chain_needs_no_recursion():
    n = 20_000
    parents = {i: (i - 1 if i else None) for i in range(n)}
    r = resolve_parents(dict.fromkeys(range(n), DOWN), parents)
    assert r.statuses[0] == DOWN
    assert r.statuses[n - 1] == UNREACHABLE
    assert r.blocked_by[n - 1] == 0


@given(
    st.dictionaries(
        st.integers(0, 12),
        st.tuples(st.sampled_from(list(Status)), st.one_of(st.none(), st.integers(0, 14))),
        max_size=13,
    )
)
def test_any_topology_resolves(targets):
    statuses = {t: s for t, (s, _) in targets.items()}
    parents = {t: p for t, (_, p) in targets.items()}
    r = resolve_parents(statuses, parents)
    assert set(r.statuses) == set(statuses) == set(r.order)
    for root in r.blocked_by.values():
        assert root not in r.blocked_by  # the root cause is itself not suppressed
        assert r.statuses[root] == statuses[root] and statuses[root] in (DOWN, FLAPPING, UNREACHABLE)
    for target, status in r.statuses.items():
        if status != statuses[target]:
            assert target in r.blocked_by and status == UNREACHABLE
    position = {t: i for i, t in enumerate(r.order)}
    for target, parent in parents.items():
        if parent in statuses and target not in r.cycles:
            assert position[parent] < position[target]


# -- the whole flow: resolve, observe in order, decide tickets -------------------------

NETWORK = {"core": None, "ont": "core", "router": "ont"}
POLICY = CheckPolicy(fail_threshold=2, recover_threshold=1, flap_transitions=100)


def poll(states, answers, now, *, suspect=True):
    """One cycle over the network: parents first, as `netmon.services` does."""
    resolution = resolve_parents(
        {t: target_status(states[t]) for t in NETWORK},
        NETWORK,
        suspect={t for t in NETWORK if suspect and target_suspect(states[t])},
    )
    transitions: list[Transition] = []
    for target in resolution.order:
        results = {"icmp": answers[target], "snmp": answers[target]}
        states[target], new = observe_target(
            states[target], results, now, POLICY, parent_down=resolution.is_blocked(target)
        )
        transitions += [(target, t) for t in new]
        # the parent's new status counts for the children polled after it
        resolution = resolve_parents(
            {t: target_status(states[t]) for t in NETWORK},
            NETWORK,
            suspect={t for t in NETWORK if suspect and target_suspect(states[t])},
        )
    return transitions


def tickets(transitions):
    return [(target, t.check, ticket_action(t)) for target, t in transitions if ticket_action(t) != TicketAction.NONE]


def test_behind_a_cut_fiber_only_the_terminal_raises_a_ticket_and_the_router_follows_if_still_down():
    states: dict[str, dict[str, CheckState]] = {t: {} for t in NETWORK}
    ok = {"core": True, "ont": True, "router": True}
    cut = {"core": True, "ont": False, "router": False}
    seen = []
    for minute, answers in enumerate([ok, cut, cut, cut]):
        seen += poll(states, answers, T0 + minute * MINUTE)
    assert tickets(seen) == [("ont", "icmp", TicketAction.OPEN)]
    assert states["router"]["icmp"].status == UNREACHABLE
    assert states["router"]["snmp"].status == UNREACHABLE
    assert states["ont"]["snmp"].status == UNREACHABLE  # explained by its own icmp

    # the fiber is spliced, the terminal answers, but the router behind it still does not
    spliced = {"core": True, "ont": True, "router": False}
    seen = poll(states, spliced, T0 + 4 * MINUTE)
    assert tickets(seen) == [("ont", "icmp", TicketAction.RESOLVE), ("router", "icmp", TicketAction.OPEN)]
    assert [t.new for target, t in seen if target == "router"] == [DOWN]  # snmp stays behind icmp


@pytest.mark.parametrize("suspect", [True, False])
def test_a_child_that_started_failing_first_does_not_win_the_race(suspect):
    states: dict[str, dict[str, CheckState]] = {t: {} for t in NETWORK}
    poll(states, {"core": True, "ont": True, "router": True}, T0, suspect=suspect)
    # the router already failed once (say, polled in an earlier batch); now the terminal fails too
    states["router"] = {c: replace(s, failures=1, successes=0) for c, s in states["router"].items()}
    seen = poll(states, {"core": True, "ont": False, "router": False}, T0 + MINUTE, suspect=suspect)
    seen += poll(states, {"core": True, "ont": False, "router": False}, T0 + 2 * MINUTE, suspect=suspect)
    if suspect:  # the failing terminal holds the router back
        assert tickets(seen) == [("ont", "icmp", TicketAction.OPEN)]
    else:  # without it, the router's ticket comes first: this is why `suspect` is there
        assert tickets(seen)[0] == ("router", "icmp", TicketAction.OPEN)


def test_a_dead_device_raises_one_ticket_not_two():
    states: dict[str, CheckState] = {}
    transitions = []
    for i, answer in enumerate([True, False, False]):
        states, new = observe_target(states, {"icmp": answer, "snmp": answer}, T0 + i * MINUTE, POLICY)
        transitions += new
    assert [(t.check, t.new) for t in transitions if should_raise_ticket(t)] == [("icmp", DOWN)]
    assert target_status(states) == DOWN


def test_an_agent_that_stops_answering_raises_its_own_ticket():
    states: dict[str, CheckState] = {}
    transitions = []
    for i, snmp in enumerate([True, False, False]):
        states, new = observe_target(states, {"icmp": True, "snmp": snmp}, T0 + i * MINUTE, POLICY)
        transitions += new
    assert [(t.check, t.new) for t in transitions if should_raise_ticket(t)] == [("snmp", DOWN)]
    assert target_status(states) == UP  # it answers ping: children behind it are reachable


def test_ticket_decisions():
    def t(old, new, check="icmp"):
        return Transition(check=check, old=old, new=new, at=T0, seq=1, reason="")

    assert ticket_action(t(UP, DOWN)) == TicketAction.OPEN
    assert ticket_action(t(UNKNOWN, DOWN)) == TicketAction.OPEN
    assert ticket_action(t(UNREACHABLE, DOWN)) == TicketAction.OPEN  # its parent is back; it is not
    assert ticket_action(t(UP, FLAPPING)) == TicketAction.OPEN
    assert ticket_action(t(UP, UNREACHABLE)) == TicketAction.NONE
    assert ticket_action(t(DOWN, UP)) == TicketAction.RESOLVE
    assert ticket_action(t(FLAPPING, UP)) == TicketAction.RESOLVE
    assert ticket_action(t(UNREACHABLE, UP)) == TicketAction.NONE
    assert ticket_action(t(UNKNOWN, UP)) == TicketAction.NONE
    assert ticket_action(t(DOWN, UP, check="reboot")) == TicketAction.NONE
    # a raw DOWN of a target that resolves as unreachable (for callers resolving afterwards)
    assert ticket_action(t(UP, DOWN), effective=UNREACHABLE) == TicketAction.NONE
    assert should_raise_ticket(t(UP, DOWN)) and not should_raise_ticket(t(UP, DOWN), effective=UNREACHABLE)


def test_target_status_and_suspicion():
    def state(check, status, failures=0):
        return CheckState(check=check, status=status, stable=status, failures=failures)

    assert target_status({}) == UNKNOWN
    assert target_status({"interface:1": state("interface:1", DOWN)}) == UNKNOWN
    assert target_status({"icmp": state("icmp", DOWN), "snmp": state("snmp", UP)}) == UP
    assert target_status({"icmp": state("icmp", DOWN), "snmp": state("snmp", UNREACHABLE)}) == DOWN
    assert target_suspect({"icmp": state("icmp", UP, 1), "snmp": state("snmp", UP, 1)})
    assert not target_suspect({"icmp": state("icmp", UP, 1), "snmp": state("snmp", UP, 0)})
    assert not target_suspect({"icmp": state("icmp", DOWN, 5)})  # down is not suspect, it is down
