"""State through JSON and a restart: nothing lost, nothing repeated."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmon.engine import (
    STATE_VERSION,
    CheckPolicy,
    CheckState,
    ErrorThresholds,
    IcmpThresholds,
    Status,
    TargetConfig,
    Transition,
    observe,
)

from . import T0

AMMAN = ZoneInfo("Asia/Amman")
TWITCHY = CheckPolicy(fail_threshold=1, recover_threshold=1, flap_transitions=3, flap_quiet=timedelta(minutes=5))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
steps = st.lists(
    st.tuples(
        st.one_of(st.none(), st.booleans()),  # the verdict
        st.integers(1, 600),  # seconds since the previous poll
        st.booleans(),  # parent down
        json_values,  # the value kept for next time
    ),
    max_size=40,
)


def through_json(state: CheckState) -> CheckState:
    # strict JSON (no NaN or Infinity): what a jsonb column accepts
    return CheckState.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))


def replay(state, observations, start):
    now, transitions = start, []
    for ok, seconds, parent_down, value in observations:
        now += timedelta(seconds=seconds)
        state, t = observe(state, ok, now, TWITCHY, value=value, detail={"v": value}, unreachable=parent_down)
        transitions.append(t)
    return state, transitions, now


@given(steps)
def test_any_state_survives_json_unchanged(observations):
    state, transitions, _ = replay(CheckState(check="if_errors:7"), observations, T0)
    restored = through_json(state)
    assert restored == state
    assert restored.to_dict() == state.to_dict()
    for t in filter(None, transitions):
        assert Transition.from_dict(json.loads(json.dumps(t.to_dict(), allow_nan=False))) == t


@given(before=steps, after=steps)
def test_a_restart_in_between_changes_nothing(before, after):
    state, _, now = replay(CheckState(check="icmp"), before, T0)
    straight = replay(state, after, now)
    restarted = replay(through_json(state), after, now)
    assert restarted[0] == straight[0]
    assert restarted[1] == straight[1]


def test_a_replayed_result_after_a_restart_emits_nothing_twice():
    policy = CheckPolicy(fail_threshold=1)
    state, _ = observe(CheckState(check="icmp"), True, T0, policy)
    when = T0 + timedelta(minutes=1)
    down, transition = observe(state, False, when, policy)
    assert transition is not None and transition.seq == 2
    # stored, then the process died and the result is processed again: nothing new
    assert observe(through_json(down), False, when, policy) == (through_json(down), None)
    # died before storing: the same transition again, same seq — the idempotency key
    again_state, again = observe(through_json(state), False, when, policy)
    assert (again_state, again) == (down, transition)


def test_times_keep_their_instant_in_any_zone():
    state, _ = observe(CheckState(check="icmp"), True, T0.astimezone(AMMAN), CheckPolicy())
    restored = through_json(state)
    assert restored.last_at == T0
    assert restored.last_at.utcoffset() == timedelta(hours=3)


def test_a_fresh_state_round_trips():
    assert through_json(CheckState(check="snmp")) == CheckState(check="snmp")
    assert CheckState(check="snmp").to_dict()["v"] == STATE_VERSION


def test_it_refuses_a_state_from_a_newer_engine_or_with_naive_times():
    data = CheckState(check="icmp").to_dict()
    with pytest.raises(ValueError, match="newer"):
        CheckState.from_dict({**data, "v": STATE_VERSION + 1})
    with pytest.raises(ValueError, match="naive"):
        CheckState.from_dict({**data, "last_at": "2025-03-01T08:00:00"})


def test_it_reads_a_state_without_optional_keys():
    state = CheckState.from_dict({"check": "icmp", "status": "down"})
    assert (state.status, state.stable, state.failures, state.flips) == (Status.DOWN, Status.DOWN, 0, ())


def test_configuration_round_trips():
    config = TargetConfig(
        interval=timedelta(seconds=300),
        timeout=timedelta(seconds=1.5),
        retries=2,
        interfaces=(1, 49),
        icmp_thresholds=IcmpThresholds(max_loss_pct=10, max_rtt_ms=80.5),
        error_thresholds=ErrorThresholds(max_per_mille=2),
        policy=CheckPolicy(fail_threshold=5, flap_window=timedelta(hours=1)),
    )
    assert TargetConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert TargetConfig.from_dict(json.loads(json.dumps(TargetConfig().to_dict()))) == TargetConfig()
