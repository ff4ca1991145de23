"""Celery tasks of the tickets (when a broker is configured).

Beat runs `maintenance.escalate_due` every minute on the `tickets` queue — its own queue, so
a storm of poll batches (`netmon`) or of messages (`notifications`) never delays it. Without
a broker the embedded poller runs the same function (`netmon.scheduler.StandalonePoller`).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from maintenance import sla_services


@shared_task(name="maintenance.escalate_due", ignore_result=True)
def escalate_due() -> int:
    return sla_services.escalate_due(now=timezone.now())
