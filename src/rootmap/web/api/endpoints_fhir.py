"""/api/v1/fhir: the instrument as FHIR R4 Questionnaires, a client as a Patient/$everything Bundle,
and a Bundle's QuestionnaireResponses imported as draft assessments.

The mapping is rootmap.interop.fhir (docs/fhir.md); this module only reads the client
through the same selector and audited export as the case-file endpoint, and imports
through the web's service (clients.fhir_services), which finds the Patient's client
among those the token's user may see, or creates it, and refuses with the problems of
`rootmap fhir import` (ClientInputError: 422 in the API's one error shape).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from rootmap.core.case import parse_case
from rootmap.instruments import available_versions, load_instrument
from rootmap.interop.fhir import bundle_from_case, questionnaire
from rootmap.web.access import client_for
from rootmap.web.accounts.models import User
from rootmap.web.api.auth import read_token, write_token
from rootmap.web.api.endpoints_clients import document_body
from rootmap.web.api.schemas import Id, body_of, responses
from rootmap.web.clients import services
from rootmap.web.clients.fhir_services import questionnaire_responses_import

router = Router(tags=["fhir"])


@router.get("/fhir/Questionnaire", response=responses(dict[str, Any]), auth=read_token,
            summary="Every instrument version as a FHIR R4 Questionnaire (a searchset Bundle)")
def questionnaires(request: HttpRequest) -> Any:
    entries = [questionnaire(load_instrument(version)) for version in available_versions()]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
            "entry": [{"fullUrl": q["url"] + "|" + q["version"], "resource": q, "search": {"mode": "match"}}
                      for q in entries]}


@router.get("/fhir/Patient/{int:client_id}/$everything", response=responses(dict[str, Any]), auth=read_token,
            summary="A client as a FHIR R4 Bundle: Patient, events, QuestionnaireResponses and score Observations")
def patient_everything(request: HttpRequest, client_id: int) -> Any:
    user = request.user
    client = client_for(user, client_id)
    case = services.case_file_export(client=client, user=user, request=request)  # type: ignore[arg-type]
    return bundle_from_case(parse_case(case), bundle_type="searchset", timestamp=timezone.now())


class FhirImportOut(Schema):
    client: Id
    reference: str
    created_client: bool
    drafts: list[Id]


@router.post("/fhir/Bundle", response=responses(FhirImportOut, 201), auth=write_token,
             openapi_extra=body_of("FhirBundle"),
             summary="Import a FHIR R4 Bundle (its Patient and QuestionnaireResponses) as draft assessments")
def bundle_import(request: HttpRequest) -> Any:
    """Each QuestionnaireResponse becomes a draft of the Patient's client (found by its
    identifier among the clients you may see, or created); a draft is finalised in the web.
    A lone QuestionnaireResponse is sent inside a Bundle with its Patient. Any problem
    saves nothing."""
    user: User = request.user  # type: ignore[assignment]
    imported = questionnaire_responses_import(user=user, bundle=document_body(request), request=request)
    return Status(201, {"client": imported.client.pk, "reference": imported.client.reference,
                        "created_client": imported.created_client, "drafts": [d.pk for d in imported.drafts]})
