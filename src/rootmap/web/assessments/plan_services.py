"""The one write of the plan page: save the clinician's plan of a draft, all of it or nothing.

Like every assessment write it locks the row, refuses a finalised assessment (a signed
plan changes only by amendment) and a stale page (optimistic locking), checks every field
inside the transaction against the proposal the draft scores to now, and records its
audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from rootmap.instruments.catalogue import load_catalogue
from rootmap.web.assessments.errors import AssessmentConflict, DraftInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.plan_selectors import draft_proposal
from rootmap.web.assessments.plan_validation import checked_plan
from rootmap.web.assessments.selectors import instrument_of
from rootmap.web.assessments.services import lock_draft
from rootmap.web.audit.services import audit_record


def _counts(plan: Mapping[str, Any]) -> dict[str, int]:
    decisions = [d["decision"] for d in (plan.get("decisions") or {}).values()]
    return {verb: decisions.count(verb) for verb in ("accept", "edit", "decline")} | {
        "added": len(plan.get("added") or [])}


def assessment_plan_save(
    *, assessment: Assessment, user: Any, values: Mapping[str, str], revision: int | None,
    request: HttpRequest | None = None,
) -> Assessment:
    """Save the plan page's form. Raises DraftInvalid (errors by field; nothing saved),
    AssessmentConflict (stale page) or AssessmentLocked (finalised)."""
    with transaction.atomic():
        locked = lock_draft(assessment)
        if revision is None or int(revision) != locked.revision:
            raise AssessmentConflict(
                "Not saved: this assessment was changed elsewhere after this page was opened "
                f"(your page has revision {revision}, the stored one is {locked.revision}). "
                "Your entries are still on the page; reload to see the other changes.")
        result, _problems = draft_proposal(locked)
        proposed = frozenset(r.id for p in result.plan.phases for r in p.recommendations) if result else frozenset()
        plan, errors = checked_plan(values, catalogue=load_catalogue(instrument_of(locked).version),
                                    assessment_date=locked.date, proposed=proposed)
        if errors or plan is None:
            raise DraftInvalid(errors)
        stored = plan.model_dump(mode="json", exclude_none=True)
        before = (locked.inputs or {}).get("clinician_plan")
        if plan.is_empty:
            if before is None:
                return locked
            locked.inputs.pop("clinician_plan", None)
        else:
            if before == stored:
                return locked
            locked.inputs["clinician_plan"] = stored
        locked.revision += 1
        locked.save(update_fields=["inputs", "revision", "updated_at"])
        audit_record(action="change", request=request, user=user, obj=locked,
                     detail={"field": "clinician_plan", **_counts(stored if not plan.is_empty else {})})
    return locked
