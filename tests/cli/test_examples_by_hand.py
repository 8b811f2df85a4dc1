"""The headline numbers of every shipped example, worked out by hand from clinical-model.md
and pinned in the command line's output (issue 11: "tests say what they claim").

Nothing here is produced by the code under test: each expected value is the model's
formula applied to the example's ratings, with the arithmetic written beside it.
Conventions used below (clinical-model.md):
  age        = 12 * years apart + months apart, minus 1 when the day is earlier
  risk_p     = 100 * (α_p * adversity_p / 4 + (1 - α_p) * (1 - relational_p / 4))
  risk       = Σ w_p * risk_p / Σ w_p  (w: perinatal 1.00, infancy .85, early .70, childhood .50, adolescence .35;
                                        α: .40, .50, .60, .65, .65)
  index_d    = 100 * Σ min(r, 4) / (4 * rated items of d);  functioning = mean of the four indices
  relational = 100 * mean / 4;  resilience = .6 * relational + .4 * 100 * mean(history relational) / 4
The printed strings are half-up to one decimal; a printed change is the difference of the
printed values ("+18.7" for 68.75 -> 87.5: 87.5 - 68.8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rootmap.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MINUS = "\u2212"

# --- toddler-kinship.json: Poppy, born 2023-03-14 -----------------------------------------
# A-1 (full) on 2025-10-06: 12*2 + (10-3) = 31, day 6 < 14 -> 30 months; periods up to early childhood.
POPPY_A1 = {
    "period_risk": {
        "perinatal": 100 * (0.40 * 4 / 4 + 0.60 * (1 - 1 / 4)),        # adversity 4, relational 1: 40 + 45 = 85.0
        "infancy": 100 * (0.50 * 3 / 4 + 0.50 * (1 - 1 / 4)),          # 3, 1: 37.5 + 37.5 = 75.0
        "early_childhood": 100 * (0.60 * 3 / 4 + 0.40 * (1 - 2 / 4)),  # 3, 2: 45 + 20 = 65.0
    },
    "developmental_risk": (85.0 * 1.00 + 75.0 * 0.85 + 65.0 * 0.70) / (1.00 + 0.85 + 0.70),  # 194.25 / 2.55 = 76.18
    "risk_band": "very_high",                                # 76.18 >= 75
    "peak_period": "perinatal",
    "ace_count": 3,  # caregiver_substance_use, neglect, separation_or_loss (the others are not ACE categories)
    "domains": {
        "sensory_integration": 100 * (2 + 3 + 1 + 2 + 1 + 1 + 2 + 2) / 32,  # 14/32 -> 43.75 moderate
        "self_regulation": 100 * (3 + 4 + 2 + 2 + 1 + 3 + 2 + 1) / 32,      # 18/32 -> 56.25 moderate
        "relational": 100 * (2 + 2 + 1 + 4 + 2 + 2 + 2 + 2) / 32,           # 17/32 -> 53.125 moderate
        "cognitive": 100 * (3 + 2 + 3 + 2) / 16,  # 4 items expected at 30 months: 10/16 -> 62.5 mild
    },
    "functioning_index": (43.75 + 56.25 + 53.125 + 62.5) / 4,  # 215.625 / 4 = 53.90625
    "functioning_band": "moderate",
    "relational_health": 100 * (3 + 3 + 3 + 1 + 2 + 3) / 6 / 4,  # 15/6 = 2.5 -> 62.5
    "relational_band": "adequate",
    "resilience": 0.6 * 62.5 + 0.4 * 100 * (1 + 1 + 2) / 3 / 4,  # 37.5 + 13.333 = 50.833
    "phase": "regulate",  # brainstem index 43.75 < 75
    "entry_region": "brainstem",
}

# --- school-age-foster.json: Milo, born 2015-11-08 ----------------------------------------
# A-1 (full) 2025-01-15: 12*10 + (1-11) = 110 months (day 15 >= 8). Infancy's relational
# health is unknown, so infancy has no risk.
MILO_A1 = {
    "period_risk": {
        "perinatal": 100 * (0.40 * 3 / 4 + 0.60 * (1 - 1 / 4)),        # 30 + 45 = 75.0
        "early_childhood": 100 * (0.60 * 4 / 4 + 0.40 * (1 - 1 / 4)),  # 60 + 30 = 90.0
        "childhood": 100 * (0.65 * 3 / 4 + 0.35 * (1 - 2 / 4)),        # 48.75 + 17.5 = 66.25
    },
    "developmental_risk": (75.0 * 1.00 + 90.0 * 0.70 + 66.25 * 0.50) / (1.00 + 0.70 + 0.50),  # 171.125/2.2 = 77.78
    "risk_band": "very_high",
    "peak_period": "early_childhood",
    # caregiver_substance_use, domestic_violence, neglect, physical_abuse, caregiver_incarceration,
    # separation_or_loss (onset 72 <= 110)
    "ace_count": 6,
    "domains": {
        "sensory_integration": 100 * (2 + 3 + 1 + 2 + 2 + 1 + 1 + 2) / 32,  # 14/32 = 43.75
        "self_regulation": 100 * (4 + 4 + 2 + 1 + 1 + 2 + 2 + 1) / 32,      # fine motor 5 counts 4: 17/32 = 53.125
        "relational": 100 * (1 + 2 + 1 + 3 + 2 + 2 + 1 + 2) / 32,           # 14/32 = 43.75
        "cognitive": 100 * (3 + 3 + 3 + 1 + 2 + 2 + 2 + 2) / 32,            # 18/32 = 56.25
    },
    "functioning_index": (43.75 + 53.125 + 43.75 + 56.25) / 4,  # 196.875 / 4 = 49.21875
    "functioning_band": "moderate",
    "relational_health": 100 * (2 + 2 + 1 + 1 + 2 + 2) / 6 / 4,  # 10/24 -> 41.667
    "relational_band": "limited",
    "resilience": 0.6 * 100 * 10 / 24 + 0.4 * 100 * (1 + 1 + 2) / 3 / 4,  # 25 + 13.333 = 38.333
    "phase": "regulate",
    "entry_region": "brainstem",
}
# A-2 (follow_up) 2025-07-16: 116 months. Infancy's relational health 1 is added; the rest
# of the history carries forward from A-1, so infancy now has a risk.
MILO_A2 = {
    "period_risk": {
        "perinatal": 75.0,
        "infancy": 100 * (0.50 * 3 / 4 + 0.50 * (1 - 1 / 4)),  # 37.5 + 37.5 = 75.0
        "early_childhood": 90.0,
        "childhood": 66.25,
    },
    # (75 + .85*75 + .7*90 + .5*66.25) / 3.05 = (75 + 63.75 + 63 + 33.125) / 3.05 = 234.875 / 3.05 = 77.008
    "developmental_risk": (75.0 + 0.85 * 75.0 + 0.70 * 90.0 + 0.50 * 66.25) / (1.00 + 0.85 + 0.70 + 0.50),
    "risk_band": "very_high",
    "peak_period": "early_childhood",
    "ace_count": 6,
    "domains": {
        "sensory_integration": 100 * (3 + 3 + 3 + 3 + 3 + 2 + 2 + 3) / 32,  # 22/32 = 68.75
        "self_regulation": 100 * (4 + 4 + 3 + 2 + 2 + 3 + 3 + 2) / 32,      # 23/32 = 71.875
        "relational": 100 * (2 + 2 + 2 + 3 + 2 + 2 + 1 + 2) / 32,           # 16/32 = 50.0
        "cognitive": 100 * (3 + 3 + 3 + 2 + 2 + 2 + 2 + 2) / 32,            # 19/32 = 59.375
    },
    "functioning_index": (68.75 + 71.875 + 50.0 + 59.375) / 4,  # 250 / 4 = 62.5, exactly the mild boundary
    "functioning_band": "mild",
    "relational_health": 100 * (3 + 3 + 1 + 2 + 2 + 2) / 6 / 4,  # 13/24 -> 54.167
    "relational_band": "adequate",
    "resilience": 0.6 * 100 * 13 / 24 + 0.4 * 100 * (1 + 1 + 1 + 2) / 4 / 4,  # 32.5 + 12.5 = 45.0
    "phase": "regulate",  # brainstem 68.75 < 75
    "entry_region": "brainstem",
}
# A-3 (follow_up) 2026-01-20: 122 months; no new history, so the risk is A-2's.
MILO_A3 = {
    "period_risk": MILO_A2["period_risk"],
    "developmental_risk": MILO_A2["developmental_risk"],
    "risk_band": "very_high",
    "peak_period": "early_childhood",
    "ace_count": 6,
    "domains": {
        "sensory_integration": 100 * (4 + 4 + 3 + 4 + 3 + 3 + 3 + 4) / 32,  # 28/32 = 87.5, no item <= 1
        "self_regulation": 100 * (4 + 4 + 3 + 3 + 3 + 4 + 4 + 3) / 32,      # 28/32 = 87.5, no item <= 1
        "relational": 100 * (2 + 3 + 2 + 4 + 3 + 3 + 2 + 3) / 32,           # 22/32 = 68.75 < 75: compromised
        "cognitive": 100 * (4 + 4 + 4 + 3 + 3 + 3 + 3 + 3) / 32,            # 27/32 = 84.375
    },
    "functioning_index": (87.5 + 87.5 + 68.75 + 84.375) / 4,  # 328.125 / 4 = 82.03125
    "functioning_band": "mild",
    "relational_health": 100 * (3 + 3 + 2 + 2 + 3 + 2) / 6 / 4,  # 15/6 = 2.5 -> 62.5
    "relational_band": "adequate",
    "resilience": 0.6 * 62.5 + 0.4 * 31.25,  # 37.5 + 12.5 = 50.0
    "phase": "relate",
    "entry_region": "limbic",
}

# --- adolescent-er.json: Tessa, born 2010-08-03 -------------------------------------------
# A-1 (full) 2025-09-15: 12*15 + 1 = 181 months; every period reached.
TESSA_A1 = {
    "period_risk": {
        "perinatal": 100 * (0.40 * 1 / 4 + 0.60 * (1 - 2 / 4)),       # 10 + 30 = 40.0
        "infancy": 100 * (0.50 * 2 / 4 + 0.50 * (1 - 2 / 4)),         # 25 + 25 = 50.0
        "early_childhood": 100 * (0.60 * 2 / 4 + 0.40 * (1 - 2 / 4)),  # 30 + 20 = 50.0
        "childhood": 100 * (0.65 * 3 / 4 + 0.35 * (1 - 1 / 4)),       # 48.75 + 26.25 = 75.0
        "adolescence": 100 * (0.65 * 3 / 4 + 0.35 * (1 - 2 / 4)),     # 48.75 + 17.5 = 66.25
    },
    # (40 + 42.5 + 35 + 37.5 + 23.1875) / 3.4 = 178.1875 / 3.4 = 52.408
    "developmental_risk": (40.0 + 0.85 * 50.0 + 0.70 * 50.0 + 0.50 * 75.0 + 0.35 * 66.25) / 3.4,
    "risk_band": "high",
    "peak_period": "childhood",
    "ace_count": 4,  # caregiver_mental_illness, emotional_abuse, domestic_violence, separation_or_loss
    "domains": {
        "sensory_integration": 100 * (3 + 4 + 2 + 3 + 3 + 2 + 3 + 3) / 32,  # 23/32 = 71.875
        "self_regulation": 100 * (4 + 4 + 3 + 3 + 2 + 2 + 3 + 2) / 32,      # 23/32 = 71.875
        "relational": 100 * (1 + 3 + 2 + 2 + 3 + 3 + 1 + 2) / 32,           # 17/32 = 53.125
        "cognitive": 100 * (4 + 4 + 4 + 2 + 2 + 4 + 3 + 2) / 32,            # expressive 5 counts 4: 25/32 = 78.125
    },
    "functioning_index": (71.875 + 71.875 + 53.125 + 78.125) / 4,  # 275 / 4 = 68.75
    "functioning_band": "mild",
    "relational_health": 100 * (2 + 2 + 2 + 3 + 2 + 2) / 6 / 4,  # 13/24 -> 54.167
    "relational_band": "adequate",
    "resilience": 0.6 * 100 * 13 / 24 + 0.4 * 100 * (2 + 2 + 2 + 1 + 2) / 5 / 4,  # 32.5 + 18 = 50.5
    "phase": "regulate",  # brainstem 71.875 < 75
    "entry_region": "brainstem",
}
# A-2 (er) 2026-04-22: 188 months. No history: risk, ACE count and change are null; the
# unrated items (temperature_metabolic, abstract_reasoning, self_reflection) are left out.
TESSA_A2 = {
    "period_risk": {},
    "developmental_risk": None,
    "risk_band": None,
    "peak_period": None,
    "ace_count": None,
    "domains": {
        "sensory_integration": 100 * (2 + 1 + 2 + 2 + 1 + 2 + 2) / 28,  # 7 rated: 12/28 = 42.857
        "self_regulation": 100 * (4 + 4 + 3 + 2 + 1 + 1 + 3 + 1) / 32,  # 19/32 = 59.375
        "relational": 100 * (1 + 3 + 1 + 2 + 2 + 3 + 0 + 2) / 32,       # 14/32 = 43.75
        "cognitive": 100 * (4 + 4 + 3 + 1 + 1 + 1) / 24,                # 6 rated: 14/24 = 58.333
    },
    "functioning_index": (1200 / 28 + 59.375 + 43.75 + 1400 / 24) / 4,  # 204.315 / 4 = 51.079
    "functioning_band": "moderate",
    "relational_health": 100 * (1 + 0 + 2 + 2 + 2 + 2) / 6 / 4,  # 9/24 = 37.5
    "relational_band": "limited",
    "resilience": 37.5,  # er: resilience is the current relational health
    "phase": "regulate",
    "entry_region": "brainstem",
}

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("toddler-kinship.json", "A-1", POPPY_A1),
    ("school-age-foster.json", "A-1", MILO_A1),
    ("school-age-foster.json", "A-2", MILO_A2),
    ("school-age-foster.json", "A-3", MILO_A3),
    ("adolescent-er.json", "A-1", TESSA_A1),
    ("adolescent-er.json", "A-2", TESSA_A2),
]

# --- foster-household.json: Dana and Rob, three children -----------------------------------
HOUSEHOLD = {
    "internal": 100 * (3 + 3 + 3 + 3 + 2 + 4) / 6 / 4,  # 18/6 = 3 -> 75.0
    "external": 100 * (3 + 2 + 1 + 3 + 3 + 2) / 6 / 4,  # 14/6 -> 58.333
    "resources": (75.0 + 100 * 14 / 24) / 2,            # (75 + 58.333) / 2 = 66.667 (= 200/3)
    "children": [
        100 * (1 + 1 + 0 + 1 + 1 + 1) / 24 * 1.0,  # 122 months, factor 1.0: 20.833
        100 * (1 + 2 + 2 + 2 + 3 + 3) / 24 * 1.3,  # 20 months, factor 1.3: 54.167 * 1.3 = 70.417
        100 * (2 + 2 + 0 + 2 + 1 + 2) / 24 * 1.1,  # 166 months, factor 1.1: 37.5 * 1.1 = 41.25
    ],
    "demand": 0.5 * (500 / 24 + 1690 / 24 + 990 / 24),  # 0.5 * 3180/24 = 0.5 * 132.5 = 66.25
    "reserve": 200 / 3 - 66.25,                        # (800 - 795) / 12 = 5/12 = 0.417
    "reserve_band": "adequate",                        # 0 <= 0.417 < 25
}


def _score_json(capsys: pytest.CaptureFixture[str], name: str, assessment: str | None = None) -> dict[str, Any]:
    argv = ["score", "--json", str(EXAMPLES / name)]
    if assessment:
        argv[2:2] = ["--assessment", assessment]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("name", "assessment", "hand"), CASES, ids=[f"{n}:{a}" for n, a, _ in CASES])
def test_the_json_headline_numbers_are_the_hand_worked_ones(capsys, name, assessment, hand) -> None:
    got = _score_json(capsys, name, assessment)
    for key in ("risk_band", "peak_period", "ace_count", "functioning_band", "relational_band", "phase",
                "entry_region"):
        assert got[key] == hand[key], key
    for key in ("developmental_risk", "functioning_index", "relational_health", "resilience"):
        assert got[key] == (None if hand[key] is None else pytest.approx(hand[key], rel=1e-12)), key
    assert got["period_risk"] == pytest.approx(hand["period_risk"], rel=1e-12)
    assert {d: v["index"] for d, v in got["domains"].items()} == pytest.approx(hand["domains"], rel=1e-12)


def test_the_household_numbers_are_the_hand_worked_ones(capsys) -> None:
    got = _score_json(capsys, "foster-household.json")
    for key in ("internal", "external", "resources", "demand", "reserve"):
        assert got[key] == pytest.approx(HOUSEHOLD[key], rel=1e-12), key
    assert [c["challenge"] for c in got["children"]] == pytest.approx(HOUSEHOLD["children"], rel=1e-12)
    assert [c["age_factor"] for c in got["children"]] == [1.0, 1.3, 1.1]
    assert got["reserve_band"] == "adequate"


def test_the_follow_up_change_labels_follow_the_ten_point_rule(capsys) -> None:
    change = _score_json(capsys, "school-age-foster.json")["change"]
    previous, baseline = change["previous"], change["baseline"]
    # Since A-2: functioning 62.5 -> 82.03 (+19.53 improved); relational 54.17 -> 62.5 (+8.33 stable);
    # resilience 45 -> 50 (+5 stable); risk unchanged (0, stable).
    assert {k: v["label"] for k, v in previous["headline"].items()} == {
        "developmental_risk": "stable", "functioning_index": "improved",
        "relational_health": "stable", "resilience": "stable"}
    # Since A-1: risk 77.78 -> 77.01 (a fall of 0.78: stable, lower is better), functioning +32.81,
    # relational +20.83, resilience 38.33 -> 50 (+11.67): improved.
    assert {k: v["label"] for k, v in baseline["headline"].items()} == {
        "developmental_risk": "stable", "functioning_index": "improved",
        "relational_health": "improved", "resilience": "improved"}
    assert previous["phase_progress"] == "progressed"  # brainstem -> limbic
    assert previous["domains"]["cognitive"]["delta"] == pytest.approx(84.375 - 59.375)  # exactly 25


def test_a_follow_up_s_relational_change_of_12_5_is_improved(capsys) -> None:
    # A-2 against A-1: relational health 41.667 -> 54.167, +12.5 >= 10; the relational domain
    # 43.75 -> 50.0, +6.25 < 10: stable.
    change = _score_json(capsys, "school-age-foster.json", "A-2")["change"]["previous"]
    assert change["headline"]["relational_health"]["label"] == "improved"
    assert change["domains"]["relational"]["label"] == "stable"
    assert change["domains"]["self_regulation"]["label"] == "improved"  # 53.125 -> 71.875, +18.75


# --- the printed table: one string per number, changes as printed differences -------------

def _table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str,
           section: str = "") -> dict[str, list[str]]:
    """The rows of the printed tables (after the title `section`, when given): first cell -> the rest."""
    monkeypatch.setenv("COLUMNS", "220")  # one table row per line
    code = main(["score", str(EXAMPLES / name)])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    if section:
        lines = lines[next(n for n, line in enumerate(lines) if line.strip() == section):]
    rows: dict[str, list[str]] = {}
    for line in lines:
        if "│" in line:
            cells = [c.strip() for c in line.split("│")]
            rows.setdefault(cells[0], cells[1:])
    return rows


def test_the_table_prints_the_hand_rounded_numbers_of_poppy(capsys, monkeypatch) -> None:
    rows = _table(capsys, monkeypatch, "toddler-kinship.json")
    assert rows["Developmental risk"] == ["76.2", "Very high"]   # 76.176...
    assert rows["Functioning"] == ["53.9", "Moderate"]           # 53.906...
    assert rows["Relational health"] == ["62.5", "Adequate"]
    assert rows["Resilience"] == ["50.8", ""]                    # 50.833...
    assert rows["ACE-style count"] == ["3", "of 9"]
    assert rows["Brainstem"] == ["Sensory integration", "43.8", "Moderate"]  # 43.75 half-up
    assert rows["Limbic"] == ["Relational", "53.1", "Moderate"]               # 53.125
    assert rows["Cortex"] == ["Cognitive", "62.5", "Mild"]


def test_the_table_prints_milo_s_change_as_the_difference_of_printed_values(capsys, monkeypatch) -> None:
    rows = _table(capsys, monkeypatch, "school-age-foster.json")
    assert rows["Developmental risk"][:2] == ["77.0", "Very high"]  # 77.008
    assert rows["Functioning"][:2] == ["82.0", "Mild"]              # 82.03125
    assert rows["Resilience"][0] == "50.0"
    assert rows["Limbic"] == ["Relational", "68.8", "Mild"]         # 68.75 half-up
    assert rows["Cortex"] == ["Cognitive", "84.4", "Mild"]          # 84.375 half-up
    # Change rows: since previous, since baseline.
    change = _table(capsys, monkeypatch, "school-age-foster.json", "Change")
    # risk 77.0 -> 77.0 and 77.8 -> 77.0
    assert change["Developmental risk"] == ["0.0 (stable)", f"{MINUS}0.8 (stable)"]
    # functioning 62.5 -> 82.0 and 49.2 -> 82.0
    assert change["Functioning"] == ["+19.5 (improved)", "+32.8 (improved)"]
    # relational health 54.2 -> 62.5 and 41.7 -> 62.5
    assert change["Relational health"] == ["+8.3 (stable)", "+20.8 (improved)"]
    # resilience 45.0 -> 50.0 and 38.3 -> 50.0
    assert change["Resilience"] == ["+5.0 (stable)", "+11.7 (improved)"]
    # Sensory integration 68.75 -> 87.5 prints 68.8 -> 87.5, so +18.7 (not the unrounded +18.75 -> +18.8);
    # since A-1 43.75 -> 87.5 prints 43.8 -> 87.5: +43.7.
    assert change["Sensory integration"] == ["+18.7 (improved)", "+43.7 (improved)"]
    # Self-regulation 71.9 -> 87.5 (+15.6) and 53.1 -> 87.5 (+34.4).
    assert change["Self-regulation"] == ["+15.6 (improved)", "+34.4 (improved)"]
    # Relational 50.0 -> 68.8 (+18.8) and 43.8 -> 68.8 (+25.0).
    assert change["Relational"] == ["+18.8 (improved)", "+25.0 (improved)"]
    # Cognitive 59.4 -> 84.4 (+25.0) and 56.3 -> 84.4 (+28.1).
    assert change["Cognitive"] == ["+25.0 (improved)", "+28.1 (improved)"]


def test_the_table_prints_tessa_s_snapshot(capsys, monkeypatch) -> None:
    rows = _table(capsys, monkeypatch, "adolescent-er.json")
    assert rows["Developmental risk"] == ["–", "–"]
    assert rows["Functioning"] == ["51.1", "Moderate"]   # 51.079
    assert rows["Relational health"] == ["37.5", "Limited"]
    assert rows["Brainstem"] == ["Sensory integration", "42.9", "Moderate"]  # 42.857
    assert "ACE-style count" not in rows


def test_the_household_table_prints_the_hand_rounded_reserve(capsys, monkeypatch) -> None:
    rows = _table(capsys, monkeypatch, "foster-household.json")
    assert rows["Internal resources"] == ["75.0"]
    assert rows["External resources"] == ["58.3"]
    assert rows["Resources"] == ["66.7"]
    assert rows["Demand"] == ["66.3"]  # 66.25 half-up (format() would print 66.2)
    assert rows["Reserve"] == ["0.4 Adequate"]
