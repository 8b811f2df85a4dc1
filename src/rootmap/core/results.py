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
    # The functioning index's band (index bands, section 4); null when the index is null.
    # Last with a default so that results stored before it existed still load.
    functioning_band: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "developmental_risk": self.developmental_risk,
            "period_risk": dict(self.period_risk),
            "risk_band": self.risk_band,
            "peak_period": self.peak_period,
            "ace_count": self.ace_count,
            "domains": {k: v.to_dict() for k, v in self.domains.items()},
            "functioning_index": self.functioning_index,
            "functioning_band": self.functioning_band,
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


# ---------------------------------------------------------------------------------------
# Stored form: the score output plus what renderers need, and back again.


def result_to_json(result: AssessmentResult) -> dict[str, Any]:
    """A result as plain JSON data: `to_dict()` plus the fields reports and the brain map use.

    `result_from_json(result_to_json(r)) == r` for every result (tested under Hypothesis).
    """
    data = result.to_dict()
    data.update({
        "assessment_id": result.assessment_id,
        "kind": result.kind,
        "date": result.date,
        "age_months": result.age_months,
        "ratings": dict(result.ratings),
        "history": {p: dict(r) for p, r in result.history.items()},
        "derived_adversity": dict(result.derived_adversity),
    })
    return data


def _delta_from(data: dict[str, Any]) -> Delta:
    return Delta(before=data.get("before"), after=data.get("after"),
                 delta=data.get("delta"), label=data.get("label"))


def _comparison_from(data: dict[str, Any]) -> Comparison:
    entry = data.get("entry_region") or {}
    phase = data.get("phase") or {}
    return Comparison(
        assessment_id=data["assessment_id"],
        date=data["date"],
        headline={k: _delta_from(v) for k, v in data.get("headline", {}).items()},
        domains={k: _delta_from(v) for k, v in data.get("domains", {}).items()},
        items=dict(data.get("items", {})),
        entry_region_before=entry.get("before"),
        entry_region_after=entry.get("after"),
        phase_progress=data.get("phase_progress", "same"),
        phase_before=phase.get("before"),
        phase_after=phase.get("after"),
    )


def _plan_from(data: dict[str, Any]) -> Plan:
    phases = tuple(
        PlanPhase(
            phase=p["phase"],
            dose=p.get("dose", ""),
            recommendations=tuple(
                Recommendation(id=r["id"], score=r["score"], drivers=tuple(r.get("drivers", ())),
                               reason=r.get("reason"))
                for r in p.get("recommendations", ())
            ),
            deferred=tuple(Deferral(id=d["id"], reason=d["reason"]) for d in p.get("deferred", ())),
        )
        for p in data.get("phases", ())
    )
    return Plan(
        phases=phases,
        abridged=bool(data.get("abridged", False)),
        stabilisation=data.get("stabilisation"),
        missing_information=tuple(data.get("missing_information", ())),
        progress=data.get("progress"),
    )


def result_from_json(data: dict[str, Any]) -> AssessmentResult:
    """Rebuild a result from what `result_to_json` produced.

    A result stored before `functioning_band` existed gets it from its index and its own
    instrument version's bands.
    """
    change = data.get("change")
    version = data.get("instrument_version", "1")
    index = data.get("functioning_index")
    if "functioning_band" in data:
        functioning_band = data["functioning_band"]
    else:
        from rootmap.core.bands import index_band
        from rootmap.instruments import load_instrument

        functioning_band = index_band(load_instrument(version), index)
    return AssessmentResult(
        assessment_id=data.get("assessment_id", ""),
        kind=data.get("kind", ""),
        date=data.get("date", ""),
        age_months=data.get("age_months", 0),
        developmental_risk=data.get("developmental_risk"),
        period_risk=dict(data.get("period_risk", {})),
        risk_band=data.get("risk_band"),
        peak_period=data.get("peak_period"),
        ace_count=data.get("ace_count"),
        domains={k: DomainResult(index=v.get("index"), band=v.get("band"), status=v.get("status", "ok"))
                 for k, v in data.get("domains", {}).items()},
        functioning_index=index,
        relational_health=data.get("relational_health"),
        relational_band=data.get("relational_band"),
        resilience=data.get("resilience"),
        strengths=tuple(data.get("strengths", ())),
        needs=tuple(data.get("needs", ())),
        entry_region=data.get("entry_region"),
        phase=data.get("phase", "maintain"),
        plan=_plan_from(data.get("plan") or {}),
        change=Change(previous=_comparison_from(change["previous"]),
                      baseline=_comparison_from(change["baseline"])) if change else None,
        instrument_version=version,
        ratings=dict(data.get("ratings", {})),
        history={p: dict(r) for p, r in data.get("history", {}).items()},
        derived_adversity=dict(data.get("derived_adversity", {})),
        functioning_band=functioning_band,
    )
