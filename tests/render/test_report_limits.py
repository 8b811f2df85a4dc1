"""No report takes more than a few seconds, whatever a case file may hold.

A 2.5 MB case file (500 events with 5000-character notes) held the server for 9.5
minutes and 1.1 GB: WeasyPrint laid out every note in full in the events table. Now a
case file holds at most 200 events (rootmap.core.case), and typed text in report tables is
shortened, the whole text staying in the record.
"""

from __future__ import annotations

import pytest
from benchmarks.report_bench import largest_case_allowed

from rootmap.core.case import MAX_EVENTS, parse_case
from rootmap.core.problems import CaseFileError
from rootmap.core.scoring import score_history
from rootmap.render import report_html, report_pdf
from rootmap.render.report import NOTE_CHARS
from tests.render.helpers import pdf_pages


def _largest_case_allowed() -> dict:
    """The richest example with every count and length at the most a case file allows (the
    same case `make bench` times: its CPU bound is a benchmark's, not a timed test's)."""
    return largest_case_allowed()


def test_the_largest_case_file_allowed_renders_a_bounded_pdf() -> None:
    case = parse_case(_largest_case_allowed())  # within every limit: it would be imported
    pdf = report_pdf(case=case, results=score_history(case), audience="clinician")

    pages = pdf_pages(pdf)
    # In full, the notes alone made hundreds of pages (9.5 minutes of layout); shortened, the
    # events take a few. Its time (under 10 s of CPU) is measured by benchmarks/report_bench.py.
    assert len(pages) <= 45, len(pages)
    assert any("event 199" in page for page in pages), "every counted event is still listed"


def test_long_notes_are_shortened_in_the_report_and_the_reader_is_told() -> None:
    case = parse_case(_largest_case_allowed())
    html = report_html(case=case, results=score_history(case), audience="clinician")
    note = case.events[0].note
    assert note not in html and note[: NOTE_CHARS // 2] in html
    assert f"Notes longer than {NOTE_CHARS} characters are shortened" in html


def test_a_case_file_with_500_events_is_refused_with_the_limit() -> None:
    data = _largest_case_allowed()
    data["events"] = data["events"] * 3  # 600: the 2.5 MB file of the issue had 500
    with pytest.raises(CaseFileError, match=f"events: has 600 entries; at most {MAX_EVENTS} are allowed"):
        parse_case(data)
