"""The glue between stored assessments and the scoring core.

The web layer never re-implements a formula: it builds the client's case file (the
portable JSON format of `docs`/case-file.md) from the database and hands it to
`rootmap.core`. Stored results are the core's `to_dict()` output plus the few extra
fields (ratings after carry-forward, age, ...) that the renderers need, so that a
results page can rebuild an `AssessmentResult` without scoring again.

>>> case = case_file_for_client(client)                       # finalised assessments only
>>> result = score_client_assessment(draft)                   # scores a draft in context
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
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
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client

CASE_FORMAT = "rootmap-case/1"
INPUT_KEYS = ("history", "functioning", "relational", "trigger", "informants", "documents")


def current_assessments(client: Client) -> list[Assessment]:
    """The client's finalised assessments that no finalised amendment replaces, oldest first.

    One query, whatever the number of assessments.
    """
    return list(
        Assessment.objects.filter(client=client, status=Assessment.Status.FINAL)
        .exclude(amendments__status=Assessment.Status.FINAL)
        .order_by("date", "id")
    )


def assessment_case_dict(assessment: Assessment) -> dict[str, Any]:
    """One assessment in the case-file format (history is left out for `er`)."""
    inputs = assessment.inputs or {}
    data: dict[str, Any] = {
        "id": assessment.reference,
        "kind": assessment.kind,
        "date": assessment.date.isoformat(),
        "instrument_version": assessment.instrument_version,
    }
    for key in INPUT_KEYS:
        if key == "history" and assessment.kind == Assessment.Kind.ER:
            continue
        if key in ("informants", "documents"):
            # A row left completely empty carries nothing: leave it out of the file.
            data[key] = [row for row in inputs.get(key) or [] if any(v not in (None, "") for v in row.values())]
        elif key in inputs:
            data[key] = inputs[key]
    if assessment.kind != Assessment.Kind.ER:
        data.setdefault("history", {})
    if assessment.undetermined_reason:
        data["undetermined_reason"] = assessment.undetermined_reason
    return data


def _ordered_with(
    assessments: Iterable[Assessment], extra: Assessment | None
) -> list[Assessment]:
    chosen = list(assessments)
    if extra is not None:
        # A draft amendment stands in for what it amends; a finalised one is already there.
        chosen = [a for a in chosen if a.pk != extra.pk and a.pk != extra.amends_id]
        chosen.append(extra)
    # Oldest first; on the same date, the order they were made in (a new draft last).
    return sorted(chosen, key=lambda a: (a.date, a.pk if a.pk is not None else float("inf")))


def case_file_for_client(
    client: Client,
    *,
    extra_assessment: Assessment | None = None,
    assessments: Iterable[Assessment] | None = None,
) -> dict[str, Any]:
    """The client's case file: the client, its current finalised assessments oldest first,
    and optionally one more (a draft being validated or scored) in its place by date.

    `assessments` lets a caller that already holds `current_assessments(client)` avoid a query.
    """
    current = current_assessments(client) if assessments is None else assessments
    return {
        "format": CASE_FORMAT,
        "client": {
            "id": client.reference,
            "birth_date": client.birth_date.isoformat(),
            "display_name": client.display_name,
        },
        "interests": list(client.interests or []),
        "events": list(client.events or []),
        "assessments": [assessment_case_dict(a) for a in _ordered_with(current, extra_assessment)],
    }


def frozen_case(case: dict[str, Any], reference: str) -> dict[str, Any]:
    """The case file as signed: `case` cut after the assessment `reference` (what scored it).

    A deep copy, so nothing that later edits the live dicts can reach the stored snapshot.
    """
    ids = [a["id"] for a in case["assessments"]]
    kept = case["assessments"][: ids.index(reference) + 1]
    return copy.deepcopy({**case, "assessments": kept})


def signed_case(assessment: Assessment) -> dict[str, Any] | None:
    """The case file a finalised assessment was signed with; None for a draft, and for
    assessments finalised before snapshots were kept (their pages read the live client)."""
    if assessment.status != Assessment.Status.FINAL or not assessment.snapshot:
        return None
    return assessment.snapshot


def canonical_sha256(data: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8): the same on every database,
    so `rootmap audit` readers can check a stored result against its finalise entry."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def score_client_assessment(assessment: Assessment) -> AssessmentResult:
    """Score one assessment (draft or final) in the context of the client's case file.

    Raises rootmap.core.case.CaseFileError when the inputs are not valid.
    """
    from rootmap.core.case import parse_case
    from rootmap.core.scoring import score_case

    case = parse_case(case_file_for_client(assessment.client, extra_assessment=assessment))
    return score_case(case, assessment_id=assessment.reference)


# --- Stored results -------------------------------------------------------------------

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
        instrument_version=data.get("instrument_version", "1"),
        ratings=dict(data.get("ratings", {})),
        history={p: dict(r) for p, r in data.get("history", {}).items()},
        derived_adversity=dict(data.get("derived_adversity", {})),
    )
