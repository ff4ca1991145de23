"""`manage.py send_notifications [--once]`: the outbox's sender (embedded mode).

Without a broker a message is sent by the process that queued it, right after the
commit; this loop sends what that first try could not — retries when their time comes,
and messages whose sender died (their lease ran out). With Celery, beat's
`notifications.deliver_due` does the same; running this as well does no harm (the claim
decides who sends each message).
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from notifications import services


class Command(BaseCommand):
    help = (
        "Send the queued e-mail and SMS notifications that are due, retrying failed ones. Runs until SIGTERM "
        "or Ctrl-C, which let the current batch finish."
    )

    # A daemon: start fast and do not depend on the web side's URL configuration.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument("--batch-size", type=int, default=50, help="Messages claimed at a time.")
        parser.add_argument("--idle", type=float, default=2.0, help="Seconds to wait when nothing is due.")

    def handle(self, *args, once: bool, batch_size: int, idle: float, **options):
        self.shutdown = threading.Event()
        self.batch_size = batch_size

        def stop(signum, _frame):
            self.stderr.write(f"send_notifications: {signal.Signals(signum).name} received; finishing the batch")
            self.shutdown.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("send_notifications: started" + (" (once)" if once else ""))
        handled = 0
        while not self.shutdown.is_set():
            claimed = self.process_batch()
            handled += claimed
            if once and claimed < batch_size:
                break
            if claimed < batch_size:  # sleep only when idle: a full batch means more may be waiting
                close_old_connections()
                self.shutdown.wait(idle)
        self.stdout.write(f"send_notifications: stopped after handling {handled} message(s)")

    def process_batch(self) -> int:
        """One iteration: claim and send the due messages. Returns how many were claimed."""
        return services.deliver_due(now=timezone.now(), limit=self.batch_size)
