"""/api/v1/fhir: the instrument as FHIR R4 Questionnaires, a client as a Patient/$everything Bundle.

The mapping is rootmap.interop.fhir (docs/fhir.md); this module only reads the client
through the same selector and audited export as the case-file endpoint.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from rootmap.core.case import parse_case
from rootmap.instruments import available_versions, load_instrument
from rootmap.interop.fhir import bundle_from_case, questionnaire
from rootmap.web.access import client_for
from rootmap.web.api.auth import read_token
from rootmap.web.api.schemas import responses
from rootmap.web.clients import services

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
