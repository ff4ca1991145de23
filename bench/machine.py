"""What the bench ran on: CPU, cores, kernel, OS, Python, package and tool versions, date."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("pysnmp", "pyasn1", "icmplib", "Django")
MEASURED = ("netmon/probes", "netmon/engine.py", "bench")  # the code whose speed RESULTS.md reports


def _first_line(cmd: list[str], *, contains: str = "") -> str:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc.__class__.__name__})"
    for line in (result.stdout + result.stderr).splitlines():
        line = line.strip()
        if line and contains in line:
            return line
    return "unavailable"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip().strip('"')
                debian = Path("/etc/debian_version")
                return f"{name} ({debian.read_text().strip()})" if debian.exists() else name
    except OSError:
        pass
    return platform.platform()


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _git(repo: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def describe(repo: Path) -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": f"{os.cpu_count()} logical, {usable} usable by this process",
        "memory": _memory_total(),
        "kernel": f"{platform.system()} {platform.release()}",
        "os": _os_release(),
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "fping": _first_line(["fping", "-v"], contains="Version"),
        "net-snmp": _first_line(["snmpget", "--version"], contains="version"),
        "snmpd": _first_line(["/usr/sbin/snmpd", "--version"], contains="version"),
        "iproute2": _first_line(["ip", "-V"]),
        "commit": _git(repo, "rev-parse", "--short", "HEAD"),
        "measured code": "; ".join(
            f"{path} at {_git(repo, 'log', '-1', '--format=%h', '--', path)}"
            + (
                " + UNCOMMITTED CHANGES"
                if _git(repo, "status", "--porcelain", "--untracked-files=no", "--", path, ":!bench/RESULTS.md")
                else ""
            )
            for path in MEASURED
        ),
    }


def cpu_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    tck = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tck, total / tck


def idle_fraction(seconds: float = 1.0) -> float:
    """How idle the machine was over the next `seconds` (0..1)."""
    busy0, total0 = cpu_times()
    time.sleep(seconds)
    busy1, total1 = cpu_times()
    return 1.0 - (busy1 - busy0) / max(total1 - total0, 1e-9)


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def wait_until_quiet(*, idle: float = 0.85, limit_s: float = 60.0) -> tuple[float, float]:
    """Wait (at most `limit_s`) until the machine is at least `idle` idle over a second:
    other work on a shared machine skews every number. Returns (idle fraction, waited s)."""
    started = time.monotonic()
    measured = idle_fraction()
    while measured < idle and time.monotonic() - started < limit_s:
        measured = idle_fraction()
    return measured, time.monotonic() - started
