"""The REST API as an integration uses it: tokens, scopes, limits, audit, and each resource."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from rootmap.web.api.models import ApiToken
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.api.fixtures import CHALLENGE, COLLEAGUE_MARKERS, FOREIGN_MARKERS, build_api_world, call
from tests.web.security_fixtures import PASSWORD, example

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    return build_api_world()


# --- Tokens ----------------------------------------------------------------------------------

def test_only_the_tokens_sha256_is_stored(world):
    secret = world.tokens["clinician-read"]
    stored = ApiToken.objects.get(name="clinician read token")
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    every_value = json.dumps(list(ApiToken.objects.values()), default=str)
    assert secret not in every_value and secret[10:] not in every_value


def test_a_token_works_until_revoked_or_expired_or_its_user_is_switched_off(world):
    secret = world.tokens["clinician-read"]
    assert call("GET", "/api/v1/clients", secret).status_code == 200
    token = ApiToken.objects.get(name="clinician read token")
    assert token.last_used_at is not None

    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert call("GET", "/api/v1/clients", secret).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert call("GET", "/api/v1/clients", secret).status_code == 200

    world.clinician.is_active = False
    world.clinician.save()
    assert call("GET", "/api/v1/clients", secret).status_code == 401
    world.clinician.is_active = True
    world.clinician.save()

    from rootmap.web.api.tokens import token_revoke

    token_revoke(token=token, user=world.clinician)
    response = call("GET", "/api/v1/clients", secret)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert call("GET", "/api/v1/clients", None).status_code == 401
    assert call("GET", "/api/v1/clients", "rm_" + "x" * 43).status_code == 401


def test_a_read_token_is_refused_every_write_and_nothing_changes(world):
    secret = world.tokens["clinician-read"]
    before = world.client.display_name
    response = call("PATCH", f"/api/v1/clients/{world.client.pk}", secret, {"display_name": "Changed"})
    assert response.status_code == 403
    assert "write scope" in response.json()["detail"]
    assert Client.objects.get(pk=world.client.pk).display_name == before
    assert call("POST", "/api/v1/clients", secret, {"reference": "N-1", "display_name": "New",
                                                    "birth_date": "2019-01-01"}).status_code == 403
    assert not Client.objects.filter(reference="N-1").exists()
    # Scoring stores nothing: a read token may.
    assert call("POST", "/api/v1/score", secret, example("school-age-foster.json")).status_code == 200


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=3)
def test_retry_after_is_the_seconds_left_in_the_minute(world):
    from rootmap.web.api.auth import RateLimited, count_request
    from rootmap.web.api.models import ApiToken

    token = ApiToken.objects.filter(user__username="cleo").first()
    assert token is not None
    now = 60 * 29_000_000 + 45.5  # 45.5 s into a minute: 60 - 45 = 15 s to the next one
    for _ in range(3):
        count_request(token, now=now)
    with pytest.raises(RateLimited) as refused:
        count_request(token, now=now)
    assert refused.value.retry_after == 15
    count_request(token, now=now + 15)  # the next minute counts afresh


@override_settings(ROOTMAP_API_RATE_PER_MINUTE=3)
def test_a_token_past_its_rate_gets_429_with_retry_after_and_others_are_not_slowed(world, monkeypatch):
    # The count is per clock minute: the five calls must fall in one (a loaded CI run's
    # crossed a minute's end, and the fifth was a new minute's first, answered 200).
    from rootmap.web.api import auth

    monkeypatch.setattr(auth, "time", SimpleNamespace(time=lambda: 1_800_000_015.0))  # 15 s into a minute
    secret = world.tokens["clinician-read"]
    statuses = [call("GET", "/api/v1/clients", secret).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = call("GET", "/api/v1/clients", secret)
    assert int(limited["Retry-After"]) == 45
    assert "at most 3 a minute" in limited.json()["detail"]
    assert call("GET", "/api/v1/clients", world.tokens["colleague-read"]).status_code == 200


def test_command_line_prints_the_token_alone_and_it_works(world, capsys):
    from rootmap.cli import main

    status = main(["token", "create", "--user", "cleo", "--scope", "read", "--expires", "7", "--name", "EHR"])
    out, err = capsys.readouterr()
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rm_")
    assert "shown only now" in err
    token = ApiToken.objects.get(name="EHR")
    assert token.scope == "read" and token.user == world.clinician
    assert (token.expires_at - timezone.now()).days in (6, 7)
    assert call("GET", "/api/v1/clients", lines[0]).status_code == 200
    entry = AuditEntry.objects.filter(object_type="apitoken", object_id=str(token.pk)).get()
    assert entry.detail["for_user"] == "cleo" and entry.detail["via"] == "command line"


def test_command_line_refuses_an_unknown_user_and_a_bad_scope(world, capsys):
    from rootmap.cli import main

    assert main(["token", "create", "--user", "nobody", "--scope", "read"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no user named 'nobody'" in err
    with pytest.raises(SystemExit):
        main(["token", "create", "--user", "cleo", "--scope", "admin"])


def test_token_page_shows_a_new_token_once_and_lists_and_revokes(world):
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(world.clinician)
    made = browser.post("/account/api-tokens/", {"name": "Spreadsheet", "scope": "write", "expires": "30",
                                                 "password": PASSWORD})
    assert made.status_code == 200
    token = ApiToken.objects.get(name="Spreadsheet")
    secret = made.context["issued"].secret
    assert secret in made.content.decode()
    assert call("GET", "/api/v1/clients", secret).status_code == 200
    listing = browser.get("/account/api-tokens/").content.decode()
    assert "Spreadsheet" in listing and secret not in listing and token.prefix in listing
    assert "clinician read token" in listing and "colleague read token" not in listing
    revoked = browser.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert call("GET", "/api/v1/clients", secret).status_code == 401
    other = ApiToken.objects.get(name="colleague read token")
    assert browser.post(f"/account/api-tokens/{other.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=other.pk).revoked_at is None


@pytest.mark.parametrize("password", ["", "not the password"])
def test_an_open_session_alone_cannot_make_a_token(world, password):
    # A token outlives the session and needs no second factor: a borrowed laptop or a
    # stolen cookie must not be enough to mint one that never expires.
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(world.clinician)
    response = browser.post("/account/api-tokens/", {"name": "Backdoor", "scope": "write", "expires": "",
                                                     "password": password})
    assert response.status_code == 422 and "password" in response.context["form"].errors
    assert not ApiToken.objects.filter(name="Backdoor").exists()
    if password:  # the typed password is never shown back
        assert password not in response.content.decode()


def test_token_page_names_a_bad_field(world):
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(world.clinician)
    response = browser.post("/account/api-tokens/", {"name": "", "scope": "everything", "expires": "0",
                                                     "password": PASSWORD})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "scope", "expires"}
    assert not ApiToken.objects.filter(user=world.clinician, scope="everything").exists()


@pytest.mark.parametrize(("name", "words"), [("\u200b\u200b", "no visible character"),
                                           ("EHR \u202e sync", "direction control (U+202E)")])
def test_a_token_name_the_audit_log_could_not_show_is_refused(world, name, words):
    # The audit log names every record a token reads by its name: an invisible name made
    # those reads look unattributed, and U+202E reversed the rest of the entry's detail.
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(world.clinician)
    response = browser.post("/account/api-tokens/", {"name": name, "scope": "read", "expires": "30",
                                                     "password": PASSWORD})
    assert response.status_code == 422
    assert words in " ".join(response.context["form"].errors["name"])
    assert not ApiToken.objects.filter(name=name).exists()


# --- Audit -----------------------------------------------------------------------------------

def test_every_read_of_a_client_record_is_audited_with_the_tokens_name(world):
    secret = world.tokens["clinician-read"]
    for path in (f"/api/v1/clients/{world.client.pk}", f"/api/v1/clients/{world.client.pk}/case-file"):
        before = AuditEntry.objects.count()
        assert call("GET", path, secret).status_code == 200
        entry = AuditEntry.objects.order_by("-id").first()
        assert AuditEntry.objects.count() == before + 1
        assert entry.client_id == world.client.pk and entry.actor_id == world.clinician.pk
        assert entry.detail["api_token"] == "clinician read token" and entry.detail["via"] == "api"


# --- Clients ---------------------------------------------------------------------------------

def test_client_list_is_the_caseload_with_filters(world):
    mine = call("GET", "/api/v1/clients", world.tokens["clinician-read"]).json()
    assert {r["reference"] for r in mine["results"]} == {world.client.reference}
    everyone = call("GET", "/api/v1/clients", world.tokens["supervisor-read"]).json()
    assert {r["reference"] for r in everyone["results"]} == {world.client.reference, "W-0777"}
    assert everyone["count"] == 2 and everyone["next_page"] is None
    found = call("GET", "/api/v1/clients?q=wren", world.tokens["supervisor-read"]).json()
    assert [r["reference"] for r in found["results"]] == ["W-0777"]
    none = call("GET", "/api/v1/clients?phase=unassessed", world.tokens["supervisor-read"]).json()
    assert none["results"] == []


def test_client_create_and_update_check_what_the_web_form_checks(world):
    secret = world.tokens["clinician-write"]
    made = call("POST", "/api/v1/clients", secret,
                {"reference": "C-9", "display_name": "Noor", "birth_date": "2018-05-01", "interests": ["music"]})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["clinicians"][0]["username"] == "cleo" and body["interests"] == ["music"]
    taken = call("POST", "/api/v1/clients", secret,
                 {"reference": "C-9", "display_name": "Other", "birth_date": "2018-05-01"})
    assert taken.status_code == 422
    assert taken.json()["problems"][0]["path"] == "reference"
    assert "already used" in taken.json()["problems"][0]["message"]
    bad = call("POST", "/api/v1/clients", secret, {"reference": "C-10", "display_name": "X", "birth_date": "soon"})
    assert bad.status_code == 422
    problem = bad.json()["problems"][0]
    assert problem["path"] == "birth_date" and problem["value"] == "soon"
    assert "YYYY-MM-DD" in problem["message"]
    changed = call("PATCH", f"/api/v1/clients/{body['id']}", secret, {"display_name": "Noor B."})
    assert changed.status_code == 200 and changed.json()["display_name"] == "Noor B."
    assert changed.json()["reference"] == "C-9"
    assigning = call("PATCH", f"/api/v1/clients/{body['id']}", secret, {"clinicians": ["colin"]})
    assert assigning.status_code == 422 and assigning.json()["problems"][0]["path"] == "clinicians"


def test_import_refuses_a_bad_case_file_with_the_command_lines_lines(world, tmp_path, capsys):
    from rootmap.cli import main

    data = example("school-age-foster.json")
    data["client"]["id"] = "C-NEW"
    data["assessments"][0]["functioning"]["sleep"] = 7
    response = call("POST", "/api/v1/clients/import", world.tokens["clinician-write"], data)
    assert response.status_code == 422
    api_lines = [p["text"] for p in response.json()["problems"]]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    assert main(["score", str(path)]) == 2
    cli_lines = [line.removeprefix(f"{path}: ") for line in capsys.readouterr().err.splitlines()]
    assert api_lines == cli_lines
    assert "assessments[0].functioning.sleep: 7 is above the maximum 5" in api_lines
    assert response.json()["problems"][0]["value"] == 7
    assert not Client.objects.filter(reference="C-NEW").exists()


def test_import_makes_a_client_whose_case_file_reads_back(world):
    data = example("toddler-kinship.json")
    data["client"]["id"] = "C-IMP"
    made = call("POST", "/api/v1/clients/import", world.tokens["clinician-write"], data)
    assert made.status_code == 201, made.content
    case = call("GET", f"/api/v1/clients/{made.json()['id']}/case-file", world.tokens["clinician-read"]).json()
    assert case["client"]["id"] == "C-IMP"
    assert [a["id"] for a in case["assessments"]] == [a["id"] for a in data["assessments"]]


def test_a_body_that_is_not_json_is_400_naming_it(world):
    response = call("POST", "/api/v1/score", world.tokens["clinician-read"], raw=b"{not json")
    assert response.status_code == 400
    assert response.json()["problems"][0]["path"] == "$"
    assert "not valid JSON" in response.json()["problems"][0]["message"]


# --- Score -----------------------------------------------------------------------------------

def test_score_answers_what_the_command_line_prints_and_stores_nothing(world, tmp_path, capsys):
    from rootmap.cli import main

    counts = (Client.objects.count(), AuditEntry.objects.count())
    for name in ("school-age-foster.json", "foster-household.json"):
        response = call("POST", "/api/v1/score", world.tokens["clinician-read"], example(name))
        assert response.status_code == 200
        assert main(["score", "--json", f"examples/{name}"]) == 0
        assert response.json() == json.loads(capsys.readouterr().out)
    assert (Client.objects.count(), AuditEntry.objects.count()) == counts
    earlier = call("POST", "/api/v1/score?assessment=nope", world.tokens["clinician-read"],
                   example("school-age-foster.json"))
    assert earlier.status_code == 422 and earlier.json()["problems"][0]["path"] == "assessment"


# --- Households ------------------------------------------------------------------------------

def test_a_household_shows_a_colleagues_child_without_name_or_ratings(world):
    body = call("GET", f"/api/v1/households/{world.household.pk}", world.tokens["clinician-read"]).json()
    text = json.dumps(body)
    for marker in COLLEAGUE_MARKERS + FOREIGN_MARKERS:
        assert marker not in text
    mine, theirs = body["children"]
    assert mine["seen"] and mine["client"] == world.client.pk and mine["challenge"]["behavioural"] == 3
    assert not theirs["seen"] and theirs["client"] is None and theirs["challenge"] is None
    assert theirs["label"].startswith("A child, age ")
    assert body["estimate_now"]["reserve"] is not None
    entries = AuditEntry.objects.filter(object_type="household", object_id=str(world.household.pk))
    assert {e.client_id for e in entries} == {world.client.pk, world.colleague_client.pk}
    assert all(e.detail["api_token"] == "clinician read token" for e in entries)


def test_what_if_adds_a_child_and_saves_nothing(world):
    before = world.household.inputs
    response = call("POST", f"/api/v1/households/{world.household.pk}/what-if", world.tokens["clinician-read"],
                    {"add_child": {"age_months": 30, "challenge": {**CHALLENGE, "behavioural": 4}}})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["prospective"]["demand"] > body["current"]["demand"]
    assert body["reserve_change"] < 0
    world.household.refresh_from_db()
    assert world.household.inputs == before
    empty = call("POST", f"/api/v1/households/{world.household.pk}/what-if", world.tokens["clinician-read"], {})
    assert empty.status_code == 422


def test_estimates_are_stored_by_write_tokens_only(world):
    path = f"/api/v1/households/{world.household.pk}/estimates"
    assert call("POST", path, world.tokens["clinician-read"]).status_code == 403
    made = call("POST", path, world.tokens["clinician-write"])
    assert made.status_code == 201, made.content
    listed = call("GET", path, world.tokens["clinician-read"]).json()
    assert listed[0]["id"] == made.json()["id"]
    assert "Wren" not in json.dumps(listed)


# --- FHIR ------------------------------------------------------------------------------------

def test_fhir_questionnaire_and_patient_everything_validate_as_r4b(world):
    from fhir.resources.R4B.bundle import Bundle

    questionnaires = call("GET", "/api/v1/fhir/Questionnaire", world.tokens["clinician-read"])
    assert questionnaires.status_code == 200
    Bundle.model_validate(questionnaires.json())
    assert questionnaires.json()["entry"][0]["resource"]["resourceType"] == "Questionnaire"

    before = AuditEntry.objects.count()
    everything = call("GET", f"/api/v1/fhir/Patient/{world.client.pk}/$everything", world.tokens["clinician-read"])
    assert everything.status_code == 200, everything.content
    bundle = everything.json()
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1 and kinds.count("QuestionnaireResponse") == 3
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "export" and entry.client_id == world.client.pk
    assert entry.detail["api_token"] == "clinician read token"
    theirs = call("GET", f"/api/v1/fhir/Patient/{world.colleague_client.pk}/$everything",
                  world.tokens["clinician-read"])
    assert theirs.status_code == 404


def test_a_case_file_adds_its_new_assessments_to_an_existing_client(world):
    data = example("school-age-foster.json")
    path = f"/api/v1/clients/{world.client.pk}/case-file"
    again = call("POST", path, world.tokens["clinician-write"], data)
    assert again.status_code == 422 and "nothing to add" in again.json()["problems"][0]["message"]

    later = {**data["assessments"][-1], "id": "A-4", "date": "2026-03-02"}
    later["functioning"] = {**later["functioning"], "sleep": 4}
    data["assessments"].append(later)
    added = call("POST", path, world.tokens["clinician-write"], data)
    assert added.status_code == 200, added.content
    refs = [a["reference"] for a in added.json()["assessments"] if a["status"] == "final"]
    assert "A-4" in refs and refs.count("A-3") == 1
    case = call("GET", path, world.tokens["clinician-read"]).json()
    assert [a["id"] for a in case["assessments"]] == ["A-1", "A-2", "A-3", "A-4"]
    assert case["assessments"][-1]["functioning"]["sleep"] == 4

    # In order within the file, but before the client's latest signed assessment (A-4).
    between = {**data, "assessments": [data["assessments"][0], {**later, "id": "A-5", "date": "2025-03-01"}]}
    refused = call("POST", path, world.tokens["clinician-write"], between)
    assert refused.status_code == 422
    problem = refused.json()["problems"][0]
    assert problem["path"] == "assessments[1].date" and "before this client's latest" in problem["message"]
    assert not world.client.assessments.filter(reference="A-5").exists()
    fresh = example("school-age-foster.json")
    other = {**fresh, "client": {**fresh["client"], "id": "C-OTHER"}}
    wrong = call("POST", path, world.tokens["clinician-write"], other)
    assert wrong.status_code == 422 and wrong.json()["problems"][0]["path"] == "client.id"


# --- Bodies a hostile or careless client sends (found by driving the running app) -----------

@pytest.mark.parametrize("raw", [b"[]", b"null", b"5", b'"text"'])
def test_a_typed_body_that_is_not_an_object_is_refused_and_changes_nothing(world, raw):
    before = Client.objects.get(pk=world.client.pk).display_name
    response = call("PATCH", f"/api/v1/clients/{world.client.pk}", world.tokens["clinician-write"], raw=raw)
    assert response.status_code == 400, response.content
    problem = response.json()["problems"][0]
    assert problem["path"] == "$"
    assert "is not an object" in problem["message"]
    assert Client.objects.get(pk=world.client.pk).display_name == before


def test_a_typed_body_that_is_not_json_names_where_it_broke(world):
    response = call("PATCH", f"/api/v1/clients/{world.client.pk}", world.tokens["clinician-write"],
                    raw=b'{"display_name":')
    assert response.status_code == 400
    problem = response.json()["problems"][0]
    assert problem["path"] == "$"
    assert "not valid JSON" in problem["message"] and "line 1 column 17" in problem["message"]


def test_a_missing_field_shows_the_object_sent_not_an_internal_wrapper(world):
    response = call("POST", f"/api/v1/clients/{world.client.pk}/assessments", world.tokens["clinician-write"],
                    {"date": "2026-01-05"})
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["path"] == "kind"
    assert problem["value"] == {"date": "2026-01-05"}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/score"), ("PATCH", "/api/v1/clients/{pk}")])
def test_a_body_over_the_servers_limit_is_413_json(world, method, path):
    raw = json.dumps({"display_name": "x" * 2000}).encode()
    response = call(method, path.format(pk=world.client.pk), world.tokens["clinician-write"], raw=raw)
    assert response.status_code == 413, response.content
    assert response["Content-Type"].startswith("application/json")
    problem = response.json()["problems"][0]
    assert problem["path"] == "$" and "at most 1000 bytes" in problem["message"]


def test_the_client_list_names_a_filter_or_page_it_does_not_know(world):
    # A misspelt follow_up (or phase) answered 200 with every client, as if all were
    # overdue; page=0 or -1 answered the last page. Each is now a problem naming the field.
    secret = world.tokens["supervisor-read"]
    everyone = json.loads(call("GET", "/api/v1/clients", secret).content)["count"]
    assert json.loads(call("GET", "/api/v1/clients?follow_up=overdue", secret).content)["count"] <= everyone
    for query, path, words in [("follow_up=overdu", "follow_up", "'overdue'"), ("phase=regulat", "phase", "'regulate'"),
                               ("page=0", "page", "below the minimum 1"), ("page=-1", "page", "below the minimum 1")]:
        response = call("GET", f"/api/v1/clients?{query}", secret)
        assert response.status_code == 422, query
        problems = json.loads(response.content)["problems"]
        assert [p["path"] for p in problems] == [path] and words in problems[0]["message"], problems
    for ok in ("phase=unassessed", "phase=undetermined", "follow_up=none", "follow_up=due_soon", "phase=",
               "clinician=unassigned", f"clinician={world.clinician.pk}", "clinician="):
        assert call("GET", f"/api/v1/clients?{ok}", secret).status_code == 200, ok


@pytest.mark.parametrize(("url", "query", "path", "words"), [
    # A clinician given by username (or anything but an id) answered every client of the
    # organisation unfiltered; the household list's page=0 or -1 answered its last page.
    ("/api/v1/clients", "clinician=cleo", "clinician", "'cleo' is not a clinician's id or 'unassigned'"),
    ("/api/v1/clients", "clinician=%D9%A3", "clinician", "is not a clinician's id"),
    ("/api/v1/households", "page=0", "page", "below the minimum 1"),
    ("/api/v1/households", "page=-1", "page", "below the minimum 1"),
])
def test_a_list_refuses_a_clinician_or_page_it_cannot_take(world, url, query, path, words):
    response = call("GET", f"{url}?{query}", world.tokens["supervisor-read"])
    assert response.status_code == 422, response.content
    problems = json.loads(response.content)["problems"]
    assert [p["path"] for p in problems] == [path] and words in problems[0]["message"], problems


@pytest.mark.parametrize(("url", "query", "name", "takes"), [
    # A misspelt filter answered 200 with every client unfiltered, while an unknown body
    # field was a 422: a query parameter the endpoint does not take is refused the same way.
    ("/api/v1/clients", "phse=regulate", "phse", "this endpoint takes q, phase, follow_up, clinician, page"),
    ("/api/v1/clients", "phase=regulate&Q=ada", "Q", "this endpoint takes q, phase"),
    ("/api/v1/households", "q=x", "q", "this endpoint takes page"),
    ("/api/v1/households/{household}", "page=2", "page", "this endpoint takes no query parameters"),
    ("/api/v1/clients/{client}/assessments", "status=final", "status", "this endpoint takes no query parameters"),
])
def test_a_query_parameter_the_endpoint_does_not_take_is_a_problem_naming_it(world, url, query, name, takes):
    url = url.format(household=world.household.pk, client=world.client.pk)
    secret = world.tokens["supervisor-read"]
    assert call("GET", url, secret).status_code == 200
    response = call("GET", f"{url}?{query}", secret)
    assert response.status_code == 422, response.content
    body = json.loads(response.content)
    assert body["detail"] == "The request has 1 problem; nothing was read."
    [problem] = body["problems"]
    assert problem["path"] == name and f"{name!r} is not a query parameter" in problem["message"], problem
    assert takes in problem["message"] and problem["text"] == f"{name}: {problem['message']}"


def test_the_fhir_endpoints_ignore_a_parameter_they_do_not_take_as_fhir_clients_expect(world):
    # FHIR's default handling is lenient: clients add `_format=json` or `_pretty` unasked.
    secret = world.tokens["supervisor-read"]
    plain = call("GET", "/api/v1/fhir/Questionnaire", secret)
    asked = call("GET", "/api/v1/fhir/Questionnaire?_format=json&_pretty=true", secret)
    assert plain.status_code == asked.status_code == 200
    assert json.loads(asked.content) == json.loads(plain.content)


def test_unknown_query_parameters_are_each_named_and_known_ones_still_work(world):
    secret = world.tokens["supervisor-read"]
    response = call("GET", "/api/v1/clients?phse=regulate&pgae=2&pgae=3&q=", secret)
    problems = json.loads(response.content)["problems"]
    assert response.status_code == 422 and [p["path"] for p in problems] == ["phse", "pgae"]
    assert [p["value"] for p in problems] == ["regulate", ["2", "3"]]
    assert call("GET", "/api/v1/clients?q=a&phase=&follow_up=&clinician=&page=1", secret).status_code == 200
    assert call("GET", "/api/v1/households?page=1", secret).status_code == 200
    # Without a token the answer is still 401: the parameters are checked after the token.
    assert call("GET", "/api/v1/clients?phse=regulate", None).status_code == 401


def test_an_unknown_query_parameter_of_a_write_is_refused_and_nothing_is_saved(world):
    before = Client.objects.count()
    body = {"reference": "N-1", "display_name": "New", "birth_date": "2015-01-01"}
    response = call("POST", "/api/v1/clients?dry_run=1", world.tokens["supervisor-write"], body)
    assert response.status_code == 422, response.content
    assert json.loads(response.content)["problems"][0]["path"] == "dry_run"
    assert Client.objects.count() == before


def test_a_refused_read_does_not_say_nothing_was_saved(world):
    # GET ?phase=regulat answered "The input has 1 problem; nothing was saved.": a read saves nothing.
    response = call("GET", "/api/v1/clients?phase=regulat", world.tokens["supervisor-read"])
    assert response.status_code == 422
    assert json.loads(response.content)["detail"] == "The request has 1 problem; nothing was read."


def test_a_search_longer_than_any_name_is_a_problem_naming_q_not_a_500(world):
    # 60,000 characters made SQLite refuse the LIKE pattern ("pattern too complex"): a 500.
    secret = world.tokens["supervisor-read"]
    response = call("GET", "/api/v1/clients?q=" + "A" * 60000, secret)
    assert response.status_code == 422, response.content
    problems = json.loads(response.content)["problems"]
    assert [p["path"] for p in problems] == ["q"] and "120" in problems[0]["message"], problems
    assert call("GET", "/api/v1/clients?q=" + "A" * 120, secret).status_code == 200


def test_the_client_lists_filter_values_are_the_dashboards():
    from typing import get_args

    from rootmap.web.api.endpoints_clients import ClientFilters
    from rootmap.web.clients import selectors

    fields = ClientFilters.model_fields
    assert set(get_args(fields["phase"].annotation)) == {"", *selectors.PHASES, "unassessed"}
    assert set(get_args(fields["follow_up"].annotation)) == {"", *selectors.FOLLOW_UP_FILTERS}


@pytest.mark.parametrize(("method", "path", "body", "field"), [
    # A misspelt field answered 200 and changed nothing (or scored without it): a PATCH of
    # "dispaly_name" kept the old name; a what-if's "challenges" was dropped and the
    # prospective reserve came back as if the child had no challenge.
    ("PATCH", "/api/v1/clients/{client}", {"dispaly_name": "Renamed"}, "dispaly_name"),
    ("POST", "/api/v1/clients", {"reference": "N-1", "display_name": "New", "birth_date": "2019-01-01",
                                 "clinician": ["x"]}, "clinician"),
    ("POST", "/api/v1/clients/{client}/assessments", {"kind": "full", "date": "2026-01-05", "trigger": "loss"},
     "trigger"),
    ("PATCH", "/api/v1/assessments/{draft}", {"revision": 1, "fields": {}, "field": {"functioning.sleep": 2}},
     "field"),
    ("POST", "/api/v1/households/{household}/what-if",
     {"add_child": {"age_months": 30, "challenges": CHALLENGE}}, "add_child.challenges"),
    ("POST", "/api/v1/households/{household}/what-if", {"add_child": {"age_months": 30}, "raise": {}}, "raise"),
])
def test_a_field_the_api_does_not_know_is_refused_naming_it(world, method, path, body, field):
    before = (Client.objects.count(), Client.objects.get(pk=world.client.pk).display_name,
              world.draft.__class__.objects.get(pk=world.draft.pk).revision)
    url = path.format(client=world.client.pk, draft=world.draft.pk, household=world.household.pk)
    response = call(method, url, world.tokens["clinician-write"], body)
    assert response.status_code == 422, response.content
    problem = response.json()["problems"][0]
    assert problem["path"] == field
    assert "is not a known field" in problem["message"]
    assert (Client.objects.count(), Client.objects.get(pk=world.client.pk).display_name,
            world.draft.__class__.objects.get(pk=world.draft.pk).revision) == before


@pytest.mark.parametrize(("method", "path", "allow"), [
    # Refused by the server before any view (it never takes DELETE, PUT, HEAD...) ...
    ("DELETE", "/api/v1/clients/{client}", "GET, POST, PATCH"),
    ("PUT", "/api/v1/clients/{client}", "GET, POST, PATCH"),
    # ... and by the API for a method this URL does not take: both were text/html.
    ("POST", "/api/v1/clients/{client}", "GET, PATCH"),
    ("GET", "/api/v1/score", "POST"),
])
def test_a_method_a_url_does_not_take_is_a_json_405_naming_the_methods_it_takes(world, method, path, allow):
    before = Client.objects.get(pk=world.client.pk).display_name
    response = call(method, path.format(client=world.client.pk), world.tokens["clinician-write"],
                    {"display_name": "Renamed"})
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response["Allow"] == allow
    assert f"it takes {allow}" in response.json()["detail"]
    assert Client.objects.get(pk=world.client.pk).display_name == before


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", "/api/v1/clients/{client}"), ("POST", "/api/v1/clients/import"), ("POST", "/api/v1/score"),
    ("POST", "/api/v1/fhir/Bundle"), ("PATCH", "/api/v1/assessments/{draft}"),
])
def test_a_lone_surrogate_in_a_body_is_refused_as_json_not_a_server_error(world, method, path):
    # "\ud800" is valid JSON but no UTF-8 text: each refusal showed it back and could not
    # be encoded, so every endpoint answered an HTML 500.
    raw = b'{"display_name": "\\ud800", "format": "\\ud800", "resourceType": "\\ud800", "revision": 1, ' \
          b'"fields": {"notes.formulation": "\\ud800"}}'
    before = Client.objects.get(pk=world.client.pk).display_name
    response = call(method, path.format(client=world.client.pk, draft=world.draft.pk),
                    world.tokens["clinician-write"], raw=raw)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["problems"]
    assert Client.objects.get(pk=world.client.pk).display_name == before


def test_a_failure_no_handler_names_is_a_json_500_and_logged(world, monkeypatch, caplog):
    # Django's HTML "Server Error (500)" page was what an integration got for any bug.
    from rootmap.web.clients import selectors

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "caseload_dashboard", broken)
    with caplog.at_level("ERROR", logger="rootmap.api"):
        response = call("GET", "/api/v1/clients", world.tokens["clinician-read"])
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "The server failed on this request" in response.json()["detail"]
    assert "the database went away" not in response.content.decode()  # no internals to the caller
    assert "the database went away" in caplog.text
