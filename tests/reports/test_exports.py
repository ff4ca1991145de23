"""The exports parse back, and every format — and the dashboard and the API — shows the same numbers."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from core.roles import Role
from reports.build import build_report
from reports.exports import export
from reports.periods import Quarter
from reports.tables import DECIMALS, ROW, display

Q1 = Quarter(2025, 1)


@pytest.fixture
def report(world):
    with translation.override("ar"):
        return build_report(Q1)


class TableParser(HTMLParser):
    """{data-table key: [[cell text, …], …]} of the body rows of every <table data-table=…>."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.headers: dict[str, list[str]] = {}
        self.table = None
        self.section = None
        self.cell: list[str] | None = None
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        if tag == "table" and "data-table" in attrs:
            self.table = attrs["data-table"]
            self.tables[self.table], self.headers[self.table] = [], []
        elif self.table and tag in ("thead", "tbody"):
            self.section = tag
        elif self.table and tag == "tr" and self.section == "tbody":
            self.tables[self.table].append([])
        elif self.table and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif self.table and tag in ("td", "th") and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.section == "thead":
                self.headers[self.table].append(text)
            else:
                self.tables[self.table][-1].append(text)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def parse_tables(html: str) -> TableParser:
    parser = TableParser()
    parser.feed(html)
    return parser


def expected_text(table) -> list[list[str]]:
    return [[display(v, kind, signed) for v, kind, signed in row] for row in table.cells()]


def test_html_is_one_offline_file_with_interactive_charts(report):
    html = export(report, "html").content.decode("utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    assert "plotly.js v" in html and "Plotly.newPlot" in html  # plotly.js itself, inline
    parsed = parse_tables(html)
    assert all("src" not in attrs for attrs in parsed.scripts)  # no script is loaded from anywhere
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.DOTALL)  # the page without the inline scripts
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?\s*(https?:)?//""", markup, re.IGNORECASE)
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert html.count('id="chart-data-') == 6 and "@font-face" in html and "data:font/woff2;base64," in html
    for key, table in report.tables.items():
        assert parsed.tables[key] == (expected_text(table) or [[parsed.tables[key][0][0]]] if not table.rows else
                                      expected_text(table)), key  # fmt: skip
        assert parsed.headers[key] == [c.label for c in table.columns]


def test_xlsx_one_sheet_per_table_arabic_headers_right_to_left(report):
    book = openpyxl.load_workbook(io.BytesIO(export(report, "xlsx").content))
    assert book.sheetnames == [t.sheet for t in report.tables.values()]
    assert book.sheetnames[0] == "الملخص"
    for table in report.tables.values():
        sheet = book[table.sheet]
        assert sheet.sheet_view.rightToLeft is True
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == [c.label for c in table.columns]
        # an empty text cell reads back as None
        assert [list(row) for row in values[1:]] == [[None if v == "" else v for v in row] for row in table.rows]
    formula = book["قطع الغيار"]["A2"]
    assert formula.value == "=SUM(A1)" and formula.data_type == "s"  # stored as text, never as a formula


def test_csv_zip_one_file_per_table_formula_safe(report):
    archive = zipfile.ZipFile(io.BytesIO(export(report, "csv").content))
    names = archive.namelist()
    assert names[0] == "report.txt"
    assert names[1:] == [f"{i:02d}-{key}.csv" for i, key in enumerate(report.tables, start=1)]
    for i, table in enumerate(report.tables.values(), start=1):
        raw = archive.read(f"{i:02d}-{table.key}.csv")
        assert raw.startswith("\ufeff".encode())
        parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert parsed[0] == [c.label for c in table.columns]
        for r, (row, values) in enumerate(zip(parsed[1:], table.rows, strict=True)):
            for c, (text, value) in enumerate(zip(row, values, strict=True)):
                kind = table.kind(r, c)
                if value is None:
                    assert text == ""
                elif kind in DECIMALS:
                    assert float(text) == value
                elif isinstance(value, str) and value and value[0] in "=+-@":
                    assert text == "'" + value
                else:
                    assert text == display(value, kind)
    number = list(report.tables).index("parts") + 1
    parts = list(csv.reader(io.StringIO(archive.read(f"{number:02d}-parts.csv").decode("utf-8-sig"))))
    assert parts[1][0] == "'=SUM(A1)"


def test_the_same_numbers_in_every_format_on_the_dashboard_and_in_the_api(report, client, api_for, world):
    head = world.users[Role.IT_HEAD]
    summary = report.tables["summary"]
    expected = {key: row for key, row in zip(summary.row_keys, summary.rows, strict=True)}

    # XLSX, typed cells
    book = openpyxl.load_workbook(io.BytesIO(export(report, "xlsx").content))
    xlsx = {key: list(row) for key, row in zip(summary.row_keys, book["الملخص"].iter_rows(min_row=2, values_only=True),
                                               strict=True)}  # fmt: skip
    # CSV, numbers as text
    archive = zipfile.ZipFile(io.BytesIO(export(report, "csv").content))
    csv_rows = list(csv.reader(io.StringIO(archive.read("01-summary.csv").decode("utf-8-sig"))))[1:]
    # HTML export and dashboard, as shown
    html = parse_tables(export(report, "html").content.decode("utf-8")).tables["summary"]
    client.force_login(head)
    page = client.get("/reports/", {"year": 2025, "quarter": 1})
    dashboard = parse_tables(page.content.decode("utf-8")).tables["summary"]
    # API, JSON numbers
    api = api_for(head).get("/api/reports/quarterly/", {"year": 2025, "quarter": 1}, HTTP_ACCEPT_LANGUAGE="ar")
    assert api.status_code == 200
    api_rows = api.json()["tables"]["summary"]["rows"]

    for i, key in enumerate(summary.row_keys):
        row = expected[key]
        for c, column in enumerate(summary.columns):
            value, kind = row[c], summary.kind(i, c)
            text = display(value, kind, column.signed)
            assert xlsx[key][c] == value, (key, column.key)
            assert html[i][c] == text == dashboard[i][c], (key, column.key)
            assert api_rows[i][column.key] == value, (key, column.key)
            if kind in DECIMALS and value is not None:
                assert float(csv_rows[i][c]) == value
    # and the budget table, whose rows are named too
    budget = report.tables["budget"]
    dash_budget = parse_tables(page.content.decode("utf-8")).tables["budget"]
    assert [r[1] for r in dash_budget] == [display(v, budget.kind(i, 1)) for i, (_label, v) in enumerate(budget.rows)]
    assert summary.columns[1].kind == ROW


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("chromium") is None,
                    reason="needs poppler-utils and chromium (scripts/system-deps.sh)")  # fmt: skip
def test_pdf_has_the_ministry_header_arabic_headings_charts_and_the_numbers(report, tmp_path):
    pdf = export(report, "pdf").content
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    # pdftotext writes a lam-alef ligature's letters in reverse ("الأعطال" comes out "األعطال"); undo that
    text = text.replace("األ", "الأ").replace("اإل", "الإ").replace("اآل", "الآ")
    for heading in ("التقرير الفني الربعي", "طلبات الدعم الفني", "الأعطال التي رصدتها المراقبة",
                    "سجل الإجراءات التصحيحية", "وزارة التربية والتعليم", "QP-70-2"):  # fmt: skip
        assert heading in text, heading
    for number in ("33.3", "16.00", "2144.17", "1122.500", "77.500"):
        assert number in text, number
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    assert sum(1 for line in images.splitlines() if " png " in line or " image " in line) >= 6


def test_the_command_writes_each_format(world, tmp_path):
    for fmt, check in (
        ("xlsx", lambda p: openpyxl.load_workbook(p)["الملخص"].sheet_view.rightToLeft),
        ("csv", lambda p: "01-summary.csv" in zipfile.ZipFile(p).namelist()),
        ("html", lambda p: "Plotly.newPlot" in p.read_text(encoding="utf-8")),
    ):
        out = tmp_path / f"q1.{fmt}"
        call_command("quarterly_report", "--year", "2025", "--quarter", "1", "--format", fmt, "--output", str(out),
                     stdout=io.StringIO())  # fmt: skip
        assert check(out), fmt
    with pytest.raises(CommandError):
        call_command("quarterly_report", "--year", "2025", "--quarter", "1", "--format", "csv", "--output",
                     str(tmp_path / "x.zip"), "--directorate", "NOPE", stdout=io.StringIO())  # fmt: skip
    out = tmp_path / "amm1.xlsx"
    call_command("quarterly_report", "--year", "2025", "--quarter", "1", "--format", "xlsx", "--output", str(out),
                 "--directorate", "AMM1", "--language", "en", stdout=io.StringIO())  # fmt: skip
    sheet = openpyxl.load_workbook(out)["Summary"]
    assert sheet.sheet_view.rightToLeft is False and sheet["B2"].value == 6
