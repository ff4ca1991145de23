"""manage.py import_assets: counts on success; errors, nothing written and exit status 1 otherwise."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from assets.models import Asset, School
from core.models import ObjectChange
from tests.assets.factories_imports import (
    ASSET_HEADER,
    SCHOOL_HEADER,
    asset_row,
    csv_bytes,
    make_directorate,
    school_row,
    xlsx_bytes,
)
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_assets", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def schools_csv(tmp_path) -> Path:
    path = tmp_path / "schools.csv"
    path.write_bytes(csv_bytes(SCHOOL_HEADER, [school_row(), school_row("110002", "مدرسة النور")]))
    return path


@pytest.mark.django_db
def test_it_imports_and_prints_counts(schools_csv):
    make_directorate()
    out, err = run(str(schools_csv))
    assert "schools: 2 created, 0 updated, 0 unchanged" in out
    assert err == ""
    assert School.objects.count() == 2
    out, _err = run(str(schools_csv))
    assert "schools: 0 created, 0 updated, 2 unchanged" in out


@pytest.mark.django_db
def test_errors_are_printed_nothing_is_written_and_the_status_is_1(tmp_path):
    make_directorate()
    path = tmp_path / "book.xlsx"
    path.write_bytes(
        xlsx_bytes(
            {
                "schools": (SCHOOL_HEADER, [school_row()]),
                "assets": (
                    ASSET_HEADER,
                    [
                        asset_row("MOE-1", location=""),
                        asset_row("MOE-2", school_code="404", location="", status="lost"),
                    ],
                ),
            }
        )  # fmt: skip
    )
    before = ObjectChange.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_assets", str(path), stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert "2 error(s); nothing was written." in str(caught.value)
    assert err.getvalue().splitlines() == [
        "assets row 3, column school_code: Unknown school code “404”.",
        "assets row 3, column status: “lost” is not one of: in_service, in_repair, spare, surplus, "
        "awaiting_disposal, disposed.",
    ]
    assert School.objects.count() == Asset.objects.count() == 0
    assert ObjectChange.objects.count() == before


@pytest.mark.django_db
def test_dry_run_writes_nothing(schools_csv):
    make_directorate()
    out, _err = run(str(schools_csv), "--dry-run")
    assert "schools: 2 created" in out
    assert "Dry run: nothing was written." in out
    assert School.objects.count() == 0


@pytest.mark.django_db
def test_the_change_log_names_the_user_and_the_kind_can_be_given(tmp_path):
    make_directorate()
    head = make_user("cmd-head")
    path = tmp_path / "data.csv"
    path.write_bytes(csv_bytes(["code", "name_ar", "directorate_code"], [["110009", "مدرسة", "AMM1"]]))
    run(str(path), "--user", "cmd-head", "--kind", "schools")
    school = School.objects.get(code="110009")
    assert ObjectChange.objects.get(changed_object_id=school.pk, object_repr=school.name_ar).user == head


@pytest.mark.django_db
def test_an_unknown_user_or_file_is_refused(schools_csv, tmp_path):
    with pytest.raises(CommandError, match="nobody"):
        run(str(schools_csv), "--user", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_a_bad_file_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(b"this is no workbook")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_assets", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().strip() == "The file could not be read as an XLSX workbook."


def test_the_process_exits_with_status_1_and_0(tmp_path):
    """The real command line, against its own throwaway SQLite database."""
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "LANGUAGE_CODE": "en",
    }

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    assert manage("migrate", "-v0").returncode == 0
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(["code", "name_ar", "directorate_code"], [["110001", "مدرسة الأمل", "AMM1"]]))
    bad.write_bytes(csv_bytes(["code", "name_ar", "directorate_code"], [["110001", "مدرسة الأمل", "NOPE"]]))

    failed = manage("import_assets", str(bad))
    assert failed.returncode == 1
    assert "schools row 2, column directorate_code: Unknown directorate code “NOPE”." in failed.stderr
    assert "Traceback" not in failed.stderr

    created = manage("shell", "-c", "from assets.models import Directorate; "
                                    "Directorate.objects.create(code='AMM1', name_ar='مديرية')")  # fmt: skip
    assert created.returncode == 0, created.stderr
    done = manage("import_assets", str(good))
    assert done.returncode == 0, done.stderr
    assert "schools: 1 created" in done.stdout
