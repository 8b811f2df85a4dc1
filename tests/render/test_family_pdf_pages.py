"""The family summary's PDF keeps the map's explanation on one page (issue 11).

A family reads the explanation as one piece beside the map; split across a page break,
its colour key ("Pale green means ...") landed on the next page, away from its first
sentences. Every assessment of every example is rendered to PDF and read back page by
page with poppler's `pdftotext`, the text a person sees on each printed sheet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rootmap.instruments.family_words import load_family_words
from rootmap.render import report_pdf
from tests.render.helpers import example_case, scored

CASE_FILES = ("school-age-foster", "toddler-kinship", "adolescent-er")
REPORTS = [(name, r.assessment_id) for name in CASE_FILES for r in scored(name)]

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils, scripts/system-deps) is not installed")


def _pages(pdf: bytes, folder: Path) -> list[str]:
    path = folder / "summary.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    # pdftotext ends each page with a form feed; a line break inside a sentence is a space.
    return [" ".join(page.split()) for page in text.split("\f")]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if s]


@pytest.mark.parametrize(("name", "assessment_id"), REPORTS)
def test_the_map_explanation_starts_and_ends_on_one_page(name, assessment_id, tmp_path):
    case = example_case(name)
    result = next(r for r in scored(name) if r.assessment_id == assessment_id)
    sentences = _sentences(load_family_words(result.instrument_version).sentences.map)
    first, last = sentences[0], sentences[-1]
    assert first != last and len(sentences) >= 3  # a real paragraph, not one line
    pages = _pages(report_pdf(case=case, results=scored(name), assessment_id=assessment_id,
                              audience="family"), tmp_path)
    with_first = [n for n, page in enumerate(pages, 1) if first in page]
    with_last = [n for n, page in enumerate(pages, 1) if last in page]
    assert len(with_first) == 1 and with_first == with_last, (first, with_first, last, with_last)
