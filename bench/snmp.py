"""SNMP: a full poll cycle of N devices, ours (`netmon.probes.snmp`) against net-snmp's CLI.

Runs inside the bench's probe namespace (``bench.run`` starts it with ``ip netns exec``),
starts the snmpd fleet there (`bench.agents`), and for each size:

- **ours**: `--processes` worker processes (spawned, imports and client set-up before the
  clock starts, like a long-running poller), the devices dealt round-robin between them,
  one asyncio loop and one `SnmpClient` each. A barrier starts every phase in all of them
  at once: first discovery (measured on its own), then `--repeat` poll cycles — sysUpTime
  plus the monitored interfaces, by instance. A phase's wall is from the barrier to the
  last process done; its CPU is the sum over the processes.
- **peer** (LibreNMS-style): one `snmpget` process per device, `--peer-parallel` at a
  time, GETting the same OIDs in one request. Its CPU is the snmpget processes' (rusage
  of reaped children); the Python dispatcher's own CPU is reported apart.

The agents' CPU is read from /proc around every phase. Prints one JSON line.

    python -m bench.snmp --sizes 200,1000 --interfaces 3,5 --workdir DIR
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from bench.agents import COMMUNITY, SYS_UPTIME, Device, Fleet, snmpd_fleet
from bench.machine import cpu_times, wait_until_quiet
from bench.proc import children_cpu_s, maxrss_kb, self_cpu_s

BARRIER_TIMEOUT_S = 120
QUIET_WAIT_S = 8  # before each measurement, wait at most this long for the shared machine to be idle
PEER_CALL_TIMEOUT_S = 30


def poll_columns() -> dict[str, str]:
    """The interface columns one poll of ours GETs per monitored interface, read from the
    probe itself so that the peer always asks for exactly the same varbinds."""
    from netmon.probes import snmp as probe

    return {name: ".".join(map(str, oid)) for name, oid in probe._POLL_COLUMNS.items()}


def poll_oids(interfaces: list[int], columns: dict[str, str]) -> list[str]:
    return [SYS_UPTIME] + [f"{oid}.{i}" for i in interfaces for oid in columns.values()]


# -- ours ---------------------------------------------------------------------------------


def _summarise_poll(results: list, monitored: list[int], timeout_ms: float) -> dict:
    """How many devices answered, and answered completely: sysUpTime and, for every
    monitored interface, its status and counters."""
    ok = [r for r in results if r.ok]
    complete = sum(
        1
        for r in ok
        if r.uptime_ticks is not None
        and all(
            i in r.interfaces and r.interfaces[i].present and r.interfaces[i].oper is not None
            and r.interfaces[i].in_octets is not None
            for i in monitored
        )
    )  # fmt: skip
    errors = [f"{r.address}: {r.error} {r.detail or ''}".strip() for r in results if not r.ok]
    return {
        "n": len(results),
        "ok": len(ok),
        "complete": complete,
        "errors": len(errors),
        "error_samples": errors[:5],
        "slowest_ms": max((r.elapsed_ms for r in results), default=0.0),
        "slow": sum(1 for r in results if r.elapsed_ms > timeout_ms),  # waited for a retry
    }


def _summarise_discovery(found: list, monitored: list[int]) -> dict:
    ok = [d for d in found if d.ok]
    interfaces = [len(d.interfaces) for d in ok]
    errors = [f"{d.address}: {d.error} {d.detail or ''}".strip() for d in found if not d.ok]
    columns = _discovery_columns()
    return {
        "n": len(found),
        "ok": len(ok),
        "complete": sum(1 for d in ok if all(i in d.interfaces for i in monitored)),
        "interfaces_per_device": (sum(interfaces) / len(interfaces)) if interfaces else 0,
        # values read: the system scalars, every discovery column of every interface, the processors
        "values": sum(len(_DISCOVERY_SYSTEM) + columns * len(d.interfaces) + len(d.processors) for d in ok),
        "errors": len(errors),
        "error_samples": errors[:5],
    }


_DISCOVERY_SYSTEM = ("sysDescr", "sysObjectID", "sysUpTime", "sysContact", "sysName", "sysLocation")


def _discovery_columns() -> int:
    """How many interface columns discovery reads (the probe's `_DISCOVERY_COLUMNS` but the processors')."""
    from netmon.probes import snmp as probe

    return len([name for name in probe._DISCOVERY_COLUMNS if name != "cpu"])


def _ours_process(index: int, devices: list[dict], cfg: dict, barrier, queue) -> None:
    """One poller process: set up, then discovery and `repeat` poll cycles, each started
    by the barrier. Puts one report on `queue` (or the error)."""
    report: dict = {"index": index, "devices": len(devices), "phases": []}
    try:
        from netmon.probes.snmp import SnmpClient, SnmpTarget, SnmpV2c

        credentials = SnmpV2c(COMMUNITY)
        monitored = list(cfg["interfaces"])
        targets = [
            SnmpTarget(
                d["key"],
                d["address"],
                credentials,
                port=d["port"],
                timeout=cfg["timeout"],
                retries=cfg["retries"],
                interfaces=tuple(cfg["interfaces"]),
            )  # fmt: skip
            for d in devices
        ]

        async def wait_barrier() -> None:
            await asyncio.get_running_loop().run_in_executor(None, barrier.wait, BARRIER_TIMEOUT_S)

        async def main() -> None:
            async with SnmpClient() as client:
                phases = [cfg.get("first", "discover")] + [cfg.get("cycle", "poll")] * cfg["repeat"]
                for name in phases:
                    await wait_barrier()  # every process starts the phase together
                    cpu0, t0 = self_cpu_s(), time.monotonic()
                    if name == "discover":  # as netmon.cycle does it: the poller's SNMP concurrency
                        found = await client.discover_many(targets, concurrency=cfg["concurrency"])
                        summary = _summarise_discovery(found, monitored)
                    else:  # a "warm-up" phase is a poll too
                        results = await client.poll_many(targets, concurrency=cfg["concurrency"])
                        summary = _summarise_poll(results, monitored, 1000 * cfg["timeout"])
                    t1, cpu1 = time.monotonic(), self_cpu_s()
                    report["phases"].append({"phase": name, "start": t0, "end": t1, "cpu_s": cpu1 - cpu0, **summary})
                    await wait_barrier()  # the phase is over everywhere (the coordinator may run the peer now)

        asyncio.run(main())
    except BaseException as exc:  # noqa: BLE001 - reported to the coordinator, which decides
        report["error"] = f"{exc.__class__.__name__}: {exc}"
        report["traceback"] = traceback.format_exc()[-3000:]
        barrier.abort()
    report["maxrss_kb"] = maxrss_kb()
    queue.put(report)


def run_ours(devices: list[Device], fleet: Fleet, cfg: dict, between=None) -> dict:
    """Our poll in `cfg["processes"]` processes. `between()`, if given, runs after each
    poll cycle while our processes wait: the peer's cycles interleave with ours, so a
    disturbance on the shared machine falls on both alike."""
    n_proc = cfg["processes"]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(n_proc + 1)
    queue = ctx.Queue()
    shards = [[asdict(d) for d in devices[i::n_proc]] for i in range(n_proc)]
    procs = [ctx.Process(target=_ours_process, args=(i, shards[i], cfg, barrier, queue)) for i in range(n_proc)]
    for p in procs:
        p.start()
    agent_cpu: list[float] = []
    machine_busy: list[float] = []
    error = None
    try:
        for k in range(cfg["repeat"] + 1):  # the first phase (discovery or a warm-up), then each poll
            for _ in ("start", "end"):
                barrier.wait(BARRIER_TIMEOUT_S)
                agent_cpu.append(fleet.cpu_s())
                machine_busy.append(cpu_times()[0])
            if between is not None and k > 0:
                between()
    except Exception as exc:  # a worker aborted the barrier, or it timed out
        error = f"barrier: {exc.__class__.__name__}: {exc}"
    reports = []
    deadline = time.monotonic() + 60
    while len(reports) < n_proc and time.monotonic() < deadline:
        try:
            reports.append(queue.get(timeout=max(0.1, deadline - time.monotonic())))
        except Exception:
            break
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.terminate()
            p.join(5)
    failures = [r for r in reports if "error" in r]
    if failures or len(reports) < n_proc or error:
        return {
            "error": error or "worker failed",
            "workers": [{k: r.get(k) for k in ("index", "error", "traceback")} for r in failures],
        }
    phases = []
    for k in range(cfg["repeat"] + 1):
        parts = [r["phases"][k] for r in reports]
        start, end = min(p["start"] for p in parts), max(p["end"] for p in parts)
        merged = {
            "phase": parts[0]["phase"],
            "wall_s": end - start,
            "cpu_s": sum(p["cpu_s"] for p in parts),
            "per_process_wall_s": [p["end"] - p["start"] for p in parts],
            "agent_cpu_s": agent_cpu[2 * k + 1] - agent_cpu[2 * k],
            "machine_busy_s": machine_busy[2 * k + 1] - machine_busy[2 * k],
        }
        if merged["machine_busy_s"] is not None:  # what else ran on the 2 cores meanwhile
            merged["other_cpu_s"] = max(0.0, merged["machine_busy_s"] - merged["cpu_s"] - merged["agent_cpu_s"])
        for key in ("n", "ok", "complete", "errors", "slow"):
            if key in parts[0]:
                merged[key] = sum(p.get(key, 0) for p in parts)
        if "slowest_ms" in parts[0]:
            merged["slowest_ms"] = max(p["slowest_ms"] for p in parts)
        if "interfaces_per_device" in parts[0]:
            merged["interfaces_per_device"] = sum(p["interfaces_per_device"] for p in parts) / len(parts)
            merged["values"] = sum(p.get("values", 0) for p in parts)
        merged["error_samples"] = [s for p in parts for s in p.get("error_samples", [])][:5]
        phases.append(merged)
    return {
        "processes": n_proc,
        "concurrency": cfg["concurrency"],
        "first": phases[0]["phase"],
        "discover": phases[0],
        "polls": phases[1:],
        "maxrss_kb": max(r["maxrss_kb"] for r in reports),
        "maxrss_sum_kb": sum(r["maxrss_kb"] for r in reports),  # the poller's whole footprint
    }


# -- the peers: net-snmp CLI, one process per device -----------------------------------

# PERF.md's measured peer, what LibreNMS-style polling does every cycle: the system
# scalars, then whole ifTable/ifXTable columns walked — one net-snmp process per request.
WALK_SCALARS = [f"1.3.6.1.2.1.1.{i}.0" for i in range(1, 9)]  # sysDescr … sysServices, sysORLastChange
WALK_COLUMNS = ["1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.2.2.1.14"]


def _cli_base(device: Device, timeout: float, retries: int) -> list[str]:
    return ["-v2c", "-c", COMMUNITY, "-m", "", "-M", "/dev/null", "-On", "-Oqt", "-t", f"{timeout:g}",
            "-r", str(retries), f"udp:{device.address}:{device.port}"]  # fmt: skip


def peer_commands(device: Device, oids: list[str], timeout: float, retries: int) -> list[list[str]]:
    """The like-for-like peer: one snmpget with exactly our poll's OIDs."""
    return [["snmpget", *_cli_base(device, timeout, retries), *oids]]


def walk_commands(device: Device, _oids: list[str], timeout: float, retries: int) -> list[list[str]]:
    base = _cli_base(device, timeout, retries)
    return [["snmpget", *base, *WALK_SCALARS]] + [["snmpbulkwalk", *base, column] for column in WALK_COLUMNS]


# The LibreNMS way to read a device's system group and interfaces: one `snmpget` of the system
# group, then one `snmpbulkwalk` of the whole ifTable — two net-snmp processes per device.
IF_TABLE = "1.3.6.1.2.1.2.2"


def discovery_commands(device: Device, _oids: list[str], timeout: float, retries: int) -> list[list[str]]:
    base = _cli_base(device, timeout, retries)
    return [["snmpget", *base, *WALK_SCALARS], ["snmpbulkwalk", *base, IF_TABLE]]


RSS_SAMPLE_S = 0.02  # how often the peer's live processes' memory is read


def _rss_kb(pids: set[int]) -> tuple[int, int]:
    """Resident memory (sum, largest) of those of `pids` that are net-snmp programs by now (a child
    still between fork and exec has its parent's pages and is left out)."""
    total = top = 0
    for pid in list(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        lines = status.splitlines()
        if not lines or not lines[0].split()[-1].startswith("snmp"):
            continue
        for line in lines:
            if line.startswith("VmRSS:"):
                kb = int(line.split()[1])
                total, top = total + kb, max(top, kb)
                break
    return total, top


async def _peer_cycle(devices: list[Device], commands, oids: list[str], cfg: dict) -> dict:
    """Every device's commands in turn (a device's requests run one after another, as a
    per-device poller process would), `peer_parallel` devices at a time."""
    sem = asyncio.Semaphore(cfg["peer_parallel"])
    bad: list[str] = []
    values = 0
    live: set[int] = set()
    peak = {"sum": 0, "one": 0}

    async def sample_rss() -> None:  # the peer's memory: what its processes hold at once, sampled
        while True:
            total, top = _rss_kb(live)
            peak["sum"], peak["one"] = max(peak["sum"], total), max(peak["one"], top)
            await asyncio.sleep(RSS_SAMPLE_S)

    async def run(device: Device, argv: list[str]) -> bool:
        nonlocal values
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        live.add(proc.pid)
        try:
            out, err = await asyncio.wait_for(proc.communicate(), PEER_CALL_TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            bad.append(f"{device.address}: {argv[0]} killed after {PEER_CALL_TIMEOUT_S} s")
            return False
        finally:
            live.discard(proc.pid)
        lines = out.decode().splitlines()
        values += len(lines)
        expected = len(oids) if argv[0] == "snmpget" and argv[-1] == oids[-1] else None
        ok = (
            proc.returncode == 0
            and bool(lines)
            and (expected is None or len(lines) == expected)
            and not any("No Such" in ln for ln in lines)
        )
        if not ok:
            bad.append(
                f"{device.address}: {argv[0]} rc={proc.returncode} {(err.decode() or out.decode()).strip()[:120]}"
            )
        return ok

    async def one(device: Device) -> bool:
        async with sem:
            ok = True
            for argv in commands(device, oids, cfg["timeout"], cfg["retries"]):
                ok = await run(device, argv) and ok
            return ok

    sampler = asyncio.create_task(sample_rss())
    try:
        results = await asyncio.gather(*(one(d) for d in devices))
    finally:
        sampler.cancel()
    return {
        "n": len(devices),
        "ok": sum(results),
        "values": values,
        "rss_peak_sum_kb": peak["sum"],
        "rss_peak_one_kb": peak["one"],
        "errors": len(bad),
        "error_samples": bad[:5],
    }


def peer_cycle(devices: list[Device], fleet: Fleet, cfg: dict, commands=peer_commands) -> dict:
    """One measured cycle of a peer: its wall, its processes' CPU, the agents' and the rest."""
    oids = poll_oids(cfg["interfaces"], cfg["columns"])
    child0, self0, agent0, busy0 = children_cpu_s(), self_cpu_s(), fleet.cpu_s(), cpu_times()[0]
    t0 = time.perf_counter()
    summary = asyncio.run(_peer_cycle(devices, commands, oids, cfg))
    c = {
        "wall_s": time.perf_counter() - t0,
        "cpu_s": children_cpu_s() - child0,
        "dispatcher_cpu_s": self_cpu_s() - self0,
        "agent_cpu_s": fleet.cpu_s() - agent0,
        "machine_busy_s": cpu_times()[0] - busy0,
        **summary,
    }
    c["other_cpu_s"] = max(0.0, c["machine_busy_s"] - c["cpu_s"] - c["dispatcher_cpu_s"] - c["agent_cpu_s"])
    return c


def run_peer(
    devices: list[Device], fleet: Fleet, cfg: dict, *, commands=peer_commands, repeat: int | None = None, cycles=None
) -> dict:
    """The peer's cycles: `cycles` already measured (interleaved with ours), else `repeat` now."""
    oids = poll_oids(cfg["interfaces"], cfg["columns"])
    if cycles is None:
        cycles = [peer_cycle(devices, fleet, cfg, commands) for _ in range(repeat or cfg["repeat"])]
    sample = commands(devices[0], oids, cfg["timeout"], cfg["retries"])
    return {
        "parallel": cfg["peer_parallel"],
        "oids": len(oids),
        "processes_per_device": len(sample),
        "command": " ; ".join(" ".join(a if a else "''" for a in argv) for argv in sample),
        "polls": cycles,
    }


def varbind_sweep(devices: list[Device], fleet: Fleet, cfg: dict, candidates: list[int]) -> dict:
    """Our poll in one process with 0, 1, 2 and 4 monitored interfaces: what a varbind costs."""
    rows = {}
    for k in (0, 1, 2, 4):
        if k > len(candidates):
            continue
        sub = {**cfg, "interfaces": candidates[:k], "processes": 1, "repeat": 2, "first": "warm-up"}
        wait_until_quiet(limit_s=QUIET_WAIT_S)
        result = run_ours(devices, fleet, sub)
        if "error" in result:
            rows[str(k)] = result
            continue
        polls = result["polls"]
        rows[str(k)] = {
            "interfaces": k,
            "varbinds": len(poll_oids(candidates[:k], cfg["columns"])),
            "devices": len(devices),
            "wall_s": statistics.median(p["wall_s"] for p in polls),
            "cpu_s": statistics.median(p["cpu_s"] for p in polls),
            "ok": min(p["ok"] for p in polls),
            "complete": min(p["complete"] for p in polls),
        }
    return rows


def tuning_sweep(devices: list[Device], fleet: Fleet, cfg: dict, combos: list[tuple[int, int]]) -> dict:
    """Our poll with other (processes, concurrency): is there slack in either?"""
    rows = {}
    for processes, concurrency in combos:
        sub = {**cfg, "processes": processes, "concurrency": concurrency, "repeat": 2, "first": "warm-up"}
        wait_until_quiet(limit_s=QUIET_WAIT_S)
        result = run_ours(devices, fleet, sub)
        key = f"{processes}x{concurrency}"
        if "error" in result:
            rows[key] = result
            continue
        polls = result["polls"]
        rows[key] = {
            "processes": processes,
            "concurrency": concurrency,
            "devices": len(devices),
            "walls_s": [p["wall_s"] for p in polls],
            "cpu_s": statistics.median(p["cpu_s"] for p in polls),
            "other_cpu_s": statistics.median(p.get("other_cpu_s") or 0.0 for p in polls),
            "complete": min(p["complete"] for p in polls),
        }
    return rows


def discovery_scenario(fleet: Fleet, cfg: dict, sizes: list[int], repeat: int) -> dict:
    """Full cycles that read each device's system group and interface tables: ours through
    `SnmpClient.discover_many` (what `netmon.cycle` runs for a device due for discovery), the peer
    the LibreNMS way (`discovery_commands`), cycles taking turns. Ours starts with one discovery
    that is not counted (first contact), like the poll's warm-up."""
    out: dict = {"sizes": {}}
    for n in sizes:
        devices = fleet.devices[:n]
        sub = {**cfg, "cycle": "discover", "first": "discover", "repeat": repeat}
        peer_cycles: list[dict] = []
        wait_until_quiet(limit_s=QUIET_WAIT_S)
        ours = run_ours(devices, fleet, sub, between=lambda d=devices, c=peer_cycles, s=sub: c.append(
            peer_cycle(d, fleet, s, discovery_commands)))  # fmt: skip
        out["sizes"][str(n)] = {
            "ours": ours,
            "peer": run_peer(devices, fleet, sub, commands=discovery_commands, cycles=peer_cycles),
        }
        print(f"snmp discovery {n}: done", file=sys.stderr, flush=True)
    return out


# -- the coordinator ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.snmp")
    parser.add_argument("--sizes", default="200,1000")
    parser.add_argument("--interfaces", required=True, help="monitored ifIndex values, e.g. 3,5")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-parallel", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--retries", type=int, default=1)
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--walk-peer", action="store_true", help="also PERF.md's walking peer, one cycle per size")
    parser.add_argument("--sweep-interfaces", default="", help="ifIndex values for the varbind sweep (up to 4)")
    parser.add_argument("--sweep-devices", type=int, default=500)
    parser.add_argument("--port", type=int, default=161, help="the agents' UDP port")
    parser.add_argument("--tuning", default="", help="processes x concurrency to try, e.g. 1x16,2x8,2x32")
    parser.add_argument(
        "--discovery-sizes", default="", help="full cycles of system group + interface tables, e.g. 200,1000"
    )
    parser.add_argument("--discovery-repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    discovery_sizes = [int(s) for s in args.discovery_sizes.split(",") if s]
    if not all(1 <= s <= 5000 for s in discovery_sizes) or not 1 <= args.discovery_repeat <= 10:
        parser.error("--discovery-sizes 1..5000, --discovery-repeat 1..10")
    if not all(1 <= s <= 5000 for s in sizes) or not 1 <= args.repeat <= 10 or not 1 <= args.processes <= 8:
        parser.error("sizes 1..5000, --repeat 1..10, --processes 1..8")
    cfg = {
        "interfaces": [int(i) for i in args.interfaces.split(",")],
        "processes": args.processes,
        "concurrency": args.concurrency,
        "repeat": args.repeat,
        "peer_parallel": args.peer_parallel,
        "timeout": args.timeout,
        "retries": args.retries,
        "columns": poll_columns(),
        "port": args.port,
    }
    out: dict = {"config": cfg, "sizes": {}}
    with snmpd_fleet(max(sizes + discovery_sizes), args.workdir, port=args.port) as fleet:
        out["agents"] = len(fleet.pids)
        out["oids_per_poll"] = len(poll_oids(cfg["interfaces"], cfg["columns"]))
        for n in sizes:
            devices = fleet.devices[:n]
            entry: dict = {}
            wait_until_quiet(limit_s=QUIET_WAIT_S)
            if args.skip_ours:
                entry["peer"] = run_peer(devices, fleet, cfg)
            else:  # ours and the peer take turns, cycle by cycle
                peer_cycles: list[dict] = []
                entry["ours"] = run_ours(
                    devices, fleet, cfg, between=lambda d=devices, c=peer_cycles: c.append(peer_cycle(d, fleet, cfg))
                )
                entry["peer"] = run_peer(devices, fleet, cfg, cycles=peer_cycles)
                entry["peer"]["interleaved"] = True
            if args.walk_peer:
                entry["walk_peer"] = run_peer(devices, fleet, cfg, commands=walk_commands, repeat=1)
            out["sizes"][str(n)] = entry
            print(f"snmp {n}: done", file=sys.stderr, flush=True)
        if discovery_sizes:
            out["discovery"] = discovery_scenario(fleet, cfg, discovery_sizes, args.discovery_repeat)
        if args.sweep_interfaces and not args.skip_ours:
            candidates = [int(i) for i in args.sweep_interfaces.split(",")][:4]
            devices = fleet.devices[: min(args.sweep_devices, len(fleet.devices))]
            out["varbind_sweep"] = varbind_sweep(devices, fleet, cfg, candidates)
        if args.tuning and not args.skip_ours:
            combos = [tuple(int(x) for x in c.split("x")) for c in args.tuning.split(",")][:8]
            out["tuning"] = tuning_sweep(fleet.devices[: max(sizes)], fleet, cfg, combos)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
