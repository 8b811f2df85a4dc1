"""Reports: the sections, numbers and safety a clinician and a family rely on."""

from __future__ import annotations

import hashlib
import re
from functools import cache

import pytest

from rootmap.core.caregiving import score_household, what_if
from rootmap.render import WhatIf, household_report_html, household_report_pdf, report_html, report_pdf
from rootmap.render.report import Audience
from tests.render.helpers import example_case, example_household, hostile_case, pdf_pages, scored

CASES = ("school-age-foster", "toddler-kinship", "adolescent-er")
# sha256 (first 16 hex digits) of the lower-cased names that belong to the commercial model.
COMMERCIAL_NAME_DIGESTS = {"fc74de5b79d22c90", "b8b4e9cea77ef29a", "f4929e08603a79d7"}


@cache
def pdf(name: str, audience: Audience) -> tuple[str, ...]:
    data = report_pdf(case=example_case(name), results=scored(name), audience=audience)
    assert data.startswith(b"%PDF-")
    return tuple(pdf_pages(data))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_clinician_report_has_every_section() -> None:
    text = flat(" ".join(pdf("school-age-foster", "clinician")))
    for heading in ("Clinician report", "Summary", "Sequenced plan", "Current functioning",
                    "Item ratings", "Current relational health", "Developmental history",
                    "Change over time", "Sources and time spent", "About this report"):
        assert heading in text, heading


def test_the_clinician_report_shows_the_scores_to_one_decimal() -> None:
    result = scored("school-age-foster")[-1]
    text = flat(" ".join(pdf("school-age-foster", "clinician")))
    assert result.developmental_risk is not None and result.relational_health is not None
    assert f"{result.developmental_risk:.1f}" in text
    assert f"{result.functioning_index:.1f}" in text
    assert f"{result.relational_health:.1f}" in text
    for period, risk in result.period_risk.items():
        assert f"{risk:.1f}" in text, period
    for domain in result.domains.values():
        assert domain.index is not None and f"{domain.index:.1f}" in text
    assert f"{result.ace_count} of 9" in text


def test_the_clinician_report_shows_the_plan_with_drivers_and_deferrals() -> None:
    results = scored("toddler-kinship")
    text = flat(" ".join(pdf("toddler-kinship", "clinician")))
    from rootmap.instruments.catalogue import load_catalogue

    catalogue = load_catalogue("1")
    plan = results[-1].plan
    assert plan.phases
    for phase in plan.phases:
        for rec in phase.recommendations:
            assert flat(catalogue.entries_by_id[rec.id].name) in text.replace("- ", "-")  # a wrapped hyphen
            assert f"{rec.score:.1f}" in text
        for deferred in phase.deferred:
            assert flat(deferred.reason)[:40] in text
    assert "Deferred" in text


def test_the_clinician_report_shows_change_since_previous_and_baseline() -> None:
    result = scored("school-age-foster")[-1]
    assert result.change is not None
    text = flat(" ".join(pdf("school-age-foster", "clinician")))
    assert "Baseline A-1" in text and "Previous A-2" in text and "Now A-3" in text
    delta = result.change.baseline.headline["functioning_index"].delta
    assert delta is not None
    assert f"+{delta:.1f}" in text


def test_the_clinician_report_lists_informants_documents_and_instrument_version() -> None:
    case = example_case("school-age-foster")
    text = flat(" ".join(pdf("school-age-foster", "clinician")))
    latest = case.assessments[-1]
    for informant in latest.informants:
        assert informant.name in text
    for document in latest.documents:
        assert document.title in text
    assert "Rootmap developmental profile, version 1" in text


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_every_page_says_who_when_which_assessment_and_whose_model(name: str, audience: Audience) -> None:
    case = example_case(name)
    latest = case.assessments[-1]
    for page in pdf(name, audience):
        text = flat(page)
        assert case.client.display_name in text
        assert case.client.id in text
        assert f"assessment {latest.id}" in text
        assert str(latest.date.year) in text
        assert "Rootmap's own clinical model (version 1)" in text


def test_an_er_report_has_no_developmental_history_and_an_abridged_plan() -> None:
    text = flat(" ".join(pdf("adolescent-er", "clinician")))
    assert "Developmental history" not in text
    assert "Abridged plan" in text
    assert "Immediate stabilisation" in text
    assert "Trigger" in text


def test_the_family_summary_puts_strengths_first_and_the_plan_as_things_to_do() -> None:
    text = flat(" ".join(pdf("school-age-foster", "family")))
    assert text.index("What is going well") < text.index("Things to do this week")
    assert "How often:" in text
    assert "The brain map" in text
    assert "not a diagnosis" in text
    # A plural strength read "Hand skills (drawing, buttons) is a real strength."
    assert "Hand skills (drawing, buttons): a real strength." in text and "buttons) is a" not in text
    # Later steps list their activities one a line, not run into a sentence of capitals.
    html = report_html(case=example_case("school-age-foster"), results=scored("school-age-foster"), audience="family")
    later = html[html.index("<h3>Later steps</h3>"):]
    assert "<ul><li>EMDR (eye movement desensitisation and reprocessing)</li><li>Cognitive-behavioural" in later


@pytest.mark.parametrize("name", CASES)
def test_the_family_summary_avoids_clinical_jargon(name: str) -> None:
    html = report_html(case=example_case(name), results=scored(name), audience="family")
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<style>.*?</style>", " ", body, flags=re.S)
    words = flat(re.sub(r"<[^>]+>", " ", body)).lower()
    for jargon in ("index", "domain", "developmental risk", "ace", "diencephalon", "limbic",
                   "cortex", "dysregulat", "phase"):
        assert not re.search(rf"\b{jargon}", words), jargon


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_no_report_uses_the_commercial_model_names(name: str, audience: Audience) -> None:
    html = report_html(case=example_case(name), results=scored(name), audience=audience)
    # The names are spelled from their hashes so that they appear nowhere in the repository.
    words = set(re.findall(r"[A-Za-z]+", html))
    digests = {hashlib.sha256(w.lower().encode()).hexdigest()[:16] for w in words}
    assert not digests & COMMERCIAL_NAME_DIGESTS
    assert "Rootmap's own clinical model (version 1)" in html


@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_reports_load_nothing_from_outside(audience: Audience) -> None:
    html = report_html(case=hostile_case("Sam"), results=scored("school-age-foster"),
                       audience=audience)
    assert "@import" not in html
    assert not re.search(r"""<[^>]*\s(src|href)\s*=""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:|//|file:)", html)
    assert set(re.findall(r"https?://[^\s\"'<]+", html)) <= {
        "http://www.w3.org/2000/svg", "https://example.invalid/tracker.png"}  # the latter as text


HOSTILE_NAMES = [
    "<script>alert('name')</script>",
    "Ada " + "Lovelace-" * 21,  # near the 200 characters a case file allows
    "שרה בת-אברהם",
    "سارة <b>أحمد</b>",
]
PDF_NAMES = [HOSTILE_NAMES[0], HOSTILE_NAMES[3]]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_a_hostile_name_is_escaped_in_html(name: str, audience: Audience) -> None:
    case = hostile_case(name)
    html = report_html(case=case, results=scored("school-age-foster"), audience=audience)
    assert "<script" not in html
    assert "<img" not in html
    assert "<b>bold</b>" not in html and "<style>body" not in html
    assert "</td></tr></table><script>" not in html
    if name.startswith("<script>"):
        assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in html


@pytest.mark.parametrize("name", PDF_NAMES)
def test_a_hostile_name_renders_safely_in_pdf(name: str) -> None:
    case = hostile_case(name)
    pages = pdf_pages(report_pdf(case=case, results=scored("school-age-foster")))
    assert len(pages) < 15
    text = flat(" ".join(pages))
    assert "<script>alert('note')</script>" in text.replace("</ script>", "</script>") or \
        "alert('note')" in text  # shown as text, not run
    if name.startswith("<script>"):
        assert "<script>alert('name')</script>" in text


def test_a_very_long_name_is_shortened_in_the_page_header() -> None:
    name = "Ada " + "Lovelace-" * 21
    pages = pdf_pages(report_pdf(case=hostile_case(name), results=scored("school-age-foster")))
    assert name in flat(pages[0]).replace("- ", "-")  # in full where there is room
    for page in pages[1:]:
        assert name[:40] in flat(page) and name not in flat(page).replace("- ", "-")
        assert "…" in page


def test_an_earlier_assessment_can_be_reported() -> None:
    html = report_html(case=example_case("school-age-foster"), results=scored("school-age-foster"),
                       assessment_id="A-1")
    assert "assessment <bdi>A-1</bdi>" in html
    assert "Change over time" not in html


def test_an_unknown_assessment_is_refused() -> None:
    with pytest.raises(KeyError, match="A-9"):
        report_html(case=example_case("school-age-foster"), results=scored("school-age-foster"),
                    assessment_id="A-9")


def test_the_household_report_shows_the_reserve_and_each_what_if() -> None:
    household = example_household("foster-household")
    result = score_household(household)
    respite = what_if(household, raise_resources={"respite_childcare": 3})
    html = household_report_html(household=household, result=result,
                                 what_ifs=[WhatIf("Respite raised to 3", respite)])
    assert "Respite raised to 3" in html and "Caregiver estimator report" in html
    text = flat(" ".join(pdf_pages(household_report_pdf(
        household=household, result=result, what_ifs=[WhatIf("Respite raised to 3", respite)]))))
    assert result.reserve is not None and respite.reserve is not None
    for heading in ("Caregiver estimator report", "Resources", "Demand", "What if"):
        assert heading in text
    assert f"{result.reserve:.1f}" in text
    assert f"{respite.reserve:.1f}" in text
    assert "Respite raised to 3" in text
    assert "Rootmap's own clinical model (version 1)" in text
    for caregiver in household.caregivers:
        assert caregiver.name in text


def test_a_household_report_names_children_as_told_and_hides_ratings_not_shown() -> None:
    from rootmap.render.household import ReportChild

    household = example_household("foster-household")  # child 1 is client C-0102, rated 1 1 0 1 1 1
    result = score_household(household)
    shown = [ReportChild("A child, age 10", "age 10", ratings_shown=False),
             ReportChild("Toddler", "1 year 8 months"), ReportChild("Birth child", "13 years 10 months")]
    html = household_report_html(household=household, result=result, children=shown)
    first_row = html.split("A child, age 10")[1].split("</tr>")[0]
    assert "C-0102" not in html and "not shared: outside your caseload" in first_row
    # No rating cell: only the age factor and a dash where the challenge would be.
    assert first_row.count("<td class='rm-num'>") == 2 and first_row.endswith("<td class='rm-num'>–</td>")
    assert f"{result.children[0].challenge:.1f}" not in first_row
    # The hidden child still counts: demand = 0.5 × (20.83 + 70.42 + 41.25) = 66.25, shown
    # half-up as 66.3 (Python's own formatting would print 66.2).
    assert result.demand == 66.25 and "66.3" in html and "66.2<" not in html
    assert "Toddler" in html and "1 year 8 months" in html
