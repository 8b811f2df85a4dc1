"""CSV cells a spreadsheet shows and never runs, and reading an uploaded CSV."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rootmap.interop.csv_format import csv_text, neutralise, read_csv


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'])
def test_a_text_cell_a_spreadsheet_would_run_gets_a_leading_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize(("cell", "written"), [("Sam", "Sam"), ("", ""), (None, ""), ("a=b", "a=b"),
                                               (-12.5, -12.5), (0, 0), (True, "yes")])
def test_other_cells_are_written_as_they_are(cell: object, written: object) -> None:
    assert neutralise(cell) == written


def test_the_written_csv_reads_back_with_the_quote_and_numbers_intact() -> None:
    text = csv_text(["name", "reserve"], [["=cmd|' /C calc'!A0", -3.5], ["Zoë, \"Z\"", 12]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "reserve"], ["'=cmd|' /C calc'!A0", "-3.5"], ['Zoë, "Z"', "12"]]
    assert text.endswith("\r\n")


COLUMNS = {"required": ("reference", "birth_date"), "allowed": ("reference", "birth_date", "interests")}


def test_rows_are_numbered_as_a_spreadsheet_numbers_them_and_a_byte_order_mark_is_not_a_column() -> None:
    raw = "\ufeffreference,birth_date\r\nC-1,2020-01-01\r\n,\r\nC-2 , 2021-02-03\r\n".encode()
    rows, problems = read_csv(raw, **COLUMNS)
    assert problems == []
    assert rows == [{"_row": "2", "reference": "C-1", "birth_date": "2020-01-01"},
                    {"_row": "4", "reference": "C-2", "birth_date": "2021-02-03"}]


def test_header_problems_are_all_named() -> None:
    rows, problems = read_csv(b"reference,colour,colour\nC-1,red,blue\n", **COLUMNS)
    assert rows == []
    assert [str(p) for p in problems] == [
        "header: column 'colour' is not known; expected only reference, birth_date, interests",
        "header: column 'colour' is not known; expected only reference, birth_date, interests",
        "header: column 'birth_date' is required but missing",
        "header: column 'colour' appears more than once",
    ]


def test_a_file_that_is_not_utf8_or_is_empty_is_refused() -> None:
    assert [str(p) for p in read_csv("reference\nJosé\n".encode("latin-1"), **COLUMNS)[1]] == [
        "file: is not UTF-8 text (byte 14); save it as 'CSV UTF-8' and try again"]
    assert [str(p) for p in read_csv(b"", **COLUMNS)[1]] == [
        "header: is missing; expected a first row naming the columns: reference, birth_date, interests"]


def test_a_row_with_more_cells_than_the_header_is_named() -> None:
    _, problems = read_csv(b"reference,birth_date\nC-1,2020-01-01,extra\n", **COLUMNS)
    assert [str(p) for p in problems] == ["row 2: has 3 cells; the header names 2"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: ("reference,birth_date\n" + t).encode()))
def test_any_upload_gives_rows_or_problems_never_a_crash(raw: bytes) -> None:
    rows, problems = read_csv(raw, **COLUMNS)
    assert all(set(r) <= {"_row", *COLUMNS["allowed"]} for r in rows)
    assert all(str(p) for p in problems)
