"""Worked examples of the clinical model, computed by hand (arithmetic in the data)."""

from __future__ import annotations

from typing import Any

import pytest

from rootmap.core.case import parse_case
from rootmap.core.scoring import score_case, score_history
from tests.factories import DOMAIN_ITEMS, all_items, assessment, case


def score(data: dict[str, Any], assessment_id: str | None = None):
    return score_case(parse_case(data), assessment_id)


# ---- developmental risk (section 3) ---------------------------------------------------

@pytest.mark.parametrize(
    ("history", "period_risk", "risk", "band", "peak"),
    [
        # perinatal: A = 3/4, P = 1 - 1/4 = .75 -> 100*(.4*.75 + .6*.75) = 75
        ({"perinatal": {"adversity": 3, "relational_health": 1}}, {"perinatal": 75.0}, 75.0, "very_high", "perinatal"),
        # perinatal 75 (w 1.0); infancy: A = .5, P = .5 -> 100*(.5*.5 + .5*.5) = 50 (w .85)
        # risk = (1.0*75 + .85*50) / 1.85 = 117.5 / 1.85 = 63.5135...
        ({"perinatal": {"adversity": 3, "relational_health": 1},
          "infancy": {"adversity": 2, "relational_health": 2}},
         {"perinatal": 75.0, "infancy": 50.0}, 117.5 / 1.85, "high", "perinatal"),
        # early childhood: A = 1, P = 0 -> 100*(.6*1) = 60; childhood: A = 0, P = 1 -> 100*.35 = 35
        # risk = (.7*60 + .5*35) / 1.2 = (42 + 17.5) / 1.2 = 49.583...
        ({"early_childhood": {"adversity": 4, "relational_health": 4},
          "childhood": {"adversity": 0, "relational_health": 0}},
         {"early_childhood": 60.0, "childhood": 35.0}, 59.5 / 1.2, "moderate", "early_childhood"),
        # a period with only one rating known does not count
        ({"perinatal": {"adversity": 4, "relational_health": None},
          "adolescence": {"adversity": 0, "relational_health": 4}},
         {"adolescence": 0.0}, 0.0, "low", "adolescence"),
        # ties: the earliest period is the peak. infancy and childhood both
        # A = .5, P = .5 -> 50 whatever α is.
        ({"infancy": {"adversity": 2, "relational_health": 2},
          "childhood": {"adversity": 2, "relational_health": 2}},
         {"infancy": 50.0, "childhood": 50.0}, 50.0, "high", "infancy"),
        ({}, {}, None, None, None),
    ],
)
def test_developmental_risk_follows_the_worked_examples(history, period_risk, risk, band, peak) -> None:
    result = score(case(assessment(history=history)))
    assert result.period_risk == pytest.approx(period_risk)
    assert result.developmental_risk == (pytest.approx(risk) if risk is not None else None)
    assert result.risk_band == band
    assert result.peak_period == peak


@pytest.mark.parametrize(
    ("events", "infancy_adversity"),
    [
        # highest overlapping severity
        ([("neglect", 2, 30, 3)], 3),
        # three distinct categories overlap: 2 + 1 = 3
        ([("neglect", 2, 30, 2), ("domestic_violence", 5, None, 1), ("poverty_or_homelessness", 0, 12, 2)], 3),
        # 4 + 1 is capped at 4
        ([("neglect", 2, 30, 4), ("domestic_violence", 5, None, 1), ("bullying", 11, 13, 2)], 4),
        # two events of one category are one category: no bonus
        ([("neglect", 2, 4, 2), ("neglect", 6, 8, 2), ("bullying", 3, 9, 1)], 2),
        # boundaries of infancy [2, 12): onset 11 = end - 1 overlaps; ending at 2 = start does not
        ([("neglect", 11, 40, 2)], 2),
        ([("neglect", -9, 2, 4)], None),
        ([("neglect", 12, 40, 4)], None),
        # a one-off event (end == onset) covers its onset month: at infancy's start it counts,
        # at early childhood's start (12) it belongs there, not to infancy
        ([("medical_trauma", 2, 2, 3)], 3),
        ([("medical_trauma", 11, 11, 3)], 3),
        ([("medical_trauma", 12, 12, 3)], None),
    ],
)
def test_event_derived_adversity_follows_the_overlap_rule(events, infancy_adversity) -> None:
    event_dicts = [
        {"category": c, "onset_months": o, "end_months": e, "severity": s} for c, o, e, s in events
    ]
    data = case(assessment(history={"infancy": {"relational_health": 2}}), events=event_dicts)
    result = score(data)
    if infancy_adversity is None:
        assert "infancy" not in result.period_risk
        assert "infancy" not in result.derived_adversity
    else:
        assert result.derived_adversity["infancy"] == infancy_adversity
        # A = d/4, P = .5, α = .5
        assert result.period_risk["infancy"] == pytest.approx(100 * (0.5 * infancy_adversity / 4 + 0.25))


def test_an_entered_adversity_rating_wins_over_events() -> None:
    data = case(assessment(history={"infancy": {"adversity": 1, "relational_health": 4}}),
                events=[{"category": "neglect", "onset_months": 2, "end_months": None, "severity": 4}])
    result = score(data)
    # A = 1/4, P = 0 -> 100 * .5 * .25 = 12.5
    assert result.period_risk["infancy"] == pytest.approx(12.5)
    assert "infancy" not in result.derived_adversity


def test_events_after_the_assessment_age_are_not_counted() -> None:
    # born 2020-01-01, assessed 2021-01-01 (12 months): an event at 13 months is in the future
    data = case(assessment(date="2021-01-01", history={"early_childhood": {"relational_health": 2}},
                           functioning={}),
                birth="2020-01-01",
                events=[{"category": "physical_abuse", "onset_months": 12, "end_months": None, "severity": 2},
                        {"category": "sexual_abuse", "onset_months": 13, "end_months": None, "severity": 4}])
    # the second event is in the future of this assessment; but the validator only
    # checks onset against the supported range, so this is scoring's rule
    result = score(data)
    assert result.derived_adversity == {"early_childhood": 2}
    assert result.ace_count == 1


def test_the_ace_count_counts_distinct_listed_categories_only() -> None:
    events = [
        {"category": c, "onset_months": 10, "end_months": None, "severity": 2}
        for c in ("neglect", "neglect", "physical_abuse", "bullying", "placement_change", "separation_or_loss")
    ]
    # neglect, physical_abuse, separation_or_loss: bullying and placement_change are not ACE categories
    assert score(case(assessment(), events=events)).ace_count == 3


# ---- functioning (section 4) -----------------------------------------------------------

def brainstem(*ratings: int | None) -> dict[str, int | None]:
    return dict(zip(DOMAIN_ITEMS["sensory_integration"], ratings, strict=True))


@pytest.mark.parametrize(
    ("ratings", "index", "band", "status"),
    [
        # 6 of 8 rated: 100, 100, 75, 50, 100 (5 counts as 4), 25 -> 450 / 6 = 75
        (brainstem(4, 4, 3, 2, 5, 1, None, None), 75.0, "mild", "ok"),
        # exactly half rated is enough: (4+4+4+3)/4 -> 93.75
        (brainstem(4, 4, 4, 3, None, None, None, None), 93.75, "typical", "ok"),
        # fewer than half: insufficient, never guessed
        (brainstem(0, 0, 0, None, None, None, None, None), None, None, "insufficient"),
        # band edges: all 2 -> 50 moderate; all 3 -> 75 mild; 87.5 is typical
        (brainstem(2, 2, 2, 2, 2, 2, 2, 2), 50.0, "moderate", "ok"),
        (brainstem(4, 3, 4, 3, 4, 3, 4, 3), 87.5, "typical", "ok"),
        (brainstem(1, 2, 1, 2, 1, 2, 1, 2), 37.5, "moderate", "ok"),
        (brainstem(1, 1, 1, 1, 1, 1, 1, 2), 28.125, "severe", "ok"),
    ],
)
def test_domain_index_follows_the_worked_examples(ratings, index, band, status) -> None:
    result = score(case(assessment(functioning={**all_items(4), **ratings})))
    domain = result.domains["sensory_integration"]
    assert (domain.index, domain.band, domain.status) == (
        pytest.approx(index) if index is not None else None, band, status)


def test_functioning_index_is_the_mean_of_the_domain_indices() -> None:
    # sensory 75 (6 items 3, 2 items... ) -> all 3 = 75; self-regulation all 2 = 50;
    # relational all 4 = 100; cognitive all 1 = 25: mean = 250 / 4 = 62.5
    ratings = {}
    for domain, value in (("sensory_integration", 3), ("self_regulation", 2), ("relational", 4), ("cognitive", 1)):
        ratings.update(dict.fromkeys(DOMAIN_ITEMS[domain], value))
    result = score(case(assessment(functioning=ratings)))
    assert result.functioning_index == pytest.approx(62.5)


def test_an_insufficient_domain_leaves_the_functioning_index_unknown() -> None:
    ratings = all_items(4)
    for item in DOMAIN_ITEMS["cognitive"][:5]:
        ratings[item] = None  # 3 of 8 rated
    result = score(case(assessment(functioning=ratings)))
    assert result.domains["cognitive"].status == "insufficient"
    assert result.functioning_index is None


def test_a_young_infant_has_no_cognitive_domain_yet() -> None:
    # born 2024-01-01, assessed 2024-06-01: 5 months; receptive language starts at 6
    data = case(assessment(date="2024-06-01", functioning=all_items(2, age_months=5),
                           history={"perinatal": {"adversity": 1, "relational_health": 3}}),
                birth="2024-01-01")
    result = score(data)
    assert result.domains["cognitive"].status == "not_expected"
    # limbic at 5 months: attachment, affect, reward, trust, expression (5 of 8 items expected)
    assert set(result.ratings) >= {"attachment_security", "relational_trust"}
    assert "peer_play" not in result.ratings
    assert result.functioning_index == pytest.approx(50.0)  # mean of three domains of 50


def test_strengths_are_items_rated_5_and_needs_run_bottom_up_then_by_rating() -> None:
    ratings = all_items(4)
    ratings.update({"fine_motor": 5, "sleep": 5, "executive_function": 0, "peer_play": 1,
                    "state_transitions": 2, "dissociation": 1, "autonomic_regulation": 2,
                    "startle_response": 2})
    result = score(case(assessment(functioning=ratings)))
    assert result.strengths == ("sleep", "fine_motor")
    assert result.needs == (
        "autonomic_regulation", "startle_response",  # brainstem, both 2, item order
        "dissociation", "state_transitions",         # diencephalon: 1 before 2
        "peer_play",                                 # limbic
        "executive_function",                        # cortex
    )


# ---- relational health and resilience (section 5) -----------------------------------

@pytest.mark.parametrize(
    ("relational", "value", "band"),
    [
        ({"caregiver_connection": 2, "home_stability": 1, "kin_connection": 3}, None, None),  # 3 < 4 rated
        ({"caregiver_connection": 2, "home_stability": 1, "kin_connection": 3, "peer_connection": 2}, 50.0, "adequate"),
        ({"caregiver_connection": 4, "home_stability": 4, "kin_connection": 3, "peer_connection": 1,
          "community_connection": 3, "cultural_connection": 3}, 75.0, "strong"),  # 18/6 = 3 -> 75
        ({"caregiver_connection": 1, "home_stability": 1, "kin_connection": 1, "peer_connection": 0},
         18.75, "impoverished"),  # 3/4 -> 18.75
        ({"caregiver_connection": 1, "home_stability": 1, "kin_connection": 1, "peer_connection": 1}, 25.0, "limited"),
    ],
)
def test_relational_health_follows_the_worked_examples(relational, value, band) -> None:
    result = score(case(assessment(relational=relational)))
    assert result.relational_health == (pytest.approx(value) if value is not None else None)
    assert result.relational_band == band


def test_resilience_weighs_current_and_historical_relational_health() -> None:
    relational = {"caregiver_connection": 2, "home_stability": 2, "kin_connection": 2, "peer_connection": 2}
    history = {"perinatal": {"adversity": None, "relational_health": 1},
               "infancy": {"adversity": 2, "relational_health": 1}}
    result = score(case(assessment(relational=relational, history=history)))
    # current 50; historical 100 * 1 / 4 = 25 -> .6*50 + .4*25 = 40
    assert result.resilience == pytest.approx(40.0)


def test_resilience_of_an_er_snapshot_is_its_relational_health() -> None:
    relational = {"caregiver_connection": 3, "home_stability": 1, "kin_connection": 2, "peer_connection": 2}
    data = case(assessment(history={"perinatal": {"adversity": 4, "relational_health": 0}}),
                assessment(id="A-2", kind="er", date="2025-03-01", relational=relational))
    result = score(data)
    assert result.resilience == result.relational_health == pytest.approx(50.0)
    assert result.developmental_risk is None and result.ace_count is None


# ---- follow-up: carry-forward and change (section 8) ----------------------------------

def test_a_follow_up_carries_history_forward_per_period_and_rating() -> None:
    data = case(
        assessment(history={"perinatal": {"adversity": 3, "relational_health": None},
                            "infancy": {"adversity": 2, "relational_health": 2}}),
        assessment(id="A-2", kind="follow_up", date="2025-07-01",
                   history={"perinatal": {"adversity": None, "relational_health": 1},
                            "infancy": {"adversity": 4}}),
    )
    result = score(data)
    assert result.history["perinatal"] == {"adversity": 3, "relational_health": 1}
    assert result.history["infancy"] == {"adversity": 4, "relational_health": 2}
    # perinatal 75 (as above); infancy A = 1, P = .5 -> 100*(.5 + .25) = 75
    assert result.developmental_risk == pytest.approx(75.0)


def test_change_is_later_minus_earlier_with_a_ten_point_threshold() -> None:
    base = all_items(4)
    first = {**base, **dict.fromkeys(DOMAIN_ITEMS["sensory_integration"], 2)}  # sensory 50
    second = {**base, **dict.fromkeys(DOMAIN_ITEMS["sensory_integration"], 3)}  # sensory 75
    second_self = dict.fromkeys(DOMAIN_ITEMS["self_regulation"][:3], 3)  # 5*100 + 3*75 -> 90.625
    third = {**base, **dict.fromkeys(DOMAIN_ITEMS["sensory_integration"], 3),
             **dict.fromkeys(DOMAIN_ITEMS["self_regulation"], 3)}  # self-regulation 75
    data = case(
        assessment(functioning=first),
        assessment(id="A-2", kind="follow_up", date="2025-07-01", functioning={**second, **second_self}),
        assessment(id="A-3", kind="follow_up", date="2026-01-01", functioning=third),
    )
    results = score_history(parse_case(data))
    assert results[0].change is None
    change = results[2].change
    assert change is not None
    assert (change.previous.assessment_id, change.baseline.assessment_id) == ("A-2", "A-1")
    sensory_prev = change.previous.domains["sensory_integration"]
    assert (sensory_prev.delta, sensory_prev.label) == (0.0, "stable")
    sensory_base = change.baseline.domains["sensory_integration"]
    assert (sensory_base.delta, sensory_base.label) == (25.0, "improved")  # 75 - 50
    regulation = change.previous.domains["self_regulation"]
    assert regulation.delta == pytest.approx(75 - 90.625) and regulation.label == "declined"
    assert change.previous.items["autonomic_regulation"] == 0
    assert change.baseline.items["autonomic_regulation"] == 1


@pytest.mark.parametrize(
    ("before", "after", "label"),
    [(2, 3, "improved"), (3, 3, "stable")],
)
def test_a_domain_change_of_exactly_ten_points_counts(before: int, after: int, label: str) -> None:
    # relational items: 8 items, raising 3 of them from 4... use cognitive: one item 4 -> rated
    first = all_items(4)
    first.update(dict.fromkeys(DOMAIN_ITEMS["relational"][:4], before))
    second = all_items(4)
    second.update(dict.fromkeys(DOMAIN_ITEMS["relational"][:4], after))
    # before=2: (4*50 + 4*100)/8 = 75; after=3: (4*75 + 4*100)/8 = 87.5 -> +12.5 improved
    data = case(assessment(functioning=first),
                assessment(id="A-2", kind="follow_up", date="2025-07-01", functioning=second))
    assert score(data).change.previous.domains["relational"].label == label


def test_developmental_risk_falling_by_ten_is_an_improvement() -> None:
    data = case(
        assessment(history={"perinatal": {"adversity": 3, "relational_health": 1}}),  # 75
        assessment(id="A-2", kind="follow_up", date="2025-07-01",
                   history={"perinatal": {"relational_health": 3}}),  # A .75, P .25 -> 30 + 15 = 45
    )
    headline = score(data).change.previous.headline["developmental_risk"]
    assert headline.delta == pytest.approx(-30.0)
    assert headline.label == "improved"


def test_an_er_assessment_has_no_change_and_no_history() -> None:
    data = case(assessment(), assessment(id="A-2", kind="er", date="2025-03-01"))
    result = score(data)
    assert result.change is None
    assert result.period_risk == {}


def test_an_earlier_assessment_can_be_scored_by_id() -> None:
    data = case(assessment(functioning=all_items(2)),
                assessment(id="A-2", kind="follow_up", date="2025-07-01", functioning=all_items(4)))
    assert score(data, "A-1").functioning_index == pytest.approx(50.0)
    assert score(data).functioning_index == pytest.approx(100.0)
    with pytest.raises(KeyError):
        score(data, "A-9")


# ---- where to start when too little is rated (section 6, `undetermined`) ----------------

def test_an_er_snapshot_with_one_of_29_items_rated_is_undetermined_not_maintain() -> None:
    # Born 2021-01-01, 48 months old on 2025-01-01: 29 items expected. Only sleep rated (4).
    data = case(assessment(kind="er", functioning={"sleep": 4}), birth="2021-01-01")
    result = score(data)
    assert len(result.ratings) == 29
    assert (result.phase, result.entry_region) == ("undetermined", None)
    assert result.plan.phases == () and result.plan.stabilisation is None
    assert result.plan.missing_information == (
        "sensory_integration", "self_regulation", "relational", "cognitive")
    assert result.to_dict()["phase"] == "undetermined"


def test_a_fully_rated_er_snapshot_with_nothing_compromised_is_still_maintain() -> None:
    data = case(assessment(kind="er", functioning=all_items(4, 48)), birth="2021-01-01")
    assert score(data).phase == "maintain"


def test_progress_from_or_to_an_undetermined_assessment_is_unknown() -> None:
    sparse = {"sleep": 1}  # every domain insufficient
    data = case(
        assessment(functioning=all_items(2)),                                   # regulate
        assessment(id="A-2", kind="follow_up", date="2025-07-01", functioning=sparse),
        assessment(id="A-3", kind="follow_up", date="2026-01-01", functioning=all_items(4)),
    )
    results = score_history(parse_case(data))
    second, third = results[1], results[2]
    assert second.phase == "undetermined"
    assert second.change is not None
    assert second.change.previous.phase_progress == "unknown"
    assert (second.change.previous.phase_before, second.change.previous.phase_after) == (
        "regulate", "undetermined")
    assert second.plan.progress is not None and second.plan.progress.startswith("Progress cannot be judged")
    assert third.phase == "maintain"
    assert third.change is not None
    assert third.change.previous.phase_progress == "unknown"   # from the undetermined A-2
    assert third.change.baseline.phase_progress == "progressed"  # from A-1, regulate
    assert third.plan.progress is not None
    assert third.plan.progress.startswith("The previous assessment had too little rated")
    assert third.to_dict()["change"]["previous"]["phase"] == {"before": "undetermined", "after": "maintain"}
