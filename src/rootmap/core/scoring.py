"""The scoring engine: developmental risk, functioning, relational health, resilience, change.

Pure functions of a validated `CaseFile` and the instrument data (clinical-model.md
sections 2-5 and 8). Nothing here rounds: rounding is for display.

A 10-year-old (120 months) rated 1 on every functioning item and 2 on every relational
item: every domain index is 100 * 1 / 4 = 25, relational health 100 * 2 / 4 = 50, and the
brainstem (25 < 75) is where to start.

>>> from rootmap.core.case import parse_case
>>> case = parse_case({"format": "rootmap-case/1",
...     "client": {"id": "C-1", "birth_date": "2015-01-01"},
...     "assessments": [{"id": "A-1", "kind": "er", "date": "2025-01-01", "trigger": "loss",
...                      "functioning": dict.fromkeys(["sleep", "arousal_baseline", "fine_motor",
...                          "self_soothing", "attachment_security", "relational_trust",
...                          "receptive_language", "impulse_control"], 1),
...                      "relational": dict.fromkeys(["caregiver_connection", "home_stability",
...                          "kin_connection", "peer_connection"], 2)}]})
>>> result = score_case(case)
>>> result.phase, result.relational_health
('undetermined', 50.0)

Only 2 of 8 items per domain are rated there (fewer than half), so nothing can be judged.
With half of the brainstem's items rated, it can:

>>> more = case.assessments[0].functioning.model_copy(update={"autonomic_regulation": 1, "feeding_appetite": 1})
>>> case = case.model_copy(update={"assessments": [case.assessments[0].model_copy(update={"functioning": more})]})
>>> result = score_case(case)
>>> result.domains["sensory_integration"].index, result.phase
(25.0, 'regulate')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rootmap.core.ages import age_in_months
from rootmap.core.bands import index_band, relational_band, risk_band
from rootmap.core.case import Assessment, CaseFile, Event, ratings_of
from rootmap.core.change import HEADLINES, delta
from rootmap.core.coverage import domain_is_insufficient, periods_reached, relational_is_insufficient
from rootmap.core.events import overlaps
from rootmap.core.plan import build_plan
from rootmap.core.results import (
    AssessmentResult,
    Change,
    Comparison,
    DomainResult,
    PhaseProgress,
)
from rootmap.instruments import Instrument, load_instrument
from rootmap.instruments.catalogue import Catalogue, load_catalogue

__all__ = [
    "HEADLINES",
    "PeriodHistory",
    "carried_histories",
    "carry_forward",
    "carry_forward_with_sources",
    "delta",
    "score_case",
    "score_history",
]

HistoryRatings = dict[str, dict[str, int | None]]


@dataclass(frozen=True, slots=True)
class PeriodHistory:
    """Developmental risk and its parts, for the reached periods of one assessment."""

    ratings: HistoryRatings          # after carry-forward: period -> {adversity, relational_health}
    derived_adversity: dict[str, int]  # periods whose adversity came from events
    period_risk: dict[str, float]
    developmental_risk: float | None
    peak_period: str | None
    ace_count: int


def derive_adversity(instrument: Instrument, events: Sequence[Event], start: int, end: int) -> int | None:
    """Adversity from the events that overlap a period, or None when none overlap."""
    overlapping = [
        e for e in events
        if overlaps(onset=e.onset_months, end=e.end_months, start=start, stop=end)
    ]
    if not overlapping:
        return None
    rule = instrument.event_derivation
    derived = max(e.severity for e in overlapping)
    if len({e.category for e in overlapping}) >= rule.category_bonus_at:
        derived += rule.category_bonus
    return min(derived, rule.cap)


def period_history(
    instrument: Instrument, age: int, ratings: HistoryRatings, events: Sequence[Event]
) -> PeriodHistory:
    """Risk per reached period and overall (section 3). `events` are those counted at this age."""
    risks: dict[str, float] = {}
    derived: dict[str, int] = {}
    weighted = weights = 0.0
    for period in periods_reached(instrument, age):
        entered = ratings.get(period.id, {})
        adversity = entered.get("adversity")
        if adversity is None:
            from_events = derive_adversity(instrument, events, period.start, period.end)
            if from_events is not None:
                derived[period.id] = adversity = from_events
        relational = entered.get("relational_health")
        if adversity is None or relational is None:
            continue
        risk = 100 * (period.adversity_share * adversity / 4
                      + (1 - period.adversity_share) * (1 - relational / 4))
        risks[period.id] = risk
        weighted += period.weight * risk
        weights += period.weight
    peak = None
    for period_id, risk in risks.items():  # insertion order is chronological: earliest wins ties
        if peak is None or risk > risks[peak]:
            peak = period_id
    ace = {e.category for e in events} & set(instrument.ace_categories)
    return PeriodHistory(
        ratings=ratings, derived_adversity=derived, period_risk=risks,
        developmental_risk=weighted / weights if weights else None,
        peak_period=peak, ace_count=len(ace),
    )


# The two results without an index are the same values every time: frozen, so shared.
_NOT_EXPECTED = DomainResult(None, None, "not_expected")
_INSUFFICIENT = DomainResult(None, None, "insufficient")


def domain_results(
    instrument: Instrument, ratings: Mapping[str, int | None]
) -> dict[str, DomainResult]:
    """Domain indices from the expected items' ratings (section 4)."""
    cap = instrument.functioning_max_counted
    results: dict[str, DomainResult] = {}
    for domain, item_ids in instrument.items_by_domain.items():
        expected = [i for i in item_ids if i in ratings]
        if not expected:
            results[domain] = _NOT_EXPECTED
            continue
        rated = [r for i in expected if (r := ratings[i]) is not None]
        if domain_is_insufficient(instrument, len(expected), len(rated)):
            results[domain] = _INSUFFICIENT
            continue
        index = 100 * sum(min(r, cap) for r in rated) / (cap * len(rated))
        results[domain] = DomainResult(index, index_band(instrument, index), "ok")
    return results


def functioning_index(domains: Mapping[str, DomainResult]) -> float | None:
    judged = [d for d in domains.values() if d.status != "not_expected"]
    if not judged or any(d.index is None for d in judged):
        return None
    return sum(d.index for d in judged if d.index is not None) / len(judged)


def strengths_and_needs(
    instrument: Instrument, ratings: Mapping[str, int | None]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    strength, need_max = instrument.strength_rating, instrument.need_max_rating
    strengths = tuple(i for i in instrument.item_ids if ratings.get(i) == strength)
    order = instrument.needs_order  # (region rank, item rank), computed once per instrument
    needy = [i for i, r in ratings.items() if r is not None and r <= need_max and i in order]
    needs = sorted(needy, key=lambda i: (order[i][0], ratings[i], order[i][1]))
    return strengths, tuple(needs)


def relational_health(instrument: Instrument, ratings: Mapping[str, int | None]) -> float | None:
    rated = [r for r in ratings.values() if r is not None]
    if relational_is_insufficient(instrument, len(rated)):
        return None
    return 100 * sum(rated) / len(rated) / 4


def resilience(instrument: Instrument, current: float | None, history: HistoryRatings | None) -> float | None:
    if current is None:
        return None
    known = [r for p in (history or {}).values() if (r := p.get("relational_health")) is not None]
    if not known:
        return current
    historical = 100 * sum(known) / len(known) / 4
    weights = instrument.resilience
    return weights.current_weight * current + weights.historical_weight * historical


# ---------------------------------------------------------------------------------------
# Whole case files


HistoryInput = Mapping[str, Mapping[str, Any] | None]
Sourced = dict[str, dict[str, tuple[int, str]]]
_RATING_KINDS = ("adversity", "relational_health")


def carry_forward(assessments: Iterable[tuple[str, HistoryInput | None]]) -> list[dict[str, dict[str, Any]] | None]:
    """The carry-forward rule (clinical model 1, case file): each assessment's history in force.

    `assessments` are (kind, history) oldest first, history as period -> rating kind -> value.
    A `full` assessment starts afresh; a `follow_up` starts from the history in force before
    it and replaces ratings per period and per rating where it gives a non-null value; an
    `er` has no history (None) and changes nothing. Periods an assessment names keep both
    rating keys, null where nothing is known.

    >>> carry_forward([("full", {"infancy": {"adversity": 3, "relational_health": 1}}),
    ...                ("er", None),
    ...                ("follow_up", {"infancy": {"adversity": None, "relational_health": 2}})])[2]
    {'infancy': {'adversity': 3, 'relational_health': 2}}
    """
    carried: dict[str, dict[str, Any]] = {}
    out: list[dict[str, dict[str, Any]] | None] = []
    for kind, own in assessments:
        if kind == "er":
            out.append(None)
            continue
        if kind == "full":
            carried = {p: {k: (r or {}).get(k) for k in _RATING_KINDS} for p, r in (own or {}).items()}
        else:
            merged = {p: dict(r) for p, r in carried.items()}
            for period_id, ratings in (own or {}).items():
                slot = merged.setdefault(period_id, dict.fromkeys(_RATING_KINDS))
                for key, value in (ratings or {}).items():
                    if value is not None:
                        slot[key] = value
            carried = merged
        out.append(carried)
    return out


def carry_forward_with_sources(
    assessments: Iterable[tuple[str, str, HistoryInput | None]],
) -> list[Sourced | None]:
    """`carry_forward`, keeping where each rating came from (for the entry page).

    `assessments` are (kind, reference, history); each answer maps period -> rating kind ->
    (value, reference of the assessment that gave it), for known ratings only.

    >>> out = carry_forward_with_sources([
    ...     ("full", "A-1", {"infancy": {"adversity": 3, "relational_health": 1}}),
    ...     ("er", "A-2", None),
    ...     ("follow_up", "A-3", {"infancy": {"adversity": None, "relational_health": 2}})])
    >>> out[2]
    {'infancy': {'adversity': (3, 'A-1'), 'relational_health': (2, 'A-3')}}
    >>> out[1] is None
    True
    """
    tagged = [
        (kind, None if history is None else {
            p: {k: (v, reference) for k, v in (r or {}).items() if v is not None} for p, r in history.items()
        })
        for kind, reference, history in assessments
    ]
    return [
        None if carried is None else {
            p: {k: v for k, v in r.items() if v is not None} for p, r in carried.items()
        }
        for carried in carry_forward(tagged)
    ]


def carried_histories(case: CaseFile) -> list[HistoryRatings | None]:
    """Each assessment's history after carry-forward (None for er)."""
    return carry_forward([(a.kind, _history_dict(a)) for a in case.assessments])


def _history_dict(assessment: Assessment) -> HistoryRatings:
    if assessment.history is None:
        return {}
    return {
        period_id: {"adversity": ratings.adversity, "relational_health": ratings.relational_health}
        for period_id, ratings in ratings_of(assessment.history).items()
        if ratings is not None
    }


def score_history(case: CaseFile, instrument: Instrument | None = None) -> list[AssessmentResult]:
    """Every assessment of the case scored, oldest first (each with its change, if a follow-up).

    Each assessment is scored with the instrument version it names (its own stored
    version); passing `instrument` scores them all with that one instead, so that a changed
    parameter set can be tried out on real cases.
    """
    histories = carried_histories(case)
    results: list[AssessmentResult] = []
    baseline: AssessmentResult | None = None
    # Each version's instrument and catalogue, looked up once per case rather than per assessment.
    pairs: dict[str, tuple[Instrument, Catalogue]] = {}
    for n, assessment in enumerate(case.assessments):
        previous = results[-1] if results else None
        version = assessment.instrument_version
        pair = pairs.get(version)
        if pair is None:
            used = instrument or load_instrument(version)
            pair = pairs[version] = (used, load_catalogue(used.version))
        result = _score_one(pair[0], pair[1], case, assessment, histories[n], previous, baseline)
        results.append(result)
        if baseline is None and assessment.kind == "full":
            baseline = result
    return results


def score_case(
    case: CaseFile, assessment_id: str | None = None, instrument: Instrument | None = None
) -> AssessmentResult:
    """The result of one assessment (the latest by default)."""
    if not case.assessments:
        raise ValueError("the case file has no assessment to score")
    if assessment_id is None:
        last = len(case.assessments) - 1
    else:
        ids = [a.id for a in case.assessments]
        if assessment_id not in ids:
            raise KeyError(f"no assessment with id {assessment_id!r}; the case has {', '.join(ids)}")
        last = ids.index(assessment_id)
    # Earlier assessments are scored too: a follow-up's change needs them.
    truncated = case.model_copy(update={"assessments": case.assessments[: last + 1]})
    return score_history(truncated, instrument)[-1]


def _score_one(
    instrument: Instrument,
    catalogue: Catalogue,
    case: CaseFile,
    assessment: Assessment,
    history: HistoryRatings | None,
    previous: AssessmentResult | None,
    baseline: AssessmentResult | None,
) -> AssessmentResult:
    age = age_in_months(case.client.birth_date, assessment.date)
    functioning = ratings_of(assessment.functioning)
    ratings = {i: functioning[i] for i in instrument.expected_item_ids(age)}
    domains = domain_results(instrument, ratings)
    index = functioning_index(domains)
    strengths, needs = strengths_and_needs(instrument, ratings)
    relational = relational_health(instrument, ratings_of(assessment.relational))
    if history is None:
        risk = None
    else:
        counted = [e for e in case.events if e.onset_months <= age]
        risk = period_history(instrument, age, history, counted)
    follow_up = assessment.kind == "follow_up"
    entry_region, phase, plan = build_plan(
        instrument=instrument, catalogue=catalogue, kind=assessment.kind,
        age_months=age, ratings=ratings, domains=domains, relational_health=relational,
        interests=case.interests,
        previous_entry_region=previous.entry_region if follow_up and previous else None,
        previous_undetermined=bool(follow_up and previous and previous.phase == "undetermined"),
    )
    result = AssessmentResult(
        assessment_id=assessment.id,
        kind=assessment.kind,
        date=assessment.date.isoformat(),
        age_months=age,
        developmental_risk=risk.developmental_risk if risk else None,
        period_risk=risk.period_risk if risk else {},
        risk_band=risk_band(instrument, risk.developmental_risk if risk else None),
        peak_period=risk.peak_period if risk else None,
        ace_count=risk.ace_count if risk else None,
        domains=domains,
        functioning_index=index,
        functioning_band=index_band(instrument, index),
        relational_health=relational,
        relational_band=relational_band(instrument, relational),
        resilience=resilience(instrument, relational, history),
        strengths=strengths,
        needs=needs,
        entry_region=entry_region,
        phase=phase,
        plan=plan,
        change=None,
        instrument_version=instrument.version,
        ratings=ratings,
        history={p: dict(r) for p, r in (history or {}).items()},
        derived_adversity=risk.derived_adversity if risk else {},
    )
    if follow_up and previous is not None and baseline is not None:
        change = Change(
            previous=compare(instrument, previous, result),
            baseline=compare(instrument, baseline, result),
        )
        result = replace(result, change=change)
    return result


# ---------------------------------------------------------------------------------------
# Change between assessments (section 8)

# The labels (the ten-point rule, risk inverted) are rootmap.core.change's.


def phase_rank(instrument: Instrument, entry_region: str | None) -> int:
    """Bottom-up rank of an entry region; no compromised region ranks above them all."""
    regions: list[str] = [r.id for r in instrument.regions]
    return len(regions) if entry_region is None else regions.index(entry_region)


def compare(instrument: Instrument, earlier: AssessmentResult, later: AssessmentResult) -> Comparison:
    headline = {
        name: delta(instrument, getattr(earlier, name), getattr(later, name), better)
        for name, better in HEADLINES.items()
    }
    domains = {
        d: delta(instrument, earlier.domains[d].index, later.domains[d].index)
        for d in instrument.domain_ids
    }
    # Ratings dicts hold the expected items in instrument order, so walking the earlier one
    # gives the instrument's order without visiting every item of the instrument.
    later_ratings = later.ratings
    items = {
        i: after - before
        for i, before in earlier.ratings.items()
        if before is not None and (after := later_ratings.get(i)) is not None
    }
    rank_before = phase_rank(instrument, earlier.entry_region)
    rank_after = phase_rank(instrument, later.entry_region)
    progress: PhaseProgress
    if "undetermined" in (earlier.phase, later.phase):
        progress = "unknown"  # no entry point on one side: nothing to rank
    else:
        progress = ("progressed" if rank_after > rank_before
                    else "regressed" if rank_after < rank_before
                    else "same")
    return Comparison(
        assessment_id=earlier.assessment_id, date=earlier.date, headline=headline, domains=domains,
        items=items, entry_region_before=earlier.entry_region, entry_region_after=later.entry_region,
        phase_progress=progress, phase_before=earlier.phase, phase_after=later.phase,
    )
