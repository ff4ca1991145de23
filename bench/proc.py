"""Running and measuring processes: wall, CPU and peak RSS, always with a time limit."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchTimeout(RuntimeError):
    pass


@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    maxrss_kb: int

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s

    def json(self) -> dict:
        """The last line of stdout that is a JSON object (what our workers print)."""
        for line in reversed(self.stdout.splitlines()):
            line = line.strip()
            if line.startswith("{"):
                return json.loads(line)
        raise ValueError(f"no JSON result in output (rc={self.returncode}): {self.stderr[-2000:]}")


def _kill_group(pid: int) -> None:
    """SIGKILL the process group we started (start_new_session: its id is the child's pid)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_measured(cmd: list[str], *, timeout: float, cwd: Path | None = None, env: dict | None = None) -> Measured:
    """Run `cmd` to completion and return its own wall time, CPU (it and its reaped
    children, from wait4) and peak RSS. Killed (its whole process group) after `timeout`."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env, start_new_session=True)
        box: dict = {}

        def reap() -> None:
            box["status"] = os.wait4(proc.pid, 0)
            box["ended"] = time.perf_counter()

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        try:
            waiter.join(timeout)
        except BaseException:  # Ctrl-C or SIGTERM while waiting: do not leave it running
            _kill_group(proc.pid)
            waiter.join(10)
            raise
        if waiter.is_alive():
            _kill_group(proc.pid)
            waiter.join(10)
            proc.returncode = -9
            raise BenchTimeout(f"{cmd[:6]}… exceeded {timeout:.0f} s and was killed")
        _, status, usage = box["status"]
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=proc.returncode,
            stdout=out.read(),
            stderr=err.read(),
            wall_s=box["ended"] - started,
            cpu_user_s=usage.ru_utime,
            cpu_sys_s=usage.ru_stime,
            maxrss_kb=usage.ru_maxrss,
        )


def pid_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (from /proc), 0.0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def self_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _status_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def maxrss_kb() -> int:
    """Peak resident set size of this process so far (the larger of rusage and VmHWM)."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, _status_kb("VmHWM"))


def rss_kb() -> int:
    return _status_kb("VmRSS")
