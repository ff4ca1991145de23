"""The report as files: HTML (one self-contained page), XLSX, CSV (a zip), PDF — all from `Report.tables`.

- HTML: one file that opens offline — plotly.js (from the `plotly` wheel), the chart data, the
  Arabic font and the styles are all inside it; nothing is loaded from anywhere.
- XLSX: one sheet per table, the header row in the report's language (Arabic by default),
  sheets right to left; numbers, percentages and dates are typed cells with formats.
- CSV: a zip of one UTF-8 CSV per table (`NN-key.csv`, with a byte-order mark so that Excel
  reads Arabic) and `report.txt` naming the report. One file per table because the tables
  have different columns. Text cells that a spreadsheet would run as a formula (=, +, -, @,
  tab, CR first) are written with a leading apostrophe; numbers are written plain.
- PDF: `core.pdf.render_pdf` with the ministry records' header; charts as PNG (`reports.images`).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.io
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import xlsx_text_cell
from reports.build import Report, quarter_label
from reports.figures import CONFIG, Chart, charts
from reports.tables import DECIMALS, ROW, Table, csv_value, display, formula_safe

FORMATS = ("html", "xlsx", "csv", "pdf")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "pdf": "application/pdf",
}
EXTENSIONS = {"html": "html", "xlsx": "xlsx", "csv": "zip", "pdf": "pdf"}
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
FONT_DIR = Path(settings.BASE_DIR) / "static" / "vendor" / "fonts" / "noto-naskh-arabic"


@dataclass
class ExportFile:
    content: bytes
    content_type: str
    filename: str


def filename(report: Report, fmt: str) -> str:
    return f"siyana-report-{report.quarter.year}-Q{report.quarter.quarter}.{EXTENSIONS[fmt]}"


def export(report: Report, fmt: str) -> ExportFile:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    with translation.override(report.language):
        content = {"html": to_html, "xlsx": to_xlsx, "csv": to_csv_zip, "pdf": to_pdf}[fmt](report)
    return ExportFile(content=content, content_type=CONTENT_TYPES[fmt], filename=filename(report, fmt))


# --------------------------------------------------------------------------- shared


#: Rows of one table the dashboard and the PDF show; the HTML, XLSX, CSV and JSON exports hold every row.
#: (A big directorate's quarter has tens of thousands of corrective actions: no page or print needs them all.)
SHOWN_ROWS = 500


def rendered_tables(report: Report, *, limit: int | None = None) -> list[dict]:
    """The sections with their tables as display strings: what every HTML-like format shows.

    With `limit`, a longer table shows its first `limit` rows and says how many it has.
    """
    sections = []
    for key, title, tables in report.sections():
        sections.append(
            {
                "key": key,
                "title": title,
                "tables": [
                    {
                        "key": t.key,
                        "title": t.title,
                        "note": t.note,
                        "columns": [
                            {"label": c.label, "numeric": c.kind in DECIMALS or c.kind == ROW} for c in t.columns
                        ],  # fmt: skip
                        "rows": [
                            [{"text": display(v, kind, signed), "ltr": kind != "text"} for v, kind, signed in row]
                            for row in t.cells()[:limit]
                        ],
                        "total": len(t.rows),
                        "shown": len(t.rows) if limit is None else min(limit, len(t.rows)),
                    }
                    for t in tables
                ],
            }
        )
    return sections


def chart_json(chart: Chart) -> str:
    """A chart as JSON that is safe inside a <script> element."""
    text = plotly.io.to_json(chart.figure, validate=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def context(report: Report, *, limit: int | None = None) -> dict:
    return {
        "report": report,
        "title": report.title,
        "quarter_label": quarter_label(report.quarter),
        "previous_label": quarter_label(report.previous),
        "as_of": timezone.localtime(report.as_of, timezone.get_default_timezone()),
        "generated_at": timezone.localtime(report.generated_at, timezone.get_default_timezone()),
        "sections": rendered_tables(report, limit=limit),
    }


# --------------------------------------------------------------------------- HTML


def _inline_fonts() -> str:
    faces = []
    for weight in (400, 700):
        for script in ("arabic", "latin"):
            path = FONT_DIR / f"noto-naskh-arabic-{script}-{weight}-normal.woff2"
            if path.is_file():
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                faces.append(
                    f'@font-face{{font-family:"Noto Naskh Arabic";font-weight:{weight};font-style:normal;'
                    f'src:url(data:font/woff2;base64,{data}) format("woff2");}}'
                )
    return "\n".join(faces)


def plotly_js() -> str:
    # "</" cannot end the inline <script> early: escaped as "<\/" (the same string to JavaScript).
    return re.sub(r"</(?=script)", r"<\\/", PLOTLY_JS.read_text(encoding="utf-8"), flags=re.IGNORECASE)


def to_html(report: Report) -> bytes:
    page = render_to_string(
        "reports/export.html",
        {
            **context(report),
            "charts": [{"key": c.key, "title": c.title, "json": chart_json(c)} for c in charts(report)],
            "plotly_config": json.dumps(CONFIG),
            "plotly_js": plotly_js(),
            "font_faces": _inline_fonts(),
        },
    )
    return page.encode("utf-8")


# --------------------------------------------------------------------------- XLSX

_NUMBER_FORMATS = {"int": "0", "hours": "0.00", "pct": "0.0", "money": "0.000", "avg": "0.00"}


def _sheet_title(title: str, used: set[str]) -> str:
    base = title[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def to_xlsx(report: Report) -> bytes:
    rtl = translation.get_language_bidi()
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    header_fill = PatternFill("solid", fgColor="DDE6F4")
    for table in report.tables.values():
        sheet = book.create_sheet(_sheet_title(table.sheet, used))
        sheet.sheet_view.rightToLeft = rtl
        sheet.append([c.label for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(table.cells(), start=2):
            for c, (value, kind, _signed) in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c)
                xlsx_text_cell(cell, value)  # text stays a text cell: no formula is ever stored
                if kind in _NUMBER_FORMATS and value is not None:
                    cell.number_format = _NUMBER_FORMATS[kind]
                elif isinstance(value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        for c, column in enumerate(table.columns, start=1):
            width = max([len(column.label)] + [len(display(row[c - 1], table.kind(i, c - 1))) for i, row in
                                               enumerate(table.rows)])  # fmt: skip
            sheet.column_dimensions[get_column_letter(c)].width = min(max(8, width + 2), 60)
        sheet.freeze_panes = "A2"
        sheet.oddHeader.center.text = table.title
    buffer = io.BytesIO()
    book.properties.title = report.title
    book.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- CSV (zip)


def table_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(c.label) for c in table.columns])
    for row in table.cells():
        writer.writerow([csv_value(value, kind) for value, kind, _signed in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_csv_zip(report: Report) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        about = [
            report.title,
            f"{report.quarter.start.isoformat()} – {report.quarter.end.isoformat()}",
            str(report.scope_label),
            timezone.localtime(report.generated_at, timezone.get_default_timezone()).isoformat(timespec="minutes"),
            "",
            *[f"{i:02d}-{t.key}.csv\t{t.title}" for i, t in enumerate(report.tables.values(), start=1)],
        ]
        archive.writestr("report.txt", ("\ufeff" + "\n".join(about) + "\n").encode("utf-8"))
        for i, table in enumerate(report.tables.values(), start=1):
            archive.writestr(f"{i:02d}-{table.key}.csv", table_csv(table))
    return buffer.getvalue()


# --------------------------------------------------------------------------- PDF


def to_pdf(report: Report) -> bytes:
    from core.pdf import data_uri, render_pdf
    from reports.images import render_pngs

    chart_list = charts(report)
    pngs = render_pngs(chart_list)
    images = [{"key": c.key, "title": c.title, "uri": data_uri(pngs[c.key], "image/png")} for c in chart_list]
    return render_pdf(
        "reports/print.html",
        {
            **context(report),
            "charts": images,
            "form_code": "QP-70-2",
            "form_issue": "1",
            "form_date": quarter_label(report.quarter),
        },  # fmt: skip
        language=report.language,
    )
