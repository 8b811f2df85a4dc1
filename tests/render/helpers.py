"""Helpers for render tests: the shipped examples, parsed and scored once, and PDF text."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

from rootmap.core.case import CaseFile, Household, parse_case, parse_document
from rootmap.core.results import AssessmentResult
from rootmap.core.scoring import score_history

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@cache
def example(name: str) -> CaseFile | Household:
    return parse_document(json.loads((EXAMPLES / f"{name}.json").read_text("utf-8")))


def example_case(name: str) -> CaseFile:
    case = example(name)
    assert isinstance(case, CaseFile)
    return case


def example_household(name: str) -> Household:
    household = example(name)
    assert isinstance(household, Household)
    return household


@cache
def scored(name: str) -> tuple[AssessmentResult, ...]:
    return tuple(score_history(example_case(name)))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, extracted with pypdf."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def hostile_case(name: str) -> CaseFile:
    """A real example with user text replaced by hostile text everywhere it appears."""
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    data["client"]["display_name"] = name
    data["interests"] = ["<img src=x onerror=alert(1)>", "موسيقى"]
    data["events"][0]["note"] = "</td></tr></table><script>alert('note')</script>"
    data["events"][0]["source"] = "https://example.invalid/tracker.png"
    for assessment in data["assessments"]:
        assessment["informants"][0]["name"] = "<b>bold</b> & \"quoted\" 'single'"
        assessment["documents"][0]["title"] = "<style>body{display:none}</style>" + "x" * 150
    return parse_case(data)
