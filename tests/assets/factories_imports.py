"""Helpers of the import/export tests: files built in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl

from assets.models import Directorate

SCHOOL_AR = "مدرسة الأمل الثانوية للبنات"
LAB_AR = "مختبر الحاسوب الأول"

SCHOOL_HEADER = ["code", "name_ar", "name_en", "directorate_code", "working_days", "latitude", "longitude"]
LOCATION_HEADER = ["school_code", "name_ar", "name_en", "kind", "room"]
SITE_HEADER = ["code", "name_ar", "kind", "directorate_code", "school_code", "status", "commissioned_on"]
ASSET_HEADER = [
    "asset_tag", "name", "manufacturer", "model", "category", "serial", "school_code", "location", "status",
    "purchase_date", "purchase_cost", "tags",
]  # fmt: skip
CIRCUIT_HEADER = ["cid", "provider", "type", "status", "bandwidth_mbps", "site_a", "site_z", "tags"]


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, (header, rows) in sheets.items():
        worksheet = workbook.create_sheet(title)
        worksheet.append(list(header))
        for row in rows:
            worksheet.append(list(row))
            for cell in worksheet[worksheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text as typed, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def make_directorate(code: str = "AMM1") -> Directorate:
    return Directorate.objects.create(code=code, name_ar="مديرية تربية لواء القصبة", name_en="Qasabah Directorate")


def school_row(code: str = "110001", name_ar: str = SCHOOL_AR, **extra: Any) -> list[Any]:
    values = {"name_en": "Al-Amal Girls School", "directorate_code": "AMM1", "working_days": "Sun,Mon,Tue,Wed,Thu",
              "latitude": "31.953900", "longitude": "35.910600", **extra}  # fmt: skip
    return [code, name_ar, values["name_en"], values["directorate_code"], values["working_days"], values["latitude"],
            values["longitude"]]  # fmt: skip


def asset_row(tag: str, **extra: Any) -> list[Any]:
    values = {
        "name": "", "manufacturer": "HP", "model": "ProDesk 400 G7", "category": "desktop", "serial": f"SN-{tag}",
        "school_code": "110001", "location": LAB_AR, "status": "in_service", "purchase_date": "2024-09-01",
        "purchase_cost": "450.00", "tags": "",
        **extra,
    }  # fmt: skip
    return [tag, *(values[key] for key in ASSET_HEADER[1:])]
