"""Reports and maps of an undetermined start, and the change an ER snapshot does not have."""

from __future__ import annotations

import json
import re

from rootmap.core.case import parse_case
from rootmap.core.scoring import score_history
from rootmap.instruments import load_instrument
from rootmap.render import brain_map_svg, report_html
from tests.render.helpers import EXAMPLES, example_case, scored


def _flat(html: str) -> str:
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<style>.*?</style>", " ", body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _sparse_er(reason: str | None = "Child left the room after ten minutes") -> tuple:
    """The adolescent example with its ER snapshot cut to one rated item (every domain short)."""
    data = json.loads((EXAMPLES / "adolescent-er.json").read_text("utf-8"))
    er = data["assessments"][-1]
    er["functioning"] = {"sleep": 4}
    if reason is not None:
        er["undetermined_reason"] = reason
    case = parse_case(data)
    return case, score_history(case)


def test_the_clinician_report_says_plainly_that_nobody_can_say_where_to_start() -> None:
    case, results = _sparse_er()
    assert results[-1].phase == "undetermined"
    text = _flat(report_html(case=case, results=results, audience="clinician"))
    assert "Not enough has been rated yet to say where to start" in text
    assert ("Too few items are rated in: Sensory integration, Self-regulation, Relational, Cognitive"
            in text)
    assert "Child left the room after ten minutes" in text
    assert "maintain" not in text.lower()
    assert "No region is compromised" not in text


def test_the_family_summary_says_it_in_family_words() -> None:
    case, results = _sparse_er()
    text = _flat(report_html(case=case, results=results, audience="family"))
    assert "We do not know enough yet to say where to start" in text
    assert "body basics; movement and settling; feelings and relationships; thinking and learning" in text
    assert "Keep doing what works" not in text  # that is what `maintain` would tell a family
    for jargon in ("index", "domain", "limbic", "cortex", "phase", "undetermined"):
        assert not re.search(rf"\b{jargon}", text.lower()), jargon


def test_the_map_of_an_undetermined_start_says_so_in_both_wordings() -> None:
    instrument = load_instrument("1")
    _case, results = _sparse_er()
    clinician = brain_map_svg(instrument=instrument, result=results[-1])
    family = brain_map_svg(instrument=instrument, result=results[-1], family=True)
    assert "Not enough has been rated yet to say where to start." in clinician
    assert "◀" not in clinician  # no band is marked as where to start
    assert "We do not know enough yet to say where to start." in family
    assert "not known enough yet" in family
    # A map that can say where to start says nothing of the sort.
    full = brain_map_svg(instrument=instrument, result=results[0])
    assert "Not enough has been rated" not in full


def test_an_er_report_shows_no_change_since_the_previous_assessment_anywhere() -> None:
    # The example's ER snapshot follows a full assessment with different ratings. An ER has
    # no change (clinical model, section 1), so neither the map's arrows, nor a "since"
    # column, nor "better than last time" may appear (they did, beside an empty change table).
    results = scored("adolescent-er")
    assert results[-1].kind == "er" and results[-1].change is None
    first, er = results
    assert any(first.ratings.get(i) != r for i, r in er.ratings.items() if r is not None)
    for audience in ("clinician", "family"):
        html = report_html(case=example_case("adolescent-er"), results=results, audience=audience)
        assert "data-delta" not in html
        assert "▲" not in html and "▼" not in html
        assert f"Since {first.assessment_id}" not in html
        assert "Better than last time" not in html


def test_a_follow_up_report_shows_the_same_item_changes_in_the_map_and_the_table() -> None:
    results = scored("school-age-foster")
    latest = results[-1]
    assert latest.change is not None
    html = report_html(case=example_case("school-age-foster"), results=results, audience="clinician")
    clinician_map = html[html.index("<svg"):html.index("</svg>")]
    arrows = dict(re.findall(r'data-item="([a-z_]+)"[^>]*data-delta="(-?\d+)"', clinician_map))
    assert {i: int(d) for i, d in arrows.items()} == dict(latest.change.previous.items)
