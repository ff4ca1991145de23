"""Turn the run's results (``bench/out/results.json``) into ``bench/RESULTS.md``.

Nothing here is a measurement: every number comes from the results dict; the bars are
PERF.md's. A step that failed or was skipped shows its error instead of numbers, and its
bar is "not measured" — never "yes".
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from bench.db import section as db_section

# PERF.md, "The bar"
ICMP_BAR_TARGETS = 10_000
ICMP_BAR_WALL_S = 2.0
ICMP_BAR_SPEEDUP = 5.0
SNMP_BAR_DEVICES = 1000
SNMP_BAR_RATE = 1000.0
SNMP_BAR_RATIO = 10.0
MEMORY_BAR_MB = 150.0  # 10^6 bytes
REPORT_BAR_S = 2.0
REPORT_BAR_TICKETS, REPORT_BAR_ACTIONS = 100_000, 500_000

# The machine is shared: an SNMP cycle during which other processes used more than this
# share of the cores is set aside (shown, not counted) when enough quiet cycles remain.
DISTURBED = 0.10
MIN_UNDISTURBED = 3

YES, NO, UNMEASURED = "**yes**", "**NO**", "not measured"


def _median(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _span(values: Iterable[float], fmt: str = "{:.2f}") -> str:
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return ""
    return f" ({fmt.format(min(values))}–{fmt.format(max(values))})"


def _s(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f} s"


def _num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "—" if x is None else fmt.format(x)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _met(ok: bool | None) -> str:
    return UNMEASURED if ok is None else (YES if ok else NO)


def _error(step: dict | None) -> str | None:
    if step is None:
        return "not run"
    return step.get("error")


# -- ICMP ---------------------------------------------------------------------------------


def icmp_rows(results: dict) -> list[dict]:
    rows = []
    for n in results.get("config", {}).get("icmp_sizes", []):
        step = results.get(f"icmp/{n}")
        row: dict = {"n": n, "error": _error(step)}
        if not row["error"]:
            ours, peer = step["ours"]["runs"], step["fping"]
            row.update(
                silent=step["silent"],
                ours_walls=[r["wall_s"] for r in ours],
                ours_cpu=_median(r["cpu_s"] for r in ours),
                ours_correct=all(r["correct"] for r in ours),
                ours_other=_median(r.get("other_cpu_s") for r in ours),
                ours_summary=ours[-1],
                peer_walls=[r["wall_s"] for r in peer],
                peer_cpu=_median(r["cpu_s"] for r in peer),
                peer_correct=all(r["correct"] for r in peer),
                peer_summary=peer[-1],
                concurrency=step["ours"]["kwargs"]["concurrency"],
                kwargs=step["ours"]["kwargs"],
                peak_rss_kb=step["ours"].get("maxrss_with_engine_kb", step["ours"].get("maxrss_kb")),
                rss_ready_kb=step["ours"].get("rss_ready_kb"),
                engine=step["ours"].get("engine"),
            )
            row["ours_wall"] = _median(row["ours_walls"])
            row["peer_wall"] = _median(row["peer_walls"])
            row["speedup"] = _ratio(row["peer_wall"], row["ours_wall"])
        rows.append(row)
    return rows


def _answers(summary: dict) -> str:
    text = f"{summary['answered']:,}/{summary['expected_answered']:,} up"
    if summary["missed"] or summary["false_alive"]:
        text += f", {summary['missed']} missed, {summary['false_alive']} silent reported up"
    return text + (" ✓" if summary["correct"] else " ✗")


# -- SNMP ---------------------------------------------------------------------------------


def undisturbed(cycles: list[dict], cores: int = 2) -> tuple[list[dict], str]:
    """The cycles during which other processes used at most `DISTURBED` of the cores, when
    there are at least `MIN_UNDISTURBED` of them; else all cycles. And a label that says which."""
    quiet = [c for c in cycles if (c.get("other_cpu_s") or 0.0) <= DISTURBED * cores * c["wall_s"]]
    if len(quiet) >= MIN_UNDISTURBED and len(quiet) < len(cycles):
        return quiet, f"median of the {len(quiet)} of {len(cycles)} cycles with ≤ {DISTURBED:.0%} other load"
    return cycles, f"median of all {len(cycles)} cycles"


def snmp_rows(results: dict) -> list[dict]:
    step = results.get("snmp")
    rows = []
    for n in results.get("config", {}).get("snmp_sizes", []):
        row: dict = {"n": n, "error": _error(step)}
        if row["error"]:
            rows.append(row)
            continue
        entry = step["sizes"].get(str(n), {})
        ours, peer = entry.get("ours", {}), entry.get("peer", {})
        row["ours_error"] = ours.get("error")
        if ours and not ours.get("error"):
            all_polls = ours["polls"]
            polls, row["ours_basis"] = undisturbed(all_polls)
            row.update(
                ours_walls=[p["wall_s"] for p in all_polls],
                ours_wall=_median(p["wall_s"] for p in polls),
                ours_cpu=_median(p["cpu_s"] for p in polls),
                ours_ok=min(p["ok"] for p in all_polls),
                ours_agent_cpu=_median(p["agent_cpu_s"] for p in polls),
                ours_other=_median(p.get("other_cpu_s") for p in polls),
                ours_slow=max(p.get("slow", 0) for p in all_polls),
                ours_complete=min(p.get("complete", p["ok"]) for p in all_polls),
                processes=ours["processes"],
                concurrency=ours["concurrency"],
                discover=ours["discover"],
                ours_rss_kb=ours.get("maxrss_kb"),
            )
            row["ours_rate"] = n / row["ours_wall"] if row["ours_wall"] else None
            row["ours_cores"] = _ratio(row["ours_cpu"], row["ours_wall"])
        all_cycles = peer.get("polls", [])
        if all_cycles:
            cycles, row["peer_basis"] = undisturbed(all_cycles)
            row.update(
                peer_walls=[c["wall_s"] for c in all_cycles],
                peer_wall=_median(c["wall_s"] for c in cycles),
                peer_cpu=_median(c["cpu_s"] for c in cycles),
                peer_dispatcher_cpu=_median(c["dispatcher_cpu_s"] for c in cycles),
                peer_agent_cpu=_median(c["agent_cpu_s"] for c in cycles),
                peer_other=_median(c.get("other_cpu_s") for c in cycles),
                peer_ok=min(c["ok"] for c in all_cycles),
                peer_parallel=peer["parallel"],
                peer_command=peer["command"],
            )
            row["peer_rate"] = n / row["peer_wall"] if row["peer_wall"] else None
        row["ratio"] = _ratio(row.get("ours_rate"), row.get("peer_rate"))
        walk = entry.get("walk_peer", {}).get("polls", [])
        if walk:
            row.update(
                walk_wall=_median(c["wall_s"] for c in walk),
                walk_cpu=_median(c["cpu_s"] for c in walk),
                walk_ok=min(c["ok"] for c in walk),
                walk_processes=entry["walk_peer"]["processes_per_device"],
                walk_command=entry["walk_peer"]["command"],
            )
            row["walk_rate"] = n / row["walk_wall"] if row["walk_wall"] else None
            row["walk_ratio"] = _ratio(row.get("ours_rate"), row["walk_rate"])
        rows.append(row)
    return rows


def varbind_fit(results: dict) -> dict | None:
    """Least-squares fit of our CPU per device against varbinds per poll (the sweep):
    CPU ≈ fixed + per_varbind × varbinds."""
    sweep = (results.get("snmp") or {}).get("varbind_sweep") or {}
    points = [(r["varbinds"], r["cpu_s"] / r["devices"]) for r in sweep.values() if "error" not in r]
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if not sxx:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return {"per_varbind_ms": 1000 * slope, "fixed_ms": 1000 * (my - slope * mx), "points": len(points)}


def _pct_of_cores(cpu_s: float | None, wall_s: float | None, cores: int = 2) -> str:
    """CPU that other processes used during a phase, as a share of the machine's cores."""
    if cpu_s is None or not wall_s:
        return "—"
    return f"{min(cpu_s / (cores * wall_s), 1.0):.0%}"


def _ms_per(cpu_s: float | None, n: int) -> str:
    return "—" if cpu_s is None else f"{1000 * cpu_s / n:.2f} ms"


# -- bars -----------------------------------------------------------------------------------


def bars(results: dict) -> list[tuple[str, str, bool | None]]:
    out: list[tuple[str, str, bool | None]] = []
    icmp = {r["n"]: r for r in icmp_rows(results)}
    row = icmp.get(ICMP_BAR_TARGETS)
    silent_note = "" if results.get("namespaces") else " (all-answering variant: no namespaces)"
    if row and not row["error"]:
        correct = row["ours_correct"] and row["peer_correct"]
        out.append(
            (
                f"ICMP, {ICMP_BAR_TARGETS:,} hosts, 10 % silent: one cycle ≤ {ICMP_BAR_WALL_S:g} s{silent_note}",
                f"{_s(row['ours_wall'])} (median of {len(row['ours_walls'])})" + ("" if correct else ", WRONG ANSWERS"),
                row["ours_wall"] <= ICMP_BAR_WALL_S and correct,
            )
        )
        out.append(
            (
                f"ICMP, {ICMP_BAR_TARGETS:,} hosts: ≥ {ICMP_BAR_SPEEDUP:g}× faster than `fping -c1 -i1`",
                f"{row['speedup']:.1f}× ({_s(row['peer_wall'])} vs {_s(row['ours_wall'])})",
                row["speedup"] >= ICMP_BAR_SPEEDUP and correct,
            )
        )
        peak_mb = row["peak_rss_kb"] * 1024 / 1e6 if row["peak_rss_kb"] else None
        out.append(
            (
                f"Memory: peak RSS of our poller process at {ICMP_BAR_TARGETS:,} targets ≤ {MEMORY_BAR_MB:g} MB",
                f"{peak_mb:.1f} MB" if peak_mb else "—",
                None if peak_mb is None else peak_mb <= MEMORY_BAR_MB,
            )
        )
    else:
        out.append((f"ICMP, {ICMP_BAR_TARGETS:,} hosts", (row or {}).get("error") or "not run", None))
        out.append((f"Memory at {ICMP_BAR_TARGETS:,} targets", "not measured", None))
    snmp = {r["n"]: r for r in snmp_rows(results)}
    row = snmp.get(SNMP_BAR_DEVICES)
    if row and not row["error"] and row.get("ours_rate"):
        all_ok = row["ours_ok"] == row["n"]
        out.append(
            (
                f"SNMP poll, {SNMP_BAR_DEVICES:,} devices: ≥ {SNMP_BAR_RATE:,.0f} devices/s on 2 cores",
                f"{row['ours_rate']:,.0f} devices/s ({row['ours_basis']}; {row['processes']} processes)"
                + ("" if all_ok else f", only {row['ours_ok']:,} answered"),
                row["ours_rate"] >= SNMP_BAR_RATE and all_ok,
            )
        )
        out.append(
            (
                f"SNMP poll, {SNMP_BAR_DEVICES:,} devices: ≥ {SNMP_BAR_RATIO:g}× the net-snmp peer",
                f"{row['ratio']:.1f}× ({row['ours_rate']:,.0f} vs {row['peer_rate']:,.0f} devices/s)"
                if row.get("ratio")
                else "—",
                None if not row.get("ratio") else row["ratio"] >= SNMP_BAR_RATIO and all_ok,
            )
        )
    else:
        why = (row or {}).get("error") or (row or {}).get("ours_error") or "not run"
        out.append((f"SNMP poll, {SNMP_BAR_DEVICES:,} devices: ≥ {SNMP_BAR_RATE:,.0f} devices/s", why, None))
        out.append((f"SNMP poll, {SNMP_BAR_DEVICES:,} devices: ≥ {SNMP_BAR_RATIO:g}× the peer", why, None))
    rep = results.get("reports")
    label = (
        f"Reports: a quarter's report in ≤ {REPORT_BAR_S:g} s at {REPORT_BAR_TICKETS:,} tickets and "
        f"{REPORT_BAR_ACTIONS:,} actions"
    )
    if rep and "error" not in rep:
        full = rep["tickets"] >= REPORT_BAR_TICKETS and rep["actions"] >= REPORT_BAR_ACTIONS
        out.append(
            (
                label,
                f"{_s(rep['warm_median_s'])} (median of {len(rep['runs']) - 1} warm runs; cold {_s(rep['cold_s'])})"
                + ("" if full else f" at {rep['tickets']:,} tickets and {rep['actions']:,} actions only"),
                (rep["warm_median_s"] <= REPORT_BAR_S) if full else None,
            )
        )
    else:
        out.append((label, (rep or {}).get("error") or "not run", None))
    out += web_bars(results)
    return out


# -- the page -------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return lines


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit] + "…"


def render(results: dict) -> str:
    m = results.get("machine", {})
    cfg = results.get("config", {})
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand — every number below comes from "
        "the run it describes (raw data: `bench/out/results.json`, not committed). The bars are PERF.md's.",
    ]
    if results.get("quick"):
        lines += ["", "> **Quick run (`--quick`)**: small sizes, one repeat — a smoke test, not the benchmark."]
    lines += ["", "## Machine", ""]
    lines += _table(["", ""], [[k, _short(v, 200)] for k, v in m.items()])
    load = results.get("load") or {}
    if load:
        other = load.get("other_cpu_s")
        cap = load.get("capacity_s")
        lines += [
            "",
            f"Load: the machine was {load.get('idle_before', 0):.0%} idle when the run started (after waiting "
            f"{load.get('waited_s', 0):.0f} s for it to quiet down); load average {load.get('loadavg_before')} "
            f"before, {load.get('loadavg_after', '—')} after."
            + (
                f" Other processes (and the kernel's packet work) used {other:.1f} s of the {cap:.0f} CPU-seconds "
                f"the run lasted ({other / cap:.0%}); the bench itself {load.get('bench_cpu_s', 0):.1f} s."
                if other is not None and cap
                else ""
            ),
        ]
    lines += ["", f"Network: {results.get('network', 'not set up')}."]
    if results.get("namespace_error"):
        lines += [
            "",
            f"> Network namespaces were not permitted here ({_short(results['namespace_error'])}): ICMP ran the "
            "**all-answering variant** (no silent hosts), in the root namespace on 127.x; the SNMP agents served "
            "the root namespace's interfaces.",
        ]
    lines += ["", f"Whole run: {results.get('elapsed_s', 0):.0f} s.", "", "## The bars", ""]
    lines += _table(["bar (PERF.md)", "measured", "met"], [[b, v, _met(ok)] for b, v, ok in bars(results)])

    # ICMP
    kwargs = "count=1, …"
    for r in icmp_rows(results):
        if not r["error"]:
            kwargs = ", ".join(f"{k}={v}" for k, v in r["kwargs"].items())
            break
    lines += [
        "",
        "## ICMP — one echo per host, one cycle",
        "",
        f"Ours: `netmon.probes.icmp.ping_many({kwargs})`, {cfg.get('repeat')} cycle(s) in one "
        "process (the median is shown, min–max in brackets). Peer: `fping -c1 -i1 -q -f LIST`, run "
        f"{cfg.get('repeat')} time(s) (in count mode fping waits its period, 1,000 ms, for a reply: the "
        "same timeout as ours). "
        + (
            "Both inside the bench namespace, on the same list in the same order: every tenth host silent. "
            if results.get("namespaces")
            else "Both in the root namespace on the same list of 127.x addresses, all answering. "
        )
        + "Wall and CPU of fping are its own process's (wait4); ours are the cycle's, measured inside the "
        "process (interpreter start-up excluded: the poller is long-running).",
        "",
    ]
    rows = []
    for r in icmp_rows(results):
        if r["error"]:
            rows.append([f"{r['n']:,}", "—", _short(r["error"]), "", "", "", "", "", "", "", "—"])
            continue
        bar = ""
        if r["n"] == ICMP_BAR_TARGETS:
            bar = _met(
                r["ours_wall"] <= ICMP_BAR_WALL_S
                and r["speedup"] >= ICMP_BAR_SPEEDUP
                and r["ours_correct"]
                and r["peer_correct"]
            )
        rows.append(
            [
                f"{r['n']:,}",
                f"{r['silent']:,}",
                _s(r["ours_wall"]) + _span(r["ours_walls"]),
                _s(r["ours_cpu"]),
                _answers(r["ours_summary"]),
                _pct_of_cores(r.get("ours_other"), r["ours_wall"]),
                _s(r["peer_wall"]) + _span(r["peer_walls"]),
                _s(r["peer_cpu"]),
                _answers(r["peer_summary"]),
                f"**{r['speedup']:.1f}×**",
                bar or "(no bar)",
            ]
        )
    lines += _table(
        ["hosts", "silent", "ours wall", "ours CPU", "ours answers", "other load", "fping wall", "fping CPU",
         "fping answers", "speed-up", "bar: ≤ 2 s and ≥ 5×"],
        rows,
    )  # fmt: skip

    sweep = results.get("icmp_sweep")
    if sweep:
        n = cfg.get("icmp_sizes", [0])[-1]
        lines += [
            "",
            f"### Tuning: concurrency at {n:,} hosts (2 cycles each)",
            "",
            "A silent host holds its slot for the whole timeout, so the floor of a cycle is about "
            "timeout × ⌈silent ÷ concurrency⌉.",
            "",
        ]
        srows = []
        if "error" in sweep:
            srows.append(["—", _short(sweep["error"]), "", "", ""])
        else:
            for c, r in sweep.items():
                if "error" in r:
                    srows.append([c, _short(r["error"]), "", "", ""])
                    continue
                walls = [x["wall_s"] for x in r["runs"]]
                srows.append(
                    [
                        c,
                        ", ".join(_s(w) for w in walls),
                        _s(_median(x["cpu_s"] for x in r["runs"])),
                        "✓" if all(x["correct"] for x in r["runs"]) else "✗",
                        f"{r['maxrss_kb'] / 1024:.0f} MiB",
                    ]
                )
        lines += _table(["concurrency", "wall per cycle", "CPU (median)", "correct", "peak RSS"], srows)

    # SNMP
    snmp = results.get("snmp") or {}
    scfg = snmp.get("config", {}) if isinstance(snmp, dict) else {}
    columns = ", ".join(scfg.get("columns", {}))
    monitored = ", ".join(f"{name} = ifIndex {i}" for name, i in (snmp.get("monitored") or {}).items()) or "—"
    lines += [
        "",
        "## SNMP — a full poll cycle (discovery measured separately)",
        "",
        "One poll of one device = what `netmon.probes.snmp` GETs: sysUpTime.0 and, for each of the two "
        f"monitored interfaces ({monitored}), the columns {columns or '—'} (the probe's `_POLL_COLUMNS`) — "
        f"{snmp.get('oids_per_poll', '—')} varbinds, by instance. Agents: "
        f"{snmp.get('agents', '—')} net-snmp `snmpd` process(es) "
        + ("inside the bench namespace" if results.get("namespaces") else "in the root namespace")
        + f", 100 devices (127.20.x.y:{scfg.get('port', 161)}) each, v2c community `public`. "
        f"Ours: `SnmpClient().poll_many(targets, concurrency={scfg.get('concurrency', '—')})` in "
        f"{scfg.get('processes', '—')} processes (one event loop each, devices dealt round-robin), "
        f"{scfg.get('repeat', '—')} cycle(s) after discovery (a long-running poller has discovered its "
        "devices before it polls them); wall from a common start to the last process done, "
        "CPU summed over the processes. Peer (LibreNMS-style): one `snmpget` process per device with the "
        f"same OIDs, {scfg.get('peer_parallel', '—')} at a time, its cycles taking turns with ours (so a "
        "disturbance on the shared machine falls on both alike); its CPU is the snmpget processes' own, the "
        f"Python dispatcher that starts them is shown apart. Timeout {scfg.get('timeout', '—')} s, "
        f"{scfg.get('retries', '—')} retry on both sides.",
        "",
    ]
    rows = []
    for r in snmp_rows(results):
        if r["error"] or r.get("ours_error"):
            rows.append([f"{r['n']:,}", _short(r["error"] or r["ours_error"]), *[""] * 12])
            continue
        bar = ""
        if r["n"] == SNMP_BAR_DEVICES:
            bar = _met(
                r["ours_rate"] >= SNMP_BAR_RATE and (r.get("ratio") or 0) >= SNMP_BAR_RATIO and r["ours_ok"] == r["n"]
            )
        rows.append(
            [
                f"{r['n']:,}",
                _s(r["ours_wall"], 3) + _span(r["ours_walls"], "{:.3f}"),
                f"**{_num(r['ours_rate'])}**",
                _ms_per(r["ours_cpu"], r["n"]),
                _num(r["ours_cores"], "{:.2f}"),
                f"{r['ours_complete']:,}/{r['n']:,}"
                + (f" ({r['ours_slow']} waited for a retry)" if r.get("ours_slow") else ""),
                _pct_of_cores(r.get("ours_other"), r["ours_wall"]),
                _s(r.get("peer_wall")) + _span(r.get("peer_walls", [])),
                f"**{_num(r.get('peer_rate'))}**",
                _ms_per(r.get("peer_cpu"), r["n"]) + f" (+{_ms_per(r.get('peer_dispatcher_cpu'), r['n'])})",
                f"{r.get('peer_ok', 0):,}/{r['n']:,}",
                _pct_of_cores(r.get("peer_other"), r.get("peer_wall")),
                f"**{r['ratio']:.1f}×**" if r.get("ratio") else "—",
                bar or "(no bar)",
            ]
        )
    lines += _table(
        ["devices", "ours wall", "ours devices/s", "ours CPU/device", "cores busy", "ours complete",
         "other load", "peer wall", "peer devices/s", "peer CPU/device (+dispatcher)", "peer ok", "other load",
         "ours ÷ peer", "bar: ≥ 1,000/s and ≥ 10×"],
        rows,
    )  # fmt: skip
    for r in snmp_rows(results):
        if r.get("ours_basis") or r.get("peer_basis"):
            lines += [
                "",
                f"{r['n']:,} devices — ours: {r.get('ours_basis', '—')}; peer: {r.get('peer_basis', '—')} "
                "(brackets: all cycles).",
            ]
    drows, arows = [], []
    for r in snmp_rows(results):
        d = r.get("discover")
        if d:
            drows.append(
                [
                    f"{r['n']:,}",
                    _s(d["wall_s"], 3),
                    _num(r["n"] / d["wall_s"] if d["wall_s"] else None),
                    _ms_per(d["cpu_s"], r["n"]),
                    _num(d.get("interfaces_per_device"), "{:.0f}"),
                    f"{d.get('ok', 0):,}/{r['n']:,}",
                ]
            )
        if r.get("ours_agent_cpu") is not None or r.get("peer_agent_cpu") is not None:
            arows.append(
                [
                    f"{r['n']:,}",
                    _ms_per(r.get("ours_agent_cpu"), r["n"]),
                    _ms_per(r.get("peer_agent_cpu"), r["n"]),
                    _ms_per((r.get("discover") or {}).get("agent_cpu_s"), r["n"]),
                ]
            )
    if drows:
        lines += ["", "### Discovery (ours; runs rarely: hours, or after a reboot)", ""]
        lines += _table(["devices", "wall", "devices/s", "CPU/device", "interfaces per device", "ok"], drows)
    if arows:
        lines += [
            "",
            "### The agents' share (snmpd CPU per device, same 2 cores)",
            "",
        ]
        lines += _table(["devices", "during our poll", "during the peer's poll", "during our discovery"], arows)
    for r in snmp_rows(results):
        if r.get("peer_command"):
            lines += ["", f"Peer command, per device: `{r['peer_command']}`"]
            break

    wrows = [r for r in snmp_rows(results) if r.get("walk_rate")]
    if wrows:
        lines += [
            "",
            "### For context: PERF.md's peer, which walks the interface table every cycle (not the bar's peer)",
            "",
            "What PERF.md measured as the LibreNMS-style peer (94 devices/s there): per device, one `snmpget` "
            "of the 8 system scalars and one `snmpbulkwalk` per column (ifDescr, ifOperStatus, ifHCInOctets, "
            f"ifInErrors) — {wrows[0]['walk_processes']} net-snmp processes per device, one after another, "
            f"{scfg.get('peer_parallel', '—')} devices at a time, one cycle. The bar above is judged against "
            "the stricter like-for-like peer.",
            "",
        ]
        lines += _table(
            ["devices", "walk peer wall", "walk peer devices/s", "walk peer CPU/device", "ok", "ours ÷ walk peer"],
            [
                [
                    f"{r['n']:,}",
                    _s(r["walk_wall"]),
                    _num(r["walk_rate"]),
                    _ms_per(r["walk_cpu"], r["n"]),
                    f"{r['walk_ok']:,}/{r['n']:,}",
                    f"{r['walk_ratio']:.1f}×" if r.get("walk_ratio") else "—",
                ]
                for r in wrows
            ],
        )

    tuning = snmp.get("tuning") if isinstance(snmp, dict) else None
    if tuning:
        main = {r["n"]: r for r in snmp_rows(results)}.get(max(cfg.get("snmp_sizes", [0])))
        trows = []
        if main and main.get("ours_rate"):
            trows.append(
                [
                    f"{main['processes']} (the run above)",
                    str(main["concurrency"]),
                    ", ".join(_s(w, 3) for w in main["ours_walls"]),
                    f"**{_num(main['ours_rate'])}**",
                    _ms_per(main["ours_cpu"], main["n"]),
                    _num(main["ours_cores"], "{:.2f}"),
                    _pct_of_cores(main.get("ours_other"), main["ours_wall"]),
                    f"{main['ours_complete']:,}/{main['n']:,}",
                ]
            )
        for key, r in tuning.items():
            if "error" in r:
                trows.append([key, _short(r["error"]), "", "", "", "", "", ""])
                continue
            wall = _median(r["walls_s"])
            trows.append(
                [
                    str(r["processes"]),
                    str(r["concurrency"]),
                    ", ".join(_s(w, 3) for w in r["walls_s"]),
                    _num(r["devices"] / wall if wall else None),
                    _ms_per(r["cpu_s"], r["devices"]),
                    _num(_ratio(r["cpu_s"], wall), "{:.2f}"),
                    _pct_of_cores(r.get("other_cpu_s"), wall),
                    f"{r['complete']:,}/{r['devices']:,}",
                ]
            )
        lines += [
            "",
            f"### Tuning: processes × concurrency at {max(cfg.get('snmp_sizes', [0])):,} devices (2 cycles each, "
            "after a warm-up poll)",
            "",
        ]
        lines += _table(
            ["processes", "concurrency per process", "wall per cycle", "devices/s", "CPU/device", "cores busy",
             "other load", "complete"],
            trows,
        )  # fmt: skip

    sweep = snmp.get("varbind_sweep") if isinstance(snmp, dict) else None
    if sweep:
        fit = varbind_fit(results)
        lines += [
            "",
            "### What a varbind costs us: the poll with 0, 1, 2 and 4 monitored interfaces (one process)",
            "",
        ]
        vrows = []
        for r in sweep.values():
            if "error" in r:
                vrows.append(["—", _short(r["error"]), "", "", ""])
                continue
            vrows.append(
                [
                    str(r["interfaces"]),
                    str(r["varbinds"]),
                    _num(r["devices"] / r["wall_s"] if r["wall_s"] else None),
                    _ms_per(r["cpu_s"], r["devices"]),
                    f"{r['complete']:,}/{r['devices']:,}",
                ]
            )
        lines += _table(["monitored interfaces", "varbinds per poll", "devices/s", "CPU/device", "complete"], vrows)
        if fit:
            lines += [
                "",
                f"Fit: about **{fit['fixed_ms']:.2f} ms per request + {1000 * fit['per_varbind_ms']:.0f} µs per "
                "varbind** of our CPU (PERF.md: ~84 µs per varbind, mostly pyasn1 decoding).",
            ]

    # Memory
    lines += ["", "## Memory", ""]
    mrows = []
    for r in icmp_rows(results):
        if r["error"]:
            continue
        mrows.append(
            [
                f"ICMP, {r['n']:,} targets + engine state",
                f"{r['peak_rss_kb'] * 1024 / 1e6:.1f} MB" if r["peak_rss_kb"] else "—",
                f"{r['rss_ready_kb'] * 1024 / 1e6:.1f} MB" if r["rss_ready_kb"] else "—",
                _met(r["peak_rss_kb"] * 1024 / 1e6 <= MEMORY_BAR_MB) if r["n"] == ICMP_BAR_TARGETS else "(no bar)",
            ]
        )
    for r in snmp_rows(results):
        if r.get("ours_rss_kb"):
            mrows.append(
                [f"SNMP, {r['n']:,} devices, per process", f"{r['ours_rss_kb'] * 1024 / 1e6:.1f} MB", "—", "(no bar)"]
            )
    lines += _table(["process", "peak RSS", "after imports", "bar: ≤ 150 MB"], mrows)
    lines += [
        "",
        "The ICMP process ran its cycles and then fed the last cycle's results through `netmon.engine` three "
        "times, keeping every target's check states (what the poller holds between cycles); the peak covers "
        "both. It imports the probes and the engine only — not Django (the probes and the engine import none).",
    ]

    # Engine
    eng = results.get("engine")
    lines += ["", "## The pure engine (no I/O)", ""]
    if not eng or "error" in eng:
        lines += [f"Not measured: {_short((eng or {}).get('error', 'not run'))}"]
    else:
        lines += [
            f"`netmon.engine.observe_target` for {eng['targets']:,} targets, each with icmp, snmp, reboot and two "
            f"interface checks ({eng['checks_per_cycle']:,.0f} verdicts per cycle; every tenth target failing "
            f"from the second cycle). Results are built before the clock starts; states are kept between "
            f"{eng['cycles']} cycles.",
            "",
        ]
        lines += _table(
            ["targets", "first cycle", "steady cycle (median)", "targets/s", "µs per target", "peak RSS"],
            [
                [
                    f"{eng['targets']:,}",
                    _s(eng["per_cycle"][0]["wall_s"], 3),
                    _s(eng["median_cycle_s"], 3),
                    f"**{eng['targets_per_s']:,.0f}**",
                    f"{eng['us_per_target']:.1f}",
                    f"{eng['maxrss_kb'] / 1024:.0f} MiB",
                ]
            ],
        )
        icmp10 = {r["n"]: r for r in icmp_rows(results)}.get(ICMP_BAR_TARGETS)
        if icmp10 and not icmp10["error"]:
            share = eng["median_cycle_s"] / icmp10["ours_wall"] if icmp10["ours_wall"] else None
            lines += [
                "",
                f"A steady engine cycle for {eng['targets']:,} targets takes {share:.0%} of the {ICMP_BAR_TARGETS:,}-"
                "host ICMP cycle's wall time, on one core: the engine is not the bottleneck."
                if share is not None
                else "",
            ]

    # Reports
    rep = results.get("reports")
    lines += ["", "## The quarterly report (reports.build.build_report)", ""]
    if not rep or "error" in rep:
        lines += [f"Not measured: {_short((rep or {}).get('error', 'not run'))}"]
    else:
        rows = rep["rows"]
        lines += [
            f"A throw-away SQLite database (`bench/reports.py`, {rep['db_bytes'] / 1e6:,.0f} MB, built in "
            f"{rep['populate_s']:.0f} s): {rows['tickets']:,} tickets over five years with {rows['entries']:,} "
            f"timeline entries, {rows['actions']:,} corrective actions ({rows['part_usages']:,} with parts), "
            f"{rows['outages']:,} outages, 120 schools on three calendars. The {rep['quarter']} report: "
            f"{rep['figures']['received']:,} tickets received, {rep['figures']['actions']:,} corrective actions "
            f"in its register, {rep['figures']['outages']:,} outages.",
            "",
        ]
        lines += _table(
            ["run", "wall", "CPU", "queries"],
            [
                ["cold" if i == 0 else f"warm {i}", _s(r["wall_s"]), _s(r["cpu_s"]), str(r["queries"])]
                for i, r in enumerate(rep["runs"])
            ],
        )
        lines += [
            "",
            "Exports of that report (not part of the bar): "
            + ", ".join(f"{fmt} {_s(e['wall_s'])} ({e['bytes'] / 1e6:.1f} MB)" for fmt, e in rep["exports"].items())
            + f". Peak RSS {rep['maxrss_kb'] / 1024:.0f} MiB.",
        ]

    lines += extra_sections(results)

    lines += db_section(results.get("db"))

    lines += soak_section(results.get("soak"))

    lines += ["", "## Analysis", ""]
    lines += analysis(results) or ["Every bar is met."]
    lines += [
        "",
        "## How to read and rerun",
        "",
        "- `make bench` (as root: namespaces and raw ICMP; about 12 minutes with the web step's two databases, a "
        "1,200 s budget bounds it; PostgreSQL on 127.0.0.1:5432 for `web/postgres`). `python -m bench.web --help` "
        "runs the web step alone. "
        "`python -m bench --quick` is a smoke test of the harness; `--only icmp,snmp,engine` picks steps; "
        "`--no-netns` runs what a machine without namespaces would.",
        "- Traffic stays inside two network namespaces the run creates and removes (`bench/netns.py`): "
        "answering hosts are 127.x addresses on the namespace's own loopback; silent hosts are 198.19.x, "
        "routed to a veth whose far end is down, with a permanent neighbour entry so nothing (not even a "
        "local *host unreachable*) ever comes back. The namespace has no default route.",
        "- ICMP CPU for ours is the whole process's CPU during the cycle; fping's is its own rusage.",
        "- SNMP CPU for ours is summed over the poller processes; the agents' CPU (read from /proc) is "
        "shown apart — they share the same two cores with both pollers.",
        "- *Other load* is the machine's busy CPU time during the phase (from /proc/stat) minus what the "
        "measured processes and the agents used, as a share of the 2 cores: other users of this shared "
        "machine and the kernel's softirq work for the packets. Each step waits (at most 20 s), and each "
        "SNMP measurement (at most 8 s), for the machine to be ≥ 85 % idle before it starts; a high figure "
        "means the numbers beside it are pessimistic.",
    ]
    return "\n".join(lines) + "\n"


def analysis(results: dict) -> list[str]:
    """Explanations, computed from the numbers, for every bar that was missed."""
    out: list[str] = []
    cfg = results.get("config", {})
    icmp = {r["n"]: r for r in icmp_rows(results)}.get(ICMP_BAR_TARGETS)
    if icmp and not icmp["error"]:
        timeout = cfg.get("icmp_timeout_s", 1.0)
        floor = timeout * -(-icmp["silent"] // icmp["concurrency"]) if icmp["silent"] else 0.0
        if icmp["ours_wall"] > ICMP_BAR_WALL_S or icmp["speedup"] < ICMP_BAR_SPEEDUP:
            out.append(
                f"- **ICMP missed**: {_s(icmp['ours_wall'])} wall, {_s(icmp['ours_cpu'])} CPU for "
                f"{ICMP_BAR_TARGETS:,} hosts. With {icmp['silent']:,} silent hosts, concurrency "
                f"{icmp['concurrency']:,} and a {timeout:g} s timeout the floor is {floor:.1f} s; "
                + (
                    "the CPU time is close to the wall: the prober is CPU-bound."
                    if icmp["ours_cpu"] and icmp["ours_cpu"] > 0.7 * icmp["ours_wall"]
                    else "the CPU time is well below the wall: the time goes to waiting on silent hosts."
                )
            )
        if not (icmp["ours_correct"] and icmp["peer_correct"]):
            out.append("- **ICMP answers were wrong** in at least one cycle (see the answers columns).")
    snmp = {r["n"]: r for r in snmp_rows(results)}.get(SNMP_BAR_DEVICES)
    if snmp and not snmp["error"] and snmp.get("ours_rate"):
        n = snmp["n"]
        varbinds = (results.get("snmp") or {}).get("oids_per_poll")
        cpu_ms = 1000 * snmp["ours_cpu"] / n
        agent_ms = 1000 * (snmp.get("ours_agent_cpu") or 0) / n
        ceiling = 2000 / (cpu_ms + agent_ms) if cpu_ms + agent_ms else None
        fit = varbind_fit(results)
        if snmp["ours_rate"] < SNMP_BAR_RATE:
            budget_ms = 2000 / SNMP_BAR_RATE - agent_ms  # our CPU per device that 2 cores allow at the bar
            text = (
                f"- **SNMP rate missed**: {snmp['ours_rate']:,.0f} devices/s. Our processes spent {cpu_ms:.2f} ms "
                f"CPU per device ({varbinds} varbinds per poll) and the agents {agent_ms:.2f} ms, on the same 2 "
                f"cores: a ceiling of about {ceiling:,.0f} devices/s with both cores busy all the time (they were "
                f"{snmp['ours_cores']:.2f} cores busy on average). {SNMP_BAR_RATE:,.0f}/s allows ≤ {budget_ms:.2f} "
                "ms of our CPU per device."
            )
            if fit and fit["per_varbind_ms"] > 0:
                most = int((budget_ms - fit["fixed_ms"]) / fit["per_varbind_ms"])
                text += (
                    f" At the fitted {fit['fixed_ms']:.2f} ms + {1000 * fit['per_varbind_ms']:.0f} µs per varbind "
                    f"that is at most **{most} varbinds per poll** (we send {varbinds}): the CPU is pyasn1's, per "
                    "varbind, so the lever is fewer varbinds per poll or a cheaper codec; the tuning table shows "
                    "what more processes or another concurrency give."
                )
            tuned = [
                (r["devices"] / _median(r["walls_s"]), key)
                for key, r in ((results.get("snmp") or {}).get("tuning") or {}).items()
                if "error" not in r and _median(r["walls_s"])
            ]
            if fit and fit["per_varbind_ms"] > 0:
                n_if = len((results.get("snmp") or {}).get("monitored") or {}) or 2
                projections = []
                for per_if in (5, 4):
                    vb = 1 + n_if * per_if
                    cpu = fit["fixed_ms"] + fit["per_varbind_ms"] * vb
                    projections.append(
                        f"{per_if} columns per interface → {vb} varbinds → ~{cpu:.2f} ms → "
                        f"a ceiling of ~{2000 / (cpu + agent_ms):,.0f} devices/s"
                    )
                text += " Projected from the fit (not measured): " + "; ".join(projections) + "."
            if tuned:
                best_rate, best_key = max(tuned)
                verdict = "did better" if best_rate > snmp["ours_rate"] else "did no better"
                text += (
                    f" The other settings in the tuning table {verdict} (best: {best_rate:,.0f} devices/s with "
                    f"{best_key.replace('x', ' processes × concurrency ')})."
                )
            out.append(text)
        if snmp.get("ratio") and snmp["ratio"] < SNMP_BAR_RATIO:
            peer_ms = 1000 * snmp["peer_cpu"] / n
            need_ms = 2000 / (SNMP_BAR_RATIO * snmp["peer_rate"])
            text = (
                f"- **SNMP ratio missed**: {snmp['ratio']:.1f}× the like-for-like peer, which sends one `snmpget` "
                f"with the same {varbinds} OIDs per device: net-snmp's C codec, {peer_ms:.2f} ms CPU per device "
                f"including the process start, {snmp['peer_rate']:,.0f} devices/s. {SNMP_BAR_RATIO:g}× that is "
                f"{SNMP_BAR_RATIO * snmp['peer_rate']:,.0f} devices/s: {need_ms:.2f} ms of CPU per device on 2 "
                f"cores for poller and agents together; ours used {cpu_ms:.2f} + {agent_ms:.2f} ms."
            )
            if fit:
                minimal = fit["fixed_ms"] + fit["per_varbind_ms"]
                if minimal + agent_ms > need_ms:
                    text += (
                        f" Even a poll of sysUpTime alone costs us about {minimal:.2f} ms of CPU (+ the agents' "
                        f"{agent_ms:.2f} ms), so this ratio is out of reach of any tuning of the probe as built."
                    )
                elif fit["per_varbind_ms"] > 0:
                    most = int((need_ms - agent_ms - fit["fixed_ms"]) / fit["per_varbind_ms"])
                    text += f" At the fitted cost that allows at most {most} varbinds per poll."
            if snmp.get("walk_ratio"):
                text += (
                    f" Against PERF.md's peer, which walks the interface columns every cycle, ours is "
                    f"{snmp['walk_ratio']:.1f}× ({snmp['walk_rate']:,.0f} devices/s there)."
                )
            out.append(text)
        if snmp["ours_ok"] != n:
            out.append(f"- **SNMP**: only {snmp['ours_ok']:,} of {n:,} devices answered our poll in every cycle.")
    rep = results.get("reports")
    if rep and "error" not in rep and rep["warm_median_s"] > REPORT_BAR_S:
        cpu = statistics.median(r["cpu_s"] for r in rep["runs"][1:]) if len(rep["runs"]) > 1 else None
        out.append(
            f"- **Reports**: the warm report took {rep['warm_median_s']:.2f} s wall"
            + (f" for {cpu:.2f} s of CPU: the rest is waiting for the cores other processes held." if cpu else ".")
        )
    out += web_analysis(results)
    for key in [
        k for k in results if k.startswith(("icmp/", "web/")) or k in ("snmp", "engine", "icmp_sweep", "reports")
    ]:
        err = results[key].get("error") if isinstance(results[key], dict) else None
        if err:
            out.append(f"- **{key} did not complete**: {_short(err, 400)}")
    return out


def summary(results: dict) -> str:
    lines = ["", "bar (PERF.md)                                                     measured → met"]
    for bar, value, ok in bars(results):
        lines.append(f"- {bar}: {value} → {'yes' if ok else ('not measured' if ok is None else 'NO')}")
    return "\n".join(lines)


# -- SNMP full cycles: the system group and the interface tables (discovery) ---------------


def discovery_rows(results: dict) -> list[dict]:
    """Ours (`discover_many`, what netmon.cycle runs for a device due for discovery) against the
    LibreNMS way (snmpget of the system group + snmpbulkwalk of ifTable, one process each per device)."""
    step = (results.get("snmp") or {}).get("discovery")
    rows = []
    for n in results.get("config", {}).get("snmp_sizes", []):
        row: dict = {"n": n, "error": _error(results.get("snmp")) or (None if step else "not run")}
        entry = ((step or {}).get("sizes") or {}).get(str(n))
        if row["error"] or not entry:
            row["error"] = row["error"] or "not run"
            rows.append(row)
            continue
        ours, peer = entry["ours"], entry["peer"]
        if ours.get("error"):
            row["error"] = ours["error"]
            rows.append(row)
            continue
        polls, row["ours_basis"] = undisturbed(ours["polls"])
        cycles, row["peer_basis"] = undisturbed(peer["polls"])
        peer_rss = max((c.get("rss_peak_sum_kb") or 0 for c in peer["polls"]), default=0) or None
        peer_one = max((c.get("rss_peak_one_kb") or 0 for c in peer["polls"]), default=0) or None
        row.update(
            cycles=len(ours["polls"]),
            ours_walls=[p["wall_s"] for p in ours["polls"]],
            ours_wall=_median(p["wall_s"] for p in polls),
            ours_cpu=_median(p["cpu_s"] for p in polls),
            ours_ok=min(p["ok"] for p in ours["polls"]),
            ours_values=_median(p.get("values", 0) / p["ok"] for p in polls if p["ok"]),
            interfaces=_median(p.get("interfaces_per_device") for p in polls),
            ours_rss_kb=ours.get("maxrss_sum_kb") or ours.get("maxrss_kb"),
            processes=ours["processes"],
            concurrency=ours["concurrency"],
            peer_walls=[c["wall_s"] for c in peer["polls"]],
            peer_wall=_median(c["wall_s"] for c in cycles),
            peer_cpu=_median(c["cpu_s"] for c in cycles),
            peer_dispatcher_cpu=_median(c["dispatcher_cpu_s"] for c in cycles),
            peer_ok=min(c["ok"] for c in peer["polls"]),
            peer_values=_median(c.get("values", 0) / c["n"] for c in cycles if c["n"]),
            peer_parallel=peer["parallel"],
            peer_command=peer["command"],
            peer_rss_kb=peer_rss,
            peer_process_rss_kb=peer_one,
        )
        row["ours_rate"] = n / row["ours_wall"] if row["ours_wall"] else None
        row["peer_rate"] = n / row["peer_wall"] if row["peer_wall"] else None
        row["ratio"] = _ratio(row["ours_rate"], row["peer_rate"])
        row["cpu_ratio"] = _ratio(row["peer_cpu"], row["ours_cpu"])
        rows.append(row)
    return rows


def _mb(kb: float | None) -> str:
    return "—" if not kb else f"{kb * 1024 / 1e6:.1f} MB"


def _per_1000(x: float | None, n: int, fmt: str = "{:.3f}") -> str:
    return "—" if x is None else fmt.format(x * 1000 / n)


def _mb_per_1000(kb: float | None, n: int) -> str:
    """Memory per 1,000 targets, only where there are thousands (below, the interpreter is all of it)."""
    return _mb(kb * 1000 / n) if kb and n >= 1000 else "—"


def discovery_section(results: dict) -> list[str]:
    rows = discovery_rows(results)
    if not rows:
        return []
    cfg = results.get("config", {})
    first = next((r for r in rows if not r["error"]), None)
    lines = [
        "",
        "## SNMP — full cycles of the system group and the interface tables",
        "",
        "What discovery reads from each device, every device, one cycle after another. Ours: "
        "`SnmpClient().discover_many(targets, concurrency=…)` — the path `netmon.cycle` runs for a device due "
        "for discovery: one GET of the six system scalars, then GETBULK (10 repetitions) of each column of "
        "`_DISCOVERY_COLUMNS` (ifDescr, ifType, ifSpeed, ifAdminStatus, ifOperStatus from ifTable; ifName, "
        "ifHCInOctets, ifHighSpeed, ifAlias from ifXTable; hrProcessorLoad) up to its end"
        + (f", in {first['processes']} processes × concurrency {first['concurrency']}" if first else "")
        + ". Peer, the LibreNMS way: per device one `snmpget` of the 8 system-group scalars, then one "
        "`snmpbulkwalk` of the whole ifTable (net-snmp's default 10 repetitions), "
        f"{first['peer_parallel'] if first else '—'} devices at a time; cycles taking turns with ours. "
        f"{cfg.get('discovery_repeat', '—')} measured cycles each (ours after one uncounted first contact). "
        "*Values per device* counts what each side got back: the peer's ifTable walk returns all 22 columns, "
        "ours reads 9 columns but from two tables — so the work is comparable, not identical.",
        "",
    ]
    table = []
    for r in rows:
        if r["error"]:
            table.append([f"{r['n']:,}", _short(r["error"]), *[""] * 11])
            continue
        table.append(
            [
                f"{r['n']:,}",
                _s(r["ours_wall"], 3) + _span(r["ours_walls"], "{:.3f}"),
                f"**{_num(r['ours_rate'])}**",
                _ms_per(r["ours_cpu"], r["n"]),
                _num(r["ours_values"]),
                f"{r['ours_ok']:,}/{r['n']:,}",
                _s(r["peer_wall"]) + _span(r["peer_walls"]),
                f"**{_num(r['peer_rate'])}**",
                _ms_per(r["peer_cpu"], r["n"]) + f" (+{_ms_per(r['peer_dispatcher_cpu'], r['n'])})",
                _num(r["peer_values"]),
                f"{r['peer_ok']:,}/{r['n']:,}",
                f"**{r['ratio']:.1f}×**" if r["ratio"] else "—",
                f"{r['cpu_ratio']:.1f}×" if r["cpu_ratio"] else "—",
            ]
        )
    lines += _table(
        ["devices", "ours wall", "ours devices/s", "ours CPU/device", "values/device", "ours ok", "peer wall",
         "peer devices/s", "peer CPU/device (+dispatcher)", "values/device", "peer ok", "ours ÷ peer (speed)",
         "peer CPU ÷ ours"],
        table,
    )  # fmt: skip
    if first:
        lines += ["", f"Peer command, per device: `{first['peer_command']}`"]
        lines += [f"Ours: {first['ours_basis']}; peer: {first['peer_basis']} (brackets: all cycles)."]
    return lines


# -- cost per 1,000 targets ----------------------------------------------------------------


def cost_rows(results: dict) -> list[list[str]]:
    """CPU seconds and peak RSS per 1,000 targets, ours and the peer's, for every poller scenario."""
    out = []
    for r in icmp_rows(results):
        if r["error"]:
            continue
        n = r["n"]
        fping_rss = r["peer_summary"].get("maxrss_kb")
        out.append(
            [
                f"ICMP cycle, {n:,} hosts ({r['silent']:,} silent)",
                _per_1000(r["ours_cpu"], n),
                _per_1000(r["peer_cpu"], n),
                _mb(r["peak_rss_kb"]),
                _mb_per_1000(r["peak_rss_kb"], n),
                _mb(fping_rss),
                _mb_per_1000(fping_rss, n),
            ]
        )
    snmp = results.get("snmp") or {}
    for r in snmp_rows(results):
        if r["error"] or r.get("ours_error") or not r.get("ours_cpu"):
            continue
        n = r["n"]
        ours = snmp["sizes"][str(n)]["ours"]
        ours_rss = ours.get("maxrss_sum_kb") or (ours.get("maxrss_kb") or 0) * ours.get("processes", 1)
        peer_polls = snmp["sizes"][str(n)].get("peer", {}).get("polls", [])
        peer_rss = max((c.get("rss_peak_sum_kb") or 0 for c in peer_polls), default=0) or None
        out.append(
            [
                f"SNMP poll cycle (uptime + 2 interfaces), {n:,} devices",
                _per_1000(r["ours_cpu"], n),
                _per_1000(r.get("peer_cpu"), n),
                _mb(ours_rss),
                _mb_per_1000(ours_rss, n),
                _mb(peer_rss),
                _mb_per_1000(peer_rss, n),
            ]
        )
    for r in discovery_rows(results):
        if r["error"]:
            continue
        n = r["n"]
        out.append(
            [
                f"SNMP full cycle (system group + interfaces), {n:,} devices",
                _per_1000(r["ours_cpu"], n),
                _per_1000(r["peer_cpu"], n),
                _mb(r["ours_rss_kb"]),
                _mb_per_1000(r["ours_rss_kb"], n),
                _mb(r["peer_rss_kb"]),
                _mb_per_1000(r["peer_rss_kb"], n),
            ]
        )
    return out


def cost_section(results: dict) -> list[str]:
    rows = cost_rows(results)
    if not rows:
        return []
    return [
        "",
        "## Cost per 1,000 targets",
        "",
        "CPU seconds per cycle per 1,000 targets, and peak resident memory (whole, and divided by thousands of "
        "targets). Ours: the poller process(es) — summed over processes for SNMP. fping: its own rusage. net-snmp: "
        "the CLI processes' CPU (the Python dispatcher that starts them is left out, see above); their memory is "
        "the most their live processes held at once (VmRSS read every 20 ms during the cycles; "
        "wait4's peak would count the Python parent's pages from before exec). Most of our RSS is the "
        "interpreter and the imports (about 50 MB a process), so the per-1,000 figure falls as targets grow.",
        "",
        *_table(
            [
                "scenario",
                "ours CPU s / 1,000",
                "peer CPU s / 1,000",
                "ours peak RSS",
                "per 1,000",
                "peer peak RSS",
                "per 1,000",
            ],
            rows,
        ),  # fmt: skip
    ]


# -- web -------------------------------------------------------------------------------------

WEB_BAR_MS = 100.0
SLOW_QUERY_MS = 20.0  # a query this slow in a page is shown with its plan
WEB_BAR_TICKETS = 100_000
WEB_BAR_PAGES = {"tablet_queue": "technician queue (tablet)", "ticket_api": "ticket API"}
WEB_LABELS = {
    "tablet_queue": "technician queue (tablet)",
    "my_tickets": "my open tickets (web list)",
    "asset_list": "asset list",
    "ticket_api": "ticket API",
}


def _web_steps(results: dict) -> list[tuple[str, dict | None]]:
    dbs = (results.get("config", {}).get("web") or {}).get("databases", [])
    return [(db, results.get(f"web/{db}")) for db in dbs]


def web_bars(results: dict) -> list[tuple[str, str, bool | None]]:
    out = []
    pause = (results.get("config", {}).get("web") or {}).get("think_s")
    think = f"pausing {pause:g} s on average" if pause else "never pausing"
    for db, step in _web_steps(results):
        for key, label in WEB_BAR_PAGES.items():
            text = f"Web ({db}): {label} p95 ≤ {WEB_BAR_MS:g} ms at {WEB_BAR_TICKETS:,} tickets, 20 clients ({think})"
            if not step or "error" in step:
                out.append((text, _short((step or {}).get("error", "not run"), 200), None))
                continue
            page = step["pages"].get(key) or {}
            p95 = page.get("p95_ms")
            full = step["rows"]["tickets"] >= WEB_BAR_TICKETS
            ok = page.get("ok") == page.get("requests") and bool(page.get("requests"))
            value = f"{p95:,.0f} ms" if p95 is not None else "—"
            if not full:
                value += f" at {step['rows']['tickets']:,} tickets only"
            if not ok:
                value += f", {page.get('requests', 0) - page.get('ok', 0)} non-200 answers"
            out.append((text, value, None if p95 is None or not full else (p95 <= WEB_BAR_MS and ok)))
    return out


def web_section(results: dict) -> list[str]:
    steps = _web_steps(results)
    if not steps:
        return []
    wcfg = results.get("config", {}).get("web") or {}
    think = wcfg.get("think_s") or 0
    lines = [
        "",
        "## Web — latency under 20 concurrent clients",
        "",
        f"The real server: gunicorn with the image's configuration (`docker/gunicorn.conf.py`: sync workers, each "
        "answering one request at a time, its garbage collector settled once loaded: `siyana.wsgi.settle`) on "
        f"127.0.0.1, {wcfg.get('workers')} workers for the 2 cores (one more "
        "than the cores: one computes while another waits on the database). "
        f"{wcfg.get('clients')} client threads (stdlib `http.client`; the workers close the connection after each "
        "answer, as a TLS proxy's connections upstream are) GET one page "
        f"at a time until {wcfg.get('requests')} answers or {wcfg.get('seconds')} s, after a warm-up of one request "
        f"per client; after each answer a client pauses between {0.5 * think:g} and {1.5 * think:g} s "
        f"({think:g} s on average): 20 people each tapping about once a second — a technician's tablet asks every "
        "30 s by itself, and the paper estimate below counts a busy user at one request every 10 s. Latency runs "
        "from sending the request to the body's last byte. The clients run on the same 2 cores. The bar is judged "
        f"on these clients. Then the same {wcfg.get('clients')} clients **with no pause at all** for "
        f"{wcfg.get('capacity_requests')} answers: the server's capacity (answers per second); with no pause, "
        f"{wcfg.get('clients')} clients keep {wcfg.get('clients')} requests in the system, so their latency is "
        f"{wcfg.get('clients')} ÷ that rate (Little's law) — a measure of throughput, shown beside the bar. "
        "The data: `bench.reports`'s generator, in a throw-away database (SQLite file, or a PostgreSQL database "
        "created on 127.0.0.1:5432, vacuumed and analysed as autovacuum leaves it, and dropped). The pages are "
        "read as a real technician — the one whose open-ticket count is the median of the 40; the API with his "
        "token. *Queries* are counted apart, one warm request through Django's test client (*repeated*: queries "
        "that repeat another's shape — an N+1 shows there); *alone* is that request's own time, in process, with no "
        "other load from the bench.",
    ]
    for db, step in steps:
        lines += ["", f"### {db}", ""]
        if not step or "error" in step:
            lines += [f"Not measured: {_short((step or {}).get('error', 'not run'))}"]
            continue
        rows, who = step["rows"], step["technician"]
        lines += [
            f"{rows['tickets']:,} tickets, {rows['entries']:,} timeline entries, {rows['actions']:,} corrective "
            f"actions, {rows['assets']:,} assets; database {step['db_bytes'] / 1e6:,.0f} MB (filled in "
            f"{step['populate_s']:.0f} s). Technician `{who['username']}`: {who['open_tickets']} open tickets in "
            f"his queue (the 40 technicians: {min(who['open_tickets_all'])}–{max(who['open_tickets_all'])}).",
            "",
        ]
        table = []
        for key, page in step["pages"].items():
            q = step["queries"].get(key, {})
            bar = ""
            if key in WEB_BAR_PAGES and page.get("p95_ms") is not None:
                bar = _met(page["p95_ms"] <= WEB_BAR_MS and page["ok"] == page["requests"])
            table.append(
                [
                    WEB_LABELS.get(key, key),
                    f"`{page['path']}`",
                    f"{page['p50_ms']:,.0f} ms" if page.get("p50_ms") is not None else "—",
                    f"**{page['p95_ms']:,.0f} ms**" if page.get("p95_ms") is not None else "—",
                    f"{page['p99_ms']:,.0f} ms" if page.get("p99_ms") is not None else "—",
                    f"{page['ok']:,}/{page['requests']:,}" + (" (time cap)" if page.get("capped_by_time") else ""),
                    _num(page.get("per_s"), "{:,.1f}"),
                    _num(page.get("server_cpu_ms_per_request"), "{:,.1f} ms"),
                    f"{q.get('queries', '—')} ({q.get('repeated', 0)})",
                    f"{1000 * q['wall_s']:,.0f} ms" if q.get("wall_s") is not None else "—",
                    f"{q.get('bytes', 0) / 1000:,.0f} kB",
                    bar or "(no bar)",
                ]
            )
        lines += _table(
            ["page", "path", "p50", "p95", "p99", "200 OK", "req/s", "server CPU / request", "queries (repeated)",
             "alone", "size", "bar: p95 ≤ 100 ms"],
            table,
        )  # fmt: skip
        capacity = step.get("capacity") or {}
        if capacity:
            lines += ["", f"The same pages with no pause between requests ({db}): the capacity.", ""]
            lines += _table(
                ["page", "answers/s", "p50", "p95", "p99", "200 OK", "server CPU / request"],
                [
                    [
                        WEB_LABELS.get(key, key),
                        f"**{_num(page.get('per_s'), '{:,.1f}')}**",
                        _num(page.get("p50_ms"), "{:,.0f} ms"),
                        _num(page.get("p95_ms"), "{:,.0f} ms"),
                        _num(page.get("p99_ms"), "{:,.0f} ms"),
                        f"{page['ok']:,}/{page['requests']:,}" + (" (time cap)" if page.get("capped_by_time") else ""),
                        _num(page.get("server_cpu_ms_per_request"), "{:,.1f} ms"),
                    ]
                    for key, page in capacity.items()
                ],
            )
        lines += [
            "",
            f"Server memory: {_mb(step['server'].get('rss_idle_kb'))} for the {wcfg.get('workers')} workers and "
            f"the master at rest, {_mb(max(p.get('server_rss_kb') or 0 for p in step['pages'].values()))} after "
            "the load.",
        ]
        slow = [(k, q) for k, q in step["queries"].items() if (q.get("slowest_ms") or 0) >= SLOW_QUERY_MS]
        if slow:
            lines += ["", f"Queries of {SLOW_QUERY_MS:g} ms or more (one warm request, parameters bound as Django "
                      "binds them; the plan is the database's own):", ""]  # fmt: skip
            for key, q in slow:
                lines += [
                    f"- {WEB_LABELS.get(key, key)}: **{q['slowest_ms']:,.0f} ms** — "
                    f"`{_short(q.get('slowest_sql') or '', 240)}` — plan: "
                    f"`{_short(' → '.join(q.get('slowest_plan') or []), 400)}`"
                ]
        st = step.get("storage")
        if st:
            lines += [
                "",
                f"Samples on disk ({db}): {st['samples']:,} raw rows take {st['sample_bytes'] / 1e6:,.1f} MB with "
                f"their two indexes — **{st['bytes_per_sample']:.0f} bytes a row**; {st['rollups']:,} 5-minute "
                f"rollups {st['rollup_bytes'] / 1e6:,.1f} MB with the unique index and theirs — "
                f"**{st['bytes_per_rollup']:.0f} bytes a row** (bulk_create: "
                f"{_num(st.get('insert_samples_per_s'))} samples/s). Rows written in time order into fresh "
                "indexes: a table that has lived through months of inserts and pruning packs its indexes looser, so "
                "take these as a floor.",
            ]
    return lines


def web_analysis(results: dict) -> list[str]:
    """Why a web bar was missed: how busy the server was under the clients, and what a request cost."""
    out = []
    wcfg = results.get("config", {}).get("web") or {}
    clients = wcfg.get("clients") or 20
    for db, step in _web_steps(results):
        if not step or "error" in step:
            continue
        for key, label in WEB_BAR_PAGES.items():
            page = step["pages"].get(key) or {}
            if page.get("p95_ms") is None or page["p95_ms"] <= WEB_BAR_MS:
                continue
            cpu = page.get("server_cpu_ms_per_request")
            q = step["queries"].get(key, {})
            text = (
                f"- **Web ({db}), {label} missed**: p95 {page['p95_ms']:,.0f} ms, p50 {page['p50_ms']:,.0f} ms at "
                f"{page['per_s']:,.1f} requests/s from {clients} clients."
            )
            if cpu:
                busy = page["per_s"] * cpu / 1000 / 2
                text += (
                    f" The server spent {cpu:,.1f} ms of CPU per request: the 2 cores were {busy:.0%} busy with it, "
                    "and a request that arrives while others run waits its turn."
                )
            cap = (step.get("capacity") or {}).get(key) or {}
            if cap.get("per_s"):
                text += f" With no pause the server answers {cap['per_s']:,.1f} a second."
            text += f" {q.get('queries', '—')} queries per request ({q.get('repeated', 0)} of a repeated shape)."
            if q.get("slowest_ms") and q["slowest_ms"] >= SLOW_QUERY_MS:
                text += (
                    f" Its slowest query took {q['slowest_ms']:,.0f} ms alone — plan: "
                    f"`{_short(' → '.join(q.get('slowest_plan') or []), 400)}` (see the web section)."
                )
            out.append(text)
    return out


# -- the paper estimate -----------------------------------------------------------------------

# The ministry of the issue, and what is assumed about it (everything else is measured above).
EST_SCHOOLS = 4_000
EST_TARGETS = 40_000
EST_INTERVAL_S = 60
EST_SNMP_SHARE = 0.25  # assumed: one target in four is a switch, router or AP polled by SNMP
EST_SNMP_SERIES = 6  # per SNMP device, as benchmarked: uptime_s, one cpu:<i>, in/out bps of 2 interfaces
EST_UTILISATION = 0.5  # run the pollers and web servers at most half busy: headroom for bursts and outages
EST_ACTIVE_USERS = 1_000  # assumed: people with a page open at the busiest hour, ministry-wide
EST_THINK_S = 10  # assumed: one page or API call per active user every 10 s


def _est_storage(results: dict) -> tuple[str, dict] | None:
    for db in ("postgres", "sqlite"):
        step = results.get(f"web/{db}")
        if step and "error" not in step and step.get("storage"):
            return db, step["storage"]
    return None


def estimate_section(results: dict) -> list[str]:
    import math

    lines = ["", f"## Paper estimate: a ministry, {EST_SCHOOLS:,} schools, ~{EST_TARGETS:,} targets at 60 s", ""]
    lines += [
        "Computed by `bench/report.py` from this run's figures; the assumptions are the constants at the head of "
        f"its estimate (one target in {1 / EST_SNMP_SHARE:.0f} polled by SNMP, {EST_SNMP_SERIES} SNMP series per "
        f"device, machines kept ≤ {EST_UTILISATION:.0%} busy, {EST_ACTIVE_USERS:,} active web users at the peak "
        f"each asking every {EST_THINK_S} s).",
        "",
    ]
    icmp = {r["n"]: r for r in icmp_rows(results)}.get(ICMP_BAR_TARGETS)
    snmp = {r["n"]: r for r in snmp_rows(results)}.get(SNMP_BAR_DEVICES)
    disc = {r["n"]: r for r in discovery_rows(results)}.get(SNMP_BAR_DEVICES)
    eng = results.get("engine")
    stored = _est_storage(results)
    missing = [
        name
        for name, ok in (
            ("ICMP at 10,000", icmp and not icmp["error"]),
            ("SNMP poll at 1,000", snmp and not snmp["error"] and snmp.get("ours_cpu")),
            ("SNMP discovery at 1,000", disc and not disc["error"]),
            ("engine", eng and "error" not in eng),
        )
        if not ok
    ]
    if missing:
        return lines + [f"Not computed: no measurement of {', '.join(missing)} in this run."]
    snmp_devices = int(EST_TARGETS * EST_SNMP_SHARE)
    hours = (stored[1].get("discovery_hours") if stored else None) or 6
    icmp_cpu = icmp["ours_cpu"] / icmp["n"] * EST_TARGETS
    poll_cpu = snmp["ours_cpu"] / snmp["n"] * snmp_devices
    disc_cpu = disc["ours_cpu"] / disc["n"] * snmp_devices * EST_INTERVAL_S / (hours * 3600)
    eng_cpu = eng["us_per_target"] / 1e6 * EST_TARGETS
    series = EST_TARGETS + EST_SNMP_SERIES * snmp_devices
    store_cpu = series / stored[1]["insert_samples_per_s"] if stored and stored[1].get("insert_samples_per_s") else 0
    total = icmp_cpu + poll_cpu + disc_cpu + eng_cpu + store_cpu
    cores = total / EST_INTERVAL_S
    workers = max(1, math.ceil(cores / EST_UTILISATION))
    icmp_wall = icmp["ours_wall"] * EST_TARGETS / icmp["n"] / workers
    rss_worker = max(icmp["peak_rss_kb"] or 0, (snmp.get("ours_rss_kb") or 0)) * 1024 / 1e6
    lines += [
        "### Pollers",
        "",
        f"- ICMP: {icmp['ours_cpu']:.2f} s CPU per cycle of {icmp['n']:,} hosts → {EST_TARGETS:,} × "
        f"{icmp['ours_cpu'] / icmp['n'] * 1000:.3f} s / 1,000 = **{icmp_cpu:.1f} s** per minute.",
        f"- SNMP poll: {snmp_devices:,} devices × {1000 * snmp['ours_cpu'] / snmp['n']:.2f} ms = "
        f"**{poll_cpu:.1f} s** per minute.",
        f"- SNMP discovery every {hours} h: {snmp_devices:,} × {1000 * disc['ours_cpu'] / disc['n']:.2f} ms × "
        f"{EST_INTERVAL_S} s ÷ {hours * 3600:,} s = **{disc_cpu:.2f} s** per minute.",
        f"- Engine: {EST_TARGETS:,} × {eng['us_per_target']:.1f} µs = **{eng_cpu:.1f} s** per minute.",
        f"- Storing the samples: {series:,} series ({EST_TARGETS:,} rtt + {EST_SNMP_SERIES} × {snmp_devices:,}) "
        + (
            f"÷ {stored[1]['insert_samples_per_s']:,.0f} rows/s (bulk_create, {stored[0]}) = **{store_cpu:.1f} s** "
            "per minute (of the poller's time; the database's own CPU comes on top)."
            if store_cpu
            else "— not measured in this run."
        ),
        f"- Total **{total:.1f} CPU-seconds per {EST_INTERVAL_S} s** = {cores:.2f} cores busy; at ≤ "
        f"{EST_UTILISATION:.0%} → **{workers} poller worker process(es)** (one core each; a 2-core machine holds "
        f"two). Each would ping {EST_TARGETS // workers:,} hosts in about {icmp_wall:.1f} s of the {EST_INTERVAL_S} s "
        f"(the measured wall scaled by hosts), peak RSS about {rss_worker:.0f} MB a process (measured at "
        f"{icmp['n']:,} targets).",
        "",
    ]
    if stored:
        db, st = stored
        per_day = series * 86_400 / EST_INTERVAL_S
        raw_rows = per_day * st["raw_days"]
        r5_rows = series * 288 * min(st["rollup_5m_days"], 365)
        r1_rows = series * 24 * min(st["rollup_1h_days"], 365)
        r1_steady = series * 24 * st["rollup_1h_days"]
        year = raw_rows * st["bytes_per_sample"] + (r5_rows + r1_rows) * st["bytes_per_rollup"]
        steady = raw_rows * st["bytes_per_sample"] + (r5_rows + r1_steady) * st["bytes_per_rollup"]
        biggest = max(
            (raw_rows * st["bytes_per_sample"], "the raw samples (NETMON_RAW_DAYS)"),
            (r5_rows * st["bytes_per_rollup"], "the 5-minute rollups (NETMON_ROLLUP_5M_DAYS)"),
            (r1_rows * st["bytes_per_rollup"], "the hourly rollups (NETMON_ROLLUP_1H_DAYS)"),
        )
        lines += [
            f"### Database ({db}, measured bytes per row with indexes)",
            "",
            f"- Raw samples: {series:,} series × {86_400 // EST_INTERVAL_S:,} a day × {st['raw_days']} days "
            f"(NETMON_RAW_DAYS) = {raw_rows / 1e6:,.0f} M rows × {st['bytes_per_sample']:.0f} B = "
            f"**{raw_rows * st['bytes_per_sample'] / 1e9:,.1f} GB** (constant once the retention window is full).",
            f"- 5-minute rollups: {series:,} × 288 a day × {min(st['rollup_5m_days'], 365)} days "
            f"(NETMON_ROLLUP_5M_DAYS) = {r5_rows / 1e6:,.0f} M rows × {st['bytes_per_rollup']:.0f} B = "
            f"**{r5_rows * st['bytes_per_rollup'] / 1e9:,.1f} GB**.",
            f"- Hourly rollups after one year: {series:,} × 24 × 365 = {r1_rows / 1e6:,.0f} M rows × "
            f"{st['bytes_per_rollup']:.0f} B = **{r1_rows * st['bytes_per_rollup'] / 1e9:,.1f} GB** (growing to "
            f"{r1_steady * st['bytes_per_rollup'] / 1e9:,.1f} GB at NETMON_ROLLUP_1H_DAYS = {st['rollup_1h_days']}).",
            f"- The largest part is {biggest[1]} ({biggest[0] / year:.0%} of the first year): the setting to "
            "shorten first if the disk is short.",
            f"- **After one year: about {year / 1e9:,.0f} GB** of samples; steady state "
            f"{steady / 1e9:,.0f} GB. Tickets, actions and outages are small beside them (this run's "
            f"{(results.get(f'web/{db}') or {}).get('rows', {}).get('tickets', 0):,} tickets with everything else "
            f"came to {(results.get(f'web/{db}') or {}).get('db_bytes', 0) / 1e9:,.1f} GB).",
            "",
        ]
    web = results.get("web/postgres") or {}
    if web and "error" not in web:
        cpus = [p["server_cpu_ms_per_request"] for p in web["pages"].values() if p.get("server_cpu_ms_per_request")]
        if cpus:
            mean_cpu = sum(cpus) / len(cpus)
            rate = EST_ACTIVE_USERS / EST_THINK_S
            web_cores = rate * mean_cpu / 1000
            boxes = max(1, math.ceil(web_cores / EST_UTILISATION / 2))
            lines += [
                "### Web",
                "",
                f"- {EST_ACTIVE_USERS:,} active users ÷ {EST_THINK_S} s = {rate:,.0f} requests/s × {mean_cpu:.1f} ms "
                f"CPU (the mean of the four pages measured on PostgreSQL) = {web_cores:.1f} cores; at ≤ "
                f"{EST_UTILISATION:.0%} → **{boxes} two-core web machine(s)**, each gunicorn "
                f"{wcfg_workers(results)} (the configuration measured), plus PostgreSQL's own CPU for those queries.",
                "",
            ]
    return lines


def wcfg_workers(results: dict) -> str:
    w = results.get("config", {}).get("web") or {}
    return f"{w.get('workers', '—')} sync workers"


def extra_sections(results: dict) -> list[str]:
    """The sections issue 8 added: SNMP full cycles, cost per 1,000 targets, web, the paper estimate."""
    return discovery_section(results) + cost_section(results) + web_section(results) + estimate_section(results)


def soak_section(soak: dict | None) -> list[str]:
    """ "Soak": the real poller for N minutes at 10,000 targets (`bench.soak`), its memory and lag per sample."""
    if not soak:
        return []
    lines = ["", "## Soak", ""]
    if "error" in soak:
        return lines + [f"Not measured: {_short(soak['error'])}"]
    s = soak.get("summary") or {}

    def slope(x: float | None, unit: str) -> str:
        return "—" if x is None else f"{x:+.3f} {unit}/min"

    def num(x: float | None, digits: int = 1) -> str:
        return "—" if x is None else f"{x:.{digits}f}"

    lines += [
        f"`manage.py poll` (the embedded poller, SQLite) for {soak['minutes']:g} minutes against "
        f"{soak['targets']:,} loopback targets, every one pinged each {soak['interval_s']} s and "
        f"{soak['snmp_devices']:,} of them snmpd devices polled by SNMP; sampled every {soak['sample_s']:g} s "
        f"(building the database took {soak['build_s']:.0f} s). "
        + ("The poller ran to the end." if soak.get("poller_alive_to_the_end") else "**The poller died early.**"),
        "",
    ]
    lines += _table(
        ["RSS first", "RSS last", "RSS max", "RSS trend", "lag max", "lag last", "lag trend", "overdue max",
         "overdue trend", "polls"],
        [[
            f"{s.get('rss_first_mb') or 0:.0f} MB", f"{s.get('rss_last_mb') or 0:.0f} MB",
            f"{s.get('rss_max_mb') or 0:.0f} MB", slope(s.get("rss_slope_mb_per_min"), "MB"),
            _s(s.get("lag_max_s"), 1), _s(s.get("lag_last_s"), 1),
            slope(s.get("lag_slope_s_per_min"), "s"), _num(s.get("overdue_max")),
            slope(s.get("overdue_slope_per_min"), "targets"), _num(s.get("polls_total")),
        ]],
    )  # fmt: skip
    series = soak.get("series") or []
    if series:
        lines += ["", "Per sample (t: seconds since the poller started):", ""]
        lines += _table(
            ["t", "RSS MB", "lag s", "cycle s", "overdue", "polls"],
            [[f"{p['t_s']:.0f}", num(p.get("rss_mb")), num(p.get("lag_s")), num(p.get("cycle_s")),
              _num(p.get("overdue")), _num(p.get("polls_total"))] for p in series],
        )  # fmt: skip
    lines += [
        "",
        "Trends are least-squares slopes after the first minute (the start-up polls every new target at "
        "once). Stable memory and no growing lag: RSS and lag trends near zero over the run.",
    ]
    return lines
