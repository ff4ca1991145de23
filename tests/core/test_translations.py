"""Every user-facing message has its Arabic translation, and the catalog is current.

The test regenerates the catalog from the sources in a copy of the tree (Django's
makemessages, so it finds exactly what the running app would look up) and fails on any
message that is missing, empty or fuzzy, listing them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
#: What makemessages reads: the project package, its own apps (those of INSTALLED_APPS in this tree), the templates.
SOURCES = [
    "manage.py",
    "pyproject.toml",
    "siyana",
    *(app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()),
    "templates",
    "locale",
]


@pytest.fixture(scope="module")
def fresh_catalog(tmp_path_factory) -> polib.POFile:
    copy = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        elif source.exists():
            shutil.copy2(source, copy / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ar", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        env={"DATA_DIR": str(copy / "var"), "PATH": "/usr/bin:/bin"},
    )
    return polib.pofile(str(copy / "locale/ar/LC_MESSAGES/django.po"))


def test_every_message_has_an_arabic_translation(fresh_catalog):
    missing = [e.msgid for e in fresh_catalog if not e.obsolete and not e.translated()]
    assert not missing, f"{len(missing)} messages lack an Arabic translation:\n" + "\n".join(missing)


def test_the_committed_catalog_is_current(fresh_catalog):
    committed = polib.pofile(str(ROOT / "locale/ar/LC_MESSAGES/django.po"))
    wanted = {(e.msgctxt, e.msgid) for e in fresh_catalog if not e.obsolete}
    have = {(e.msgctxt, e.msgid) for e in committed if not e.obsolete}
    assert wanted <= have, "run `manage.py makemessages -l ar --no-location` and translate:\n" + "\n".join(
        str(m) for _, m in sorted(wanted - have, key=str)
    )


def test_placeholders_survive_translation():
    import re

    committed = polib.pofile(str(ROOT / "locale/ar/LC_MESSAGES/django.po"))
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for entry in committed:
        if not entry.translated() or entry.obsolete:
            continue
        if entry.msgid_plural:
            # A plural form may leave out the number ("one error"), never add an unknown name.
            known = set(pattern.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                assert set(pattern.findall(form)) <= known, (entry.msgid, form)
        else:
            assert sorted(pattern.findall(entry.msgid)) == sorted(pattern.findall(entry.msgstr)), entry.msgid
