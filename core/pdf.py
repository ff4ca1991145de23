"""PDF from HTML templates (WeasyPrint): the printable forms and reports, Arabic first.

    pdf = render_pdf("maintenance/print/qf75_11.html", {"ticket": ticket}, request=request)
    return pdf_response(pdf, f"QF75-11-{ticket.number}.pdf")

Templates extend `core/print/base.html` (the ministry records' header: form code, issue,
issue date, title, page x of y). The same template renders as a plain printable page in
the browser; `render_pdf` adds `pdf=True` to the context, which moves the header into the
PDF's page margins.

Nothing is ever fetched over a network: the `LocalURLFetcher` hands WeasyPrint only
`data:` URIs, our static files and the font files, and refuses every other URL — so an
`<img src="http://…">` that reached a template (from user input, say) can never make the
server connect anywhere. Embed pictures (photos, charts as PNG) with `data_uri()`.

Fonts come from Debian's fonts-noto-core (`scripts/system-deps.sh` installs it): Noto
Naskh Arabic and Noto Sans Arabic for Arabic, Noto Sans for Latin script.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

#: Where Debian's fonts-noto-core puts its fonts (settings.PDF_FONT_DIR overrides it).
DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/noto")
#: The only fonts our print pages use: family -> {weight: file}.
FONTS = {
    "Noto Naskh Arabic": {400: "NotoNaskhArabic-Regular.ttf", 700: "NotoNaskhArabic-Bold.ttf"},
    "Noto Sans Arabic": {400: "NotoSansArabic-Regular.ttf", 700: "NotoSansArabic-Bold.ttf"},
    "Noto Sans": {400: "NotoSans-Regular.ttf", 700: "NotoSans-Bold.ttf"},
}
#: The made-up origin relative URLs resolve against; ".invalid" can never resolve (RFC 2606),
#: and only its static path is ever answered — from the files on disk.
BASE_URL = "https://siyana.invalid/"


class PdfFontsMissing(ImproperlyConfigured):
    """The Noto font files are not installed."""


class RefusedURL(ValueError):
    """A URL the PDF renderer will not fetch (WeasyPrint leaves the image or stylesheet out)."""


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", DEFAULT_FONT_DIR))


@lru_cache(maxsize=4)
def _font_files(directory: Path) -> dict[tuple[str, int], Path]:
    files = {
        (family, weight): directory / name for family, weights in FONTS.items() for weight, name in weights.items()
    }
    missing = sorted(str(path) for path in files.values() if not path.is_file())
    if missing:
        raise PdfFontsMissing(
            f"PDF fonts missing: {', '.join(missing)}. Install Debian's fonts-noto-core "
            "(bash scripts/system-deps.sh) or point settings.PDF_FONT_DIR at a folder with these files."
        )
    return files


def font_faces_css() -> str:
    """@font-face rules for the print fonts, from the local files (a clear error if they are missing)."""
    rules = []
    for (family, weight), path in _font_files(font_dir()).items():
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: normal; '
            f'src: url("{path.as_uri()}") format("truetype"); }}'
        )
    return "\n".join(rules)


def data_uri(content: bytes, mime_type: str) -> str:
    """Embed a picture (a photo, a chart as PNG) in a print page: `<img src="{{ uri }}">`."""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


def _static_prefix() -> str:
    # `{% static %}` writes "/static/…" (or an absolute STATIC_URL): both resolve against BASE_URL
    static_url = settings.STATIC_URL or "/static/"
    if "://" in static_url:
        return static_url
    return BASE_URL + static_url.lstrip("/")


class LocalURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, restricted to this machine: data: URIs, static files, fonts.

    Every URL asked for is kept in `asked`, every refusal in `refused` (and logged), so a
    test can see what a page tried to load. A refused URL is never opened: the decision is
    made on the URL's text before any handler runs.
    """

    def __init__(self, *, allowed_dirs: Iterable[Path | str] = ()) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.allowed_dirs = [Path(d).resolve() for d in (font_dir(), *allowed_dirs)]
        self.asked: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        self.asked.append(url)
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            response = DataHandler().data_open(Request(url))
            return URLFetcherResponse(
                url, body=response.read(), headers={"Content-Type": response.headers["Content-Type"]}
            )
        path = self._local_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("PDF: refused to fetch %s (only data: URIs, static files and fonts are loaded)", url)
            raise RefusedURL(f"not fetched: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # Answer under the URL asked for: relative URLs in a static stylesheet stay static URLs.
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    def _local_path(self, url: str) -> Path | None:
        """The file on disk a URL names, if it is one we serve; None for everything else."""
        static_prefix = _static_prefix()
        if url.startswith(static_prefix):
            relative = unquote(urlsplit(url).path[len(urlsplit(static_prefix).path) :])
            try:
                found = finders.find(relative)
            except SuspiciousFileOperation:
                return None
            if found is None and settings.STATIC_ROOT:
                found = Path(settings.STATIC_ROOT) / relative
                if not found.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve()):
                    return None
            path = Path(found).resolve() if found else None
            return path if path is not None and path.is_file() else None
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if path.is_file() and any(path.is_relative_to(directory) for directory in self.allowed_dirs):
            return path
        return None


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    language: str = "ar",
    url_fetcher: LocalURLFetcher | None = None,
) -> bytes:
    """Render a template to PDF in `language` (Arabic by default, right to left).

    The template sees `pdf=True`. Pass `url_fetcher` to look at what the page asked for
    afterwards (`asked`, `refused`); by default a fresh `LocalURLFetcher` is used.
    """
    fetcher = url_fetcher if url_fetcher is not None else LocalURLFetcher()
    fonts = FontConfiguration()
    faces = CSS(string=font_faces_css(), base_url=BASE_URL, url_fetcher=fetcher, font_config=fonts)
    with translation.override(language):
        html = render_to_string(template_name, {**context, "pdf": True}, request=request)
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[faces], font_config=fonts)


def pdf_response(content: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    """An HTTP response carrying a PDF (shown in the browser unless `as_attachment`)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment, filename)
    return response
