"""gunicorn's settings in the image (`gunicorn -c docker/gunicorn.conf.py siyana.wsgi`).

Workers: WEB_CONCURRENCY (gunicorn reads it itself; default here 2 × cores + 1, at most 8), gunicorn's
sync workers, one request at a time each, behind the TLS proxy (README, "Production"): every request
goes to whichever worker is free. Threaded workers keep their clients' keep-alive connections, so a
request waited behind its own worker's busy threads while another worker sat idle (bench/web.py:
the ticket API's p95 with 20 clients went from 279 ms with 4 workers × 2 threads to 114–131 ms).
With LOG_FORMAT=json (the image's default) gunicorn's own error and access logs are JSON lines
through core.logging, like the application's. Each worker, once it has loaded the project, settles
its garbage collector (siyana.wsgi.settle) before it answers.
"""

from __future__ import annotations

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
timeout = 60  # a quarterly report's PDF takes seconds; a stuck worker is replaced after this
graceful_timeout = 30
accesslog = "-"
errorlog = "-"


def post_worker_init(worker):
    import gc

    from siyana.wsgi import settle

    settle()
    worker.log.info("Worker settled: %d objects frozen", gc.get_freeze_count())


if os.environ.get("LOG_FORMAT", "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
