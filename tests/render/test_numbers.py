"""One display number everywhere (issue 11): every place that prints one quantity of one
assessment prints the same string, half-up to one decimal, and every printed change is the
difference of the two printed values beside it.

Sources read back: the clinician report's tables (each printed score is tagged `data-q`,
each change `data-change`), the brain map's region labels, the risk chart's bars and
overall line, and the domains-over-time chart's points, for every assessment of every
example.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from rootmap.core.case import parse_case
from rootmap.core.results import AssessmentResult
from rootmap.core.scoring import score_history
from rootmap.instruments import load_instrument
from rootmap.render import brain_map_svg, domains_over_time_svg, report_html, risk_chart_svg
from tests.render.helpers import EXAMPLES, example_case, scored

INSTRUMENT = load_instrument("1")
CASE_FILES = ("school-age-foster", "toddler-kinship", "adolescent-er")
REPORTS = [(name, r.assessment_id) for name in CASE_FILES for r in scored(name)]
DOMAIN_LABEL = {r.domain: r.domain_label for r in INSTRUMENT.regions}
PERIOD_LABEL = {p.id: p.label for p in INSTRUMENT.periods}


def half_up(value: float) -> str:
    """The rule as a person applies it: the value to nine places (81.24999999999999 is the
    computer's 81.25), then half-up to one decimal, a true minus sign, never "−0.0"."""
    nine = Decimal(value).quantize(Decimal("0.000000001"), rounding=ROUND_HALF_UP)
    shown = nine.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if shown == 0:
        return "0.0"
    return f"−{-shown}" if shown < 0 else str(shown)


def as_decimal(text: str) -> Decimal:
    return Decimal(text.replace("−", "-"))


def raw_values(results: list[AssessmentResult] | tuple[AssessmentResult, ...]) -> dict[str, float]:
    values: dict[str, float] = {}
    for r in results:
        for key in ("developmental_risk", "functioning_index", "relational_health", "resilience"):
            value = getattr(r, key)
            if value is not None:
                values[f"{key}@{r.assessment_id}"] = value
        for domain, d in r.domains.items():
            if d.index is not None:
                values[f"{domain}@{r.assessment_id}"] = d.index
        for period, risk in r.period_risk.items():
            values[f"{period}@{r.assessment_id}"] = risk
    return values


def printed(html_or_svg: str, result: AssessmentResult, history: list[AssessmentResult]) -> dict[str, list[str]]:
    """Every printed number of the page, by quantity."""
    seen: dict[str, list[str]] = defaultdict(list)
    for key, text in re.findall(r'<span data-q="([^"]+)">([^<]*)</span>', html_or_svg):
        seen[key].append(text)
    rid = result.assessment_id
    # Brain map: "<domain label>" then "index N · band" on the band's label.
    for domain, label in DOMAIN_LABEL.items():
        found = re.search(rf">{re.escape(label)}</text>\s*<text[^>]*>index ([^ <]+) ·", html_or_svg)
        if found:
            seen[f"{domain}@{rid}"].append(found.group(1))
    # Risk chart: each bar's title, the overall line and the description.
    for period, label in PERIOD_LABEL.items():
        for value in re.findall(rf"<title>{re.escape(label)}: risk ([^ ]+) \(", html_or_svg):
            seen[f"{period}@{rid}"].append(value)
    for value in re.findall(r">overall ([0-9.−-]+)</text>", html_or_svg):
        seen[f"developmental_risk@{rid}"].append(value)
    # Domains over time: one point per assessment with an index, oldest first.
    for domain, label in DOMAIN_LABEL.items():
        points = re.findall(rf"<title>{re.escape(label)}: ([^<]+)</title>", html_or_svg)
        with_index = [r for r in history if r.domains.get(domain) and r.domains[domain].index is not None]
        if points:
            assert len(points) == len(with_index), domain
            for r, value in zip(with_index, points, strict=True):
                seen[f"{domain}@{r.assessment_id}"].append(value)
    return seen


@pytest.mark.parametrize(("name", "assessment_id"), REPORTS)
def test_every_number_of_one_quantity_is_the_same_string_everywhere(name: str, assessment_id: str) -> None:
    results = list(scored(name))
    position = [r.assessment_id for r in results].index(assessment_id)
    history, result = results[: position + 1], results[position]
    html = report_html(case=example_case(name), results=results, assessment_id=assessment_id)
    pages = [html, brain_map_svg(instrument=INSTRUMENT, result=result)]
    if result.kind != "er":
        pages.append(risk_chart_svg(instrument=INSTRUMENT, result=result))
    if len(history) > 1:
        pages.append(domains_over_time_svg(instrument=INSTRUMENT, results=history))
    seen: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        for key, values in printed(page, result, history).items():
            seen[key] += values
    raw = raw_values(history)
    assert seen, "the pages print numbers"
    for key, values in seen.items():
        if key not in raw:  # unknown (a period without both ratings): a dash, never a number
            assert set(values) == {"–"}, (key, values)
            continue
        assert set(values) == {half_up(raw[key])}, (key, values, raw[key])
    # The current assessment's headline numbers are all printed somewhere.
    for key in ("functioning_index", "relational_health", "resilience"):
        if getattr(result, key) is not None:
            assert f"{key}@{assessment_id}" in seen


@pytest.mark.parametrize(("name", "assessment_id"), REPORTS)
def test_every_printed_change_is_the_difference_of_the_printed_values(name: str, assessment_id: str) -> None:
    results = list(scored(name))
    html = report_html(case=example_case(name), results=results, assessment_id=assessment_id)
    values = {k: v for k, v in re.findall(r'<span data-q="([^"]+)">([^<]*)</span>', html)}
    changes = re.findall(r'<span data-change="([^"]+)" data-from="([^"]+)" data-to="([^"]+)">([^<]+)</span>', html)
    result = next(r for r in results if r.assessment_id == assessment_id)
    assert bool(changes) == (result.change is not None)
    for quantity, before_id, after_id, text in changes:
        before = as_decimal(values[f"{quantity}@{before_id}"])
        after = as_decimal(values[f"{quantity}@{after_id}"])
        difference = after - before
        expected = "0.0" if difference == 0 else f"{difference:+}".replace("-", "−")
        assert text == expected, (quantity, before, after, text)


def _domain_case() -> tuple:
    """school-age-foster with the limbic items of A-2 summing 14 of 32 (index 43.75) and of
    A-3 summing 24 (75.0), and the brainstem items of A-3 summing 26 (81.25)."""
    data = json.loads((EXAMPLES / "school-age-foster.json").read_text("utf-8"))
    limbic = [i.id for i in INSTRUMENT.functioning_items if i.region == "limbic"]
    brainstem = [i.id for i in INSTRUMENT.functioning_items if i.region == "brainstem"]
    a2, a3 = data["assessments"][1], data["assessments"][2]
    a2["functioning"].update(dict(zip(limbic, (2, 2, 2, 2, 2, 2, 1, 1), strict=True)))
    a3["functioning"].update(dict(zip(limbic, (3, 3, 3, 3, 3, 3, 3, 3), strict=True)))
    a3["functioning"].update(dict(zip(brainstem, (4, 4, 4, 4, 3, 3, 2, 2), strict=True)))
    case = parse_case(data)
    return case, score_history(case)


def test_the_issues_numbers_print_half_up_and_their_change_is_their_difference() -> None:
    case, results = _domain_case()
    result = results[-1]
    assert result.domains["sensory_integration"].index == 81.25  # 26 / 32 * 100
    assert results[1].domains["relational"].index == 43.75 and result.domains["relational"].index == 75.0
    html = report_html(case=case, results=results)
    svg = brain_map_svg(instrument=INSTRUMENT, result=result)
    assert "index 81.3 · mild" in svg and "index 81.2" not in svg
    assert '<span data-q="sensory_integration@A-3">81.3</span>' in html
    assert '<span data-q="relational@A-2">43.8</span>' in html
    assert re.search(r'data-change="relational" data-from="A-2" data-to="A-3">\+31\.2<', html)
    assert "+31.3" not in html
