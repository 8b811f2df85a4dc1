"""A result survives being stored as JSON and read back (rootmap.core.results), for every
shape Hypothesis can build and for every shipped example."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rootmap.core.case import CaseFile, parse_document
from rootmap.core.results import (
    AssessmentResult,
    Change,
    Comparison,
    Deferral,
    Delta,
    DomainResult,
    Plan,
    PlanPhase,
    Recommendation,
    result_from_json,
    result_to_json,
)
from rootmap.core.scoring import score_history
from tests.factories import INSTRUMENT, make_change, make_result

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ITEM_IDS = list(INSTRUMENT.item_ids)
PERIODS = list(INSTRUMENT.period_ids)
DOMAINS = list(INSTRUMENT.domain_ids)
REGIONS = [r.id for r in INSTRUMENT.regions]
PHASES = ["regulate", "relate", "reason", "maintain", "undetermined"]

score = st.floats(min_value=-200, max_value=200, allow_nan=False)
maybe_score = st.none() | score
text = st.text(max_size=20)
ids = st.sampled_from(["drumming", "music", "movement", "caregiver_coaching", "tf_cbt"])
labels = st.none() | st.sampled_from(["improved", "declined", "stable"])


def deltas(keys: list[str]) -> st.SearchStrategy[dict[str, Delta]]:
    return st.dictionaries(st.sampled_from(keys), st.builds(Delta, maybe_score, maybe_score, maybe_score, labels))


comparisons = st.builds(
    Comparison,
    assessment_id=text, date=text,
    headline=deltas(["developmental_risk", "functioning_index", "relational_health", "resilience"]),
    domains=deltas(DOMAINS),
    items=st.dictionaries(st.sampled_from(ITEM_IDS), st.integers(-5, 5)),
    entry_region_before=st.none() | st.sampled_from(REGIONS),
    entry_region_after=st.none() | st.sampled_from(REGIONS),
    phase_progress=st.sampled_from(["progressed", "regressed", "same", "unknown"]),
    phase_before=st.none() | st.sampled_from(PHASES),
    phase_after=st.none() | st.sampled_from(PHASES),
)
plans = st.builds(
    Plan,
    phases=st.lists(st.builds(
        PlanPhase,
        phase=st.sampled_from(["regulate", "relate", "reason"]),
        dose=text,
        recommendations=st.lists(st.builds(Recommendation, ids, score,
                                           st.lists(st.sampled_from(ITEM_IDS), max_size=3).map(tuple),
                                           st.none() | text), max_size=3).map(tuple),
        deferred=st.lists(st.builds(Deferral, ids, text), max_size=2).map(tuple),
    ), max_size=3).map(tuple),
    abridged=st.booleans(),
    stabilisation=st.none() | text,
    missing_information=st.lists(st.sampled_from(DOMAINS), max_size=4).map(tuple),
    progress=st.none() | text,
)
results = st.builds(
    AssessmentResult,
    assessment_id=text, kind=st.sampled_from(["full", "follow_up", "er"]), date=text,
    age_months=st.integers(0, 251),
    developmental_risk=maybe_score,
    period_risk=st.dictionaries(st.sampled_from(PERIODS), score),
    risk_band=st.none() | st.sampled_from(["low", "moderate", "high", "very_high"]),
    peak_period=st.none() | st.sampled_from(PERIODS),
    ace_count=st.none() | st.integers(0, 9),
    domains=st.dictionaries(st.sampled_from(DOMAINS), st.builds(
        DomainResult, maybe_score, st.none() | st.sampled_from(["typical", "mild", "moderate", "severe"]),
        st.sampled_from(["ok", "insufficient", "not_expected"]))),
    functioning_index=maybe_score,
    relational_health=maybe_score,
    relational_band=st.none() | st.sampled_from(["strong", "adequate", "limited", "impoverished"]),
    resilience=maybe_score,
    strengths=st.lists(st.sampled_from(ITEM_IDS), max_size=4).map(tuple),
    needs=st.lists(st.sampled_from(ITEM_IDS), max_size=4).map(tuple),
    entry_region=st.none() | st.sampled_from(REGIONS),
    phase=st.sampled_from(PHASES),
    plan=plans,
    change=st.none() | st.builds(Change, comparisons, comparisons),
    instrument_version=st.just("1"),
    ratings=st.dictionaries(st.sampled_from(ITEM_IDS), st.none() | st.integers(0, 5)),
    history=st.dictionaries(st.sampled_from(PERIODS), st.fixed_dictionaries(
        {"adversity": st.none() | st.integers(0, 4), "relational_health": st.none() | st.integers(0, 4)})),
    derived_adversity=st.dictionaries(st.sampled_from(PERIODS), st.integers(0, 4)),
    functioning_band=st.none() | st.sampled_from(["typical", "mild", "moderate", "severe"]),
)


def through_json(result: AssessmentResult) -> AssessmentResult:
    """Stored as a database's JSON column would store it: to text and back."""
    return result_from_json(json.loads(json.dumps(result_to_json(result))))


@settings(max_examples=200, deadline=None, database=None)
@given(results)
def test_any_result_round_trips_through_json(result: AssessmentResult) -> None:
    assert through_json(result) == result


def test_every_example_s_results_round_trip() -> None:
    count = 0
    for path in sorted(EXAMPLES.glob("*.json")):
        document = parse_document(json.loads(path.read_text("utf-8")))
        if isinstance(document, CaseFile):
            for result in score_history(document):
                assert through_json(result) == result, (path.name, result.assessment_id)
                count += 1
    assert count == 6  # toddler 1, school-age 3, adolescent 2


def test_a_follow_up_keeps_the_phases_it_compares() -> None:
    before = make_result(assessment_id="A-1", phase="undetermined", entry_region=None)
    after = make_result(assessment_id="A-2", kind="follow_up")
    result = make_result(assessment_id="A-2", kind="follow_up", change=make_change(before, after))
    back = through_json(result)
    assert back.change is not None
    assert (back.change.previous.phase_before, back.change.previous.phase_after) == ("undetermined", "regulate")


def test_a_result_stored_before_the_functioning_band_existed_gets_it_from_its_index() -> None:
    stored = result_to_json(make_result(functioning_index=62.5, functioning_band="mild"))
    del stored["functioning_band"]
    assert result_from_json(stored).functioning_band == "mild"  # 62.5 is the mild band's lower bound
    stored["functioning_index"] = None
    assert result_from_json(stored).functioning_band is None
