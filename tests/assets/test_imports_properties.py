"""Property tests of assets.imports: any bytes or text give a result (never an exception), and any valid
set of rows survives export → import unchanged, in CSV and XLSX."""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.exports import export_csv, export_workbook
from assets.imports import _FileError, import_file, read_sheets
from assets.models import School
from tests.assets.factories_imports import SCHOOL_HEADER, csv_bytes, make_directorate

# Derandomized and bounded: the same examples on every run, a few seconds in all.
QUICK = settings(max_examples=60, derandomize=True, deadline=None)
WITH_DB = settings(
    max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text as people type it in a cell: any letters, digits, punctuation, spaces and symbols (Arabic included),
# formula starts and bidi marks; no control characters (refused with an error) and no surrounding spaces
# (cells are stripped).
cell_text = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
        include_characters="=+-@'\u202e\u200f",
    ),
    max_size=60,
).map(str.strip)


class _Undo(Exception):
    pass


@QUICK
@given(st.binary(max_size=2000), st.sampled_from(["x.csv", "x.xlsx"]), st.sampled_from([None, "windows-1256"]))
def test_any_bytes_are_read_or_refused_with_the_imports_own_error(data, name, encoding):
    try:
        sheets = read_sheets(data, name, encoding=encoding)
    except _FileError as exc:
        assert exc.errors and all(e.message for e in exc.errors)
    else:
        assert sheets


@QUICK
@given(st.lists(st.lists(st.text(max_size=30), max_size=8), max_size=6), st.sampled_from(["utf-8", "utf-16"]))
def test_any_text_table_is_read_or_refused_with_the_imports_own_error(rows, encoding):
    text = "\n".join(",".join(cells) for cells in rows)
    try:
        read_sheets(text.encode(encoding, errors="surrogatepass"), "x.csv")
    except _FileError as exc:
        assert exc.errors


@pytest.mark.django_db
@WITH_DB
@given(st.lists(st.lists(cell_text, min_size=len(SCHOOL_HEADER), max_size=len(SCHOOL_HEADER)), max_size=4))
def test_any_cells_under_a_good_header_import_or_give_row_errors(rows):
    make_directorate_once()
    try:
        with transaction.atomic():
            result = import_file(io.BytesIO(csv_bytes(SCHOOL_HEADER, rows)), "schools.csv")
            if not result.ok:
                assert School.objects.count() == 0  # all or nothing
                assert all(e.message for e in result.errors)
            raise _Undo
    except _Undo:
        pass


def make_directorate_once():
    from assets.models import Directorate

    if not Directorate.objects.filter(code="AMM1").exists():
        make_directorate()


code = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=12)
school = st.fixed_dictionaries(
    {
        "name_ar": cell_text.filter(bool).map(lambda t: t[:200]),
        "name_en": cell_text.map(lambda t: t[:200]),
        "address": cell_text,
        "comments": cell_text,
        "working_days": st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    }
)


@pytest.mark.django_db
@WITH_DB
@given(st.dictionaries(code, school, min_size=1, max_size=5), st.sampled_from(["csv", "xlsx"]))
def test_a_valid_set_of_schools_round_trips_through_export_and_import(schools, fmt):
    make_directorate_once()
    from assets.models import Directorate

    directorate = Directorate.objects.get(code="AMM1")
    fields = ["name_ar", "name_en", "address", "comments", "working_days"]
    try:
        with transaction.atomic():
            for key, values in schools.items():
                School.objects.create(directorate=directorate, code=key, **values)
            before = {s.code: [getattr(s, f) for f in fields] for s in School.objects.all()}
            queryset = School.objects.all()
            data = export_csv("schools", queryset) if fmt == "csv" else export_workbook({"schools": queryset})
            School.objects.all().delete()
            result = import_file(io.BytesIO(data), f"schools.{fmt}")
            assert result.ok, result.errors
            after = {s.code: [getattr(s, f) for f in fields] for s in School.objects.all()}
            assert after == before
            raise _Undo
    except _Undo:
        pass
