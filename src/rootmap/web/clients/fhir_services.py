"""FHIR into the web: each QuestionnaireResponse of a Bundle becomes a draft assessment.

A response from another system has not been signed in Rootmap, so it is a draft the
clinician reviews and finalises (with the password, in the web). The Patient's client is
the one with that client id among those the user may see; when the organisation has no
such client it is created (client_create, with the Patient's interests and events). The
drafts are made and filled by the assessment services (assessment_create, row add,
assessment_save_draft): the same checks as the pages, an audit entry for each, and one
`import` entry; any problem saves nothing.

Export is `rootmap.interop.fhir.bundle_from_case(case_file_for(client))`, audited as the
case-file export (clients.services.case_file_export).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from rootmap.core.case import CaseFile, ratings_of
from rootmap.core.problems import CaseFileError, Problem
from rootmap.interop.fhir import case_from_bundle
from rootmap.web.access import clients_visible_to
from rootmap.web.accounts.models import User
from rootmap.web.assessments.errors import AssessmentError, DraftInvalid, FieldInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create, assessment_row_add, assessment_save_draft
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError, client_create, client_events_update


@dataclass(frozen=True)
class FhirImport:
    client: Client
    created_client: bool
    drafts: list[Assessment]


def _values(assessment: Any) -> dict[str, Any]:
    """The assessment's ratings as the draft fields of the assessment pages (case-file paths)."""
    values: dict[str, Any] = {}
    if assessment.trigger is not None:
        values["trigger"] = assessment.trigger
    if assessment.history is not None:
        for period, ratings in ratings_of(assessment.history).items():
            for scale, value in ({} if ratings is None else ratings_of(ratings)).items():
                if value is not None:
                    values[f"history.{period}.{scale}"] = value
    for section in ("functioning", "relational"):
        for item, value in ratings_of(getattr(assessment, section)).items():
            if value is not None:
                values[f"{section}.{item}"] = value
    for section, rows in (("informants", assessment.informants), ("documents", assessment.documents)):
        for n, row in enumerate(rows):
            for key, value in row.model_dump(mode="json").items():
                if value not in (None, ""):
                    values[f"{section}.{n}.{key}"] = value
    return values


def _client(user: User, case: CaseFile, request: HttpRequest | None) -> tuple[Client, bool]:
    found = clients_visible_to(user).filter(reference=case.client.id).first()
    if found is not None:
        if found.birth_date != case.client.birth_date:
            given = case.client.birth_date.isoformat()
            raise ClientInputError([Problem(
                "client.birth_date", f"{given} (the Patient's birthDate) is not the birth date "
                f"{found.birth_date} of client {found.reference}; expected the same child", given)])
        return found, False
    assert user.organisation is not None
    client = client_create(organisation=user.organisation, user=user, reference=case.client.id,
                           display_name=case.client.display_name or case.client.id,
                           birth_date=case.client.birth_date, interests=case.interests, request=request)
    if case.events:
        client_events_update(client=client, user=user, events=[e.model_dump(mode="json") for e in case.events],
                             request=request)
    return client, True


def questionnaire_responses_import(*, user: User, bundle: Any, request: HttpRequest | None = None) -> FhirImport:
    """Drafts from a Bundle's QuestionnaireResponses. Raises ClientInputError naming every problem."""
    if user.organisation is None:
        raise ClientInputError([Problem("user", "belongs to no organisation; expected a member of one")])
    try:
        case = case_from_bundle(bundle)
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None
    with transaction.atomic():
        client, created = _client(user, case, request)
        drafts: list[Assessment] = []
        problems: list[Problem] = []
        for n, parsed in enumerate(case.assessments):
            here = f"assessments[{n}]"
            try:
                draft = assessment_create(client=client, kind=parsed.kind, date=parsed.date, user=user,
                                          request=request)
                for section, rows in (("informants", parsed.informants), ("documents", parsed.documents)):
                    for _ in rows:
                        draft = assessment_row_add(assessment=draft, user=user, section=section,
                                                   revision=draft.revision, request=request)
                draft = assessment_save_draft(assessment=draft, user=user, values=_values(parsed),
                                              revision=draft.revision, request=request)
            except FieldInvalid as error:
                problems.append(Problem(f"{here}.{error.field}", error.message))
            except DraftInvalid as error:
                problems += [Problem(f"{here}.{field}", message) for field, message in error.errors.items()]
            except AssessmentError as error:
                problems.append(Problem(here, str(error)))
            else:
                drafts.append(draft)
        if problems:
            transaction.set_rollback(True)
            raise ClientInputError(problems)
        audit_record(action="import", request=request, user=user, obj=client,
                     detail={"format": "fhir", "drafts": len(drafts), "client_created": created})
    return FhirImport(client, created, drafts)
