"""Instrument version 1 is data, validated on load; its numbers drive the scores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import rootmap.instruments
from rootmap.core.case import parse_case
from rootmap.core.scoring import score_case
from rootmap.instruments import load_instrument, load_instrument_from
from tests.factories import assessment, case

DATA = Path(rootmap.instruments.__file__).parent / "v1"


def copy_instrument(tmp_path: Path) -> Path:
    folder = tmp_path / "v1"
    shutil.copytree(DATA, folder)
    return folder


def test_version_1_has_the_clinical_model_s_structure() -> None:
    instrument = load_instrument("1")
    assert [p.id for p in instrument.periods] == [
        "perinatal", "infancy", "early_childhood", "childhood", "adolescence"]
    assert [p.weight for p in instrument.periods] == [1.0, 0.85, 0.7, 0.5, 0.35]
    assert len(instrument.functioning_items) == 32
    assert {d: len(ids) for d, ids in instrument.items_by_domain.items()} == {
        "sensory_integration": 8, "self_regulation": 8, "relational": 8, "cognitive": 8}
    assert instrument.items_by_id["abstract_reasoning"].min_age_months == 84
    assert len(instrument.relational_items) == 6
    assert len(instrument.internal_items) == len(instrument.external_items) == len(instrument.challenge_items) == 6


def test_every_item_has_a_label_and_an_anchor_for_every_level() -> None:
    instrument = load_instrument("1")
    for item in instrument.functioning_items:
        assert item.label and item.description
        assert sorted(item.anchors) == [0, 1, 2, 3, 4, 5]
        assert len(set(item.anchors.values())) == 6, f"{item.id} repeats an anchor"


def test_changing_a_weight_in_the_data_changes_the_score(tmp_path: Path) -> None:
    history = {"perinatal": {"adversity": 4, "relational_health": 4},   # A 1, P 0 -> 40
               "infancy": {"adversity": 0, "relational_health": 0}}     # A 0, P 1 -> 50
    parsed = parse_case(case(assessment(history=history)))
    # (1.0*40 + .85*50) / 1.85 = 82.5 / 1.85
    assert score_case(parsed).developmental_risk == pytest.approx(82.5 / 1.85)
    folder = copy_instrument(tmp_path)
    parameters = yaml.safe_load((folder / "parameters.yaml").read_text())
    parameters["periods"][1]["weight"] = 1.0
    (folder / "parameters.yaml").write_text(yaml.safe_dump(parameters))
    changed = load_instrument_from(folder)
    assert score_case(parsed, instrument=changed).developmental_risk == pytest.approx(45.0)  # (40+50)/2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["periods"][1].update(start=3), "must start where perinatal ends"),
        (lambda p: p["periods"][0].update(adversity_share=1.5), "less than or equal to 1"),
        (lambda p: p["regions"].reverse(), "bottom-up"),
    ],
)
def test_inconsistent_parameters_are_refused_on_load(tmp_path: Path, edit, message: str) -> None:
    folder = copy_instrument(tmp_path)
    parameters = yaml.safe_load((folder / "parameters.yaml").read_text())
    edit(parameters)
    (folder / "parameters.yaml").write_text(yaml.safe_dump(parameters))
    with pytest.raises(ValidationError, match=message):
        load_instrument_from(folder)


def test_an_item_missing_an_anchor_is_refused_on_load(tmp_path: Path) -> None:
    folder = copy_instrument(tmp_path)
    items = yaml.safe_load((folder / "functioning_items.yaml").read_text())
    del items["items"][3]["anchors"][5]
    (folder / "functioning_items.yaml").write_text(yaml.safe_dump(items))
    with pytest.raises(ValidationError, match="needs an anchor for every level 0-5"):
        load_instrument_from(folder)
