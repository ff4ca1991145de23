"""Every message of the tablet's pages has its Arabic translation: the Python and template strings
(django.po) and the strings of its scripts (djangojs.po, served by Django's JavaScript catalogue).

Like tests/core/test_translations.py, the catalogs are regenerated with Django's makemessages from
a copy holding only the tablet's sources, so the test sees exactly what the pages look up.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.views.i18n import JavaScriptCatalog

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale/ar/LC_MESSAGES"


@pytest.fixture(scope="module")
def tablet_catalogs(tmp_path_factory) -> dict[str, polib.POFile]:
    copy = tmp_path_factory.mktemp("tablet-i18n")
    shutil.copy2(ROOT / "manage.py", copy / "manage.py")
    for name in ("siyana", "tablet", "templates/tablet", "static/tablet"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    (copy / "locale").mkdir()
    env = {"DATA_DIR": str(copy / "var"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "manage.py", "makemessages", "-l", "ar", "--no-location", "-v", "0"]
    subprocess.run([*base, "-i", "siyana"], cwd=copy, check=True, env=env)
    subprocess.run([*base, "-d", "djangojs"], cwd=copy, check=True, env=env)
    return {domain: polib.pofile(str(copy / f"locale/ar/LC_MESSAGES/{domain}.po")) for domain in ("django", "djangojs")}


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_tablet_message_is_translated_in_the_committed_catalog(tablet_catalogs, domain):
    wanted = [e for e in tablet_catalogs[domain] if not e.obsolete]
    assert len(wanted) > (100 if domain == "django" else 30)  # the extraction found the pages' strings
    committed = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(LOCALE / f"{domain}.po")) if not e.obsolete}
    problems = []
    for entry in wanted:
        have = committed.get((entry.msgctxt, entry.msgid))
        if have is None:
            problems.append(f"not in {domain}.po: {entry.msgid}")
        elif not have.translated() or "fuzzy" in have.flags:
            problems.append(f"untranslated or fuzzy: {entry.msgid}")
    assert not problems, "\n".join(problems)


def test_the_script_catalog_serves_arabic_plurals_and_strings(rf):
    with translation.override("ar"):
        response = JavaScriptCatalog.as_view()(rf.get("/tablet/jsi18n/"))
    script = response.content.decode()
    assert '"Try again": ' + json.dumps("حاول مرة أخرى") in script
    assert "pluralidx" in script and "n%100>=3" in script.replace(" ", "")
