"""A FHIR Bundle into the web: its QuestionnaireResponses become drafts, checked as the pages check."""

from __future__ import annotations

import pytest

from rootmap.core.case import parse_case
from rootmap.interop.fhir import bundle_from_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.fhir_services import questionnaire_responses_import
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError, case_file_import
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example


def bundle_of(name: str) -> dict:
    return bundle_from_case(parse_case(example(name)))


def test_a_bundle_creates_the_client_and_a_draft_holding_every_rating(org, clinician):
    data = example("toddler-kinship.json")
    done = questionnaire_responses_import(user=clinician, bundle=bundle_of("toddler-kinship.json"))
    assert done.created_client
    client = Client.objects.get(reference="C-0101")
    assert (client.birth_date.isoformat(), client.interests) == (data["client"]["birth_date"], data["interests"])
    assert len(client.events) == len(data["events"])
    assert list(client.clinicians.all()) == [clinician]
    [draft] = Assessment.objects.filter(client=client)
    assert (draft.status, draft.kind, draft.date.isoformat()) == ("draft", "full", data["assessments"][0]["date"])
    wanted = data["assessments"][0]
    assert {k: v for k, v in draft.inputs["functioning"].items() if v is not None} == {
        k: v for k, v in wanted["functioning"].items() if v is not None}
    # The file's free-text roles are read as the list's roles, their words kept (decision 0024).
    assert [(i["role"], i["description"]) for i in draft.inputs["informants"]] == [
        ("caregiver", ""), ("caseworker", ""), ("teacher", "educator"), ("youth", "child")]
    assert AuditEntry.objects.filter(action="import", client_id=client.pk).get().detail == {
        "format": "fhir", "drafts": 1, "client_created": True}


def test_a_follow_up_needs_a_finalised_full_so_nothing_is_saved(org, clinician):
    with pytest.raises(ClientInputError) as refused:
        questionnaire_responses_import(user=clinician, bundle=bundle_of("school-age-foster.json"))
    assert [p.path for p in refused.value.problems] == ["assessments[1].kind", "assessments[2].kind"]
    assert not Client.objects.exists() and not Assessment.objects.exists()


def test_a_client_the_user_carries_gets_the_drafts_and_a_colleagues_is_not_reached(org, clinician, colleague):
    case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    done = questionnaire_responses_import(user=clinician, bundle=bundle_of("school-age-foster.json"))
    assert not done.created_client and len(done.drafts) == 3
    with pytest.raises(ClientInputError) as refused:
        questionnaire_responses_import(user=colleague, bundle=bundle_of("school-age-foster.json"))
    assert str(refused.value) == "reference: C-0102 is already used by another client"
    assert Assessment.objects.filter(status="draft").count() == 3


def test_a_different_birth_date_is_not_the_same_child(org, clinician):
    case_file_import(organisation=org, user=clinician, data=example("toddler-kinship.json"))
    data = example("toddler-kinship.json")
    data["client"]["birth_date"] = "2023-03-15"
    with pytest.raises(ClientInputError) as refused:
        questionnaire_responses_import(user=clinician, bundle=bundle_from_case(parse_case(data)))
    assert str(refused.value).startswith("client.birth_date: 2023-03-15 (the Patient's birthDate) is not the birth")
