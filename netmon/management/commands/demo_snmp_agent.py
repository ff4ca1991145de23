"""`manage.py demo_snmp_agent`: simulated SNMP devices for the demo, on loopback only.

Serves two recordings of real devices from snmpsim-data with snmpsim, on the demo
switches' and UPSes' addresses (see netmon/demo.py). sysUpTime and the octet counters
are made to advance with time, as a live device's do. Runs in the foreground until
stopped; `make run` starts it next to the poller.
"""

from __future__ import annotations

import bz2
import ipaddress
import os
import re
import shutil
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from netmon import demo

_LIVE = {
    # sysUpTime: 100 ticks a second from the recorded value
    re.compile(r"^(1\.3\.6\.1\.2\.1\.1\.3\.0)\|67\|(\d+)$"): r"\1|67:numeric|rate=100,initial=\2",
    # ifHCInOctets / ifHCOutOctets: a steady ~1 Mbit/s of traffic
    re.compile(r"^(1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.(?:6|10)\.\d+)\|70\|(\d+)$"): (
        r"\1|70:numeric|rate=125000,initial=\2,wrap=1"
    ),
}


def _recording(relative: str) -> str:
    import snmpsim_data

    path = Path(snmpsim_data.__file__).parent / "data" / relative
    raw = bz2.decompress(path.read_bytes()) if path.suffix == ".bz2" else path.read_bytes()
    lines = []
    for line in raw.decode("latin-1").splitlines():
        for pattern, replacement in _LIVE.items():
            line = pattern.sub(replacement, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Run the demo's simulated SNMP agents (snmpsim, recorded real devices) on loopback addresses."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=demo.AGENT_PORT)

    def handle(self, *args, port: int, **options):
        responder = shutil.which("snmpsim-command-responder") or str(
            Path(sys.executable).with_name("snmpsim-command-responder")
        )
        if not Path(responder).exists():
            raise CommandError("snmpsim is not installed: pip install -e '.[demo]'")
        root = Path(settings.DATA_DIR) / "demo-snmp"
        data, cache = root / "data", root / "cache"
        shutil.rmtree(root, ignore_errors=True)
        data.mkdir(parents=True)
        cache.mkdir()
        for relative, community in (demo.SWITCH_RECORDING, demo.UPS_RECORDING):
            (data / f"{community}.snmprec").write_text(_recording(relative), encoding="latin-1")
        endpoints = demo.agent_endpoints()
        for address in endpoints:  # the demo never listens off loopback
            if not ipaddress.ip_address(address).is_loopback:
                raise CommandError(f"refusing a non-loopback demo endpoint: {address}")
        argv = [
            responder,
            f"--data-dir={data}",
            f"--cache-dir={cache}",
            "--log-level=error",
            *(f"--agent-udpv4-endpoint={address}:{port}" for address in endpoints),
        ]
        self.stdout.write(f"demo_snmp_agent: {len(endpoints)} simulated devices on 127.0.x.y:{port}")
        self.stdout.flush()
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        os.execve(responder, argv, env)
