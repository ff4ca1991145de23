"""ICMP: one echo per host, our prober (`netmon.probes.icmp.ping_many`) against fping.

Both run inside the bench's probe namespace on the same list, in the same order: every
tenth host is silent (198.19.x, behind the dead veth), the others are 127.x addresses
that the namespace's own loopback answers.

Run as a worker (inside the namespace) by `bench.run`::

    python -m bench.icmp --targets FILE --repeat N --concurrency C --timeout S [--engine]

It prints one JSON line: per-cycle wall and CPU, what answered, and the process's peak
RSS (and, with ``--engine``, the time to feed the last cycle through `netmon.engine`).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.machine import cpu_times
from bench.netns import loopback_address, silent_address
from bench.proc import Measured, maxrss_kb, rss_kb, run_measured, self_cpu_s

SILENT_EVERY = 10  # every tenth host is silent: 10 %


def target_list(n: int, *, with_silent: bool) -> tuple[list[str], list[str]]:
    """`n` addresses in probe order and the silent ones among them."""
    addresses, silent = [], []
    answering = dead = 0
    for i in range(n):
        if with_silent and i % SILENT_EVERY == SILENT_EVERY - 1:
            address = silent_address(dead)
            dead += 1
            silent.append(address)
        else:
            address = loopback_address(answering)
            answering += 1
        addresses.append(address)
    return addresses, silent


def write_targets(out: Path, n: int, *, with_silent: bool) -> Path:
    addresses, silent = target_list(n, with_silent=with_silent)
    path = out / f"icmp-{n}.json"
    path.write_text(json.dumps({"addresses": addresses, "silent": silent}))
    (out / f"icmp-{n}.txt").write_text("\n".join(addresses) + "\n")
    return path


# -- the peer: fping --------------------------------------------------------------------

_FPING_LINE = re.compile(r"^(\S+)\s+:\s+xmt/rcv/%loss = (\d+)/(\d+)/")
FPING_ARGS = ("-c1", "-i1")  # one echo per host, the fastest pacing fping allows


def run_fping(exec_prefix: list[str], targets_json: Path, *, timeout: float) -> dict:
    """One `fping -c1 -i1` cycle over the list (its timeout in count mode is its period,
    1,000 ms by default: the same as ours). Wall and CPU are fping's own (wait4)."""
    spec = json.loads(targets_json.read_text())
    txt = targets_json.with_suffix(".txt")
    m: Measured = run_measured([*exec_prefix, "fping", *FPING_ARGS, "-q", "-f", str(txt)], timeout=timeout)
    answered = set()
    seen = 0
    for line in m.stderr.splitlines():
        match = _FPING_LINE.match(line.strip())
        if match:
            seen += 1
            if int(match.group(3)) > 0:
                answered.add(match.group(1))
    return _verdict(spec, answered, seen) | {
        "wall_s": m.wall_s,
        "cpu_s": m.cpu_s,
        "maxrss_kb": m.maxrss_kb,
        "returncode": m.returncode,
        "command": " ".join(["fping", *FPING_ARGS, "-q", "-f", txt.name]),
    }


def _verdict(spec: dict, answered: set[str], reported: int) -> dict:
    silent = set(spec["silent"])
    expected = set(spec["addresses"]) - silent
    return {
        "targets": len(spec["addresses"]),
        "reported": reported,
        "answered": len(answered),
        "expected_answered": len(expected),
        "missed": len(expected - answered),  # should have answered, did not
        "false_alive": len(answered & silent),  # silent, reported alive
        "correct": answered == expected and reported == len(spec["addresses"]),
    }


# -- ours: the worker --------------------------------------------------------------------


def _engine_pass(results: dict) -> dict:
    """Feed one cycle's results through the engine for every target, keeping every
    target's state (what the poller process holds between cycles)."""
    from netmon.engine import CheckPolicy, IcmpSample, evaluate_icmp, observe_target

    policy = CheckPolicy()
    states: dict[str, dict] = {}
    now = datetime.now(UTC)
    started = time.perf_counter()
    transitions = 0
    for cycle in range(3):
        at = now + timedelta(seconds=60 * cycle)
        for address, r in results.items():
            sample = IcmpSample(sent=r.sent, received=r.received, rtt_avg_ms=r.rtt_avg_ms, rtt_max_ms=r.rtt_max_ms)
            states[address], emitted = observe_target(states.get(address, {}), evaluate_icmp(sample), at, policy)
            transitions += len(emitted)
    return {"targets": len(results), "cycles": 3, "wall_s": time.perf_counter() - started, "transitions": transitions}


def worker(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.icmp")
    parser.add_argument("--targets", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--engine", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 10:
        parser.error("--repeat must be 1..10")

    rss_start = rss_kb()
    from netmon.probes.icmp import ping_many

    spec = json.loads(args.targets.read_text())
    addresses = spec["addresses"]
    rss_ready = rss_kb()
    privileged = True if os.geteuid() == 0 else None  # raw sockets as root; else what is allowed
    kwargs = {"count": 1, "timeout": args.timeout, "concurrency": args.concurrency, "privileged": privileged}
    if args.rate is not None:
        kwargs["rate"] = args.rate
    runs = []
    results: dict = {}
    for _ in range(args.repeat):
        cpu0, busy0 = self_cpu_s(), cpu_times()[0]
        t0 = time.perf_counter()
        results = ping_many(addresses, **kwargs)
        if inspect.isawaitable(results):
            results = asyncio.run(results)
        wall = time.perf_counter() - t0
        cpu = self_cpu_s() - cpu0
        other = max(0.0, cpu_times()[0] - busy0 - cpu)  # other processes, and the kernel's softirq work
        answered = {a for a, r in results.items() if r.received > 0}
        errors = [f"{a}: {r.error}" for a, r in results.items() if r.error]
        runs.append(
            _verdict(spec, answered, len(results))
            | {"wall_s": wall, "cpu_s": cpu, "other_cpu_s": other, "errors": len(errors), "error_samples": errors[:5]}
        )
    report = {
        "kwargs": kwargs,
        "runs": runs,
        "rss_start_kb": rss_start,
        "rss_ready_kb": rss_ready,
        "rss_after_cycles_kb": rss_kb(),
        "maxrss_kb": maxrss_kb(),
    }
    if args.engine:
        report["engine"] = _engine_pass(results)
        report["maxrss_with_engine_kb"] = maxrss_kb()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(worker())
