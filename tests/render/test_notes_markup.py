"""The clinician's notes in reports: the small markup is safe against hostile text, the
clinician report shows formulation and comments, the family report only the family
summary, and every report (household too) says "Confidential" and prints the signatures."""

from __future__ import annotations

import json
import re

import pytest

from rootmap.core.case import CaseFileError, parse_case
from rootmap.core.scoring import score_history
from rootmap.render import report_html, report_pdf
from rootmap.render.household import household_report_html
from rootmap.render.markup import notes_html
from rootmap.render.signatures import Signature
from tests.render.helpers import EXAMPLES, example_household, pdf_pages

FORMULATION_SENTENCE = "His body still braces for danger at bedtime."
COMMENT = "Wakes three times a night after contact visits."
FAMILY_SUMMARY = "Keep the bedtime routine the same every night."
SIGNATURES = (
    Signature("Signed", "Casey Clinician", "Clinician", "Riverside Family Services", "2 December 2026, 09:15 UTC"),
    Signature("Co-signed (supervisor review)", "Sasha Supervisor", "Supervisor", "Riverside Family Services",
              "3 December 2026, 10:40 UTC"),
)


def _case(notes: dict | None = None):
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    data["assessments"][-1]["notes"] = notes if notes is not None else {
        "formulation": f"{FORMULATION_SENTENCE}\n\n- *rhythm* first\n- then **relationship**",
        "family_summary": FAMILY_SUMMARY,
        "items": {"functioning.sleep": COMMENT, "history.perinatal": "Birth records missing."},
    }
    case = parse_case(data)
    return case, score_history(case)


# --- The markup ---------------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<p onclick="alert(1)">para</p>',
    "<svg><script>alert(1)</script></svg>",
    '*<b onmouseover="alert(1)">x</b>*',
    "- <iframe src=javascript:alert(1)>",
])
def test_no_tag_or_attribute_typed_by_a_user_survives(hostile: str) -> None:
    html = notes_html(hostile)
    # Only the tags the markup writes itself; every < typed is escaped.
    tags = set(re.findall(r"<\s*/?\s*([a-zA-Z]+)", html))
    assert tags <= {"p", "br", "ul", "li", "em", "strong"}, html
    assert not re.search(r"<[^>]*\son\w+\s*=", html), html
    assert not re.search(r"<[^>]*href", html), html
    assert "&lt;" in html


def test_paragraphs_lists_line_breaks_and_emphasis() -> None:
    html = notes_html("First line\nsecond line\n\n- one\n- *two*\n\n**Strong** end")
    assert html == ('<p dir="auto">First line<br>second line</p>'
                    '<ul dir="auto"><li>one</li><li><em>two</em></li></ul>'
                    '<p dir="auto"><strong>Strong</strong> end</p>')
    assert notes_html("  \n\n ") == ""
    # Arithmetic with asterisks is not emphasis.
    assert "<em>" not in notes_html("2 * 3 * 4")


def test_a_marked_span_never_runs_over_another_marker() -> None:
    # QA: a 20,000-character formulation of "**a " took 3.5 s to render (and " *a" 5 s), on
    # every results page, review page and report: each "**" tried every later one as its
    # end. A span stops at the next marker now, which is also what a reader means.
    assert notes_html("**a **b**") == '<p dir="auto">**a <strong>b</strong></p>'
    assert notes_html("*a *b*") == '<p dir="auto">*a <em>b</em></p>'
    assert notes_html("*very **bold** thing*") == '<p dir="auto"><em>very <strong>bold</strong> thing</em></p>'
    assert notes_html("**a " * 5000) == '<p dir="auto">' + "**a " * 4999 + "**a</p>"
    assert notes_html(" *a" * 6666).count("<em>") == 0


# --- The case file ------------------------------------------------------------------------------

def test_a_comment_on_something_the_instrument_does_not_rate_is_refused_naming_the_path() -> None:
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    data["assessments"][0]["notes"] = {"items": {"functioning.no_such_item": "x", "history.perinatal": "ok"}}
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    text = str(error.value)
    assert "assessments[0].notes.items" in text
    assert "'functioning.no_such_item' is not a functioning item" in text


def test_notes_over_their_limits_are_refused_naming_the_field() -> None:
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    data["assessments"][0]["notes"] = {"family_summary": "x" * 5001, "items": {"relational.home_stability": "y" * 1001}}
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    text = str(error.value)
    assert "assessments[0].notes.family_summary" in text
    assert "assessments[0].notes.items.relational.home_stability" in text or "notes.items" in text


# --- Reports ------------------------------------------------------------------------------------

def test_the_clinician_report_shows_the_formulation_and_comments_in_their_section() -> None:
    case, results = _case()
    html = report_html(case=case, results=results, audience="clinician", signatures=SIGNATURES)
    section = html[html.index("Clinician's formulation and comments"):]
    assert FORMULATION_SENTENCE in section
    assert COMMENT in section and "Birth records missing." in section
    assert "<li><em>rhythm</em> first</li>" in section
    # What the family was told is in the clinician's copy too, once, and said to be theirs.
    written = section[section.index("Written for the family"):]
    assert written.index(FAMILY_SUMMARY) < written.index(COMMENT)
    assert html.count(FAMILY_SUMMARY) == 1


def test_a_family_summary_alone_still_gets_the_clinician_notes_section() -> None:
    case, results = _case({"family_summary": FAMILY_SUMMARY})
    html = report_html(case=case, results=results, audience="clinician")
    assert FAMILY_SUMMARY in html[html.index("Clinician's formulation and comments"):]


def test_the_family_report_carries_only_the_family_summary() -> None:
    case, results = _case()
    html = report_html(case=case, results=results, audience="family", signatures=SIGNATURES)
    assert FAMILY_SUMMARY in html
    assert FORMULATION_SENTENCE not in html
    assert COMMENT not in html
    assert "Birth records missing." not in html


def test_hostile_notes_are_escaped_in_the_reports() -> None:
    case, results = _case({"formulation": "<script>alert('f')</script>",
                           "family_summary": '<img src=x onerror="alert(1)">',
                           "items": {"functioning.sleep": '<a href="javascript:alert(1)">x</a>'}})
    for audience in ("clinician", "family"):
        html = report_html(case=case, results=results, audience=audience)
        assert "<script>alert" not in html and "onerror=\"alert" not in html
        assert 'href="javascript:' not in html


def test_every_report_says_confidential_and_prints_both_signatures() -> None:
    case, results = _case()
    for audience in ("clinician", "family"):
        html = report_html(case=case, results=results, audience=audience, signatures=SIGNATURES)
        assert "Confidential" in html
        assert "Casey Clinician" in html and "Sasha Supervisor" in html
        assert "Co-signed (supervisor review)" in html and "3 December 2026, 10:40 UTC" in html
    household = example_household("foster-household")
    from rootmap.core.caregiving import score_household

    assert "Confidential" in household_report_html(household=household, result=score_household(household))


@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_the_pdfs_say_confidential_on_every_page_and_name_both_signers(audience: str) -> None:
    case, results = _case()
    pages = pdf_pages(report_pdf(case=case, results=results, audience=audience, signatures=SIGNATURES))
    assert pages and all("CONFIDENTIAL" in p.upper() for p in pages)
    text = " ".join(" ".join(p.split()) for p in pages)
    assert "Casey Clinician" in text and "Sasha Supervisor" in text
    if audience == "family":
        assert FORMULATION_SENTENCE not in text and COMMENT not in text
