"""`manage.py poll [--once] [--shard I/N]`: the network poller (embedded mode)."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from netmon.probes.icmp import IcmpUnavailable, icmp_privileged
from netmon.scheduler import Shard, StandalonePoller


class Command(BaseCommand):
    help = (
        "Poll the monitored targets with ICMP and SNMP and open tickets for real failures. Runs until "
        "SIGTERM or Ctrl-C, which let the current cycle finish."
    )

    # A daemon: start fast and do not depend on the web side's URL configuration.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll every enabled target once, then exit.")
        parser.add_argument(
            "--shard", default="0/1", help="Poll only targets whose id %% N == I (run N pollers: 0/N … N-1/N)."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Targets per probe batch.")
        parser.add_argument("--max-cycles", type=int, default=None, help="Stop after this many cycles.")
        parser.add_argument("--name", default=None, help="This poller's name on the health page.")
        parser.add_argument(
            "--db-timeout",
            type=float,
            default=None,
            help="Seconds a query waits for a locked database before the poller backs off and retries "
            "(default: the database's own setting).",
        )

    def handle(self, *args, once: bool, shard: str, batch_size, max_cycles, name, db_timeout, **options):
        try:
            parsed = Shard.parse(shard)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            mode = "raw sockets" if icmp_privileged() else "unprivileged datagram sockets"
        except IcmpUnavailable as exc:
            raise CommandError(str(exc)) from None
        if db_timeout is not None and db_timeout <= 0:
            raise CommandError("--db-timeout must be positive")
        poller = StandalonePoller(shard=parsed, batch_size=batch_size, name=name, db_timeout_s=db_timeout)

        def stop(signum, _frame):
            self.stderr.write(f"poll: {signal.Signals(signum).name} received; finishing the current cycle")
            poller.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"poll: shard {parsed}, ICMP with {mode}" + (", one cycle" if once else ""))
        poller.run(once=once, max_cycles=max_cycles)
        self.stdout.write(f"poll: stopped after {poller.cycles} cycle(s)")
