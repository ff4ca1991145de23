import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")
application = get_wsgi_application()

#: The youngest generation's threshold once settled (CPython's default is 700 allocations).
YOUNG_THRESHOLD = 7000


def settle() -> None:
    """Make a web worker's garbage collection cheap before it answers (gunicorn's `post_worker_init`).

    A loaded worker holds some 170,000 long-lived container objects (Django, DRF, the URLconf, the
    views and serializers, the translations); a page of the ticket API leaves some 4,000 more to the
    collector's count. With CPython's defaults the collector kept walking the long-lived ones again:
    a third of the worker's CPU and the ticket API's slowest answers (bench/web.py, PostgreSQL at
    100,000 tickets: 32 → 20 ms of CPU a request; under 20 clients p95 82–91 → 57–65 ms, p99 about
    230 → 75–99 ms). So: load what the first request would (the URLconf imports every view,
    serializer and form), collect once, move everything alive into the permanent generation
    (`gc.freeze`: never walked again), and collect the young generation every 7,000 allocations
    instead of 700. Garbage made after this is collected as before.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URLconf and, through it, the views
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
