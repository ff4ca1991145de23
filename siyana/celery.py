"""The Celery app: scale-out polling (production). The embedded default runs no broker.

Queues: `netmon` (poll batches; any number of poller workers on any machines),
`scheduler` (beat's dispatch and housekeeping), `notifications` (e-mail and SMS:
`notifications.deliver` after each commit, `notifications.deliver_due` from beat every
minute), `tickets` (SLA escalation: `maintenance.escalate_due` from beat every minute).
Routes are in settings.CELERY_TASK_ROUTES. Each kind of work has its own queue,
so an outage storm never delays a technician's page or a requester's SMS.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")

app = Celery("siyana")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
