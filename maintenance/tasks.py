"""Celery tasks of the tickets (when a broker is configured).

Beat runs `maintenance.escalate_due` every minute on the `tickets` queue — its own queue, so
a storm of poll batches (`netmon`) or of messages (`notifications`) never delays it. Without
a broker the embedded poller runs the same function (`netmon.scheduler.StandalonePoller`).

Beat also runs `maintenance.generate_visits` once a day on the same queue (the preventive
maintenance plans' visits; idempotent). Without a broker, `manage.py generate_visits --loop`
does it (started by `make run`).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from maintenance import sla_services


@shared_task(name="maintenance.escalate_due", ignore_result=True)
def escalate_due() -> int:
    return sla_services.escalate_due(now=timezone.now())


@shared_task(name="maintenance.generate_visits", ignore_result=True)
def generate_visits() -> int:
    """The visits the preventive maintenance plans call for (daily from beat; idempotent)."""
    from core.changelog import change_context
    from maintenance import visit_services

    with change_context():
        return visit_services.plans_generate(today=timezone.localdate()).created
