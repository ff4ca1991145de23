"""assets.imports on bad input: encodings, columns, duplicates, formulas, limits, junk — all or nothing, clear errors.

Every refusal leaves the database as it was and names the row / column (or the line of the
file) and the reason, in English and in Arabic.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation

from assets.exports import export_csv, export_workbook
from assets.imports import import_file, iter_error_lines
from assets.models import Asset, Location, School
from tests.assets.factories_imports import (
    ASSET_HEADER,
    LAB_AR,
    SCHOOL_AR,
    SCHOOL_HEADER,
    asset_row,
    csv_bytes,
    make_directorate,
    read_xlsx,
    school_row,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", '=HYPERLINK("http://127.0.0.1/x","x")']


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def directorate():
    return make_directorate()


@pytest.fixture
def lab(directorate) -> Location:
    school = School.objects.create(directorate=directorate, code="110001", name_ar=SCHOOL_AR)
    return Location.objects.create(school=school, name_ar=LAB_AR, kind="computer_lab")


def schools_text(rows: list[list[str]], header: list[str] = SCHOOL_HEADER) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def run(data: bytes, name: str = "schools.csv", **kwargs):
    return import_file(io.BytesIO(data), name, **kwargs)


def messages(result) -> str:
    return "\n".join(iter_error_lines(result))


# ---------------------------------------------------------------------------- encodings


def test_it_detects_an_arabic_windows_1256_csv(directorate):
    data = schools_text([school_row()]).encode("cp1256")
    result = run(data)
    assert result.ok, result.errors
    assert School.objects.get(code="110001").name_ar == SCHOOL_AR


def test_it_reads_windows_1256_when_the_user_names_it(directorate):
    result = run(schools_text([school_row()]).encode("cp1256"), encoding="windows-1256")
    assert result.ok, result.errors
    assert School.objects.get().name_ar == SCHOOL_AR


def test_a_windows_1256_file_named_utf8_is_refused_with_its_line(directorate):
    text = schools_text([school_row(), school_row("110002", "مدرسة النور")])
    result = run(text.encode("cp1256"), encoding="utf-8")
    assert not result.ok and School.objects.count() == 0
    assert "not UTF-8" in result.errors[0].message and result.errors[0].row == 2


def test_a_utf8_file_named_windows_1256_is_refused_not_read_as_mojibake(directorate):
    result = run(schools_text([school_row()]).encode("utf-8"), encoding="windows-1256")
    assert not result.ok and School.objects.count() == 0
    assert "UTF-8" in result.errors[0].message


def test_text_that_was_already_mangled_is_refused(directorate):
    # UTF-8 Arabic read once as Windows-1256 and saved again as UTF-8: "ظ…ط¯ط±ط³ط©"
    garbled = SCHOOL_AR.encode("utf-8").decode("cp1256", errors="replace")
    result = run(schools_text([school_row(name_ar=garbled)]).encode("utf-8"))
    assert not result.ok and School.objects.count() == 0
    assert "garbled" in result.errors[0].message


def test_latin_text_that_is_neither_utf8_nor_arabic_is_refused(directorate):
    result = run(schools_text([school_row(name_ar="Éçole Française")]).encode("latin-1"))
    assert not result.ok and School.objects.count() == 0
    assert "not UTF-8" in result.errors[0].message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16"])
def test_utf8_with_or_without_bom_and_utf16_with_bom(directorate, encoding):
    result = run(schools_text([school_row()]).encode(encoding))
    assert result.ok, result.errors
    assert School.objects.get().name_ar == SCHOOL_AR


def test_the_encoding_error_is_in_arabic_too(directorate):
    with translation.override("ar"):
        result = run(schools_text([school_row(name_ar="Éçole")]).encode("latin-1"))
    assert not result.ok
    assert "UTF-8" in result.errors[0].message and any("\u0600" <= c <= "\u06ff" for c in result.errors[0].message)


# ---------------------------------------------------------------------------- junk and odd files


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf", "empty"),
        (b"\r\n\r\n  \n", "empty"),
        (",".join(SCHOOL_HEADER).encode() + b"\r\n", "no rows"),
        (bytes(range(256)) * 8, "NUL"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "NUL"),
        (b"code,name_ar\x00,directorate_code\n1,x,AMM1\n", "NUL"),
        (b"\xa9\xae\xb0\xb1\xe9\xe0" * 50, "not UTF-8"),
    ],
)
def test_empty_header_only_and_binary_files_get_one_clear_error(directorate, data, text):
    result = run(data)
    assert not result.ok
    assert len(result.errors) == 1 and text in result.errors[0].message


def test_a_junk_xlsx_is_refused(directorate):
    result = run(b"PK\x03\x04" + b"\x00junk" * 100, "book.xlsx")
    assert not result.ok and "XLSX" in result.errors[0].message


def test_mixed_line_endings_are_read(directorate):
    lines = [",".join(SCHOOL_HEADER)] + [",".join(school_row(code, working_days="Sun")) for code in "123"]
    data = (lines[0] + "\r\n" + lines[1] + "\n" + lines[2] + "\r" + lines[3] + "\r\n").encode()
    result = run(data)
    assert result.ok, result.errors
    assert sorted(School.objects.values_list("code", flat=True)) == ["1", "2", "3"]


def test_a_control_character_in_a_cell_names_row_and_column(directorate):
    result = run(csv_bytes(SCHOOL_HEADER, [school_row(), school_row("110002", name_en="Bad\x07bell")]))
    assert not result.ok and School.objects.count() == 0
    error = result.errors[0]
    assert (error.row, error.column) == (3, "name_en") and "U+0007" in error.message


def test_a_very_long_cell_names_its_column_and_saves_nothing(lab):
    long = "ب" * 5000
    result = run(csv_bytes(ASSET_HEADER, [asset_row("MOE-1"), asset_row("MOE-2", serial=long)]), "assets.csv")
    assert not result.ok and Asset.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "serial")]


def test_a_cell_over_the_csv_field_limit_names_the_line(directorate):
    result = run(csv_bytes(SCHOOL_HEADER, [school_row(), school_row("2", name_en="x" * 200_000)]))
    assert not result.ok and School.objects.count() == 0
    assert "line 3" in result.errors[0].message


# ---------------------------------------------------------------------------- limits


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(directorate, settings):
    settings.IMPORT_MAX_MB = 1
    data = csv_bytes(SCHOOL_HEADER, [school_row(str(n)) for n in range(9000)])
    assert len(data) > 1024 * 1024
    result = run(data)
    assert not result.ok and School.objects.count() == 0
    assert "the limit is 1 MB" in result.errors[0].message


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_over_the_row_limit_is_refused(directorate, settings, fmt):
    settings.IMPORT_MAX_ROWS = 5
    rows = [school_row(str(n)) for n in range(6)]
    data = csv_bytes(SCHOOL_HEADER, rows) if fmt == "csv" else xlsx_bytes({"schools": (SCHOOL_HEADER, rows)})
    result = run(data, f"schools.{fmt}")
    assert not result.ok and School.objects.count() == 0
    assert "limit is 5" in result.errors[0].message
    settings.IMPORT_MAX_ROWS = 6
    assert run(data, f"schools.{fmt}").ok


def test_the_limits_are_in_arabic_too(directorate, settings):
    settings.IMPORT_MAX_ROWS = 1
    with translation.override("ar"):
        result = run(csv_bytes(SCHOOL_HEADER, [school_row("1"), school_row("2")]))
    assert not result.ok and "1" in result.errors[0].message
    assert any("\u0600" <= c <= "\u06ff" for c in result.errors[0].message)


# ---------------------------------------------------------------------------- columns and duplicates


def test_arabic_headers_are_accepted(directorate):
    header = ["الرقم الوطني للمدرسة", "الاسم بالعربية", "رمز المديرية"]
    result = run(csv_bytes(header, [["110001", SCHOOL_AR, "AMM1"]]))
    assert result.ok, result.errors


def test_a_duplicated_column_in_arabic_and_english_is_named(directorate):
    header = ["code", "name_ar", "directorate_code", "الاسم بالعربية"]
    result = run(csv_bytes(header, [["110001", SCHOOL_AR, "AMM1", SCHOOL_AR]]))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(1, "الاسم بالعربية")]
    assert "appears twice" in result.errors[0].message


def test_a_value_in_a_column_without_header_is_named(directorate):
    data = (",".join(SCHOOL_HEADER) + "\n" + ",".join(school_row(working_days="Sun")) + ",surprise\n").encode()
    result = run(data)
    assert not result.ok and School.objects.count() == 0
    assert "no header" in result.errors[0].message and result.errors[0].row == 2


def test_duplicates_inside_the_file_name_the_first_row(directorate):
    result = run(csv_bytes(SCHOOL_HEADER, [school_row("1"), school_row("2", "مدرسة ٢"), school_row("1")]))
    assert not result.ok and School.objects.count() == 0
    assert [(e.row, e.column) for e in result.errors] == [(4, "code")]
    assert "row 2" in result.errors[0].message


def test_a_duplicate_against_the_database_is_an_update_and_a_clash_is_named(lab):
    Asset.objects.create(asset_tag="MOE-OLD", asset_model=_model(), school=lab.school, location=lab, serial="SN-TAKEN")
    # Same asset tag: an update. Another tag with a serial that the database already holds: refused.
    result = run(
        csv_bytes(ASSET_HEADER, [asset_row("MOE-OLD", serial="SN-TAKEN"), asset_row("MOE-NEW", serial="SN-TAKEN")]),
        "assets.csv",
    )
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "serial")]
    assert Asset.objects.count() == 1


def _model():
    from assets.models import AssetModel, Manufacturer

    hp, _ = Manufacturer.objects.get_or_create(name="HP")
    return AssetModel.objects.get_or_create(manufacturer=hp, name="ProDesk 400 G7", category="desktop")[0]


# ---------------------------------------------------------------------------- formulas


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_looking_cells_are_stored_as_text_and_exported_inert(lab, fmt):
    rows = [asset_row(f"MOE-{n}", name=text, serial=f"S{n}") for n, text in enumerate(HOSTILE)]
    rows.append(asset_row("MOE-TAB", name="\t=1+1", serial="ST"))
    data = csv_bytes(ASSET_HEADER, rows) if fmt == "csv" else xlsx_bytes({"assets": (ASSET_HEADER, rows)})
    result = run(data, f"assets.{fmt}")
    assert result.ok, result.errors
    names = dict(Asset.objects.values_list("asset_tag", "name"))
    assert [names[f"MOE-{n}"] for n in range(len(HOSTILE))] == HOSTILE
    assert names["MOE-TAB"] == "=1+1"  # cells are stripped; it stays text

    exported = export_csv("assets", Asset.objects.order_by("asset_tag")).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(exported)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    book = read_xlsx(export_workbook({"assets": Asset.objects.all()}))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert set(HOSTILE) <= {c.value for c in cells}

    # and the export re-imports unchanged
    Asset.objects.all().delete()
    assert run(exported.encode("utf-8"), "assets.csv").ok
    assert dict(Asset.objects.values_list("asset_tag", "name")) == names


# ---------------------------------------------------------------------------- the import page


def test_the_import_page_lets_the_user_name_the_encoding(directorate):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from tests.assets.ui_fixtures import client_for
    from tests.factories import make_user

    client = client_for(make_user("enc-head"))
    data = schools_text([school_row(working_days="Sun")]).encode("cp1256")
    page = client.get(reverse("assets:import")).content.decode()
    assert 'name="encoding"' in page and "windows-1256" in page

    wrong = client.post(
        reverse("assets:import"),
        {"file": SimpleUploadedFile("schools.csv", data), "encoding": "utf-8", "dry_run": ""},
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert wrong.status_code == 400 and School.objects.count() == 0
    assert "UTF-8" in wrong.content.decode()
    right = client.post(
        reverse("assets:import"), {"file": SimpleUploadedFile("schools.csv", data), "encoding": "windows-1256"}
    )
    assert right.status_code == 200, right.content.decode()[:2000]
    assert School.objects.get().name_ar == SCHOOL_AR


def test_a_broken_utf16_file_names_the_line_of_the_bad_bytes(directorate):
    text = schools_text([school_row(), school_row("110002", "مدرسة النور"), school_row("110003")])
    data = text.encode("utf-16")  # BOM + little-endian units
    third = data.index("110002".encode("utf-16-le"))  # on line 3
    broken = data[:third] + b"\x00\xd8" + data[third + 2 :]  # a lone high surrogate (0xD800)
    result = run(broken, encoding="utf-16")
    assert not result.ok and School.objects.count() == 0
    assert "(line 3)" in result.errors[0].message, result.errors[0].message
