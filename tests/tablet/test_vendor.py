"""The tablet's vendored QR decoder is the locked npm version's file, with its licence; the app shell
loads nothing from outside (every script and style the tablet's pages name is one of our static files)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.tablet.world import client_for

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "static/vendor/jsqr/jsQR.js"


def test_the_vendored_jsqr_is_the_locked_version():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/jsqr"]["version"]
    assert version in (ROOT / "static/vendor/README.md").read_text().split("`jsqr/jsQR.js`")[1].split("\n")[0]
    assert "Apache License" in (ROOT / "static/vendor/jsqr/LICENSE").read_text()
    installed = ROOT / "node_modules/jsqr/dist/jsQR.js"
    if not installed.exists():
        pytest.skip("node_modules is not installed (make setup runs npm ci)")
    assert json.loads((ROOT / "node_modules/jsqr/package.json").read_text())["version"] == version
    assert VENDORED.read_bytes() == installed.read_bytes()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["tablet:queue", "tablet:scan", "tablet:outbox"])
def test_the_pages_load_only_our_own_files(users, path):
    from core.roles import Role

    page = client_for(users[Role.TECHNICIAN]).get(reverse(path)).content.decode()
    urls = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert urls
    for url in urls:
        assert url.startswith("/"), url  # nothing from another host
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
