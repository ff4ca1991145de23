"""Celery tasks (when a broker is configured; see `notifications.services`).

`notifications.deliver` sends one message right after the transaction that queued it
committed; beat runs `notifications.deliver_due` every minute for retries, for messages
whose hand-over to the broker failed, and for leases that ran out. Both run on the
`notifications` queue, so a storm of poll batches never delays a requester's SMS.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from notifications import services

#: Messages one `deliver_due` task sends at most (the next minute's run takes the rest).
SWEEP_LIMIT = 200


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver(message_id: int) -> bool:
    return services.deliver_message(message_id=message_id)


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due() -> int:
    return services.deliver_due(now=timezone.now(), limit=SWEEP_LIMIT)
