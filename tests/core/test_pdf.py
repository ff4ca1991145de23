"""core.pdf: printable forms as PDF — Arabic shaped and in order, the form header on every
page with "page x of y", local fonts, and never a fetch from the network."""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from PIL import Image

from core.pdf import LocalURLFetcher, PdfFontsMissing, data_uri, pdf_response, render_pdf
from core.templatetags.print_forms import css_string, ltr

POPPLER = ("pdftotext", "pdfinfo", "pdffonts", "pdfimages")

FORM = """{% extends "core/print/base.html" %}{% load print_forms %}
{% block document_title %}QF75-11 – {{ heading }}{% endblock %}
{% block form_code %}QF75-11{% endblock %}
{% block form_issue %}3{% endblock %}
{% block form_date %}2024-01-15{% endblock %}
{% block title %}{{ heading }}{% endblock %}
{% block content %}
<h2>تقرير فني عن عطل في مختبر الحاسوب</h2>
<p>The device does not start after a power cut. الهاتف: {{ phone|ltr }}</p>
<table class="grid">
  <thead><tr><th>الإجراء</th><th>Technician</th><th class="number">الكلفة</th></tr></thead>
  <tbody>{% for row in rows %}
    <tr><td>استبدال مزود الطاقة</td><td>Ahmad, row {{ row }}</td><td class="number">12.50</td></tr>
  {% endfor %}</tbody>
</table>
{% for src in images %}<img src="{{ src }}" alt="">{% endfor %}
{% endblock %}
{% block signatures %}<div class="signatures"><div>الفني</div><div>رئيس القسم</div></div>{% endblock %}
"""

# Every way a page can ask for something remote: an image, a stylesheet, an @import, a
# background, a font — with names that can never resolve.
HOSTILE = """{% extends "core/print/base.html" %}
{% block extra_style %}main { background-image: url("https://example.invalid/bg.png"); }
@font-face { font-family: "Remote"; src: url("http://example.invalid/font.woff2"); }
p { font-family: "Remote", "Noto Sans"; }{% endblock %}
{% block title %}Hostile{% endblock %}
{% block content %}
<style>@import url("http://example.invalid/import.css");</style>
<link rel="stylesheet" href="https://example.invalid/style.css">
<img src="http://example.invalid/x.png" alt="">
<img src="file:///etc/passwd" alt="">
<img src="/static/../../../../etc/passwd" alt="">
<img src="/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd" alt="">
<img src="//example.invalid/protocol-relative.png" alt="">
<link rel="stylesheet" href="{% load static %}{% static 'css/siyana.css' %}">
<p>نص عربي</p>
{% endblock %}
"""


@pytest.fixture(autouse=True)
def _poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    assert not missing, f"{missing} missing: run scripts/system-deps.sh (poppler-utils)"


@pytest.fixture
def templates(settings, tmp_path):
    folder = tmp_path / "templates" / "demo"
    folder.mkdir(parents=True)
    (folder / "form.html").write_text(FORM, encoding="utf-8")
    (folder / "hostile.html").write_text(HOSTILE, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path / "templates"]}]
    return tmp_path


def form_context(rows: int = 3, **extra) -> dict:
    return {"heading": "نموذج طلب صيانة", "rows": range(1, rows + 1), "phone": "+962 79 123 4567", **extra}


BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                            capture_output=True, text=True, check=True)  # fmt: skip
    return result.stdout


def page_text(pdf: bytes, tmp_path: Path, page: int) -> str:
    """One page's text in reading order, bidi marks removed and spaces collapsed."""
    text = run("pdftotext", pdf, tmp_path, "-f", str(page), "-l", str(page))
    return re.sub(r"\s+", " ", BIDI_CONTROLS.sub("", text))


def page_count(pdf: bytes, tmp_path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", pdf, tmp_path), re.M)[1])


def test_it_renders_arabic_and_english_text_and_a_table(templates, tmp_path):
    pdf = render_pdf("demo/form.html", form_context())
    assert pdf.startswith(b"%PDF-")
    assert "A4" in run("pdfinfo", pdf, tmp_path) and page_count(pdf, tmp_path) == 1
    text = page_text(pdf, tmp_path, 1)
    # the Arabic words come out in their logical order: shaped and laid out right to left
    assert "تقرير فني عن عطل في مختبر الحاسوب" in text
    assert "The device does not start after a power cut" in text
    assert "+962 79 123 4567" in text  # kept whole by |ltr inside the Arabic line
    for cell in ("استبدال مزود الطاقة", "Ahmad, row 3", "12.50", "الفني", "رئيس القسم"):
        assert cell in text
    # the form header, in Arabic by default ("الإصدار" is left out: Naskh draws lam-alef as two
    # overlapping glyphs, and pdftotext, which orders glyphs by position, swaps them)
    for field in ("QF75-11", "3", "2024-01-15", "نموذج طلب صيانة", "رمز النموذج", "رقم", "تاريخ"):
        assert field in text
    assert "وزارة التربية والتعليم" in text


def test_the_header_and_page_x_of_y_are_on_every_page(templates, tmp_path):
    pdf = render_pdf("demo/form.html", form_context(rows=45), language="en")
    assert page_count(pdf, tmp_path) == 2
    first, second = page_text(pdf, tmp_path, 1), page_text(pdf, tmp_path, 2)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    for text in (first, second):
        assert "QF75-11" in text and "Form code" in text and "2024-01-15" in text
    assert "row 45" in second and "row 45" not in first  # the table runs on
    assert "Technician" in second  # its header row repeats


def test_page_x_of_y_in_arabic(templates, tmp_path):
    pdf = render_pdf("demo/form.html", form_context(rows=45))
    assert page_count(pdf, tmp_path) == 2
    assert re.search(r"صفحة ?1 ?من ?2", page_text(pdf, tmp_path, 1))
    assert re.search(r"صفحة ?2 ?من ?2", page_text(pdf, tmp_path, 2))


def test_only_the_local_noto_fonts_are_embedded(templates, tmp_path):
    pdf = render_pdf("demo/form.html", form_context())
    fonts = [line.split()[0] for line in run("pdffonts", pdf, tmp_path).splitlines()[2:]]
    assert fonts and all("Noto" in name for name in fonts), fonts
    assert any("Naskh-Arabic" in name for name in fonts) and any(name.endswith("+Noto-Sans") for name in fonts)


def test_a_remote_url_is_refused_and_nothing_touches_the_network(templates, tmp_path, monkeypatch):
    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network use while rendering a PDF: {args!r}")

    # A safety net only: the fetcher refuses before anything could open a connection.
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fetcher = LocalURLFetcher()
    pdf = render_pdf("demo/hostile.html", {}, url_fetcher=fetcher)
    assert pdf.startswith(b"%PDF-") and "نص عربي" in page_text(pdf, tmp_path, 1)
    remote = {
        "http://example.invalid/x.png",
        "https://example.invalid/style.css",
        "http://example.invalid/import.css",
        "https://example.invalid/bg.png",
        "http://example.invalid/font.woff2",
        "https://example.invalid/protocol-relative.png",
    }
    assert remote <= set(fetcher.refused), fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert "https://siyana.invalid/etc/passwd" in fetcher.refused  # the dots resolved away
    assert "https://siyana.invalid/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd" in fetcher.refused
    # our own static files are served from disk, fonts from Debian's folder
    assert any(url.endswith("/static/css/siyana.css") for url in fetcher.asked)
    assert not any(url.endswith("/static/css/siyana.css") for url in fetcher.refused)
    assert all("example.invalid" in url or "passwd" in url for url in fetcher.refused)
    assert attempts == []


def test_pictures_are_embedded_as_data_uris(templates, tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(picture, format="PNG")
    fetcher = LocalURLFetcher()
    uri = data_uri(picture.getvalue(), "image/png")
    pdf = render_pdf("demo/form.html", form_context(images=[uri, "http://example.invalid/x.png"]), url_fetcher=fetcher)
    listing = run("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]
    assert len(listing) == 1 and " 40 " in listing[0] and " 20 " in listing[0]  # the data: one, not the remote one
    assert fetcher.refused == ["http://example.invalid/x.png"]


def test_missing_fonts_are_a_clear_error(templates, settings, tmp_path):
    settings.PDF_FONT_DIR = tmp_path / "no-fonts"
    with pytest.raises(PdfFontsMissing, match="fonts-noto-core"):
        render_pdf("demo/form.html", form_context())


def test_the_language_is_the_pdfs_alone(templates, tmp_path):
    with translation.override("en"):
        pdf = render_pdf("demo/form.html", form_context())
        assert translation.get_language() == "en"
    assert "رمز النموذج" in page_text(pdf, tmp_path, 1)


def test_the_same_template_is_a_printable_page_in_the_browser(templates):
    request = RequestFactory().get("/print/")
    with translation.override("ar"):
        html = render_to_string("demo/form.html", form_context(), request=request)
    assert '<html lang="ar" dir="rtl" class="screen">' in html
    assert 'onclick="window.print()"' in html and "@media print" in html
    assert "running(" not in html  # the header stays in the page; the browser numbers pages in @page
    assert '@bottom-center { content: "صفحة " counter(page) " من " counter(pages)' in html
    assert "<title>QF75-11 – نموذج طلب صيانة</title>" in html
    with translation.override("en"):
        html = render_to_string("demo/form.html", form_context(), request=request)
    assert '<html lang="en" dir="ltr" class="screen">' in html and "Print</button>" in html


def test_a_pdf_response_shows_or_downloads_the_file():
    shown = pdf_response(b"%PDF-1.7 x", "QF75-11-2026-000123.pdf")
    assert shown["Content-Type"] == "application/pdf" and shown.content == b"%PDF-1.7 x"
    assert shown["Content-Disposition"] == 'inline; filename="QF75-11-2026-000123.pdf"'
    saved = pdf_response(b"%PDF-1.7 x", "تقرير.pdf", as_attachment=True)
    assert saved["Content-Disposition"].startswith("attachment; filename*=utf-8''")


def test_css_strings_and_ltr_values_are_escaped():
    assert css_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert "</style>" not in css_string("</style><script>")
    assert str(ltr("<b>+962</b>")) == "\u2066&lt;b&gt;+962&lt;/b&gt;\u2069"
