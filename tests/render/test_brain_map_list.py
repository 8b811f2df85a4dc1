"""The brain map as a list: the same cells, states and words as the drawing, bottom-up."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from rootmap.instruments import Instrument
from rootmap.render import brain_map_list_html, brain_map_svg
from tests.render.factories import make_result
from tests.render.test_brain_map import cells


def _items(html: str) -> dict[str, ET.Element]:
    root = ET.fromstring(html)  # escaped, well-formed markup
    return {li.get("data-item", ""): li for li in root.iter("li")}


def test_every_cell_of_the_drawing_is_a_line_of_the_list_in_the_same_state(instrument: Instrument) -> None:
    result = make_result(age_months=20)  # some items not expected yet, some hatched
    drawn = cells(brain_map_svg(instrument=instrument, result=result))
    listed = _items(brain_map_list_html(instrument=instrument, result=result))
    assert sorted(listed) == sorted(drawn) == sorted(instrument.item_ids)
    assert {i: li.get("data-state") for i, li in listed.items()} == {
        i: g.get("data-state") for i, g in drawn.items()}
    assert "not expected yet" in "".join(listed["abstract_reasoning"].itertext())


def test_the_list_reads_bottom_up_from_the_brainstem(instrument: Instrument) -> None:
    html = brain_map_list_html(instrument=instrument, result=make_result())
    regions = re.findall(r'data-region="([a-z_]+)"', html)
    assert regions == ["brainstem", "diencephalon", "limbic", "cortex"]


def test_the_entry_region_and_a_rating_are_said_in_words(instrument: Instrument) -> None:
    result = make_result()
    html = brain_map_list_html(instrument=instrument, result=result)
    sleep = "".join(_items(html)["sleep"].itertext())
    assert f"{result.ratings['sleep']} · {instrument.item_bands[result.ratings['sleep']]}" in sleep
    assert result.entry_region == "brainstem"
    brainstem = html.split('data-region="brainstem"')[1].split("</h3>")[0]
    assert "entry region" in brainstem


def test_a_family_list_uses_family_words_only(instrument: Instrument) -> None:
    html = brain_map_list_html(instrument=instrument, result=make_result(), family=True)
    text = "".join(ET.fromstring(html).itertext())
    assert "Brainstem" not in text and "Cortex" not in text  # area names, never region names
    assert " · typical" not in text and " · mild" not in text
