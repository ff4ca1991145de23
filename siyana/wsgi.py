import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyana.settings")
application = get_wsgi_application()

#: The youngest generation's threshold once settled (CPython's default is 700 allocations).
YOUNG_THRESHOLD = 7000


def settle() -> None:
    """Make a web worker's garbage collection cheap before it answers (gunicorn's `post_worker_init`).

    A worker holds some half a million long-lived objects (Django, DRF, the URLconf, the views and
    serializers); a page of the ticket API allocates about a hundred thousand more. With CPython's
    defaults the collector walked those long-lived objects again every few requests: a third of the
    worker's CPU and the ticket API's slowest answers (bench/web.py: 32 → 20 ms of CPU a request,
    p99 230 → 90 ms under 20 clients). So: load what the first request would (the URLconf imports
    every view, serializer and form), collect once, move everything alive into the permanent
    generation (`gc.freeze`: never walked again), and collect the young generation every 7,000
    allocations instead of 700. Garbage made after this is collected as before.
    """
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URLconf and, through it, the views
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
