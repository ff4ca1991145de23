"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against pytest-django's
live server on 127.0.0.1 (see shared RECIPES.md). Never `playwright install`: no browser download.

Safety: Chromium runs with its background networking off, and every context aborts any request
that is not for 127.0.0.1 (a route handler) — nothing leaves the loopback.

Screenshots go to var/test-artifacts/ui/ (git-ignored), one per step worth looking at.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SIYANA_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "var/test-artifacts/ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-pings",
    "--metrics-recording-only",
]
TABLET = {"width": 768, "height": 1024}
TABLET_LANDSCAPE = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session", autouse=True)
def _browser_session_environment():
    """Set from the first browser test on (this directory's tests run last in the suite).

    Playwright's sync API keeps an event loop running in the test's thread from its start to the
    end of the session; the ORM calls the tests make between browser steps are plain synchronous
    code, so Django's async guard does not apply to them. The live server listens on the
    loopback address itself ("localhost" would be one more host name for the route guard).
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
    yield


def pytest_collection_modifyitems(items):
    """Mark this directory's tests `browser`, and run every browser test last, whatever the
    command line's order: once Playwright's sync API has started, its event loop stays
    running in the main thread, and a later test's asyncio.run() would refuse to start."""
    for item in items:
        if "tests/ui/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
    items[:] = sorted(items, key=lambda item: item.get_closest_marker("browser") is not None)


#: What Chromium's fake camera films: an asset's QR label holding the bare tag (tests/ui/test_tablet.py).
CAMERA_CODE = "MOE-0001"


def label_video(path: Path, text: str, *, width: int = 640, height: int = 480, frames: int = 5) -> Path:
    """A Y4M video (4:2:0) of a QR label on a grey desk, for --use-file-for-fake-video-capture."""
    from PIL import Image

    from assets import labels

    label = Image.open(io.BytesIO(labels.qr_png(text, scale=8, border=4))).convert("L")
    side = min(width, height) - 80
    frame = Image.new("RGB", (width, height), (120, 120, 120))
    frame.paste(label.resize((side, side), Image.NEAREST).convert("RGB"), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (scripts/system-deps.sh)")
    video = label_video(tmp_path_factory.mktemp("camera") / "label.y4m", CAMERA_CODE)
    camera = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": [*CHROMIUM_ARGS, *camera]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    from django.conf import settings

    return {
        **browser_context_args,
        "viewport": TABLET,
        "has_touch": True,
        "is_mobile": True,
        "timezone_id": settings.TIME_ZONE,
        "locale": "en-US",  # a tablet bought with an English browser: the UI language is still the user's choice
        "service_workers": "allow",
    }


def _loopback_only(route):
    host = urlsplit(route.request.url).hostname
    if host == "127.0.0.1":
        route.continue_()
    else:
        route.abort("blockedbyclient")


@pytest.fixture
def context(context):
    """Every context refuses any request off the loopback (a safety net under Chromium's own flags)."""
    context.route(re.compile(r"^(https?|wss?)://"), _loopback_only)
    return context


@pytest.fixture
def artifacts(request) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def shot(page, artifacts, request):
    """shot("name"): a full-page screenshot under var/test-artifacts/ui/<test>-<name>.png."""
    prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")

    def take(name: str, target=None) -> Path:
        path = artifacts / f"{prefix}-{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def png_picture(width: int = 64, height: int = 48) -> bytes:
    """A real photo-like PNG (a gradient), as a tablet's camera would give."""
    from PIL import Image

    image = Image.new("RGB", (width, height))
    image.putdata([(x * 4 % 256, y * 5 % 256, 128) for y in range(height) for x in range(width)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
