"""Charts: plain SVG that parses without a browser and plots the numbers it is given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rootmap.core.results import DomainResult
from rootmap.instruments import Instrument
from rootmap.render import domains_over_time_svg, reserve_chart_svg, risk_chart_svg
from tests.render.factories import make_household, make_result
from tests.render.helpers import scored

SVG = "{http://www.w3.org/2000/svg}"


def with_class(svg: str, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}{tag}") if e.get("class") == css_class]


def test_the_risk_chart_has_one_bar_per_period_with_a_risk(instrument: Instrument) -> None:
    result = make_result()
    svg = risk_chart_svg(instrument=instrument, result=result)
    bars = {b.get("data-period"): float(b.get("data-risk", "nan"))
            for b in with_class(svg, "rect", "rm-risk-bar")}
    assert bars == {p: round(r, 4) for p, r in result.period_risk.items()}
    assert "overall 71.3" in svg
    assert "not reached" in svg  # adolescence, at 110 months


def test_the_risk_chart_shows_adversity_and_relational_health_per_period(instrument: Instrument) -> None:
    svg = risk_chart_svg(instrument=instrument, result=make_result())
    assert "adversity (0 none – 4 extreme)" in svg
    assert "relational health (0 poverty – 4 rich)" in svg
    assert "adversity derived from events" in svg
    for band in ("low", "moderate", "high", "very high"):
        assert f">{band}<" in svg


def test_a_period_without_a_risk_says_which_rating_is_missing(instrument: Instrument) -> None:
    result = make_result(
        age_months=20, period_risk={"perinatal": 70.0}, derived_adversity={},
        history={"perinatal": {"adversity": 3, "relational_health": 1},
                 "infancy": {"adversity": None, "relational_health": 2},
                 "early_childhood": {"adversity": 2, "relational_health": None}},
    )
    svg = risk_chart_svg(instrument=instrument, result=result)
    assert "adversity unknown" in svg
    assert "relational health unknown" in svg


def test_domains_over_time_plots_each_known_index_over_shaded_bands(instrument: Instrument) -> None:
    first = make_result()
    second = make_result(assessment_id="A-2", date="2025-07-16", domains={
        **first.domains, "self_regulation": DomainResult(None, None, "insufficient")})
    svg = domains_over_time_svg(instrument=instrument, results=[first, second])
    points = [(p.get("data-domain"), p.get("data-index")) for p in with_class(svg, "g", "rm-point")]
    assert len(points) == 7  # four domains twice, less the insufficient one
    assert ("sensory_integration", f"{43.8:.4f}") in points
    for band in ("typical", "mild", "moderate", "severe"):
        assert f">{band}<" in svg
    assert "A-1" in svg and "16 July 2025" in svg


def test_domains_over_time_of_the_richest_example_parses(instrument: Instrument) -> None:
    results = scored("school-age-foster")
    svg = domains_over_time_svg(instrument=instrument, results=results)
    assert len(with_class(svg, "g", "rm-point")) == 4 * len(results)


def test_the_reserve_chart_shows_now_and_each_what_if(instrument: Instrument) -> None:
    now = make_household()
    svg = reserve_chart_svg(instrument=instrument, result=now, what_ifs=[("<Respite> raised", now)])
    bars = with_class(svg, "rect", "rm-reserve-bar")
    assert [b.get("data-reserve") for b in bars] == [f"{21.1:.4f}"] * 2
    assert "&lt;Respite&gt; raised" in svg


def test_no_chart_refers_to_anything_outside_itself(instrument: Instrument) -> None:
    svgs = [risk_chart_svg(instrument=instrument, result=make_result()),
            domains_over_time_svg(instrument=instrument, results=[make_result()]),
            reserve_chart_svg(instrument=instrument, result=make_household())]
    for svg in svgs:
        assert "href" not in svg and "<script" not in svg and "<image" not in svg
        assert svg.count("http://") == 1  # the SVG namespace only
