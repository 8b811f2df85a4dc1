"""Hand-built results for render tests, independent of the scoring engine."""

from __future__ import annotations

from typing import Any

from rootmap.core.results import (
    AssessmentResult,
    Change,
    ChildChallenge,
    Comparison,
    Deferral,
    Delta,
    DomainResult,
    HouseholdResult,
    Plan,
    PlanPhase,
    Recommendation,
)
from rootmap.instruments import load_instrument

RATINGS_A1: dict[str, int | None] = {
    "autonomic_regulation": 2, "temperature_metabolic": 3, "sleep": 1, "feeding_appetite": 2,
    "sensory_tolerance": 2, "arousal_baseline": 1, "startle_response": 1, "orienting_attention": 2,
    "fine_motor": 5, "gross_motor_coordination": 4, "body_awareness": 2, "activity_level": 1,
    "state_transitions": 1, "dissociation": 2, "rhythm_timing": 2, "self_soothing": 1,
    "attachment_security": 1, "attunement_empathy": 2, "affect_regulation": 1, "reward_pleasure": 3,
    "peer_play": 2, "social_cues": None, "relational_trust": 1, "emotional_expression": 2,
    "receptive_language": 3, "expressive_language": 3, "concrete_reasoning": 3, "impulse_control": 1,
    "executive_function": 2, "abstract_reasoning": 2, "self_reflection": 2, "academic_skills": 2,
}


def make_result(**overrides: Any) -> AssessmentResult:
    instrument = load_instrument("1")
    age = overrides.pop("age_months", 110)
    ratings = dict(overrides.pop("ratings", RATINGS_A1))
    ratings = {k: v for k, v in ratings.items() if instrument.items_by_id[k].min_age_months <= age}
    plan = Plan(phases=(
        PlanPhase(phase="regulate", dose="brief (5-15 minutes), frequent, patterned, rhythmic",
                  recommendations=(
                      Recommendation("drumming", 9.5, ("sleep", "arousal_baseline", "startle_response")),
                      Recommendation("movement", 8.0, ("activity_level", "state_transitions")),
                      Recommendation("caregiver_coaching", 0.0, (), reason="relational health is below 50"),
                  ),
                  deferred=(Deferral("therapeutic_massage", "sensory tolerance below 2: introduce touch gradually"),)),
        PlanPhase(phase="relate", dose="daily to weekly, with a safe, attuned adult",
                  recommendations=(Recommendation("therapeutic_play", 7.0, ("attachment_security",)),),
                  deferred=()),
        PlanPhase(phase="reason", dose="weekly, once regulation holds",
                  recommendations=(Recommendation("academic_support", 4.0, ("academic_skills",)),),
                  deferred=(Deferral("tf_cbt", "sensory integration index below 62.5"),)),
    ))
    values: dict[str, Any] = dict(
        assessment_id="A-1", kind="full", date="2025-01-15", age_months=age,
        developmental_risk=71.3, period_risk={"perinatal": 67.5, "infancy": 81.25, "early_childhood": 85.0,
                                              "childhood": 61.9},
        risk_band="high", peak_period="early_childhood", ace_count=6,
        domains={
            "sensory_integration": DomainResult(43.8, "moderate", "ok"),
            "self_regulation": DomainResult(50.0, "moderate", "ok"),
            "relational": DomainResult(42.9, "moderate", "ok"),
            "cognitive": DomainResult(56.3, "moderate", "ok"),
        },
        functioning_index=48.2, relational_health=41.7, relational_band="limited", resilience=35.0,
        strengths=("fine_motor",), needs=("sleep", "arousal_baseline"),
        entry_region="brainstem", phase="regulate", plan=plan, change=None, instrument_version="1",
        ratings=ratings,
        history={"perinatal": {"adversity": 3, "relational_health": 1},
                 "infancy": {"adversity": 3, "relational_health": 0},
                 "early_childhood": {"adversity": 4, "relational_health": 1},
                 "childhood": {"adversity": 3, "relational_health": 2}},
        derived_adversity={"infancy": 3},
    )
    values.update(overrides)
    return AssessmentResult(**values)


def make_change(before: AssessmentResult, after: AssessmentResult) -> Change:
    def comparison(earlier: AssessmentResult) -> Comparison:
        return Comparison(
            assessment_id=earlier.assessment_id, date=earlier.date,
            headline={"functioning_index": Delta(earlier.functioning_index, after.functioning_index,
                                                 12.5, "improved")},
            domains={d: Delta(earlier.domains[d].index, after.domains[d].index, 4.0, "stable")
                     for d in after.domains},
            items={"sleep": 2}, entry_region_before="brainstem", entry_region_after="limbic",
            phase_progress="progressed",
        )
    return Change(previous=comparison(before), baseline=comparison(before))


def make_household() -> HouseholdResult:
    return HouseholdResult(
        internal=75.0, external=58.3, resources=66.7,
        children=(ChildChallenge(122, "C-0102", 1.0, 20.8), ChildChallenge(20, None, 1.3, 70.4)),
        demand=45.6, reserve=21.1, reserve_band="adequate",
    )
