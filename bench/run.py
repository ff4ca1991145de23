"""`make bench`: run every benchmark in one go and write ``bench/RESULTS.md``.

    python -m bench [--quick] [--budget SECONDS] [--only icmp,snmp,engine,reports,web,db,soak] [--soak-minutes M]

Order: the machine; the network namespaces (`bench.netns`); ICMP at 1,000 and 10,000
hosts, ours and fping alternating on the same lists, plus a concurrency sweep; SNMP at 200
and 1,000 devices, ours and net-snmp's CLI on the same agents (`bench.snmp`); the pure
engine (`bench.engine`); the quarterly report at 100,000 tickets and 500,000 corrective actions
in a throw-away SQLite database (`bench.reports`); the web pages under 20 clients against gunicorn on SQLite
and on PostgreSQL (`bench.web`). Every step runs in a child process with a time limit taken from
the overall budget (default 2400 s: the PostgreSQL step alone may take 15 minutes); a step that
would not fit is skipped and says so.
The namespaces and everything started inside them are removed at the end, also on Ctrl-C
and SIGTERM. Raw outputs go to ``bench/out/`` (gitignored).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import icmp, machine, proc, report
from bench.netns import BenchNet, NetnsUnavailable, bench_namespaces, describe
from bench.proc import BenchTimeout, run_measured

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
PY = sys.executable

# The configuration of our side. Chosen by the sweep (see RESULTS.md), not per run.
ICMP_TIMEOUT_S = 1.0
ICMP_CONCURRENCY = 2000
ICMP_SWEEP = (250, 500, 1000, 2000, 5000)
SNMP_PROCESSES = 2
SNMP_CONCURRENCY = 16
PEER_PARALLEL = 16
SNMP_TUNING = ("1x16", "2x8", "2x32", "3x16", "4x16")  # processes x concurrency, besides the 2x16 above
MONITORED = ("sbe1", "sbe3")  # the two monitored interfaces of every device (one up, one down)
SWEEP = ("sbe1", "sbe3", "sbe5", "sbe7")  # 0, 1, 2, 4 of these in the varbind sweep
ROOT_NS_SNMP_PORT = 16161  # the agents' port when there is no bench namespace
DISCOVERY_REPEAT = 3  # full cycles of system group + interface tables, each side
# The web step (bench.web): gunicorn with the image's configuration on 2 cores — 3 sync workers (one more than
# the cores: one computes while another waits on the database); 20 clients pausing WEB_THINK_S on average after
# each answer; per page at most WEB_REQUESTS or WEB_SECONDS; then WEB_CAPACITY_REQUESTS with no pause.
WEB_WORKERS, WEB_CLIENTS, WEB_THINK_S = 3, 20, 1.0
WEB_REQUESTS, WEB_SECONDS, WEB_CAPACITY_REQUESTS = 400, 60, 300
WEB_DATABASES = ("sqlite", "postgres")


class Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def timeout(self, wanted: float) -> float:
        left = self.left()
        if left < min(wanted, 15):
            raise BenchTimeout(f"skipped: {left:.0f} s left of the time budget")
        return min(wanted, left)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the `finally` that removes the namespaces


def _run_json(cmd: list[str], timeout: float) -> dict:
    m = run_measured(cmd, timeout=timeout, cwd=REPO)
    if m.returncode != 0:
        raise RuntimeError(f"exit {m.returncode}: {m.stderr.strip()[-1500:]}")
    result = m.json()
    result["_process"] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "maxrss_kb": m.maxrss_kb}
    return result


def _guarded(results: dict, key: str, fn, *args) -> None:
    """Run one step; a failure is recorded (and shown in RESULTS.md), never fatal.
    Each step first waits (bounded) for the machine to be quiet: it is shared."""
    idle, waited = machine.wait_until_quiet(limit_s=20.0)
    results.setdefault("quiet", {})[key] = {"idle": idle, "waited_s": waited}
    _log(f"{key} … (machine {idle:.0%} idle, waited {waited:.0f} s)")
    started = time.monotonic()
    try:
        results[key] = fn(*args)
    except (Exception, BenchTimeout) as exc:  # noqa: BLE001 - every failure is reported
        results[key] = {"error": f"{exc.__class__.__name__}: {exc}"}
        (BENCH / "out" / f"{key.replace('/', '-')}.error.txt").write_text(traceback.format_exc())
        _log(f"{key} failed: {exc}")
    _log(f"{key} done in {time.monotonic() - started:.1f} s")


# -- ICMP --------------------------------------------------------------------------------


def icmp_size(net: BenchNet, n: int, repeat: int, budget: Budget) -> dict:
    targets = icmp.write_targets(BENCH / "out", n, with_silent=net.has_silent_hosts)
    ours_cmd = [*net.exec_prefix, PY, "-m", "bench.icmp", "--targets", str(targets), "--repeat", str(repeat),
                "--concurrency", str(ICMP_CONCURRENCY), "--timeout", str(ICMP_TIMEOUT_S), "--engine"]  # fmt: skip
    ours = _run_json(ours_cmd, budget.timeout(60 + 10 * repeat))
    peer = [icmp.run_fping(net.exec_prefix, targets, timeout=budget.timeout(30 + n / 500)) for _ in range(repeat)]
    return {"targets": n, "silent": n // icmp.SILENT_EVERY if net.has_silent_hosts else 0, "ours": ours, "fping": peer}


def icmp_sweep(net: BenchNet, n: int, budget: Budget) -> dict:
    targets = BENCH / "out" / f"icmp-{n}.json"
    if not targets.exists():
        icmp.write_targets(BENCH / "out", n, with_silent=net.has_silent_hosts)
    rows = {}
    for c in ICMP_SWEEP:
        cmd = [*net.exec_prefix, PY, "-m", "bench.icmp", "--targets", str(targets), "--repeat", "2",
               "--concurrency", str(c), "--timeout", str(ICMP_TIMEOUT_S)]  # fmt: skip
        try:
            rows[str(c)] = _run_json(cmd, budget.timeout(60))
        except (Exception, BenchTimeout) as exc:  # noqa: BLE001
            rows[str(c)] = {"error": f"{exc.__class__.__name__}: {exc}"}
    return rows


# -- SNMP ---------------------------------------------------------------------------------


def snmp_all(net: BenchNet, sizes: list[int], repeat: int, budget: Budget) -> dict:
    if net.probe:
        by_name = {i["ifname"]: i["ifindex"] for i in net.interfaces}
        monitored = {m: by_name[m] for m in MONITORED}
        sweep = [by_name[m] for m in SWEEP]
        port = 161
    else:
        # No namespaces: the agents serve the root namespace's own interfaces, on a port
        # nobody else uses here (their devices are still 127.20.x addresses on loopback).
        links = json.loads(subprocess.run(["ip", "-j", "link", "show"], capture_output=True, text=True,
                                          timeout=15, check=True).stdout)  # fmt: skip
        monitored = {link["ifname"]: link["ifindex"] for link in links[:2]}
        sweep = [link["ifindex"] for link in links[:4]]
        port = ROOT_NS_SNMP_PORT
    cmd = [*net.exec_prefix, PY, "-m", "bench.snmp", "--sizes", ",".join(map(str, sizes)),
           "--interfaces", ",".join(map(str, monitored.values())), "--workdir", str(BENCH / "out" / "agents"),
           "--processes", str(SNMP_PROCESSES), "--concurrency", str(SNMP_CONCURRENCY),
           "--repeat", str(repeat), "--peer-parallel", str(PEER_PARALLEL), "--walk-peer",
           "--sweep-interfaces", ",".join(map(str, sweep)), "--sweep-devices", str(min(500, max(sizes))),
           "--port", str(port), "--tuning", ",".join(SNMP_TUNING),
           "--discovery-sizes", ",".join(map(str, sizes)), "--discovery-repeat", str(DISCOVERY_REPEAT)]  # fmt: skip
    result = _run_json(cmd, budget.timeout(360))
    result["monitored"] = monitored
    return result


def engine(budget: Budget, n: int) -> dict:
    return _run_json([PY, "-m", "bench.engine", "--targets", str(n), "--cycles", "5"], budget.timeout(120))


def reports(budget: Budget, tickets: int, actions: int) -> dict:
    cmd = [PY, "-m", "bench.reports", "--tickets", str(tickets), "--actions", str(actions), "--repeat", "3"]
    return _run_json(cmd, budget.timeout(300))


def db_scale(budget: Budget, quick: bool) -> dict:
    """PostgreSQL at scale (`bench.db`): a throw-away database on 127.0.0.1:5432; fails (and says why) if none."""
    small = ["--tickets", "10000", "--actions", "50000", "--assets", "4000", "--targets", "2000",
             "--sample-hours", "6", "--partition-hours", "2"]  # fmt: skip
    return _run_json([PY, "-m", "bench.db", *(small if quick else [])], budget.timeout(900))


def web(budget: Budget, db: str, tickets: int, actions: int, assets: int, quick: bool) -> dict:
    cmd = [PY, "-m", "bench.web", "--db", db, "--tickets", str(tickets), "--actions", str(actions),
           "--assets", str(assets), "--clients", str(WEB_CLIENTS), "--workers", str(WEB_WORKERS),
           "--think", str(WEB_THINK_S),
           "--requests", str(100 if quick else WEB_REQUESTS), "--seconds", str(10 if quick else WEB_SECONDS),
           "--capacity-requests", str(100 if quick else WEB_CAPACITY_REQUESTS)]  # fmt: skip
    return _run_json(cmd, budget.timeout(600))


def soak(minutes: float, targets: int) -> dict:
    """The bounded soak of a real `manage.py poll` (`bench.soak`). Its own time limit, not the
    overall budget's: a 30-minute soak is the point of the step (`--soak-minutes`)."""
    cmd = [PY, "-m", "bench.soak", "--minutes", str(minutes), "--targets", str(targets)]
    return _run_json(cmd, minutes * 60 + 600)


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke test of the harness")
    parser.add_argument("--budget", type=float, default=2400, help="overall time limit in seconds (default 2400)")
    parser.add_argument(
        "--only",
        default="icmp,snmp,engine,reports,web,db,soak",
        help="comma-separated: icmp, sweep, snmp, engine, reports, web, db, soak",
    )
    parser.add_argument(
        "--soak-minutes", type=float, default=None, help="length of the poller soak (default 30; 2 with --quick)"
    )
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--no-netns", action="store_true", help="run as if namespaces were not permitted")
    args = parser.parse_args(argv)
    steps = set(args.only.split(","))
    if "icmp" in steps:
        steps.add("sweep")
    budget = Budget(max(60.0, min(args.budget, 3600.0)))
    repeat = 1 if args.quick else 3  # ICMP cycles (a fping run of 10,000 hosts takes 12 s)
    snmp_repeat = 1 if args.quick else 8  # SNMP cycles are short, and the machine is shared: more samples
    icmp_sizes = [100, 1000] if args.quick else [1000, 10_000]
    snmp_sizes = [20, 100] if args.quick else [200, 1000]
    report_sizes = (10_000, 50_000) if args.quick else (100_000, 500_000)  # tickets, corrective actions
    web_sizes = (10_000, 50_000, 4_000) if args.quick else (100_000, 500_000, 20_000)  # tickets, actions, assets

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    # Ctrl-C raises KeyboardInterrupt even when started from a script that ignores SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    (BENCH / "out").mkdir(exist_ok=True)
    started = time.monotonic()
    results: dict = {"machine": machine.describe(REPO), "quick": args.quick}
    _log(f"machine: {results['machine']['cpu']}, {results['machine']['cores']}; waiting for it to be quiet …")
    idle, waited = machine.wait_until_quiet(limit_s=min(60.0, budget.left() / 10))
    results["load"] = {"idle_before": idle, "waited_s": waited, "loadavg_before": machine.loadavg()}
    busy0, total0 = machine.cpu_times()
    ours0 = proc.children_cpu_s() + proc.self_cpu_s()
    _log(f"machine {idle:.0%} idle (waited {waited:.0f} s); load {results['load']['loadavg_before']}")
    results["config"] = {
        "icmp_timeout_s": ICMP_TIMEOUT_S,
        "icmp_concurrency": ICMP_CONCURRENCY,
        "icmp_sweep": list(ICMP_SWEEP),
        "snmp_processes": SNMP_PROCESSES,
        "snmp_concurrency": SNMP_CONCURRENCY,
        "peer_parallel": PEER_PARALLEL,
        "snmp_tuning": list(SNMP_TUNING),
        "repeat": repeat,
        "snmp_repeat": snmp_repeat,
        "icmp_sizes": icmp_sizes,
        "snmp_sizes": snmp_sizes,
        "report_sizes": list(report_sizes),
        "discovery_repeat": DISCOVERY_REPEAT,
        "web_sizes": list(web_sizes),
        "web": {
            "workers": WEB_WORKERS,
            "clients": WEB_CLIENTS,
            "think_s": WEB_THINK_S,
            "requests": WEB_REQUESTS,
            "seconds": WEB_SECONDS,
            "capacity_requests": WEB_CAPACITY_REQUESTS,
            "databases": list(WEB_DATABASES),
        },
    }

    def body(net: BenchNet) -> None:
        results["network"] = describe(net)
        results["namespaces"] = bool(net.probe)
        if "icmp" in steps:
            for n in icmp_sizes:
                _guarded(results, f"icmp/{n}", icmp_size, net, n, repeat, budget)
        if "sweep" in steps:
            _guarded(results, "icmp_sweep", icmp_sweep, net, icmp_sizes[-1], budget)
        if "snmp" in steps:
            _guarded(results, "snmp", snmp_all, net, snmp_sizes, snmp_repeat, budget)

    try:
        if steps & {"icmp", "sweep", "snmp"}:  # only the network steps need the namespaces
            try:
                if args.no_netns:
                    raise NetnsUnavailable("--no-netns")
                with bench_namespaces() as net:
                    body(net)
            except NetnsUnavailable as exc:
                _log(f"network namespaces not permitted ({exc}); running the all-answering variant")
                results["namespace_error"] = str(exc)
                body(BenchNet(probe=None))
        if "engine" in steps:
            _guarded(results, "engine", engine, budget, 10_000)
        if "reports" in steps:
            _guarded(results, "reports", reports, budget, *report_sizes)
        if "web" in steps:
            for db in WEB_DATABASES:
                _guarded(results, f"web/{db}", web, budget, db, *web_sizes, args.quick)
        if "db" in steps:
            _guarded(results, "db", db_scale, budget, args.quick)
        if "soak" in steps:  # last: the longest step, outside the budget (see `soak`)
            minutes = args.soak_minutes or (2.0 if args.quick else 30.0)
            _guarded(results, "soak", soak, minutes, 10_000)
    finally:
        results["elapsed_s"] = time.monotonic() - started
        busy1, total1 = machine.cpu_times()
        ours = proc.children_cpu_s() + proc.self_cpu_s() - ours0
        results["load"].update(
            loadavg_after=machine.loadavg(),
            machine_busy_s=busy1 - busy0,
            bench_cpu_s=ours,
            # what else ran meanwhile (other users, the kernel's own work for our packets is in "busy" too)
            other_cpu_s=max(0.0, (busy1 - busy0) - ours),
            capacity_s=total1 - total0,
        )
        (BENCH / "out" / "results.json").write_text(json.dumps(results, indent=1, default=str))
    args.results.write_text(report.render(results))
    _log(f"wrote {args.results.relative_to(REPO) if args.results.is_relative_to(REPO) else args.results} "
         f"in {results['elapsed_s']:.0f} s")  # fmt: skip
    print(report.summary(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
