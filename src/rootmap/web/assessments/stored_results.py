"""What an assessment stores when it is finalised, and how its pages read it back.

Stored results are the core's `to_dict()` output plus the few extra fields (ratings
after carry-forward, age, ...) that the renderers need, so that a results page can
rebuild an `AssessmentResult` without scoring again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
)


def canonical_sha256(data: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8): the same on every database,
    so `rootmap audit` readers can check a stored result against its finalise entry."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_to_json(result: AssessmentResult) -> dict[str, Any]:
    """What is stored in `Assessment.result`: the score output plus what renderers need."""
    data = result.to_dict()
    data.update(
        {
            "assessment_id": result.assessment_id,
            "kind": result.kind,
            "date": result.date,
            "age_months": result.age_months,
            "ratings": dict(result.ratings),
            "history": {p: dict(r) for p, r in result.history.items()},
            "derived_adversity": dict(result.derived_adversity),
        }
    )
    return data


def _delta(data: dict[str, Any]) -> Delta:
    return Delta(before=data.get("before"), after=data.get("after"),
                 delta=data.get("delta"), label=data.get("label"))


def _comparison(data: dict[str, Any]) -> Comparison:
    entry = data.get("entry_region") or {}
    return Comparison(
        assessment_id=data["assessment_id"],
        date=data["date"],
        headline={k: _delta(v) for k, v in data.get("headline", {}).items()},
        domains={k: _delta(v) for k, v in data.get("domains", {}).items()},
        items=dict(data.get("items", {})),
        entry_region_before=entry.get("before"),
        entry_region_after=entry.get("after"),
        phase_progress=data.get("phase_progress", "same"),
    )


def _plan(data: dict[str, Any]) -> Plan:
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
    """Rebuild the core's result object from what `result_to_json` stored."""
    change = data.get("change")
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
        functioning_index=data.get("functioning_index"),
        relational_health=data.get("relational_health"),
        relational_band=data.get("relational_band"),
        resilience=data.get("resilience"),
        strengths=tuple(data.get("strengths", ())),
        needs=tuple(data.get("needs", ())),
        entry_region=data.get("entry_region"),
        phase=data.get("phase", "maintain"),
        plan=_plan(data.get("plan") or {}),
        change=Change(previous=_comparison(change["previous"]), baseline=_comparison(change["baseline"]))
        if change else None,
        instrument_version=data["instrument_version"],  # every stored result names its version
        ratings=dict(data.get("ratings", {})),
        history={p: dict(r) for p, r in data.get("history", {}).items()},
        derived_adversity=dict(data.get("derived_adversity", {})),
    )
