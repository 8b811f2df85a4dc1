"""The brain map: a well-formed SVG whose cells match the ratings they stand for."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from rootmap.core.results import AssessmentResult, Change, Comparison
from rootmap.instruments import Instrument
from rootmap.render import brain_map_svg
from rootmap.render import palette as pal
from tests.render.factories import RATINGS_A1, make_result
from tests.render.helpers import scored

SVG = "{http://www.w3.org/2000/svg}"


def lines(text: ET.Element) -> str:
    """The text of one <text> element, one space between its lines."""
    spans = text.findall(f"{SVG}tspan")
    return " ".join(t.text or "" for t in spans) if spans else text.text or ""


def words(svg: str) -> str:
    """All text of the SVG, one space between lines."""
    return " ".join(lines(t) for t in ET.fromstring(svg).iter(f"{SVG}text"))


def cells(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-item", ""): g for g in root.iter(f"{SVG}g") if g.get("class") == "rm-cell"}


def test_the_map_parses_as_svg_with_one_cell_per_item(instrument: Instrument) -> None:
    svg = brain_map_svg(instrument=instrument, result=make_result())
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert sorted(cells(svg)) == sorted(instrument.item_ids)


def test_each_cell_shows_its_rating_coloured_by_the_item_band(instrument: Instrument) -> None:
    result = make_result()
    for item_id, cell in cells(brain_map_svg(instrument=instrument, result=result)).items():
        rating = result.ratings.get(item_id)
        polygon = cell.find(f"{SVG}polygon")
        assert polygon is not None
        if rating is None:
            assert cell.get("data-state") == "unknown"
            assert polygon.get("fill") == pal.UNKNOWN_FILL
            continue
        band = instrument.item_bands[rating]
        assert cell.get("data-rating") == str(rating)
        assert cell.get("data-state") == band
        # A strength (5) is its own colour, not a deeper "typical" (issue 11).
        expected = "#6baed6" if rating == 5 else pal.BAND_FILL[band]
        assert polygon.get("fill") == expected
    assert 5 in result.ratings.values() and 4 in result.ratings.values()  # both cases were seen


def test_every_cell_has_a_text_label_and_a_title_for_screen_readers(instrument: Instrument) -> None:
    for item_id, cell in cells(brain_map_svg(instrument=instrument, result=make_result())).items():
        title = cell.find(f"{SVG}title")
        assert title is not None and title.text
        label = instrument.items_by_id[item_id].label
        assert title.text.startswith(label)
        first_text = cell.find(f"{SVG}text")
        assert first_text is not None
        assert lines(first_text) == label


def test_the_title_says_the_rating_in_words(instrument: Instrument) -> None:
    svg = brain_map_svg(instrument=instrument, result=make_result())
    title = cells(svg)["sleep"].find(f"{SVG}title")
    assert title is not None
    assert title.text == "Sleep: rated 1 of 5 (severe), band severe"


def test_items_not_expected_at_the_age_are_hatched(instrument: Instrument) -> None:
    result = make_result(age_months=20)
    svg = brain_map_svg(instrument=instrument, result=result)
    hatched = {i for i, c in cells(svg).items() if c.get("data-state") == "not_expected"}
    expected = {i.id for i in instrument.functioning_items if i.min_age_months > 20}
    assert hatched == expected
    for item_id in hatched:
        polygon = cells(svg)[item_id].find(f"{SVG}polygon")
        assert polygon is not None and (polygon.get("fill") or "").startswith("url(#")
    assert "<pattern" in svg


def test_an_unrated_item_is_grey_and_says_so(instrument: Instrument) -> None:
    svg = brain_map_svg(instrument=instrument, result=make_result())
    cell = cells(svg)["social_cues"]
    assert cell.get("data-state") == "unknown"
    assert "not rated" in "".join(cell.itertext())


def _follow_up_with_items(items: dict[str, int]) -> AssessmentResult:
    """A-2, whose stored change since A-1 holds these rating deltas (as the core lists them)."""
    ratings = dict(RATINGS_A1, sleep=3, fine_motor=4)
    after = make_result(assessment_id="A-2", kind="follow_up", date="2025-07-16", ratings=ratings)
    since = Comparison(assessment_id="A-1", date="2025-01-15", headline={}, domains={}, items=items,
                       entry_region_before="brainstem", entry_region_after="brainstem",
                       phase_progress="same")
    return replace(after, change=Change(previous=since, baseline=since))


def test_a_follow_up_map_shows_the_change_per_cell(instrument: Instrument) -> None:
    # A-1 rated sleep 1, fine motor 5, autonomic regulation 2; A-2 rates them 3, 4, 2.
    after = _follow_up_with_items({"sleep": 2, "fine_motor": -1, "autonomic_regulation": 0})
    svg = brain_map_svg(instrument=instrument, result=after)
    found = cells(svg)
    assert found["sleep"].get("data-delta") == "2"
    assert "▲+2" in "".join(found["sleep"].itertext())
    assert found["fine_motor"].get("data-delta") == "-1"
    assert found["autonomic_regulation"].get("data-delta") == "0"
    assert "A-1" in svg  # the legend names what the change is measured from
    title = found["sleep"].find(f"{SVG}title")
    assert title is not None and title.text is not None and "up 2 from 1 at A-1" in title.text


def test_the_arrows_are_exactly_the_stored_comparison_and_nothing_else(instrument: Instrument) -> None:
    # Only the items the comparison lists get an arrow, whatever else the ratings say.
    after = _follow_up_with_items({"sleep": 2})
    deltas = {i: c.get("data-delta") for i, c in cells(brain_map_svg(instrument=instrument, result=after)).items()
              if c.get("data-delta") is not None}
    assert deltas == {"sleep": "2"}


def test_a_result_without_a_change_has_no_arrows(instrument: Instrument) -> None:
    # An ER snapshot has no change since the previous assessment (clinical model, section 1),
    # so its map shows none either.
    er = make_result(assessment_id="A-2", kind="er", date="2025-07-16", change=None)
    svg = brain_map_svg(instrument=instrument, result=er)
    assert not any(c.get("data-delta") is not None for c in cells(svg).values())
    assert "▲" not in svg and "▼" not in svg


def test_the_legend_and_region_labels_name_every_band_and_region(instrument: Instrument) -> None:
    svg = brain_map_svg(instrument=instrument, result=make_result())
    for legend in ("typical (4–5)", "mild (3)", "moderate (2)", "severe (0–1)", "not rated",
                   "not expected yet at this age"):
        assert legend in svg
    for region in instrument.regions:
        assert region.label in words(svg)
    assert "entry region" in svg


def test_the_family_map_uses_plain_words(instrument: Instrument) -> None:
    svg = brain_map_svg(instrument=instrument, result=make_result(), family=True)
    assert "much harder" in svg and "doing well for age" in svg
    assert "Handling big feelings" in svg
    assert "Affect regulation" not in svg


def test_maps_of_different_assessments_never_share_ids(instrument: Instrument) -> None:
    first = brain_map_svg(instrument=instrument, result=make_result())
    second = brain_map_svg(instrument=instrument, result=make_result(assessment_id="A-2"))

    def ids(svg: str) -> set[str]:
        return {e.get("id", "") for e in ET.fromstring(svg).iter() if e.get("id")}

    assert ids(first) and not ids(first) & ids(second)


def test_the_map_of_every_example_assessment_is_well_formed(instrument: Instrument) -> None:
    for name in ("school-age-foster", "toddler-kinship", "adolescent-er"):
        for result in scored(name):
            found = cells(brain_map_svg(instrument=instrument, result=result))
            for item_id, rating in result.ratings.items():
                if rating is not None:
                    assert found[item_id].get("data-rating") == str(rating)
            arrows = {i: int(c.get("data-delta") or 0) for i, c in found.items() if c.get("data-delta")}
            expected = dict(result.change.previous.items) if result.change else {}
            assert arrows == expected
