"""The Celery app: scale-out polling (production). The embedded default runs no broker.

Queues: `netmon` (poll batches; any number of poller workers on any machines),
`scheduler` (beat's dispatch and housekeeping). Ticket and notification tasks get their
own queues, so an outage storm never delays a technician's page.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")

app = Celery("siyana")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
