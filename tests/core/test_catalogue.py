"""The intervention catalogue: what it must hold, and what its loader refuses."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import ValidationError

from rootmap.instruments import _read_yaml, load_instrument
from rootmap.instruments.catalogue import Catalogue, load_catalogue

INSTRUMENT = load_instrument("1")
CATALOGUE = load_catalogue("1")
RAW: dict[str, Any] = _read_yaml("1", "catalogue.yaml")

# clinical-model.md section 6: every entry with its primary regions.
SECTION_6_TABLE = {
    "drumming": {"brainstem", "diencephalon"},
    "music": {"brainstem", "diencephalon", "limbic"},
    "movement": {"brainstem", "diencephalon"},
    "yoga": {"diencephalon", "brainstem"},
    "therapeutic_massage": {"brainstem", "diencephalon"},
    "reiki": {"brainstem"},
    "sensory_diet": {"brainstem", "diencephalon"},
    "breathing_mindfulness": {"diencephalon", "cortex"},
    "equine_assisted": {"diencephalon", "limbic"},
    "canine_assisted": {"limbic", "brainstem"},
    "therapeutic_play": {"limbic"},
    "caregiver_coaching": {"limbic"},
    "mentoring": {"limbic"},
    "art_therapy": {"limbic", "cortex"},
    "drama_therapy": {"limbic", "cortex"},
    "emdr": {"limbic", "cortex"},
    "tf_cbt": {"cortex"},
    "speech_language_therapy": {"cortex"},
    "academic_support": {"cortex"},
}


def validate(data: dict[str, Any]) -> Catalogue:
    return Catalogue.model_validate(data, context={"instrument": INSTRUMENT})


def raw_entry(data: dict[str, Any], entry_id: str) -> dict[str, Any]:
    return next(e for e in data["entries"] if e["id"] == entry_id)


def conditions(entry_id: str) -> list[dict[str, Any]]:
    """An entry's prerequisites without their reasons, as plain data."""
    return [
        p.model_dump(exclude_none=True, exclude={"reason"}) for p in CATALOGUE.entries_by_id[entry_id].prerequisites
    ]


# --- What it holds ------------------------------------------------------------------------


def test_it_holds_every_entry_of_the_section_6_table_with_its_primary_regions() -> None:
    for entry_id, regions in SECTION_6_TABLE.items():
        assert set(CATALOGUE.entries_by_id[entry_id].regions) == regions, entry_id


def test_each_entry_has_caregiver_text_dose_setting_deliverer_and_evidence() -> None:
    for entry in CATALOGUE.entries:
        assert len(entry.description) > 60, entry.id
        assert entry.dose and entry.evidence and entry.cautions, entry.id
        assert entry.settings and entry.delivered_by and entry.target_items, entry.id


@pytest.mark.parametrize(
    ("entry_id", "expected"),
    [
        ("yoga", [{"min_age_months": 36}]),
        ("therapeutic_massage", [{"min_rating": {"item": "sensory_tolerance", "value": 2}}]),
        ("breathing_mindfulness", [{"min_age_months": 48}]),
        ("equine_assisted", [{"min_age_months": 48}]),
        ("mentoring", [{"min_age_months": 72}]),
        ("drama_therapy", [{"min_age_months": 60}]),
        ("emdr", [{"min_domain_index": {"self_regulation": 62.5}}, {"min_age_months": 48}]),
        (
            "tf_cbt",
            [
                {"min_domain_index": {"sensory_integration": 62.5, "self_regulation": 62.5}},
                {"min_age_months": 84},
            ],
        ),
        ("academic_support", [{"min_age_months": 60}]),
        ("reiki", []),
        ("drumming", []),
    ],
)
def test_prerequisites_follow_the_clinical_model(entry_id: str, expected: list[dict[str, Any]]) -> None:
    assert conditions(entry_id) == expected


def test_therapeutic_play_is_for_children_up_to_144_months() -> None:
    age = CATALOGUE.entries_by_id["therapeutic_play"].age_months
    assert age.max == 144


def test_evidence_and_cautions_are_honest_where_the_brief_asks() -> None:
    entries = CATALOGUE.entries_by_id
    assert entries["reiki"].evidence_level == "limited"
    assert "limited" in entries["reiki"].evidence.lower()
    for entry_id in ("emdr", "tf_cbt"):
        assert "once regulation holds" in entries[entry_id].cautions.lower()
    assert "touch" in str(entries["therapeutic_massage"].prerequisites[0].reason).lower()


def test_every_rule_number_is_data() -> None:
    rules = RAW["rules"]
    assert (rules["top_n"], rules["drivers"], rules["interest_bonus"], rules["er_limit"]) == (
        3,
        3,
        1.25,
        3,
    )
    assert rules["relational_health"]["below"] == 50
    assert rules["relational_health"]["entries"] == ["caregiver_coaching", "mentoring"]


def test_each_phase_has_its_dose_guidance() -> None:
    assert "5-15 minutes" in CATALOGUE.doses["regulate"]
    assert "daily to weekly" in CATALOGUE.doses["relate"].lower()
    assert "once regulation holds" in CATALOGUE.doses["reason"].lower()


def test_no_text_uses_the_commercial_model_names() -> None:
    text = _read_text()
    # Spelled in pieces so that the names themselves appear nowhere in our sources.
    for pieces in (("N", "MT"), ("Neuro", "sequential"), ("Met", "ric")):
        name = "".join(pieces)
        assert not re.search(rf"\b{name}\b", text), name


def test_loading_is_cached() -> None:
    assert load_catalogue("1") is load_catalogue()


def test_it_refuses_an_unknown_version() -> None:
    with pytest.raises(KeyError):
        load_catalogue("0")


# --- What its loader refuses ----------------------------------------------------------------


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(RAW)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: raw_entry(d, "music")["target_items"].append("humming"),
            "entry music: unknown target items ['humming']",
        ),
        (
            lambda d: raw_entry(d, "yoga")["prerequisites"][0].update(min_rating={"item": "sleep", "value": 2}),
            "exactly one of",
        ),
        (
            lambda d: raw_entry(d, "yoga")["prerequisites"].append({"min_rating": {"item": "naps", "value": 2}}),
            "prerequisite on unknown item naps",
        ),
        (
            lambda d: raw_entry(d, "emdr")["prerequisites"].append({"min_domain_index": {"motor": 50}}),
            "prerequisite on unknown domain motor",
        ),
        (
            lambda d: raw_entry(d, "drumming")["interest_tags"].append("trains"),
            "interest tags not in interest_tags: ['trains']",
        ),
        (
            lambda d: d["entries"].append(copy.deepcopy(raw_entry(d, "reiki"))),
            "entry ids must be unique: ['reiki']",
        ),
        (
            lambda d: d["rules"]["relational_health"]["entries"].append("befriending"),
            "unknown entry befriending",
        ),
        (
            lambda d: d["messages"].update(age_below="from {min_age} ({years})"),
            "message age_below: unknown placeholders ['years']",
        ),
        (lambda d: d["doses"].pop("relate"), "doses: missing ['relate']"),
        (
            lambda d: raw_entry(d, "yoga").update(age_months={"min": 60, "max": 12}),
            "max 12 is below min 60",
        ),
        (lambda d: raw_entry(d, "yoga").update(regions=["hippocampus"]), "regions"),
        (lambda d: raw_entry(d, "yoga").update(settings=["online"]), "settings"),
        (lambda d: d["rules"].update(interest_bonus=0.5), "interest_bonus"),
        (lambda d: d.update(version="2"), "catalogue version 2 != instrument 1"),
    ],
)
def test_it_rejects_bad_data_with_a_message_naming_the_problem(change: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        validate(broken(change))


def test_it_refuses_to_validate_without_its_instrument() -> None:
    with pytest.raises(ValidationError, match="validate a catalogue with its instrument"):
        Catalogue.model_validate(RAW)


def test_the_shipped_data_validates_unchanged() -> None:
    assert validate(copy.deepcopy(RAW)) == CATALOGUE


def _read_text() -> str:
    from importlib import resources

    return resources.files("rootmap.instruments").joinpath("v1", "catalogue.yaml").read_text("utf-8")
