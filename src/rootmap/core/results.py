"""Typed results of scoring: what the engine returns and what `rootmap score --json` prints.

Plain frozen dataclasses (no validation cost: the engine builds them from validated
input). `to_dict()` gives exactly the fields of the case-file format's score output.
Numbers are unrounded; rounding is for display only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rootmap.instruments import current_version

# `undetermined`: too little rated to say where to start (clinical model, section 6).
Phase = Literal["regulate", "relate", "reason", "maintain", "undetermined"]
DomainStatus = Literal["ok", "insufficient", "not_expected"]
ChangeLabel = Literal["improved", "declined", "stable"]
# `unknown`: one side is undetermined, so there is no entry point to compare.
PhaseProgress = Literal["progressed", "regressed", "same", "unknown"]


@dataclass(frozen=True, slots=True)
class DomainResult:
    index: float | None
    band: str | None
    status: DomainStatus

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "band": self.band, "status": self.status}


@dataclass(frozen=True, slots=True)
class Recommendation:
    id: str
    score: float
    drivers: tuple[str, ...]
    reason: str | None = None  # set for additions made by a rule, e.g. low relational health

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "score": self.score, "drivers": list(self.drivers)}
        if self.reason is not None:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True, slots=True)
class Deferral:
    id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class PlanPhase:
    phase: Phase
    dose: str
    recommendations: tuple[Recommendation, ...]
    deferred: tuple[Deferral, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "dose": self.dose,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "deferred": [d.to_dict() for d in self.deferred],
        }


@dataclass(frozen=True, slots=True)
class Plan:
    phases: tuple[PlanPhase, ...] = ()
    abridged: bool = False                  # an `er` plan: first phase, at most 3 in all
    stabilisation: str | None = None        # `er` only: immediate stabilisation needs
    missing_information: tuple[str, ...] = ()  # domains too sparsely rated to judge
    progress: str | None = None             # follow-up: movement of the entry phase

    def to_dict(self) -> dict[str, Any]:
        return {
            "phases": [p.to_dict() for p in self.phases],
            "abridged": self.abridged,
            "stabilisation": self.stabilisation,
            "missing_information": list(self.missing_information),
            "progress": self.progress,
        }


@dataclass(frozen=True, slots=True)
class Delta:
    """One score compared with an earlier assessment's."""

    before: float | None
    after: float | None
    delta: float | None
    label: ChangeLabel | None  # null when either side is unknown

    def to_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "delta": self.delta, "label": self.label}


@dataclass(frozen=True, slots=True)
class Comparison:
    """Change from one earlier assessment to this one (later minus earlier)."""

    assessment_id: str
    date: str
    headline: dict[str, Delta]
    domains: dict[str, Delta]
    items: dict[str, int]  # rating deltas for items rated in both
    entry_region_before: str | None
    entry_region_after: str | None
    phase_progress: PhaseProgress
    # The phases compared: entry regions alone cannot tell `maintain` from `undetermined`.
    phase_before: Phase | None = None
    phase_after: Phase | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_id": self.assessment_id,
            "date": self.date,
            "headline": {k: v.to_dict() for k, v in self.headline.items()},
            "domains": {k: v.to_dict() for k, v in self.domains.items()},
            "items": dict(self.items),
            "entry_region": {"before": self.entry_region_before, "after": self.entry_region_after},
            "phase": {"before": self.phase_before, "after": self.phase_after},
            "phase_progress": self.phase_progress,
        }


@dataclass(frozen=True, slots=True)
class Change:
    previous: Comparison
    baseline: Comparison

    def to_dict(self) -> dict[str, Any]:
        return {"previous": self.previous.to_dict(), "baseline": self.baseline.to_dict()}


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    """The scores of one assessment. `to_dict()` is the score output of the case-file format."""

    assessment_id: str
    kind: str
    date: str
    age_months: int
    developmental_risk: float | None
    period_risk: dict[str, float]
    risk_band: str | None
    peak_period: str | None
    ace_count: int | None
    domains: dict[str, DomainResult]
    functioning_index: float | None
    relational_health: float | None
    relational_band: str | None
    resilience: float | None
    strengths: tuple[str, ...]
    needs: tuple[str, ...]
    entry_region: str | None
    phase: Phase
    plan: Plan
    change: Change | None
    instrument_version: str
    # Inputs after carry-forward and derivation, for reports and the brain map.
    ratings: dict[str, int | None] = field(default_factory=dict)          # expected items only
    history: dict[str, dict[str, int | None]] = field(default_factory=dict)  # reached periods
    derived_adversity: dict[str, int] = field(default_factory=dict)       # periods derived from events

    def to_dict(self) -> dict[str, Any]:
        return {
            "developmental_risk": self.developmental_risk,
            "period_risk": dict(self.period_risk),
            "risk_band": self.risk_band,
            "peak_period": self.peak_period,
            "ace_count": self.ace_count,
            "domains": {k: v.to_dict() for k, v in self.domains.items()},
            "functioning_index": self.functioning_index,
            "relational_health": self.relational_health,
            "relational_band": self.relational_band,
            "resilience": self.resilience,
            "strengths": list(self.strengths),
            "needs": list(self.needs),
            "entry_region": self.entry_region,
            "phase": self.phase,
            "plan": self.plan.to_dict(),
            "change": self.change.to_dict() if self.change else None,
            "instrument_version": self.instrument_version,
        }


@dataclass(frozen=True, slots=True)
class ChildChallenge:
    age_months: int
    client_id: str | None
    age_factor: float
    challenge: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"age_months": self.age_months, "client_id": self.client_id,
                "age_factor": self.age_factor, "challenge": self.challenge}


@dataclass(frozen=True, slots=True)
class HouseholdResult:
    internal: float | None
    external: float | None
    resources: float | None
    children: tuple[ChildChallenge, ...]
    demand: float | None
    reserve: float | None
    reserve_band: str | None
    instrument_version: str = field(default_factory=current_version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "internal": self.internal,
            "external": self.external,
            "resources": self.resources,
            "children": [c.to_dict() for c in self.children],
            "demand": self.demand,
            "reserve": self.reserve,
            "reserve_band": self.reserve_band,
            "instrument_version": self.instrument_version,
        }
