"""assets.exports: the importer's columns, few queries, CSV with BOM, XLSX RTL, and the round trip."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from assets.exports import KINDS, export_csv, export_response, export_rows, export_workbook
from assets.imports import COLUMNS, import_file
from assets.models import Asset, AssetModel, Circuit, FiberSite, Location, Manufacturer, Provider, School
from core.models import ObjectChange, Tag
from tests.assets.factories_imports import (
    ASSET_HEADER,
    CIRCUIT_HEADER,
    LAB_AR,
    LOCATION_HEADER,
    SCHOOL_AR,
    SCHOOL_HEADER,
    SITE_HEADER,
    asset_row,
    make_directorate,
    read_xlsx,
    school_row,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

ORDER = ["schools", "locations", "fiber_sites", "assets", "circuits"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def inventory():
    """An Arabic inventory of every kind, loaded through the importer."""
    make_directorate()
    data = xlsx_bytes({
        "schools": (SCHOOL_HEADER, [school_row(),
                                    school_row("110002", "مدرسة النور الأساسية", working_days="Mon,Sun")]),
        "locations": (LOCATION_HEADER, [["110001", LAB_AR, "Computer lab 1", "computer_lab", "ب-12"],
                                        ["110002", "مكتبة المدرسة", "", "library", ""]]),
        "fiber_sites": (SITE_HEADER, [["HQ", "مبنى المديرية", "directorate", "AMM1", "", "", ""],
                                      ["S-110001", SCHOOL_AR, "school", "AMM1", "110001", "active", "2025-02-01"]]),
        "assets": (ASSET_HEADER + ["comments", "management_ip"], [
            asset_row("MOE-0001", name="حاسوب المعلمة", tags="تبرع;مختبر") + ["سطر أول\nسطر ثانٍ, مع فاصلة", ""],
            asset_row("MOE-0002", manufacturer="Cisco", model="Catalyst 2960", category="switch", location="",
                      purchase_cost="", purchase_date="") + ["=SUM(A1:A2)", "127.0.0.2"],
            asset_row("MOE-0003", school_code="110002", location="مكتبة المدرسة", status="disposed",
                      tags="") + ["-5 درجات", ""],
        ]),
        "circuits": (CIRCUIT_HEADER, [["FO-1001", "أورانج الأردن", "fiber_p2p", "active", "1000", "HQ", "S-110001",
                                       "أساسي"],
                                      ["FO-1002", "أورانج الأردن", "gpon", "planned", "", "HQ", "", ""]]),
    })  # fmt: skip
    result = import_file(io.BytesIO(data), "inventory.xlsx")
    assert result.ok, result.errors
    return result


def querysets() -> dict:
    return {kind: model.objects.all() for kind, model in KINDS.items()}


def wipe() -> None:
    for model in (Circuit, Asset, FiberSite, Location, School, AssetModel, Manufacturer, Provider, Tag):
        model.objects.all().delete()


def test_the_columns_are_the_importers(inventory):
    for kind, model in KINDS.items():
        keys, rows = export_rows(kind, model.objects.all())
        assert keys == [c.key for c in COLUMNS[kind]]
        assert all(len(row) == len(keys) for row in rows)


def test_values_are_written_as_the_importer_reads_them(inventory):
    keys, rows = export_rows("assets", Asset.objects.order_by("asset_tag"))
    first = dict(zip(keys, rows[0], strict=True))
    assert first["manufacturer"] == "HP"
    assert first["category"] == "desktop"
    assert first["status"] == "in_service"
    assert first["location"] == LAB_AR
    assert first["purchase_date"] == dt.date(2024, 9, 1)
    assert first["tags"] == "تبرع;مختبر"
    disposed = dict(zip(keys, rows[2], strict=True))
    assert disposed["status"] == "disposed"
    assert disposed["disposed_on"] == timezone.localdate()
    keys, rows = export_rows("schools", School.objects.order_by("code"))
    assert [dict(zip(keys, r, strict=True))["working_days"] for r in rows] == ["Sun,Mon,Tue,Wed,Thu", "Mon,Sun"]
    assert dict(zip(keys, rows[0], strict=True))["day_start"] == "07:30"


@pytest.mark.parametrize("kind", ORDER)
def test_export_takes_the_same_few_queries_for_any_number_of_rows(inventory, kind):
    with CaptureQueriesContext(connection) as few:
        export_rows(kind, KINDS[kind].objects.all()[:1])
    with CaptureQueriesContext(connection) as all_rows:
        export_rows(kind, KINDS[kind].objects.all())
    assert len(all_rows.captured_queries) == len(few.captured_queries) <= 2


def test_csv_is_utf8_with_a_bom_and_the_keys_as_header(inventory):
    data = export_csv("schools", School.objects.all())
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(c.key for c in COLUMNS["schools"])
    assert SCHOOL_AR in text


def test_text_that_looks_like_a_formula_is_quoted_in_csv_and_text_in_xlsx(inventory):
    text = export_csv("assets", Asset.objects.all()).decode("utf-8-sig")
    assert "'=SUM(A1:A2)" in text
    assert "'-5 درجات" in text
    sheet = read_xlsx(export_workbook({"assets": Asset.objects.all()}))["assets"]
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "=SUM(A1:A2)" in cells
    assert next(c for row in sheet.iter_rows() for c in row if c.value == "=SUM(A1:A2)").data_type == "s"


def test_response_is_an_attachment(inventory):
    response = export_response("assets", Asset.objects.all(), "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="siyana-assets-')
    assert response["Content-Disposition"].endswith('.csv"')
    response = export_response("fiber_sites", FiberSite.objects.all(), "xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="siyana-fiber-sites-' in response["Content-Disposition"]
    with pytest.raises(ValueError):
        export_response("assets", Asset.objects.all(), "pdf")


def test_xlsx_has_keys_in_row_one_a_frozen_header_and_widths(inventory):
    workbook = read_xlsx(export_workbook(querysets()))
    assert workbook.sheetnames == ORDER
    for kind in ORDER:
        sheet = workbook[kind]
        assert [c.value for c in sheet[1]] == [c.key for c in COLUMNS[kind]]
        assert sheet.freeze_panes == "A2"
        assert not sheet.sheet_view.rightToLeft
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    assert workbook["assets"]["K2"].value == dt.datetime(2024, 9, 1)  # a real date cell


def test_xlsx_is_right_to_left_with_arabic_sheet_titles_in_arabic(inventory):
    with translation.override("ar"):
        workbook = read_xlsx(export_workbook(querysets()))
    assert workbook.sheetnames == ["المدارس", "المواقع", "مواقع الألياف", "الأصول", "الدارات"]
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)
    assert [c.value for c in workbook["الأصول"][1]][:2] == ["asset_tag", "name"]  # keys, whatever the language


# ---------------------------------------------------------------------------- round trip


def test_reimporting_an_export_changes_nothing(inventory):
    before = ObjectChange.objects.count()
    for kind in ORDER:
        result = import_file(io.BytesIO(export_csv(kind, KINDS[kind].objects.all())), f"{kind}.csv")
        assert result.ok, result.errors
        assert result.created == result.updated == {kind: 0}
    result = import_file(io.BytesIO(export_workbook(querysets())), "all.xlsx")
    assert result.ok, result.errors
    assert sum(result.unchanged.values()) == 2 + 2 + 2 + 3 + 2
    assert ObjectChange.objects.count() == before


def test_csv_round_trip_into_an_empty_inventory_is_byte_exact(inventory):
    exported = {kind: export_csv(kind, KINDS[kind].objects.all()) for kind in ORDER}
    wipe()
    assert Asset.objects.count() == School.objects.count() == 0
    for kind in ORDER:
        result = import_file(io.BytesIO(exported[kind]), f"{kind}.csv")
        assert result.ok, result.errors
        assert sum(result.created.values()) > 0
    assert {kind: export_csv(kind, KINDS[kind].objects.all()) for kind in ORDER} == exported
    asset = Asset.objects.get(asset_tag="MOE-0001")
    assert asset.name == "حاسوب المعلمة"
    assert asset.comments == "سطر أول\nسطر ثانٍ, مع فاصلة"
    assert asset.location.name_ar == LAB_AR
    assert asset.school.name_ar == SCHOOL_AR
    assert Asset.objects.get(asset_tag="MOE-0003").disposed_on == timezone.localdate()


def test_xlsx_round_trip_into_an_empty_inventory_keeps_every_value(inventory):
    with translation.override("ar"):
        exported = export_workbook(querysets())
    wipe()
    result = import_file(io.BytesIO(exported), "الجرد.xlsx")
    assert result.ok, result.errors
    assert result.created == {"schools": 2, "locations": 2, "fiber_sites": 2, "assets": 3, "circuits": 2}
    with translation.override("ar"):
        again = export_workbook(querysets())

    def values(data: bytes) -> dict:
        workbook = read_xlsx(data)
        return {s.title: [[c.value for c in row] for row in s.iter_rows()] for s in workbook.worksheets}

    assert values(again) == values(exported)
    assert School.objects.get(code="110001").name_ar == SCHOOL_AR
    assert Location.objects.get(school__code="110001").name_ar == LAB_AR
    assert sorted(Tag.objects.values_list("name", flat=True)) == sorted(["تبرع", "مختبر", "أساسي"])


def test_an_empty_queryset_exports_a_header_only():
    keys, rows = export_rows("circuits", Circuit.objects.none())
    assert rows == [] and keys[0] == "cid"
    assert export_csv("circuits", Circuit.objects.none()).decode("utf-8-sig").strip() == ",".join(keys)
