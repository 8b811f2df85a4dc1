"""POST /api/v1/fhir/Bundle: a Bundle's QuestionnaireResponses come back as draft assessments.

The round trip is the one an EHR makes: one clinician's client leaves as a
Patient/$everything Bundle and arrives, under a new client id, as another clinician's
client, each assessment a draft whose ratings are the original case file's (read here from
the example file itself, not from the code under test).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.core.cache import cache

from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.api.fixtures import build_api_world, call, full_assessment_only
from tests.web.security_fixtures import example

pytestmark = pytest.mark.django_db

PATH = "/api/v1/fhir/Bundle"


@pytest.fixture
def world():
    cache.clear()
    yield build_api_world()
    cache.clear()


def _everything(world: Any, client: Client, token: str = "clinician-read") -> dict[str, Any]:
    response = call("GET", f"/api/v1/fhir/Patient/{client.pk}/$everything", world.tokens[token])
    assert response.status_code == 200, response.content
    return response.json()


def _with_reference(bundle: dict[str, Any], reference: str) -> dict[str, Any]:
    bundle = copy.deepcopy(bundle)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"][0]["value"] = reference
    return bundle


def _ratings(inputs: dict[str, Any]) -> dict[str, Any]:
    """Every rating given, as case-file paths (unrated ones left out: a draft stores none)."""
    found = {f"{section}.{item}": value for section in ("functioning", "relational")
             for item, value in (inputs.get(section) or {}).items() if value is not None}
    for period, scales in (inputs.get("history") or {}).items():
        found |= {f"history.{period}.{scale}": value for scale, value in (scales or {}).items() if value is not None}
    return found


def test_an_exported_client_comes_back_as_another_clinicians_drafts_with_the_same_ratings(world):
    bundle = _with_reference(full_assessment_only(_everything(world, world.client)), "C-EHR-1")
    before = Assessment.objects.count()
    response = call("POST", PATH, world.tokens["colleague-write"], bundle)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "C-EHR-1" and body["created_client"] is True
    client = Client.objects.get(pk=body["client"])
    assert list(client.clinicians.values_list("username", flat=True)) == ["colin"]
    assert client.birth_date.isoformat() == "2015-11-08"
    drafts = list(Assessment.objects.filter(pk__in=body["drafts"]).order_by("date"))
    assert len(drafts) == 1 and Assessment.objects.count() == before + 1
    assert {d.status for d in drafts} == {"draft"} and {d.client_id for d in drafts} == {client.pk}
    original = sorted(example("school-age-foster.json")["assessments"], key=lambda a: a["date"])[:1]
    for draft, source in zip(drafts, original, strict=True):
        assert (draft.kind, draft.date.isoformat()) == (source["kind"], source["date"])
        assert _ratings(draft.inputs) == _ratings(source)
        assert draft.inputs.get("trigger") == source.get("trigger")
    assert _ratings(drafts[0].inputs)["functioning.fine_motor"] == 5  # the example's own value
    entry = AuditEntry.objects.filter(action="import", client_id=client.pk).get()
    assert entry.detail["format"] == "fhir" and entry.detail["drafts"] == 1
    assert entry.detail["api_token"] == "colleague write token"


def test_a_bundle_for_a_client_already_seen_adds_drafts_to_it(world):
    bundle = _everything(world, world.client)
    finals = Assessment.objects.filter(client=world.client).count()
    response = call("POST", PATH, world.tokens["clinician-write"], bundle)
    assert response.status_code == 201, response.content
    assert response.json()["client"] == world.client.pk and response.json()["created_client"] is False
    assert Assessment.objects.filter(client=world.client).count() == finals + 3
    original = sorted(example("school-age-foster.json")["assessments"], key=lambda a: a["date"])
    drafts = Assessment.objects.filter(pk__in=response.json()["drafts"]).order_by("date")
    assert [(d.kind, _ratings(d.inputs)) for d in drafts] == [(a["kind"], _ratings(a)) for a in original]


def test_a_malformed_bundle_is_422_naming_the_path_and_saves_nothing(world):
    bundle = _with_reference(_everything(world, world.client), "C-EHR-2")
    patient_at = next(n for n, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Patient")
    bundle["entry"][patient_at]["resource"]["birthDate"] = "2015-13-45"
    before = (Client.objects.count(), Assessment.objects.count(), AuditEntry.objects.count())
    response = call("POST", PATH, world.tokens["colleague-write"], bundle)
    assert response.status_code == 422, response.content
    problems = response.json()["problems"]
    assert any(p["path"] == f"entry[{patient_at}].resource.birthDate" and p["value"] == "2015-13-45"
               for p in problems), problems
    assert all(p["text"] == f"{p['path']}: {p['message']}" for p in problems)
    assert (Client.objects.count(), Assessment.objects.count(), AuditEntry.objects.count()) == before


def test_not_a_bundle_and_not_json_are_refused_in_the_api_shape(world):
    lone = next(e["resource"] for e in _everything(world, world.client)["entry"]
                if e["resource"]["resourceType"] == "QuestionnaireResponse")
    response = call("POST", PATH, world.tokens["clinician-write"], lone)
    assert response.status_code == 422
    assert response.json()["problems"][0]["path"] == "resourceType"
    assert response.json()["problems"][0]["value"] == "QuestionnaireResponse"
    broken = call("POST", PATH, world.tokens["clinician-write"], raw=b"{not json")
    assert broken.status_code == 400 and broken.json()["problems"]


def test_a_read_token_is_403_and_saves_nothing(world):
    bundle = _with_reference(_everything(world, world.client), "C-EHR-3")
    before = (Client.objects.count(), Assessment.objects.count())
    response = call("POST", PATH, world.tokens["clinician-read"], bundle)
    assert response.status_code == 403
    assert "write scope" in response.json()["detail"]
    assert (Client.objects.count(), Assessment.objects.count()) == before
