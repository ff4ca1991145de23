"""Charts as PNG for the PDF (WeasyPrint runs no JavaScript, and mis-orders Arabic in SVG).

kaleido 1.x renders a plotly figure in a headless Chromium (Debian's: `scripts/system-deps.sh`
installs it). Kept off the network on purpose — kaleido's defaults would fetch MathJax and
possibly plotly.js from CDNs:

- plotly.js is the file the `plotly` wheel ships (the one the dashboard serves), MathJax is off;
- Chromium is told to use a proxy at 127.0.0.1:9 (the discard port, where nothing listens), so any
  request it might still make for its own purposes fails on the loopback interface instead of
  leaving the machine; and the binary is started directly, without Debian's launcher script,
  which would enable remote extensions.

Checked with strace: the only connections Chromium then opens are to 127.0.0.1:9 (refused), plus
the UDP socket it connect()s to a public IPv6 address to learn whether IPv6 is routed — a
connect() on a UDP socket sends no packet, and nothing is ever sent on it.

One browser renders all of a report's charts (starting it costs a few seconds).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
from pathlib import Path

import plotly

#: Where nothing answers: Chromium's own requests die on loopback.
DEAD_PROXY = "http://127.0.0.1:9"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Debian's Chromium binary (its /usr/bin/chromium is a launcher script that adds flags we do not want).
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")


class ChartRenderingUnavailable(RuntimeError):
    """No Chromium to render charts with."""


def chromium_path() -> str:
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise ChartRenderingUnavailable("Chromium is not installed (bash scripts/system-deps.sh installs Debian's).")


async def _render(figures: dict[str, dict], width: int, height_of: dict[str, int], scale: float) -> dict[str, bytes]:
    import kaleido

    images: dict[str, bytes] = {}
    async with kaleido.Kaleido(
        n=1,
        timeout=90,
        plotlyjs=str(PLOTLY_JS),
        mathjax=False,
        path=chromium_path(),
        proxy_server=DEAD_PROXY,
    ) as renderer:
        for key, figure in figures.items():
            opts = {"format": "png", "width": width, "height": height_of[key], "scale": scale}
            images[key] = await renderer.calc_fig(figure, opts=opts)
    return images


def render_pngs(charts, *, width: int = 900, scale: float = 2.0) -> dict[str, bytes]:
    """{chart key: PNG bytes} for the report's charts (`reports.figures.Chart`)."""
    if not charts:
        return {}
    figures = {chart.key: chart.figure.to_plotly_json() for chart in charts}
    heights = {chart.key: int(chart.figure.layout.height or 400) for chart in charts}
    # In a thread of its own: the caller may be inside an event loop (an async server), kaleido needs its own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _render(figures, width, heights, scale)).result()
