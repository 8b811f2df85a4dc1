"""The client context: its page (autosave and Save), the service and its audit entries, the
client page, the case file (export, import, the signed snapshot), the household page, FHIR."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.core.case import parse_case
from rootmap.core.scoring import score_history
from rootmap.interop.fhir import bundle_from_case
from rootmap.render.report import report_html
from rootmap.web.assessments.case_files import signed_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.context_services import ContextConflict, client_context_save, client_context_save_field
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError, case_file_export, case_file_import
from rootmap.web.demo_contexts import DEMO_CONTEXTS
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_client

TODAY = dt.date(2026, 6, 1)
CONTEXT: dict[str, Any] = {
    "sex": "male", "gender": "boy", "pronouns": "he/him",
    "placements": [{"type": "birth_family", "start": "2016-04-11", "end": "2020-02-01"},
                   {"type": "foster", "start": "2020-02-01", "note": "long-term carers"}],
    "legal_status": "care_order", "school": "Brookside Primary", "school_year": "Year 4",
    "languages": "English", "interpreter_needed": False, "cultural_notes": "Keeps in touch with his aunt.",
    "contacts": [{"name": "Dana Okafor", "kind": "caregiver", "relationship": "foster mother",
                  "phone": "01632 960 402"},
                 {"name": "Tom Birch", "kind": "professional", "relationship": "caseworker",
                  "organisation": "Riverside", "email": "tom@example.org"}],
}


@pytest.fixture
def child(org, clinician) -> Client:
    return make_client(org, "C-1", name="Ada", clinicians=(clinician,))


@pytest.fixture
def web(clinician) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


def autosave(web: HttpClient, child: Client, name: str, data: dict[str, Any], revision: int | None = None):
    child.refresh_from_db()
    return web.post(reverse("client-context-field", args=[child.pk]),
                    {**data, "revision": child.context_revision if revision is None else revision},
                    headers={"HX-Request": "true", "HX-Trigger-Name": name})


# --- The service ---------------------------------------------------------------------------

def test_a_save_stores_what_was_recorded_raises_the_revision_and_audits_field_names_only(
        child, clinician) -> None:
    client_context_save(client=child, user=clinician, data=CONTEXT, revision=0, today=TODAY)
    child.refresh_from_db()
    assert child.context == {**CONTEXT, "interpreter_needed": False}
    assert child.context_revision == 1
    entry = AuditEntry.objects.filter(action="change", client_id=child.pk).latest("id")
    assert entry.detail["what"] == "context" and entry.detail["revision"] == 1
    assert "placements" in entry.detail["fields"] and "contacts" in entry.detail["fields"]
    assert "Dana" not in str(entry.detail) and "aunt" not in str(entry.detail)  # never the words


def test_a_stale_revision_or_a_bad_value_saves_nothing_and_writes_no_audit_entry(child, clinician) -> None:
    client_context_save(client=child, user=clinician, data={"sex": "male"}, revision=0, today=TODAY)
    entries = AuditEntry.objects.count()
    with pytest.raises(ContextConflict):
        client_context_save(client=child, user=clinician, data={"sex": "female"}, revision=0, today=TODAY)
    with pytest.raises(ClientInputError) as caught:
        client_context_save(client=child, user=clinician, revision=1, today=TODAY, data={
            "sex": "female", "placements": [{"type": "foster", "start": "2021-01-01", "end": "2020-01-01"}]})
    assert [p.path for p in caught.value.problems] == ["placements[0].end"]
    child.refresh_from_db()
    assert (child.context, child.context_revision, AuditEntry.objects.count()) == ({"sex": "male"}, 1, entries)


def test_one_field_or_one_row_changes_and_the_rest_stays(child, clinician) -> None:
    client_context_save(client=child, user=clinician, data=CONTEXT, revision=0, today=TODAY)
    client_context_save_field(client=child, user=clinician, field="school_year", value="Year 5", revision=1,
                              today=TODAY)
    client_context_save_field(client=child, user=clinician, field="contacts[2]", revision=2, today=TODAY,
                              value={"name": "Ms Patel", "kind": "professional", "relationship": "teacher"})
    child.refresh_from_db()
    assert child.context["school_year"] == "Year 5" and child.context["placements"] == CONTEXT["placements"]
    assert [c["name"] for c in child.context["contacts"]] == ["Dana Okafor", "Tom Birch", "Ms Patel"]
    with pytest.raises(ContextConflict):  # a row past the end: the page has not seen the rows saved since
        client_context_save_field(client=child, user=clinician, field="contacts[9]", revision=3, today=TODAY,
                                  value={"name": "X", "kind": "caregiver"})
    assert AuditEntry.objects.filter(client_id=child.pk, detail__how="autosave").count() == 2


def test_a_placement_in_the_future_is_refused(child, clinician) -> None:
    with pytest.raises(ClientInputError) as caught:
        client_context_save(client=child, user=clinician, revision=0, today=TODAY,
                            data={"placements": [{"type": "foster", "start": "2026-07-01"}]})
    assert str(caught.value.problems[0]) == ("placements[0].start: 2026-07-01 is in the future; "
                                             "expected 2026-06-01 or earlier")


# --- The page ------------------------------------------------------------------------------

def test_the_page_is_audited_and_every_list_comes_from_the_core(web, child) -> None:
    page = web.get(reverse("client-context", args=[child.pk]))
    assert page.status_code == 200
    assert AuditEntry.objects.filter(action="view", client_id=child.pk, detail__page="context").exists()
    text = page.content.decode()
    for label in ("Intersex (a variation of sex characteristics)", "In their own words", "Kinship care",
                  "Guardianship or special guardianship", "Professional"):
        assert label in text
    assert f'data-autosave-url="/clients/{child.pk}/context/field/"' in text


def test_save_without_javascript_stores_rows_and_drops_removed_and_empty_ones(web, child) -> None:
    post = {"revision": "0", "sex": "female", "gender": "self_described", "gender_description": "genderfluid",
            "legal_status": "not_recorded", "interpreter_needed": "yes",
            "placement-0-type": "kinship", "placement-0-start": "2017-01-01", "placement-0-end": "2019-01-01",
            "placement-1-type": "foster", "placement-1-start": "2019-01-01", "placement-1-end": "",
            "placement-2-type": "", "placement-2-start": "", "placement-2-end": "", "placement-2-note": "",
            "contact-0-name": "Jo", "contact-0-kind": "caregiver", "contact-0-remove": "on",
            "contact-1-name": "", "contact-1-kind": ""}
    response = web.post(reverse("client-context", args=[child.pk]), post)
    assert response.status_code == 302 and response["Location"].endswith("#context")
    child.refresh_from_db()
    assert child.context == {
        "sex": "female", "gender": "self_described", "gender_description": "genderfluid",
        "interpreter_needed": True,
        "placements": [{"type": "kinship", "start": "2017-01-01", "end": "2019-01-01"},
                       {"type": "foster", "start": "2019-01-01"}]}
    detail = web.get(reverse("client-detail", args=[child.pk])).content.decode()
    assert "Foster care, since 2019-01-01" in detail and "genderfluid" in detail


def test_a_refused_save_names_the_row_and_field_keeps_the_typing_and_pauses_autosave(web, child) -> None:
    post = {"revision": "0", "sex": "male",
            "placement-0-type": "foster", "placement-0-start": "2019-01-01", "placement-0-end": "2021-01-01",
            "placement-1-type": "kinship", "placement-1-start": "2020-06-01", "placement-1-end": "",
            "contact-0-name": "Jo", "contact-0-kind": "caregiver", "contact-0-email": "jo-at-example"}
    response = web.post(reverse("client-context", args=[child.pk]), post)
    assert response.status_code == 422
    text = response.content.decode()
    # Each field's own check first (the rules across rows need valid rows to compare).
    assert "Contact 1, email: " in text and "is not an email address" in text
    assert 'value="jo-at-example"' in text and "data-autosave-url" not in text
    post["contact-0-email"] = "jo@example.org"
    text = web.post(reverse("client-context", args=[child.pk]), post).content.decode()
    assert ("Placement 2, start date: 2020-06-01 overlaps placement 1 (foster care, 2019-01-01 to 2021-01-01)"
            in text)
    child.refresh_from_db()
    assert (child.context, child.context_revision) == ({}, 0)


def test_a_save_from_an_old_page_is_a_conflict(web, child, clinician) -> None:
    client_context_save(client=child, user=clinician, data={"school": "Oak"}, revision=0, today=TODAY)
    response = web.post(reverse("client-context", args=[child.pk]), {"revision": "0", "school": "Elm"})
    assert response.status_code == 409 and "changed elsewhere" in response.content.decode()
    assert 'value="Elm"' in response.content.decode()  # the typing is shown again, not lost
    child.refresh_from_db()
    assert child.context == {"school": "Oak"}
    again = web.post(reverse("client-context", args=[child.pk]), {"revision": "1", "school": "Elm"})
    assert again.status_code == 302


# --- Autosave ------------------------------------------------------------------------------

def test_autosave_saves_a_field_and_answers_the_new_revision(web, child) -> None:
    response = autosave(web, child, "sex", {"sex": "female"})
    assert response.status_code == 200 and 'id="status-ctx-sex"' in response.text
    assert 'name="revision" id="revision" value="1"' in response.text
    child.refresh_from_db()
    assert child.context == {"sex": "female"}
    stale = autosave(web, child, "school", {"school": "Oak"}, revision=0)
    assert stale.status_code == 409 and "changed elsewhere" in stale.text


def test_autosave_refuses_an_unknown_interpreter_answer_and_keeps_the_recorded_one(web, child) -> None:
    # QA: "interpreter_needed=maybe" answered 200 "Saved" and cleared a recorded "Yes".
    assert autosave(web, child, "interpreter_needed", {"interpreter_needed": "yes"}).status_code == 200
    refused = autosave(web, child, "interpreter_needed", {"interpreter_needed": "maybe"})
    assert refused.status_code == 422 and "maybe" in refused.text
    child.refresh_from_db()
    assert child.context == {"interpreter_needed": True} and child.context_revision == 1


def test_autosave_of_a_row_sends_the_whole_row_and_refuses_an_incomplete_one(web, child) -> None:
    incomplete = autosave(web, child, "placement-0-type", {"placement-0-type": "foster", "placement-0-start": ""})
    assert incomplete.status_code == 422
    assert "Placement 1, start date: is required" in incomplete.text
    done = autosave(web, child, "placement-0-start", {"placement-0-type": "foster",
                                                       "placement-0-start": "2020-01-01"})
    assert done.status_code == 200
    bad = autosave(web, child, "contact-0-phone", {"contact-0-name": "Jo", "contact-0-kind": "caregiver",
                                                    "contact-0-phone": "ring me"})
    assert bad.status_code == 422 and "Contact 1, phone: " in bad.text
    empty = autosave(web, child, "placement-0-type", {"placement-0-type": "", "placement-0-start": ""})
    assert empty.status_code == 422 and "tick its Remove box" in empty.text
    child.refresh_from_db()
    assert child.context == {"placements": [{"type": "foster", "start": "2020-01-01"}]}


def test_autosave_when_signed_out_is_a_401_and_saves_nothing(child) -> None:
    response = HttpClient().post(reverse("client-context-field", args=[child.pk]),
                                 {"_field": "sex", "sex": "male", "revision": "0"}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    child.refresh_from_db()
    assert child.context == {}


def test_a_colleague_without_the_client_gets_404_on_both_urls(child, colleague) -> None:
    http = HttpClient()
    http.force_login(colleague)
    assert http.get(reverse("client-context", args=[child.pk])).status_code == 404
    assert http.post(reverse("client-context-field", args=[child.pk]),
                     {"_field": "sex", "sex": "male", "revision": "0"}).status_code == 404


# --- Case file, snapshot, reports, FHIR ---------------------------------------------------

def test_the_context_round_trips_through_export_and_import_and_is_frozen_at_signing(
        org, other_org, clinician, outsider) -> None:
    data = example("school-age-foster.json")
    data["client"]["context"] = DEMO_CONTEXTS["C-0102"]
    client = case_file_import(organisation=org, user=clinician, data=data)
    exported = case_file_export(client=client, user=clinician)
    assert exported["client"]["context"] == parse_case(data).client.context.model_dump(
        mode="json", exclude_defaults=True)
    again = case_file_import(organisation=other_org, user=outsider, data=exported)
    assert again.context == client.context
    # Changing the context later never reaches what was signed.
    client_context_save(client=client, user=clinician, revision=0, today=TODAY,
                        data={**client.context, "legal_status": "guardianship"})
    latest = Assessment.objects.filter(client=client).order_by("-date").first()
    assert signed_case(latest)["client"]["context"]["legal_status"] == "care_order"
    assert case_file_export(client=client, user=clinician)["client"]["context"]["legal_status"] == "guardianship"


def test_the_clinician_report_has_the_context_and_the_family_summary_only_what_a_family_sees() -> None:
    data = example("school-age-foster.json")
    data["client"]["context"] = DEMO_CONTEXTS["C-0102"]
    case = parse_case(data)
    results = score_history(case)
    clinician = report_html(case=case, results=results, audience="clinician")
    family = report_html(case=case, results=results, audience="family")
    for words in ("<h2>Context</h2>", "Care or custody order", "Dana Okafor", "Tom Birch", "he/him",
                  "emergency then short-term carers", "Brookside Primary School"):
        assert words in clinician
    assert "Living in" in family and "Foster care" in family and "Year 5" in family
    for hidden in ("Care or custody order", "Legal status", "Dana Okafor", "Tom Birch", "he/him",
                   "Boy or young man", "emergency then short-term carers", "Polish Christmas"):
        assert hidden not in family


def test_fhir_gender_is_the_recorded_sex_and_left_out_when_not_recorded() -> None:
    data = example("adolescent-er.json")
    def patient(context):
        data["client"]["context"] = context
        bundle = bundle_from_case(parse_case(data))
        return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient({"sex": "intersex", "gender": "girl"})["gender"] == "other"
    assert patient({"sex": "female", "gender": "non_binary"})["gender"] == "female"
    assert "gender" not in patient({"gender": "boy"})


# --- The household page -------------------------------------------------------------------

def test_the_household_page_shows_a_seen_childs_placement_and_offers_their_caregivers(
        web, org, child, clinician, colleague) -> None:
    client_context_save(client=child, user=clinician, data=CONTEXT, revision=0, today=TODAY)
    household = Household.objects.create(organisation=org, reference="H-1", name="The Okafors", inputs={
        "caregivers": [], "internal": {}, "external": {},
        "children": [{"client_pk": child.pk, "name": "", "age_months": None, "challenge": {}}]})
    text = web.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Foster care, since 2020-02-01 · legal status: Care or custody order" in text
    assert '<option value="Dana Okafor">foster mother</option>' in text
    assert "Tom Birch" not in text  # a professional is no caregiver
    other = HttpClient()
    other.force_login(colleague)  # does not carry the child: sees neither
    text = other.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Dana Okafor" not in text and "Care or custody order" not in text
