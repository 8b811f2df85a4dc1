"""/api/v1/.../assessments: make a draft, set its fields, read it; results and plans.

The web's services do the work (rootmap.web.assessments.services): the same checks per
field against the instrument, the same optimistic locking as autosave (`revision`: a
stale one is 409, nothing saved), all fields of one request saved or none. Finalising
stays in the web, where the password is asked again. Results and plans are those stored
when the assessment was signed (read back by core's result_from_json), exactly what
`rootmap score --json` prints for the same case file.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from rootmap.core.problems import Problem
from rootmap.core.results import result_from_json  # core's round trip of the stored (signed) result
from rootmap.web.access import assessment_for, client_for
from rootmap.web.accounts.models import User
from rootmap.web.api.auth import read_token, write_token
from rootmap.web.api.endpoints_clients import InputRefused
from rootmap.web.api.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentSummaryOut,
    FieldsIn,
    PlanOut,
    ResultOut,
    responses,
)
from rootmap.web.assessments import selectors, services
from rootmap.web.assessments.errors import (
    AssessmentConflict,
    AssessmentLocked,
    DraftInvalid,
    FieldInvalid,
)
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.selectors import client_assessments

router = Router(tags=["assessments"])


class Conflict(Exception):
    """A stale revision, or a finalised assessment: 409, nothing saved."""


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def assessment_body(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk, "client": assessment.client_id, "reference": assessment.reference,
        "kind": assessment.kind, "date": assessment.date, "status": assessment.status,
        "revision": assessment.revision, "instrument_version": assessment.instrument_version,
        "amends": assessment.amends_id, "inputs": assessment.inputs or {},
        "interests": list(assessment.client.interests or []),
    }


@router.get("/clients/{int:client_id}/assessments", response=responses(list[AssessmentSummaryOut]),
            auth=read_token, summary="A client's assessments (drafts and superseded ones too), newest first")
def assessment_list(request: HttpRequest, client_id: int) -> Any:
    client = client_for(_user(request), client_id)
    assessments = client_assessments(client)
    audit_record(action="view", request=request, obj=client, detail={"page": "api assessments"})
    superseded = {a.amends_id for a in assessments if a.amends_id and a.status == Assessment.Status.FINAL}
    return [{"id": a.pk, "reference": a.reference, "kind": a.kind, "date": a.date, "status": a.status,
             "amends": a.amends_id, "superseded": a.pk in superseded} for a in assessments]


@router.post("/clients/{int:client_id}/assessments", response=responses(AssessmentOut, 201), auth=write_token,
             summary="Start a draft assessment (a follow-up needs a finalised full assessment before it)")
def assessment_create(request: HttpRequest, client_id: int, payload: AssessmentIn) -> Any:
    user = _user(request)
    client = client_for(user, client_id)
    try:
        assessment = services.assessment_create(client=client, kind=payload.kind, date=payload.date, user=user,
                                                request=request)
    except FieldInvalid as error:
        raise InputRefused([Problem(error.field, error.message, getattr(payload, error.field, None))]) from None
    return Status(201, assessment_body(assessment))


@router.get("/assessments/{int:assessment_id}", response=responses(AssessmentOut), auth=read_token,
            summary="An assessment: its entered values (inputs), status and revision")
def assessment_read(request: HttpRequest, assessment_id: int) -> Any:
    assessment = assessment_for(_user(request), assessment_id)
    audit_record(action="view", request=request, obj=assessment, detail={"page": "api assessment"})
    return assessment_body(assessment)


@router.patch("/assessments/{int:assessment_id}", response=responses(AssessmentOut), auth=write_token,
              summary="Set fields of a draft, as autosave does: all or none, at the revision you read")
def assessment_update(request: HttpRequest, assessment_id: int, payload: FieldsIn) -> Any:
    user = _user(request)
    assessment = assessment_for(user, assessment_id)
    if not payload.fields:
        raise InputRefused([Problem("fields", "nothing to save: give at least one field", {})])
    if len(payload.fields) > 500:
        raise InputRefused([Problem("fields", f"{len(payload.fields)} fields; at most 500 in one request")])
    try:
        saved = services.assessment_save_draft(assessment=assessment, user=user, values=payload.fields,
                                               revision=payload.revision, request=request)
    except DraftInvalid as error:
        raise InputRefused([Problem(f"fields.{field}", message, payload.fields.get(field))
                            for field, message in error.errors.items()]) from None
    except (AssessmentConflict, AssessmentLocked) as error:
        raise Conflict(str(error)) from None
    return assessment_body(saved)


def _signed(request: HttpRequest, assessment_id: int, page: str) -> tuple[Assessment, Any]:
    assessment = assessment_for(_user(request), assessment_id)
    if assessment.status != Assessment.Status.FINAL or not assessment.result:
        raise Conflict(f"{assessment.reference} is a draft: it has results once it is finalised "
                       "(in the web application, where the password is asked again)")
    context = selectors.results_context(assessment)
    audit_record(action="view", request=request, obj=assessment, detail={"page": page})
    return assessment, context


@router.get("/assessments/{int:assessment_id}/results", response=responses(ResultOut), auth=read_token,
            summary="The results of a finalised assessment, as signed (what `rootmap score --json` prints)")
def assessment_results(request: HttpRequest, assessment_id: int) -> Any:
    assessment, context = _signed(request, assessment_id, "api results")
    return {"assessment": assessment.pk, "reference": assessment.reference, "date": assessment.date,
            "kind": assessment.kind,
            "superseded_by": context.superseded_by.pk if context.superseded_by is not None else None,
            "result": result_from_json(assessment.result).to_dict()}


@router.get("/assessments/{int:assessment_id}/plan", response=responses(PlanOut), auth=read_token,
            summary="The sequenced plan of a finalised assessment, as signed")
def assessment_plan(request: HttpRequest, assessment_id: int) -> Any:
    assessment, _context = _signed(request, assessment_id, "api plan")
    result = result_from_json(assessment.result)
    return {"assessment": assessment.pk, "reference": assessment.reference, "phase": result.phase,
            "plan": result.plan.to_dict()}
