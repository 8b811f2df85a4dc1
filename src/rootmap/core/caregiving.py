"""The caregiver challenge estimator (clinical-model.md section 7).

>>> from rootmap.core.case import parse_household
>>> household = parse_household({"format": "rootmap-household/1", "id": "H-1",
...     "date": "2025-01-01",
...     "internal": dict.fromkeys(["health_energy", "emotional_regulation", "trauma_resolution",
...                                "caregiving_skills", "flexibility_patience", "commitment"], 3),
...     "external": dict.fromkeys(["co_caregiver_support", "family_friends", "respite_childcare",
...                                "financial_housing", "professional_support", "community_faith"], 2),
...     "children": []})
>>> score_household(household).reserve
62.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel

from rootmap.core.bands import reserve_band
from rootmap.core.case import Household, HouseholdChild, parse_household, ratings_of
from rootmap.core.results import AssessmentResult, ChildChallenge, HouseholdResult
from rootmap.instruments import Instrument, current

__all__ = ["age_factor", "prefill_challenge", "score_household", "what_if"]


def _group_score(instrument: Instrument, ratings: Mapping[str, int | None]) -> float | None:
    """100 * mean / 4 over rated items; None when too few are rated to say."""
    rated = [r for r in ratings.values() if r is not None]
    if len(rated) < instrument.caregiver.min_rated:
        return None
    return 100 * sum(rated) / len(rated) / 4


def age_factor(instrument: Instrument, age_months: int) -> float:
    for row in instrument.caregiver.age_factors:
        if row.below is None or age_months < row.below:
            return row.factor
    raise ValueError(f"no age factor for {age_months} months")  # the data ends with an open row


def child_challenge(instrument: Instrument, child: HouseholdChild) -> ChildChallenge:
    factor = age_factor(instrument, child.age_months)
    base = _group_score(instrument, ratings_of(child.challenge))
    challenge = None if base is None else min(base * factor, instrument.caregiver.challenge_cap)
    return ChildChallenge(child.age_months, child.client_id, factor, challenge)


def score_household(household: Household, instrument: Instrument | None = None) -> HouseholdResult:
    """The estimate, with `instrument` (a household's stored version) or the current one."""
    instrument = instrument or current()
    internal = _group_score(instrument, ratings_of(household.internal))
    external = _group_score(instrument, ratings_of(household.external))
    resources = None if internal is None or external is None else (internal + external) / 2
    children = tuple(child_challenge(instrument, c) for c in household.children)
    challenges = [c.challenge for c in children]
    demand = (None if any(c is None for c in challenges)
              else instrument.caregiver.demand_share * sum(c for c in challenges if c is not None))
    reserve = None if resources is None or demand is None else resources - demand
    return HouseholdResult(
        internal=internal, external=external, resources=resources, children=children,
        demand=demand, reserve=reserve,
        reserve_band=reserve_band(instrument, reserve),
        instrument_version=instrument.version,
    )


def what_if(
    household: Household,
    *,
    add_children: Sequence[Mapping[str, Any] | HouseholdChild] = (),
    raise_resources: Mapping[str, int] | None = None,
    instrument: Instrument | None = None,
) -> HouseholdResult:
    """The estimate with prospective children added and/or resource items set higher.

    Nothing is saved: the household is copied. Inputs are validated like a household file,
    so a bad value raises `CaseFileError` naming the field.
    """
    data = household.model_dump(mode="json")
    data["children"] = data["children"] + [
        c.model_dump(mode="json") if isinstance(c, BaseModel) else dict(c) for c in add_children
    ]
    for item_id, value in (raise_resources or {}).items():
        group = "internal" if item_id in data["internal"] else "external" if item_id in data["external"] else None
        if group is None:
            group = "internal"  # let validation name the unknown item
        data[group][item_id] = value
    return score_household(parse_household(data), instrument)


def _round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def prefill_challenge(result: AssessmentResult) -> dict[str, int | None]:
    """Challenge items suggested by a client's finalised assessment (the clinician confirms).

    Items the assessment cannot inform (medical_physical, supervision_safety) stay None, as
    do items whose domains were insufficient.
    """
    def index(domain: str) -> float | None:
        found = result.domains.get(domain)
        return found.index if found is not None else None

    def from_index(value: float | None) -> int | None:
        return None if value is None else _round_half_up(4 * (1 - value / 100))

    regulation, relational = index("self_regulation"), index("relational")
    behaviour_basis = None if regulation is None or relational is None else (regulation + relational) / 2
    body = [min(r, 4) for i in ("sleep", "feeding_appetite") if (r := result.ratings.get(i)) is not None]
    return {
        "behavioural": from_index(behaviour_basis),
        "emotional_regulation": from_index(regulation),
        "medical_physical": None,
        "developmental_learning": from_index(index("cognitive")),
        "sleep_feeding": _round_half_up(4 - sum(body) / len(body)) if body else None,
        "supervision_safety": None,
    }
