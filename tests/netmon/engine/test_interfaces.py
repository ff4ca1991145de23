"""Interfaces: a fault when admin up and oper not up; check names; the configured checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from netmon.engine import (
    CheckKind,
    CheckPolicy,
    CheckState,
    ErrorThresholds,
    IcmpThresholds,
    IfStatus,
    Status,
    TargetConfig,
    TicketAction,
    check_name,
    evaluate_interface,
    observe_target,
    parse_check,
    ticket_action,
)

from . import MINUTE, T0

UP, DOWN, TESTING, UNKNOWN, DORMANT, NOT_PRESENT, LOWER_DOWN = (int(s) for s in IfStatus)


@pytest.mark.parametrize(
    ("admin", "oper", "ok"),
    [
        (UP, UP, True),
        (UP, DOWN, False),
        (UP, LOWER_DOWN, False),
        (UP, NOT_PRESENT, False),
        (UP, DORMANT, True),  # idle by design: backup and on-demand links
        (UP, TESTING, None),  # no verdict: the state stays as it was
        (UP, UNKNOWN, None),
        (UP, 99, None),  # a value RFC 2863 lacks
        (DOWN, DOWN, True),  # shut down on purpose: not a fault
        (DOWN, LOWER_DOWN, True),
        (TESTING, DOWN, True),
        (UP, None, False),  # the agent dropped the oper status of a monitored row
        (None, None, False),  # the monitored row is gone
    ],
)
def test_interface_verdicts(admin, oper, ok):
    assert evaluate_interface(admin, oper).ok is ok


def test_the_verdict_names_the_statuses():
    assert evaluate_interface(UP, LOWER_DOWN).detail == {"admin": "up", "oper": "lower_layer_down"}
    assert evaluate_interface(None, None).detail["missing"] is True


def test_an_uplink_going_down_raises_one_ticket_and_admin_shutdown_settles_it():
    states: dict[str, CheckState] = {}
    policy = CheckPolicy(fail_threshold=2, recover_threshold=2)
    readings = [(UP, UP), (UP, DOWN), (UP, DOWN), (UP, DOWN), (DOWN, DOWN), (DOWN, DOWN)]
    transitions = []
    for i, (admin, oper) in enumerate(readings):
        results = {"snmp": True, "interface:3": evaluate_interface(admin, oper)}
        states, new = observe_target(states, results, T0 + i * MINUTE, policy)
        transitions += [t for t in new if t.check == "interface:3"]
    assert [(t.old, t.new, ticket_action(t)) for t in transitions] == [
        (Status.UNKNOWN, Status.UP, TicketAction.NONE),
        (Status.UP, Status.DOWN, TicketAction.OPEN),
        (Status.DOWN, Status.UP, TicketAction.RESOLVE),  # a technician shut the port: not a fault
    ]


def test_testing_keeps_the_interface_as_it_was():
    states, _ = observe_target({}, {"interface:3": evaluate_interface(UP, UP)}, T0, CheckPolicy(fail_threshold=1))
    states, transitions = observe_target(
        states, {"interface:3": evaluate_interface(UP, TESTING)}, T0 + MINUTE, CheckPolicy(fail_threshold=1)
    )
    assert (states["interface:3"].status, transitions) == (Status.UP, [])


def test_no_data_is_not_a_failure():
    states, _ = observe_target({}, {"interface:3": True}, T0, CheckPolicy(fail_threshold=1))
    states, transitions = observe_target(
        states, {"snmp": False, "interface:3": None}, T0 + MINUTE, CheckPolicy(fail_threshold=1)
    )
    assert states["interface:3"].status == Status.UP
    assert [t.check for t in transitions] == ["snmp"]


# -- names and configuration -----------------------------------------------------------


def test_check_names_round_trip():
    for name in ("icmp", "snmp", "rtt", "loss", "reboot", "interface:3", "if_errors:10101"):
        kind, if_index = parse_check(name)
        assert check_name(kind, if_index) == name
    assert parse_check("interface:3") == (CheckKind.INTERFACE, 3)


@pytest.mark.parametrize("name", ["ping", "interface", "interface:x", "interface:0", "icmp:1", "interface:03"])
def test_it_rejects_what_is_not_a_check_name(name):
    with pytest.raises(ValueError):
        parse_check(name)


def test_the_configured_checks_reachability_first():
    config = TargetConfig(
        interfaces=(1, 24),
        icmp_thresholds=IcmpThresholds(max_rtt_ms=100),
        error_thresholds=ErrorThresholds(max_per_second=1),
    )
    assert config.checks() == (
        "icmp",
        "snmp",
        "rtt",
        "reboot",
        "interface:1",
        "if_errors:1",
        "interface:24",
        "if_errors:24",
    )
    assert TargetConfig(snmp=False, interfaces=(1,)).checks() == ("icmp",)
    assert TargetConfig().interval == timedelta(seconds=60)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interval": timedelta(0)},
        {"retries": -1},
        {"timeout": timedelta(seconds=30), "retries": 2},  # 90 s of trying in a 60 s interval
        {"interfaces": (0,)},
        {"interfaces": (2, 2)},
    ],
)
def test_it_rejects_a_nonsensical_target_config(kwargs):
    with pytest.raises(ValueError):
        TargetConfig(**kwargs)
