"""Assessments through the API: a draft, its fields at a revision (as autosave), results and plans."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from tests.web.api.fixtures import build_api_world, call

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    cache.clear()
    return build_api_world()


def test_a_draft_is_made_and_its_fields_saved_at_the_revision_read(world):
    secret = world.tokens["clinician-write"]
    made = call("POST", f"/api/v1/clients/{world.client.pk}/assessments", secret, {"kind": "er", "date": "2026-02-01"})
    assert made.status_code == 201, made.content
    draft = made.json()
    assert draft["status"] == "draft" and draft["revision"] == 0 and draft["reference"] == "A-10"

    path = f"/api/v1/assessments/{draft['id']}"
    saved = call("PATCH", path, secret, {"revision": 0, "fields": {"functioning.sleep": 2, "trigger": "loss"}})
    assert saved.status_code == 200, saved.content
    assert saved.json()["revision"] == 1
    assert saved.json()["inputs"]["functioning"]["sleep"] == 2 and saved.json()["inputs"]["trigger"] == "loss"

    # A second writer still at revision 0 changing something: 409, nothing saved.
    stale = call("PATCH", path, secret, {"revision": 0, "fields": {"functioning.sleep": 4}})
    assert stale.status_code == 409
    assert "revision 0" in stale.json()["detail"] and "stored one is 1" in stale.json()["detail"]
    assert Assessment.objects.get(pk=draft["id"]).inputs["functioning"]["sleep"] == 2

    # One bad field refuses the whole request, naming it with the value and what was expected.
    bad = call("PATCH", path, secret, {"revision": 1, "fields": {"functioning.sleep": 7, "trigger": "other"}})
    assert bad.status_code == 422
    problem = bad.json()["problems"][0]
    assert problem["path"] == "fields.functioning.sleep" and problem["value"] == 7
    assert "7 is above the maximum" in problem["message"]
    stored = Assessment.objects.get(pk=draft["id"])
    assert stored.inputs["trigger"] == "loss" and stored.revision == 1

    read = call("GET", path, world.tokens["clinician-read"]).json()
    assert read["revision"] == 1 and read["inputs"]["functioning"] == {"sleep": 2}
    entry = AuditEntry.objects.filter(object_type="assessment", object_id=str(draft["id"]), action="view").get()
    assert entry.detail["api_token"] == "clinician read token"


def test_a_follow_up_needs_a_full_assessment_and_a_future_date_is_refused(world):
    secret = world.tokens["colleague-write"]
    future = call("POST", f"/api/v1/clients/{world.colleague_client.pk}/assessments", secret,
                  {"kind": "full", "date": "2999-01-01"})
    assert future.status_code == 422
    assert future.json()["problems"][0]["path"] == "date"
    assert "in the future" in future.json()["problems"][0]["message"]
    wrong_kind = call("POST", f"/api/v1/clients/{world.colleague_client.pk}/assessments", secret,
                      {"kind": "annual", "date": "2025-01-01"})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["problems"][0]["path"] == "kind"


def test_a_finalised_assessment_never_changes_through_the_api(world):
    final = world.final(world.client)
    response = call("PATCH", f"/api/v1/assessments/{final.pk}", world.tokens["clinician-write"],
                    {"revision": final.revision, "fields": {"functioning.sleep": 0}})
    assert response.status_code == 409 and "finalised" in response.json()["detail"]
    assert Assessment.objects.get(pk=final.pk).inputs == final.inputs


def test_results_and_plan_are_the_signed_ones_the_command_line_computes(world, capsys):
    from rootmap.cli import main

    final = world.final(world.client)
    response = call("GET", f"/api/v1/assessments/{final.pk}/results", world.tokens["clinician-read"])
    assert response.status_code == 200, response.content
    assert main(["score", "--json", "--assessment", final.reference, "examples/school-age-foster.json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    assert response.json()["result"] == expected
    plan = call("GET", f"/api/v1/assessments/{final.pk}/plan", world.tokens["clinician-read"]).json()
    assert plan["plan"] == expected["plan"] and plan["phase"] == expected["phase"]
    draft = call("GET", f"/api/v1/assessments/{world.draft.pk}/results", world.tokens["clinician-read"])
    assert draft.status_code == 409 and "is a draft" in draft.json()["detail"]


def test_a_read_token_cannot_start_or_change_an_assessment(world):
    secret = world.tokens["clinician-read"]
    count = Assessment.objects.count()
    assert call("POST", f"/api/v1/clients/{world.client.pk}/assessments", secret,
                {"kind": "er", "date": "2026-02-01"}).status_code == 403
    assert call("PATCH", f"/api/v1/assessments/{world.draft.pk}", secret,
                {"revision": 0, "fields": {"functioning.sleep": 1}}).status_code == 403
    assert Assessment.objects.count() == count
    assert Assessment.objects.get(pk=world.draft.pk).revision == 0
