"""The pure engine: `netmon.engine.observe_target` over 10,000 targets' results, no I/O.

Each target has the checks a polled switch has: ``icmp``, ``snmp``, ``reboot`` and two
monitored interfaces. Results are built before the clock starts (what the probes hand
over); the timed loop is only `observe_target`, cycle after cycle, with every target's
state kept between cycles as the poller keeps it. Every tenth target fails from the second
cycle on, so hysteresis counts, DOWN transitions and UNREACHABLE all happen.

    python -m bench.engine --targets 10000 --cycles 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime, timedelta

from bench.proc import maxrss_kb, self_cpu_s


def run(n: int, cycles: int) -> dict:
    from netmon.engine import (
        CheckPolicy,
        IcmpSample,
        check_name,
        evaluate_icmp,
        evaluate_interface,
        evaluate_reboot,
        observe_target,
    )

    policy = CheckPolicy()
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    states: list[dict] = [{} for _ in range(n)]
    per_cycle = []
    transitions = 0
    checks = 0
    for cycle in range(cycles):
        now = start + timedelta(minutes=cycle)
        batch = []
        for t in range(n):
            failing = cycle > 0 and t % 10 == 9
            if failing:
                results = {**evaluate_icmp(IcmpSample(1, 0)), "snmp": False}
            else:
                results = {
                    **evaluate_icmp(IcmpSample(1, 1, 0.3, 0.3)),
                    "snmp": True,
                    "reboot": evaluate_reboot(states[t].get("reboot"), 100 * 3600 + 6000 * cycle, now),
                    check_name("interface", 1): evaluate_interface(1, 1),
                    check_name("interface", 2): evaluate_interface(1, 2 if t % 50 == 0 else 1),
                }
            batch.append(results)
            checks += len(results)
        cpu0 = self_cpu_s()
        t0 = time.perf_counter()
        for t, results in enumerate(batch):
            states[t], emitted = observe_target(states[t], results, now, policy)
            transitions += len(emitted)
        wall = time.perf_counter() - t0
        per_cycle.append({"wall_s": wall, "cpu_s": self_cpu_s() - cpu0})
    steady = sorted(c["wall_s"] for c in per_cycle[1:]) or [per_cycle[0]["wall_s"]]
    median = steady[len(steady) // 2]
    return {
        "targets": n,
        "cycles": cycles,
        "checks_per_cycle": checks / cycles,
        "per_cycle": per_cycle,
        "median_cycle_s": median,
        "targets_per_s": n / median,
        "us_per_target": 1e6 * median / n,
        "transitions": transitions,
        "maxrss_kb": maxrss_kb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.engine")
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=5)
    args = parser.parse_args(argv)
    if not (1 <= args.targets <= 200_000 and 2 <= args.cycles <= 20):
        parser.error("--targets 1..200000, --cycles 2..20")
    print(json.dumps(run(args.targets, args.cycles)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
