"""Reads behind the plan page: the proposal a draft scores to now, and the clinician's plan.

A draft's proposal is worked out live through the core, like the finalise page's summary;
a signed assessment's comes from its stored result and its plan from the snapshot it was
signed with (decision 0023), so neither changes after signing.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from rootmap.core.case import CaseFileError, parse_case
from rootmap.core.clinician_plan import ClinicianPlan, PlanReview, review_plan
from rootmap.core.results import AssessmentResult, result_from_json
from rootmap.core.scoring import score_case
from rootmap.instruments import Instrument, load_instrument
from rootmap.instruments.catalogue import Catalogue, load_catalogue
from rootmap.web.assessments.case_files import signed_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import case_file_for_client

MAX_PROBLEMS_SHOWN = 10


@dataclass(frozen=True)
class PlanContext:
    instrument: Instrument
    catalogue: Catalogue
    result: AssessmentResult | None      # None: the draft cannot be scored yet
    problems: tuple[str, ...]            # why it cannot
    plan: ClinicianPlan | None
    review: PlanReview | None
    editable: bool


def draft_proposal(assessment: Assessment) -> tuple[AssessmentResult | None, tuple[str, ...]]:
    """The draft scored as it stands, leaving its plan out (the plan never changes the proposal,
    and a plan refused for its own reasons must not hide the proposal it is made against)."""
    case = case_file_for_client(assessment.client, extra_assessment=assessment)
    for data in case["assessments"]:
        if data["id"] == assessment.reference:
            data.pop("clinician_plan", None)
    try:
        parsed = parse_case(case)
    except CaseFileError as error:
        return None, tuple(str(p) for p in error.problems[:MAX_PROBLEMS_SHOWN])
    return score_case(parsed, assessment_id=assessment.reference), ()


def stored_plan(assessment: Assessment) -> ClinicianPlan | None:
    """The clinician's plan as signed (the snapshot), or as the draft holds it."""
    signed = signed_case(assessment)
    source = (next((a for a in signed["assessments"] if a.get("id") == assessment.reference), {})
              if signed is not None else assessment.inputs or {})
    data = source.get("clinician_plan")
    if not data:
        return None
    try:
        return ClinicianPlan.model_validate(data)
    except ValidationError:
        return None  # only the plan service writes it, validated; an old row would show as unreviewed


def plan_context(assessment: Assessment) -> PlanContext:
    final = assessment.status == Assessment.Status.FINAL
    if final and assessment.result:
        result: AssessmentResult | None = result_from_json(assessment.result)
        problems: tuple[str, ...] = ()
    else:
        result, problems = draft_proposal(assessment)
    plan = stored_plan(assessment)
    return PlanContext(
        instrument=load_instrument(assessment.instrument_version),
        catalogue=load_catalogue(assessment.instrument_version),
        result=result, problems=problems, plan=plan,
        review=review_plan(result.plan, plan) if result is not None else None,
        editable=not final,
    )
