"""QR labels for assets (segno).

The code holds the asset's absolute URL, so a tablet's camera opens the asset's page.
Error correction is at least M (segno raises it when that costs no extra size), which
survives the scratches and dirt of a label stuck on a lab computer.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}


def make_qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, *, scale: int = 8, border: int = 4) -> bytes:
    """The QR code as a PNG: black modules on white, with the quiet zone scanners need."""
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def label_svg(url: str, caption: str = "", *, scale: int = 8, border: int = 4) -> str:
    """A standalone SVG: the QR code with the caption (the asset tag) printed under it."""
    qr = make_qr(url)
    width, height = qr.symbol_size(scale=scale, border=border)
    inner = qr.svg_inline(scale=scale, border=border)
    caption_height = 7 * scale if caption else 0
    total = height + caption_height
    text = ""
    if caption:
        text = (
            f'<text x="{width / 2:g}" y="{height + 4 * scale:g}" text-anchor="middle" '
            f'font-family="DejaVu Sans Mono, monospace" font-size="{5 * scale}" font-weight="bold" '
            f'fill="#000">{escape(caption)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total}" '
        f'viewBox="0 0 {width} {total}">'
        f"<title>{escape(caption or url)}</title>"
        f'<rect width="{width}" height="{total}" fill="#fff"/>{inner}{text}</svg>'
    )


def qr_svg_inline(url: str, *, title: str = "") -> str:
    """The QR code as an inline <svg> sized by CSS (for the printable label sheet)."""
    return make_qr(url).svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", title=title or None)
