"""The one set of test data factories: case files, assessments, events, households, and
hand-built results. Pure data (dicts in the case-file format, or core result objects);
nothing here scores anything, so tests that use them cannot borrow the code under test.

Web tests turn these into database rows with their own fixtures (tests/web/*_fixtures.py).
"""

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

INSTRUMENT = load_instrument("1")
ITEMS = INSTRUMENT.functioning_items
DOMAIN_ITEMS: dict[str, list[str]] = {d: [i.id for i in ITEMS if i.domain == d] for d in INSTRUMENT.domain_ids}
INTERNAL = [i.id for i in INSTRUMENT.internal_items]
EXTERNAL = [i.id for i in INSTRUMENT.external_items]
CHALLENGE = [i.id for i in INSTRUMENT.challenge_items]
ADULT_BIRTH = "2010-01-01"  # 180 months old on 2025-01-01: every item and period is reached


# --- case files ---------------------------------------------------------------------------

def all_items(rating: int | None, age_months: int = 240) -> dict[str, int | None]:
    """Every functioning item expected at `age_months`, rated `rating`."""
    return {i.id: rating for i in ITEMS if i.min_age_months <= age_months}


def assessment(
    *, id: str = "A-1", kind: str = "full", date: str = "2025-01-01", **fields: Any
) -> dict[str, Any]:
    """One assessment of a case file; an `er` gets a trigger unless one is given."""
    data: dict[str, Any] = {"id": id, "kind": kind, "date": date, "instrument_version": "1"}
    if kind == "er":
        data["trigger"] = fields.pop("trigger", "placement_change")
    data.update(fields)
    return data


def event(category: str = "neglect", onset: int = 0, end: int | None = None, severity: int = 2,
          **fields: Any) -> dict[str, Any]:
    """One adverse event of a case file (end None = ongoing)."""
    return {"category": category, "onset_months": onset, "end_months": end, "severity": severity, **fields}


def case(
    *assessments: dict[str, Any], birth: str = ADULT_BIRTH, events: list[dict[str, Any]] | None = None,
    interests: list[str] | None = None, client_id: str = "C-1",
) -> dict[str, Any]:
    """A case file holding `assessments`, oldest first."""
    return {
        "format": "rootmap-case/1",
        "client": {"id": client_id, "birth_date": birth, "display_name": "Test"},
        "interests": interests or [],
        "events": events or [],
        "assessments": list(assessments),
    }


def birth_for(age_months: int, on: str = "2025-01-01") -> str:
    """A birth date (the 1st of a month) that makes the client `age_months` old on `on`."""
    year, month, _day = (int(p) for p in on.split("-"))
    total = year * 12 + (month - 1) - age_months
    return f"{total // 12:04d}-{total % 12 + 1:02d}-01"


# --- households ---------------------------------------------------------------------------

def child(age_months: int, level: int | None = 2, client_id: str | None = None,
          **ratings: int | None) -> dict[str, Any]:
    """A child in a household: every challenge item at `level`, overridden by `ratings`."""
    return {"age_months": age_months, "client_id": client_id,
            "challenge": {**dict.fromkeys(CHALLENGE, level), **ratings}}


def household(internal: int | None = 3, external: int | None = 2,
              children: list[tuple[int, int]] | list[dict[str, Any]] | None = None,
              **fields: Any) -> dict[str, Any]:
    """A household file: every internal item at `internal`, every external one at `external`;
    `children` as (age_months, level) pairs or `child(...)` dicts."""
    kids = [c if isinstance(c, dict) else child(c[0], c[1]) for c in (children or [])]
    data: dict[str, Any] = {
        "format": "rootmap-household/1", "id": "H-1", "date": "2025-06-15",
        "caregivers": [{"name": "Alex", "role": "foster"}],
        "internal": dict.fromkeys(INTERNAL, internal),
        "external": dict.fromkeys(EXTERNAL, external),
        "children": kids,
    }
    data.update(fields)
    return data


# --- hand-built results (independent of the scoring engine) --------------------------------

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
    """A plausible full assessment's result, written by hand; any field can be overridden."""
    age = overrides.pop("age_months", 110)
    ratings = dict(overrides.pop("ratings", RATINGS_A1))
    ratings = {k: v for k, v in ratings.items() if INSTRUMENT.items_by_id[k].min_age_months <= age}
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
        functioning_index=48.2, functioning_band="moderate",
        relational_health=41.7, relational_band="limited", resilience=35.0,
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
    """A hand-written change from `before` to `after` (the deltas are not computed)."""
    def comparison(earlier: AssessmentResult) -> Comparison:
        return Comparison(
            assessment_id=earlier.assessment_id, date=earlier.date,
            headline={"functioning_index": Delta(earlier.functioning_index, after.functioning_index,
                                                 12.5, "improved")},
            domains={d: Delta(earlier.domains[d].index, after.domains[d].index, 4.0, "stable")
                     for d in after.domains},
            items={"sleep": 2}, entry_region_before="brainstem", entry_region_after="limbic",
            phase_progress="progressed", phase_before=earlier.phase, phase_after=after.phase,
        )
    return Change(previous=comparison(before), baseline=comparison(before))


def make_household() -> HouseholdResult:
    """A household's result, written by hand."""
    return HouseholdResult(
        internal=75.0, external=58.3, resources=66.7,
        children=(ChildChallenge(122, "C-0102", 1.0, 20.8), ChildChallenge(20, None, 1.3, 70.4)),
        demand=45.6, reserve=21.1, reserve_band="adequate",
    )
