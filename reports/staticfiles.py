"""Serve plotly.js from the `plotly` wheel: static path vendor/plotly/plotly.min.js.

The dashboard's plotly.js is then always the build the installed plotly.py writes figures
for (the HTML export inlines the same file), and 4.7 MB of minified JavaScript need not be
copied into the repository. It is MIT-licensed (plotly/package_data/plotly.min.js carries
the notice; the wheel's licence is plotly-*.dist-info/licenses/LICENSE.txt). collectstatic
copies it like any other static file; whitenoise serves it from the finders in development.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
FILE = "plotly.min.js"
PREFIX = "vendor/plotly"
STATIC_PATH = f"{PREFIX}/{FILE}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PACKAGE_DATA))
        self.storage.prefix = PREFIX  # collectstatic and whitenoise put the file under this prefix

    def check(self, **kwargs):
        from django.core.checks import Error

        if not (PACKAGE_DATA / FILE).is_file():
            return [Error(f"plotly.js is missing from the plotly package ({PACKAGE_DATA / FILE})", id="reports.E001")]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == STATIC_PATH and (PACKAGE_DATA / FILE).is_file():
            found = str(PACKAGE_DATA / FILE)
            return [found] if (find_all or kwargs.get("all")) else found
        return [] if (find_all or kwargs.get("all")) else None

    def list(self, ignore_patterns):
        if (PACKAGE_DATA / FILE).is_file():
            yield FILE, self.storage
