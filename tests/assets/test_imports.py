"""assets.imports: every kind from CSV and XLSX, all or nothing, errors that name row and column."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import translation

from assets.choices import AssetStatus, LocationKind
from assets.imports import ImportResult, choice_aliases, column_aliases, import_file, iter_error_lines, normalize
from assets.models import Asset, AssetModel, Circuit, FiberSite, Location, Manufacturer, Provider, School
from core.models import JournalEntry, ObjectChange, Tag
from tests.assets.factories_imports import (
    ASSET_HEADER,
    CIRCUIT_HEADER,
    LAB_AR,
    LOCATION_HEADER,
    SCHOOL_AR,
    SCHOOL_HEADER,
    SITE_HEADER,
    asset_row,
    csv_bytes,
    make_directorate,
    school_row,
    xlsx_bytes,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English; tests/core/test_translations.py covers the Arabic catalog.
    with translation.override("en"):
        yield


@pytest.fixture
def directorate():
    return make_directorate()


@pytest.fixture
def head():
    return make_user("imp-head")


@pytest.fixture
def lab(directorate) -> Location:
    """A school with its computer lab, imported (so the test starts from imported data)."""
    result = import_file(io.BytesIO(csv_bytes(SCHOOL_HEADER, [school_row()])), "schools.csv")
    assert result.ok, result.errors
    result = import_file(
        io.BytesIO(csv_bytes(LOCATION_HEADER, [["110001", LAB_AR, "Computer lab 1", "computer_lab", "B12"]])),
        "locations.csv",
    )
    assert result.ok, result.errors
    return Location.objects.get(name_ar=LAB_AR)


def run_csv(header, rows, name="file.csv", **kwargs) -> ImportResult:
    return import_file(io.BytesIO(csv_bytes(header, rows)), name, **kwargs)


def errors_at(result: ImportResult) -> list[tuple[str, int, str]]:
    return [(e.sheet, e.row, e.column) for e in result.errors]


def counts() -> dict[str, int]:
    models = [School, Location, FiberSite, Manufacturer, AssetModel, Asset, Provider, Circuit, Tag, ObjectChange]
    return {m.__name__: m.objects.count() for m in models} | {"JournalEntry": JournalEntry.objects.count()}


# ---------------------------------------------------------------------------- each kind from CSV


def test_it_imports_schools_from_csv(directorate, head):
    result = run_csv(SCHOOL_HEADER, [school_row(), school_row("110002", "مدرسة النور الأساسية", working_days="6,0,1")],
                     user=head)  # fmt: skip
    assert result.ok, result.errors
    assert result.created == {"schools": 2}
    school = School.objects.get(code="110001")
    assert school.name_ar == SCHOOL_AR
    assert school.directorate == directorate
    assert school.working_days == [6, 0, 1, 2, 3]
    assert school.latitude == Decimal("31.953900")
    assert School.objects.get(code="110002").working_days == [6, 0, 1]


def test_it_imports_locations_from_csv(lab):
    assert lab.school.code == "110001"
    assert (lab.kind, lab.room, lab.name_en) == ("computer_lab", "B12", "Computer lab 1")


def test_it_imports_fiber_sites_from_csv(lab):
    result = run_csv(SITE_HEADER, [
        ["HQ", "مبنى المديرية", "directorate", "AMM1", "", "", ""],
        ["S-110001", SCHOOL_AR, "school", "AMM1", "110001", "planned", "2025-02-01"],
    ])  # fmt: skip
    assert result.ok, result.errors
    assert result.created == {"fiber_sites": 2}
    site = FiberSite.objects.get(code="S-110001")
    assert (site.kind, site.school.code, site.status, site.commissioned_on) == (
        "school",
        "110001",
        "planned",
        dt.date(2025, 2, 1),
    )
    assert FiberSite.objects.get(code="HQ").status == "active"  # empty cell: the default


def test_it_imports_assets_from_csv_creating_manufacturer_model_and_tags(lab, head):
    result = run_csv(ASSET_HEADER, [
        asset_row("MOE-0001", tags="مختبر;Donated"),
        asset_row("MOE-0002", manufacturer="Cisco", model="Catalyst 2960", category="switch", location="",
                  serial="FOC123", tags="Donated"),
    ], user=head)  # fmt: skip
    assert result.ok, result.errors
    assert result.created == {"assets": 2}
    first = Asset.objects.get(asset_tag="MOE-0001")
    assert first.location == lab
    assert first.asset_model.manufacturer.name == "HP"
    assert first.asset_model.category == "desktop"
    assert first.purchase_cost == Decimal("450.00")
    assert sorted(t.name for t in first.tags.all()) == ["Donated", "مختبر"]
    assert Tag.objects.get(name="مختبر").slug == "مختبر"  # allow_unicode
    switch = Asset.objects.get(asset_tag="MOE-0002")
    assert switch.location is None
    assert switch.manufacturer.name == "Cisco"
    assert Tag.objects.count() == 2


def test_it_imports_circuits_from_csv(lab):
    assert run_csv(SITE_HEADER, [["HQ", "مبنى المديرية", "directorate", "AMM1", "", "", ""],
                                 ["S-1", SCHOOL_AR, "school", "AMM1", "110001", "", ""]]).ok  # fmt: skip
    result = run_csv(CIRCUIT_HEADER, [["FO-1001", "Orange Jordan", "fiber_p2p", "", "1000", "HQ", "S-1", "core"]])
    assert result.ok, result.errors
    circuit = Circuit.objects.get(cid="FO-1001")
    assert (circuit.provider.name, circuit.bandwidth_mbps, circuit.status) == ("Orange Jordan", 1000, "active")
    assert (circuit.termination_a.code, circuit.termination_z.code) == ("HQ", "S-1")
    assert [t.name for t in circuit.tags.all()] == ["core"]


def test_it_takes_the_kind_from_the_argument_when_given(directorate):
    result = run_csv(["code", "name_ar", "directorate_code"], [["110009", "مدرسة", "AMM1"]], kind="schools")
    assert result.ok, result.errors
    assert result.created == {"schools": 1}
    assert School.objects.get(code="110009").working_days == [6, 0, 1, 2, 3]  # the default


def test_it_reads_csv_without_bom_and_with_semicolons(directorate):
    data = "code;name_ar;directorate_code\n110009;مدرسة الشروق;AMM1\n".encode()
    result = import_file(io.BytesIO(data), "schools.CSV")
    assert result.ok, result.errors
    assert School.objects.get(code="110009").name_ar == "مدرسة الشروق"


# ---------------------------------------------------------------------------- XLSX


def full_workbook(**overrides) -> bytes:
    """All five kinds in one workbook, sheets in reverse order: the importer must sort them out."""
    sheets = {
        "circuits": (CIRCUIT_HEADER, [["FO-1", "Orange Jordan", "fiber_p2p", "active", 100, "HQ", "S-110001", ""]]),
        "assets": (ASSET_HEADER, [asset_row("MOE-0001", purchase_date=dt.date(2024, 9, 1), purchase_cost=450.5)]),
        "fiber_sites": (SITE_HEADER, [["HQ", "مبنى المديرية", "directorate", "AMM1", None, None, None],
                                      ["S-110001", SCHOOL_AR, "school", "AMM1", 110001, "active", None]]),
        "locations": (LOCATION_HEADER, [[110001, LAB_AR, "Computer lab 1", "computer_lab", None]]),
        "schools": (SCHOOL_HEADER, [[110001, SCHOOL_AR, None, "AMM1", "Sun,Mon,Tue,Wed,Thu", 31.9539, 35.9106]]),
    }  # fmt: skip
    sheets.update(overrides)
    return xlsx_bytes(sheets)


def test_it_imports_every_kind_from_one_workbook_rows_referring_to_earlier_rows(directorate, head):
    result = import_file(io.BytesIO(full_workbook()), "inventory.xlsx", user=head)
    assert result.ok, result.errors
    assert result.created == {"schools": 1, "locations": 1, "fiber_sites": 2, "assets": 1, "circuits": 1}
    asset = Asset.objects.get(asset_tag="MOE-0001")
    assert asset.school.code == "110001"  # the numeric cell 110001 is the code "110001"
    assert asset.location.name_ar == LAB_AR
    assert asset.purchase_date == dt.date(2024, 9, 1)  # a date cell
    assert asset.purchase_cost == Decimal("450.50")
    assert School.objects.get().latitude == Decimal("31.953900")
    assert Circuit.objects.get().termination_z.school == asset.school


def test_it_logs_one_import_as_one_request_of_its_user(directorate, head):
    last = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert import_file(io.BytesIO(full_workbook()), "inventory.xlsx", user=head).ok
    changes = ObjectChange.objects.filter(pk__gt=last)
    assert changes.count() >= 8
    assert {c.user_id for c in changes} == {head.pk}
    assert len({c.request_id for c in changes}) == 1


def test_it_accepts_the_arabic_sheet_titles_and_headers(directorate):
    data = xlsx_bytes({
        "المدارس": (["الرقم الوطني للمدرسة", "الاسم بالعربية", "رمز المديرية", "أيام الدوام"],
                    [["110001", SCHOOL_AR, "AMM1", "الأحد,الاثنين,الثلاثاء"]]),
        "المواقع": (["رمز المدرسة", "الاسم بالعربية", "النوع"], [["110001", LAB_AR, "مختبر حاسوب"]]),
    })  # fmt: skip
    result = import_file(io.BytesIO(data), "ملف.xlsx")
    assert result.ok, result.errors
    assert School.objects.get().working_days == [6, 0, 1]
    assert Location.objects.get().kind == "computer_lab"


def test_it_reports_errors_by_the_sheet_title_and_header_the_file_uses(directorate):
    data = xlsx_bytes({"المدارس": (["الرقم الوطني للمدرسة", "الاسم بالعربية", "رمز المديرية"],
                                   [["110001", SCHOOL_AR, "NOPE"]])})  # fmt: skip
    result = import_file(io.BytesIO(data), "ملف.xlsx")
    assert errors_at(result) == [("المدارس", 2, "رمز المديرية")]
    assert "NOPE" in result.errors[0].message


def test_it_infers_the_kind_of_a_single_sheet_with_any_name(directorate):
    data = xlsx_bytes({"Sheet1": (SCHOOL_HEADER, [school_row()])})
    result = import_file(io.BytesIO(data), "book.xlsx")
    assert result.ok, result.errors
    assert result.created == {"schools": 1}


def test_it_imports_only_the_named_kind_of_a_workbook(directorate):
    result = import_file(io.BytesIO(full_workbook()), "inventory.xlsx", kind="schools")
    assert result.ok, result.errors
    assert result.created == {"schools": 1}
    assert Location.objects.count() == 0


# ---------------------------------------------------------------------------- create, then update


def test_it_reimports_the_same_file_without_changing_anything(directorate):
    data = full_workbook()
    assert import_file(io.BytesIO(data), "inventory.xlsx").ok
    before = counts()
    result = import_file(io.BytesIO(data), "inventory.xlsx")
    assert result.ok, result.errors
    assert result.created == dict.fromkeys(["schools", "locations", "fiber_sites", "assets", "circuits"], 0)
    assert result.updated == result.created
    assert result.unchanged == {"schools": 1, "locations": 1, "fiber_sites": 2, "assets": 1, "circuits": 1}
    assert counts() == before  # not even a change-log row


def test_it_updates_by_natural_key(lab, head):
    assert run_csv(ASSET_HEADER, [asset_row("MOE-0001"), asset_row("MOE-0002")]).ok
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001", name="PC-01", status="in_repair", tags="x"),
                                    asset_row("MOE-0002")], user=head)  # fmt: skip
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == ({"assets": 0}, {"assets": 1}, {"assets": 1})
    asset = Asset.objects.get(asset_tag="MOE-0001")
    assert (asset.name, asset.status) == ("PC-01", "in_repair")
    assert [t.name for t in asset.tags.all()] == ["x"]
    # The status change went through asset_save, with the file as the reason.
    assert JournalEntry.objects.filter(object_id=asset.pk, comments__contains="file.csv").exists()
    assert Asset.objects.count() == 2


def test_it_updates_a_school_and_a_location_by_their_keys(lab):
    result = run_csv(SCHOOL_HEADER, [school_row(name_en="Renamed", working_days="Sun,Mon")])
    assert result.updated == {"schools": 1}, result.errors
    assert School.objects.get().working_days == [6, 0]
    result = run_csv(LOCATION_HEADER, [["110001", LAB_AR, "Lab one", "Computer lab", "C1"]])
    assert result.updated == {"locations": 1}, result.errors
    lab.refresh_from_db()
    assert (lab.name_en, lab.room) == ("Lab one", "C1")


def test_columns_left_out_keep_their_values(lab):
    assert run_csv(ASSET_HEADER, [asset_row("MOE-0001", tags="keep")]).ok
    result = run_csv(["asset_tag", "manufacturer", "model", "school_code", "status"],
                     [["MOE-0001", "HP", "ProDesk 400 G7", "110001", "spare"]])  # fmt: skip
    assert result.ok, result.errors
    asset = Asset.objects.get()
    assert (asset.status, asset.serial, asset.location) == ("spare", "SN-MOE-0001", lab)
    assert [t.name for t in asset.tags.all()] == ["keep"]


# ---------------------------------------------------------------------------- all or nothing


@pytest.mark.parametrize(
    ("bad", "column", "text"),
    [
        ({"school_code": "999999"}, "school_code", "999999"),
        ({"status": "lost"}, "status", "lost"),
        ({"purchase_date": "01/09/2024"}, "purchase_date", "YYYY-MM-DD"),
    ],
)
def test_one_bad_row_among_a_thousand_writes_nothing(lab, head, bad, column, text):
    rows = [asset_row(f"MOE-{n:04d}", manufacturer="Lenovo", model="ThinkCentre M70", serial=f"S{n}")
            for n in range(1, 1001)]  # fmt: skip
    rows[635] = asset_row("MOE-0636", manufacturer="Lenovo", model="ThinkCentre M70", serial="S636", **bad)
    before = counts()
    result = run_csv(ASSET_HEADER, rows, user=head)
    assert not result.ok
    assert errors_at(result) == [("assets", 637, column)]
    assert text in result.errors[0].message
    assert counts() == before
    assert not Manufacturer.objects.filter(name="Lenovo").exists()


def test_it_reports_every_bad_row(lab):
    rows = [
        asset_row("MOE-0001"),
        asset_row("MOE-0002", school_code="404"),
        asset_row("MOE-0003", status="broken", purchase_cost="cheap"),
        asset_row("MOE-0004", location="مختبر غير موجود"),
        asset_row("MOE 5"),  # not a valid asset tag
        asset_row("MOE-0006", manufacturer="Dell", model="OptiPlex", category=""),
        asset_row("MOE-0001"),
    ]
    result = run_csv(ASSET_HEADER, rows)
    assert errors_at(result) == [
        ("assets", 3, "school_code"),
        ("assets", 4, "status"),
        ("assets", 4, "purchase_cost"),
        ("assets", 5, "location"),
        ("assets", 6, "asset_tag"),
        ("assets", 7, "category"),
        ("assets", 8, "asset_tag"),
    ]
    assert "row 2" in result.errors[-1].message
    assert Asset.objects.count() == 0


def test_dry_run_counts_but_writes_nothing(lab):
    before = counts()
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001"), asset_row("MOE-0002", manufacturer="Dell")],
                     dry_run=True)  # fmt: skip
    assert result.ok and result.dry_run
    assert result.created == {"assets": 2}
    assert counts() == before


def test_dry_run_of_a_bad_file_reports_its_errors(lab):
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001", status="lost")], dry_run=True)
    assert errors_at(result) == [("assets", 2, "status")]


def test_the_status_lifecycle_holds_on_import(lab):
    assert run_csv(ASSET_HEADER, [asset_row("MOE-0001"), asset_row("MOE-0002")]).ok
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001", status="in_repair"),
                                    asset_row("MOE-0002", status="disposed")])  # fmt: skip
    assert errors_at(result) == [("assets", 3, "status")]
    assert "Disposed" in result.errors[0].message
    assert set(Asset.objects.values_list("status", flat=True)) == {"in_service"}  # the good row too


def test_serial_is_unique_per_manufacturer_within_the_file(lab):
    result = run_csv(ASSET_HEADER, [
        asset_row("MOE-0001", serial="ABC"),
        asset_row("MOE-0002", serial="ABC", manufacturer="Dell", model="OptiPlex 7010"),  # another maker: fine
        asset_row("MOE-0003", serial="ABC"),
    ])  # fmt: skip
    assert errors_at(result) == [("assets", 4, "serial")]
    assert "serial" in result.errors[0].message
    assert Asset.objects.count() == 0


def test_a_row_naming_a_bad_earlier_row_says_so(directorate):
    data = xlsx_bytes({
        "schools": (SCHOOL_HEADER, [school_row(latitude="north")]),
        "locations": (LOCATION_HEADER, [["110001", LAB_AR, "", "computer_lab", ""]]),
    })  # fmt: skip
    result = import_file(io.BytesIO(data), "x.xlsx")
    assert errors_at(result) == [("schools", 2, "latitude"), ("locations", 2, "school_code")]
    assert "row 2 of schools" in result.errors[1].message


def test_model_errors_map_to_the_file_columns(directorate):
    result = run_csv(SCHOOL_HEADER + ["day_start", "day_end", "email"], [
        school_row("110001") + ["14:00", "07:30", ""],
        school_row("110002", latitude="") + ["", "", "not-an-email"],
        school_row("110003", working_days="Sun,Sun") + ["", "", ""],
        school_row("110004", working_days="Sun,Funday") + ["", "", ""],
    ])  # fmt: skip
    assert errors_at(result) == [
        ("schools", 2, "day_end"),
        ("schools", 3, "longitude"),
        ("schools", 3, "email"),
        ("schools", 4, "working_days"),
        ("schools", 5, "working_days"),
    ]


def test_a_school_fiber_site_must_name_its_school(directorate):
    result = run_csv(SITE_HEADER, [["S-1", "موقع", "school", "AMM1", "", "", ""]])
    assert errors_at(result) == [("fiber_sites", 2, "school_code")]


def test_a_circuit_cannot_end_where_it_starts(directorate):
    assert run_csv(SITE_HEADER, [["HQ", "مبنى المديرية", "directorate", "AMM1", "", "", ""]]).ok
    result = run_csv(CIRCUIT_HEADER, [["FO-1", "Orange", "gpon", "", "", "HQ", "HQ", ""],
                                      ["FO-2", "Orange", "gpon", "", "fast", "XX", "", ""]])  # fmt: skip
    assert errors_at(result) == [("circuits", 2, "site_z"), ("circuits", 3, "bandwidth_mbps"),
                                 ("circuits", 3, "site_a")]  # fmt: skip
    assert Provider.objects.count() == 0


def test_a_known_model_keeps_its_category(lab):
    assert run_csv(ASSET_HEADER, [asset_row("MOE-0001")]).ok
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0002", category="laptop"), asset_row("MOE-0003", category="")])
    assert errors_at(result) == [("assets", 2, "category")]


# ---------------------------------------------------------------------------- labels, days, Arabic


def test_choices_accept_values_and_labels_in_arabic_and_english(lab):
    result = run_csv(ASSET_HEADER, [
        asset_row("MOE-0001", status="في الخدمة", category="حاسوب مكتبي"),
        asset_row("MOE-0002", status="In Repair", model="Other model", category="Laptop"),
        asset_row("MOE-0003", status="SPARE", model="Third", category="access point"),
    ])  # fmt: skip
    assert result.ok, result.errors
    assert dict(Asset.objects.values_list("asset_tag", "status")) == {
        "MOE-0001": "in_service", "MOE-0002": "in_repair", "MOE-0003": "spare",
    }  # fmt: skip
    assert set(AssetModel.objects.values_list("category", flat=True)) == {"desktop", "laptop", "access_point"}
    result = run_csv(LOCATION_HEADER, [["110001", "مكتبة المدرسة", "", "مكتبة", ""],
                                       ["110001", "المختبر", "", "Science lab", ""]])  # fmt: skip
    assert result.ok, result.errors
    assert set(Location.objects.values_list("kind", flat=True)) == {"computer_lab", "library", "science_lab"}


def test_working_days_accept_names_numbers_and_arabic(directorate):
    result = run_csv(SCHOOL_HEADER, [
        school_row("1", working_days="Sunday, monday;TUE"),
        school_row("2", working_days="6,0,1,2,3"),
        school_row("3", working_days="الأحد،الإثنين،الخميس"),
    ])  # fmt: skip
    assert result.ok, result.errors
    assert dict(School.objects.values_list("code", "working_days")) == {
        "1": [6, 0, 1], "2": [6, 0, 1, 2, 3], "3": [6, 0, 3],
    }  # fmt: skip


def test_arabic_text_is_stored_exactly(lab):
    assert School.objects.get().name_ar == SCHOOL_AR
    assert lab.name_ar == LAB_AR
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001", name="حاسوب المعلمة", tags="تبرع من اليونيسف")])
    assert result.ok, result.errors
    asset = Asset.objects.get()
    assert asset.name == "حاسوب المعلمة"
    assert asset.location.name_ar == LAB_AR


def test_headers_and_labels_match_loosely_but_keys_come_first():
    assert normalize("Computer_Lab ") == normalize("computer lab")
    assert normalize("مختبر الحاسوب") == normalize("مختبر حاسوب") == normalize("مُختبر حاسوب")
    aliases = column_aliases("assets")
    assert aliases[normalize("Asset tag")] == aliases[normalize("رقم الأصل")] == "asset_tag"
    assert aliases[normalize("location")] == "location"
    assert choice_aliases(AssetStatus)[normalize("Awaiting disposal")] == "awaiting_disposal"
    assert choice_aliases(LocationKind)[normalize("غرفة الخوادم")] == "server_room"


def test_times_are_read_with_or_without_a_leading_zero(directorate):
    result = run_csv(["code", "name_ar", "directorate_code", "day_start", "day_end"],
                     [["1", "مدرسة", "AMM1", "7:05", "13:30:15"]])  # fmt: skip
    assert result.ok, result.errors
    school = School.objects.get()
    assert (school.day_start, school.day_end) == (dt.time(7, 5), dt.time(13, 30, 15))


# ---------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("data", "name", "text"),
    [
        (b"code,name_ar\n1,x\n", "schools.txt", ".txt"),
        (b"whatever", "old.xls", ".xls"),
        (b"not a zip at all", "book.xlsx", "XLSX"),
        (b"", "empty.csv", "empty"),
        ("\ufeff\r\n".encode(), "bom-only.csv", "empty"),
        (b"\xff\xfe\x00c\x00", "utf16.csv", "UTF-16"),  # a BOM, then an odd number of bytes
        (b"\xc7\xe1\xd1\xe3\xd2\x00", "nul.csv", "NUL"),
        (b"colour,size\nred,4\n", "mystery.csv", "Cannot tell"),
        (b"asset_tag,manufacturer,model,school_code\n", "header-only.csv", "no rows"),
    ],
)
def test_a_bad_file_gets_a_clear_error(data, name, text):
    result = import_file(io.BytesIO(data), name)
    assert not result.ok
    assert len(result.errors) == 1
    assert text in result.errors[0].message


def test_missing_and_unknown_columns_are_named(directorate):
    result = run_csv(["asset_tag", "model", "colour", "school_code", "weight"], [["MOE-1", "x", "red", "1", "2"]])
    assert errors_at(result) == [("assets", 1, "colour"), ("assets", 1, "weight"), ("assets", 1, "")]
    assert "colour" in result.errors[0].message
    assert "manufacturer" in result.errors[2].message


def test_an_unknown_sheet_in_a_workbook_is_named(directorate):
    data = xlsx_bytes({"schools": (SCHOOL_HEADER, [school_row()]), "Notes": (["note"], [["hello"]])})
    result = import_file(io.BytesIO(data), "book.xlsx")
    assert errors_at(result) == [("Notes", 0, "")]
    assert School.objects.count() == 0


def test_an_unknown_kind_is_refused():
    result = run_csv(SCHOOL_HEADER, [school_row()], kind="printers")
    assert "printers" in result.errors[0].message


def test_error_lines_name_sheet_row_and_column(lab):
    result = run_csv(ASSET_HEADER, [asset_row("MOE-0001", school_code="999999")])
    assert list(iter_error_lines(result)) == ["assets row 2, column school_code: Unknown school code “999999”."]


# ---------------------------------------------------------------------------- the API


def upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


def test_api_imports_for_the_it_head(api, head, lab):
    data = csv_bytes(ASSET_HEADER, [asset_row("MOE-0001")])
    response = api(head).post("/api/import/", {"file": upload(data, "assets.csv")}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json() == {"dry_run": False, "created": {"assets": 1}, "updated": {"assets": 0},
                               "unchanged": {"assets": 0}}  # fmt: skip
    assert Asset.objects.get().asset_tag == "MOE-0001"


def test_api_dry_run_and_kind(api, head, lab):
    data = csv_bytes(ASSET_HEADER, [asset_row("MOE-0001")])
    response = api(head).post(
        "/api/import/", {"file": upload(data, "a.csv"), "dry_run": "true", "kind": "assets"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["dry_run"] is True
    assert response.json()["created"] == {"assets": 1}
    assert Asset.objects.count() == 0


def test_api_answers_400_with_every_error(api, head, lab):
    data = csv_bytes(ASSET_HEADER, [asset_row("MOE-0001"), asset_row("MOE-0002", school_code="404")])
    response = api(head).post(
        "/api/import/", {"file": upload(data, "assets.csv")}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"errors": [{"sheet": "assets", "row": 3, "column": "school_code",
                                           "message": "Unknown school code “404”."}]}  # fmt: skip
    assert Asset.objects.count() == 0


def test_api_without_a_file_names_the_file_field(api, head):
    response = api(head).post("/api/import/", {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_api_refuses_a_technician_and_an_anonymous_user(api, lab):
    from core.roles import Role

    data = csv_bytes(ASSET_HEADER, [asset_row("MOE-0001")])
    technician = make_user("imp-tech", Role.TECHNICIAN)
    assert api(technician).post("/api/import/", {"file": upload(data, "a.csv")}, format="multipart").status_code == 403
    anonymous = api().post("/api/import/", {"file": upload(data, "a.csv")}, format="multipart")
    assert anonymous.status_code in (401, 403)
    assert Asset.objects.count() == 0


def test_api_in_arabic_names_the_row_and_column(api, head, lab):
    data = csv_bytes(ASSET_HEADER, [asset_row("MOE-0001", status="lost")])
    response = api(head).post(
        "/api/import/", {"file": upload(data, "a.csv")}, format="multipart", headers={"accept-language": "ar"}
    )
    assert response.status_code == 400
    assert response.headers["Content-Language"] == "ar"
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("assets", 2, "status")
    assert "lost" in error["message"]


def test_api_is_in_the_openapi_schema(api, head):
    response = api(head).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    operation = response.json()["paths"]["/api/import/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400"} <= set(operation["responses"])
