"""A bounded soak of the real poller: memory stays flat and lag does not grow.

    python -m bench.soak [--minutes 30] [--targets 10000] [--snmp 200] [--sample-s 60]

Builds a throw-away SQLite database (migrated from scratch in a temporary directory,
removed at the end) holding `--targets` monitored targets on loopback: all are pinged
(127.30.x.y, answered by the kernel), and `--snmp` of them are net-snmp `snmpd` devices
(127.20.x.y, `bench.agents.snmpd_fleet`, on a high port) polled for sysUpTime and two
interfaces. Then runs `manage.py poll` — the embedded poller, as `make run` starts it — for
`--minutes`, and every `--sample-s` seconds samples its resident memory (/proc) and how far
behind it is (its heartbeat: the last cycle's lag and duration; the database: targets more than
30 s past their poll time). Prints one JSON object: the per-sample series and a summary (first,
last and largest RSS, the least-squares slope of RSS and of lag per minute). Every loop is
bounded in count and time; the poller and the agents are stopped on exit, also on SIGTERM.
All traffic stays on 127.0.0.0/8.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.reports import _setup  # the same: a migrated SQLite database under the data directory

REPO = Path(__file__).resolve().parent.parent
ICMP_NET = 30  # pinged-only targets are 127.30.x.y
SNMP_PORT = 16262  # the agents' port: high, so no system snmpd is in the way
INTERVAL_S = 60


def _populate(n_targets: int, snmp_devices: list) -> None:
    """One school; `n_targets` assets, each with its target; the first len(snmp_devices) also SNMP."""
    from assets.models import Asset, AssetModel, Directorate, Manufacturer, School
    from bench.netns import loopback_address
    from netmon.models import SnmpCredential, Target

    directorate = Directorate.objects.create(code="SOAK", name_ar="مديرية الاختبار", name_en="Soak directorate")
    school = School.objects.create(directorate=directorate, code="990001", name_ar="مدرسة الاختبار")
    maker = Manufacturer.objects.create(name="Cisco")
    model = AssetModel.objects.create(manufacturer=maker, name="Catalyst 2960-X", category="switch")
    credential = SnmpCredential(name="soak", version="v2c")
    credential.set_secret("community", "public")
    credential.save()
    addresses = [d.address for d in snmp_devices] + [
        loopback_address(i, ICMP_NET) for i in range(n_targets - len(snmp_devices))
    ]
    Asset.objects.bulk_create(
        [
            Asset(asset_tag=f"SOAK-{i:05d}", name=f"soak {i}", asset_model=model, manufacturer=maker, school=school)
            for i in range(n_targets)
        ],
        batch_size=2000,
    )
    assets = list(Asset.objects.filter(school=school).order_by("asset_tag").values_list("pk", flat=True))
    targets = []
    for i, (asset_id, address) in enumerate(zip(assets, addresses, strict=True)):
        snmp = i < len(snmp_devices)
        targets.append(
            Target(
                asset_id=asset_id,
                address=address,
                interval_s=INTERVAL_S,
                timeout_s=1.0,
                retries=1,
                snmp_enabled=snmp,
                credential=credential if snmp else None,
                snmp_port=SNMP_PORT,
                interfaces=[1, 2] if snmp else [],
                school_hours_only=False,
            )
        )
    Target.objects.bulk_create(targets, batch_size=2000)


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _sample(pid: int, started: float) -> dict:
    from django.db import connection
    from django.utils import timezone

    from netmon.models import PollerStatus, Target

    connection.close()  # a fresh read of what the poller committed
    now = timezone.now()
    status = PollerStatus.objects.filter(name="soak").first()
    overdue = Target.objects.filter(enabled=True, next_poll_at__lt=now - timezone.timedelta(seconds=30)).count()
    polled = Target.objects.filter(last_poll_at__isnull=False).count()
    rss = _rss_kb(pid)
    return {
        "t_s": round(time.monotonic() - started, 1),
        "rss_mb": None if rss is None else round(rss / 1024, 1),
        "lag_s": None if status is None or status.lag_s is None else round(status.lag_s, 2),
        "cycle_s": None if status is None or status.cycle_duration_s is None else round(status.cycle_duration_s, 2),
        "targets_due": None if status is None else status.targets_due,
        "polls_total": None if status is None else status.polls_total,
        "errors_total": None if status is None else status.errors_total,
        "overdue": overdue,
        "targets_polled": polled,
    }


def slope_per_minute(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value) points, per minute; None under 2 points."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx * 60


def summarise(samples: list[dict]) -> dict:
    # the first minute is the start-up (every target new, polled at once): the trend is taken after it
    steady = [s for s in samples if s["t_s"] >= 60] or samples
    rss = [(s["t_s"], s["rss_mb"]) for s in steady if s["rss_mb"] is not None]
    lag = [(s["t_s"], s["lag_s"]) for s in steady if s["lag_s"] is not None]
    overdue = [(s["t_s"], s["overdue"]) for s in steady]
    all_rss = [s["rss_mb"] for s in samples if s["rss_mb"] is not None]
    return {
        "samples": len(samples),
        "rss_first_mb": all_rss[0] if all_rss else None,
        "rss_last_mb": all_rss[-1] if all_rss else None,
        "rss_max_mb": max(all_rss) if all_rss else None,
        "rss_slope_mb_per_min": slope_per_minute(rss),
        "lag_max_s": max((y for _, y in lag), default=None),
        "lag_last_s": lag[-1][1] if lag else None,
        "lag_slope_s_per_min": slope_per_minute(lag),
        "overdue_max": max((y for _, y in overdue), default=None),
        "overdue_slope_per_min": slope_per_minute(overdue),
        "polls_total": samples[-1]["polls_total"] if samples else None,
    }


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run(minutes: float, n_targets: int, n_snmp: int, sample_s: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="siyana-soak-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        devices = []
        if n_snmp:
            from bench.agents import snmpd_fleet

            fleet = stack.enter_context(snmpd_fleet(n_snmp, workdir / "agents", port=SNMP_PORT))
            devices = fleet.devices
        t0 = time.monotonic()
        _setup(workdir)
        _populate(n_targets, devices)
        build_s = time.monotonic() - t0
        env = {
            **os.environ,
            "DATA_DIR": str(workdir),
            "DJANGO_SETTINGS_MODULE": "siyana.settings",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL", None)
        log_path = workdir / "poll.log"
        log_file = stack.enter_context(log_path.open("w"))
        process = subprocess.Popen(
            [sys.executable, "manage.py", "poll", "--name=soak"],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(_stop, process)
        started = time.monotonic()
        samples: list[dict] = []
        count = max(1, int(minutes * 60 // sample_s))
        for i in range(1, count + 1):  # bounded: `count` samples, each at its own moment
            wait = started + i * sample_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if process.poll() is not None:
                break
            samples.append(_sample(process.pid, started))
            print(json.dumps({"sample": samples[-1]}), file=sys.stderr, flush=True)
        alive = process.poll() is None
        _stop(process)
        tail = log_path.read_text(errors="replace").splitlines()[-20:]
    return {
        "minutes": minutes,
        "targets": n_targets,
        "snmp_devices": n_snmp,
        "interval_s": INTERVAL_S,
        "sample_s": sample_s,
        "build_s": round(build_s, 1),
        "poller_alive_to_the_end": alive,
        "series": samples,
        "summary": summarise(samples),
        "log_tail": tail,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--snmp", type=int, default=200, help="how many of the targets are snmpd devices")
    parser.add_argument("--sample-s", type=float, default=60.0, help="seconds between samples")
    args = parser.parse_args(argv)
    if not 0 < args.minutes <= 240:
        parser.error("--minutes: 0 < minutes <= 240")
    if not 1 <= args.targets <= 60_000 or not 0 <= args.snmp <= min(args.targets, 2000):
        parser.error("--targets 1..60,000 and --snmp 0..min(targets, 2,000)")
    if not 5 <= args.sample_s <= 600:
        parser.error("--sample-s: 5..600")
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))  # unwind: stop the children
    print(json.dumps(run(args.minutes, args.targets, args.snmp, args.sample_s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
