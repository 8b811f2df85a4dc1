"""Fast entry (decision 0026): a follow-up started from the previous ratings, each carried
until confirmed; signing refused while any is unconfirmed; the page's counters and controls."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.core.carried import carried_start, still_carried, unconfirmed_problems
from rootmap.instruments import load_instrument
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.errors import AssessmentConflict, FinaliseRefused
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import case_file_for_client
from rootmap.web.assessments.services import (
    assessment_confirm_carried,
    assessment_create,
    assessment_finalise,
    assessment_save_draft,
    assessment_save_field,
)
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

PASSWORD = "a long enough password 42"
BIRTH = dt.date(2016, 4, 11)
FIRST = dt.date(2025, 2, 3)     # 105 months: childhood reached
LATER = dt.date(2025, 8, 4)
HISTORY = {"perinatal": {"adversity": 3, "relational_health": 1}, "infancy": {"adversity": 2, "relational_health": 1},
           "early_childhood": {"adversity": 3, "relational_health": 2},
           "childhood": {"adversity": 2, "relational_health": 3}}
ALL_CARRIED = 32 + 6


@pytest.fixture
def clinician(db: Any) -> User:
    org = Organisation.objects.create(name="Riverside")
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def client(clinician: User) -> Client:
    c = Client.objects.create(organisation=clinician.organisation, reference="C-1", display_name="Sam",
                              birth_date=BIRTH)
    c.clinicians.set([clinician])
    return c


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


@pytest.fixture
def baseline(client: Client, clinician: User) -> Assessment:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a.inputs = {"history": HISTORY, "functioning": dict(FUNCTIONING), "relational": dict(RELATIONAL),
                "trigger": None, "informants": [], "documents": []}
    a.save()
    return assessment_finalise(assessment=a, user=clinician, password=PASSWORD)


def follow_up(client: Client, clinician: User) -> Assessment:
    return assessment_create(client=client, kind="follow_up", date=LATER, user=clinician, start_from_previous=True)


def reread(a: Assessment) -> Assessment:
    return Assessment.objects.select_related("client").get(pk=a.pk)


# --- The core rule -------------------------------------------------------------------------

def test_a_start_takes_only_what_the_instrument_still_offers() -> None:
    instrument = load_instrument("1")
    previous = {"functioning": {"sleep": 2, "peer_play": 3, "no_such_item": 1, "fine_motor": 9},
                "relational": {"home_stability": 1, "kin_connection": 7}}
    # 18 months: peer play is not expected before 24 months.
    start = carried_start(instrument, 18, previous)
    assert start.functioning == {"sleep": 2}
    assert start.relational == {"home_stability": 1}
    assert start.carried == ("functioning.sleep", "relational.home_stability")


def test_a_start_follows_the_instruments_order_not_the_stored_keys() -> None:
    # PostgreSQL's jsonb keeps keys shortest first; the page and the finalise list go by the instrument.
    instrument = load_instrument("1")
    start = carried_start(instrument, 120, {"functioning": dict(reversed(list(FUNCTIONING.items())))})
    assert start.carried == tuple(f"functioning.{i.id}" for i in instrument.functioning_items)


def test_a_cleared_rating_carries_nothing_and_each_unconfirmed_one_is_named() -> None:
    inputs = {"functioning": {"sleep": 2}, "relational": {}}
    marks = ["functioning.sleep", "relational.home_stability"]
    assert still_carried(marks, inputs) == ("functioning.sleep",)
    [problem] = unconfirmed_problems(marks, "assessments[1]", inputs)
    assert problem.path == "assessments[1].functioning.sleep" and problem.value == 2
    assert "not confirmed" in problem.message


# --- Starting a follow-up ---------------------------------------------------------------------

def test_a_follow_up_can_start_from_the_previous_ratings_marked_carried(
    client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    assert follow.inputs["functioning"] == FUNCTIONING
    assert follow.inputs["relational"] == RELATIONAL
    assert len(follow.inputs["carried"]) == ALL_CARRIED
    assert follow.inputs["history"] == {}  # history carries by the model's own rule
    created = AuditEntry.objects.get(action="create", object_id=str(follow.pk))
    assert created.detail["carried_from"] == "A-1" and created.detail["carried"] == ALL_CARRIED
    # Without the choice, nothing is copied (as before).
    plain = assessment_create(client=client, kind="follow_up", date=LATER, user=clinician)
    assert plain.inputs["functioning"] == {} and "carried" not in plain.inputs


def test_the_new_follow_up_page_offers_the_start_ticked_and_honours_unticking(
    web: HttpClient, client: Client, baseline: Assessment
) -> None:
    url = reverse("assessment-new", args=[client.pk, "follow_up"])
    page = web.get(url)
    assert re.search(r'name="start_from_previous" value="yes"[^>]*checked', page.text)
    response = web.post(url, {"date": LATER.isoformat(), "instrument_version": "1", "start_from_previous": "yes"})
    started = Assessment.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert started.inputs["functioning"]["sleep"] == FUNCTIONING["sleep"]
    response = web.post(url, {"date": LATER.isoformat(), "instrument_version": "1"})
    unticked = Assessment.objects.get(pk=int(response.url.strip("/").split("/")[-1]))
    assert unticked.inputs["functioning"] == {}


# --- Confirming ----------------------------------------------------------------------------

def test_saving_the_same_value_confirms_and_is_audited(client: Client, clinician: User, baseline: Assessment) -> None:
    follow = follow_up(client, clinician)
    value = FUNCTIONING["sleep"]
    saved = assessment_save_field(assessment=follow, user=clinician, field="functioning.sleep", value=str(value),
                                  revision=follow.revision)
    assert saved.revision == follow.revision + 1
    assert "functioning.sleep" not in saved.inputs["carried"] and saved.inputs["functioning"]["sleep"] == value
    entry = AuditEntry.objects.filter(action="change", object_id=str(follow.pk)).latest("id")
    assert entry.detail == {"field": "functioning.sleep", "carried": "confirmed"}
    # A changed value is the clinician's own too.
    changed = assessment_save_field(assessment=saved, user=clinician, field="relational.home_stability",
                                    value="4", revision=saved.revision)
    assert "relational.home_stability" not in changed.inputs["carried"]
    assert AuditEntry.objects.filter(action="change").latest("id").detail["carried"] == "changed"


def test_a_stale_page_cannot_confirm(client: Client, clinician: User, baseline: Assessment) -> None:
    follow = follow_up(client, clinician)
    assessment_save_field(assessment=follow, user=clinician, field="functioning.sleep", value="4",
                          revision=follow.revision)
    with pytest.raises(AssessmentConflict):
        assessment_save_field(assessment=follow, user=clinician, field="functioning.fine_motor",
                              value=str(FUNCTIONING["fine_motor"]), revision=follow.revision)
    assert "functioning.fine_motor" in reread(follow).inputs["carried"]


def test_posting_the_whole_form_confirms_nothing_but_changes_unmark(
    client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    values = {f"functioning.{k}": str(v) for k, v in FUNCTIONING.items()}
    values["functioning.sleep"] = "4"
    saved = assessment_save_draft(assessment=follow, user=clinician, values=values, revision=follow.revision)
    assert len(saved.inputs["carried"]) == ALL_CARRIED - 1 and "functioning.sleep" not in saved.inputs["carried"]


def test_confirming_a_section_at_once(client: Client, clinician: User, baseline: Assessment) -> None:
    follow = follow_up(client, clinician)
    done = assessment_confirm_carried(assessment=follow, user=clinician,
                                      fields=[f"relational.{k}" for k in RELATIONAL], revision=follow.revision)
    assert sorted(done.inputs["carried"]) == sorted(f"functioning.{k}" for k in FUNCTIONING)
    assert done.inputs["relational"] == RELATIONAL


# --- Signing --------------------------------------------------------------------------------

def test_signing_waits_for_every_carried_rating(client: Client, clinician: User, baseline: Assessment) -> None:
    follow = follow_up(client, clinician)
    follow = assessment_confirm_carried(assessment=follow, user=clinician,
                                        fields=[f"functioning.{k}" for k in FUNCTIONING], revision=follow.revision)
    # One relational rating cleared, one changed: neither is carried any more.
    follow = assessment_save_field(assessment=follow, user=clinician, field="relational.kin_connection", value="",
                                   revision=follow.revision)
    follow = assessment_save_field(assessment=follow, user=clinician, field="relational.home_stability", value="4",
                                   revision=follow.revision)
    with pytest.raises(FinaliseRefused) as refused:
        assessment_finalise(assessment=follow, user=clinician, password=PASSWORD)
    assert sorted(refused.value.errors) == sorted(
        f"relational.{k}" for k in RELATIONAL if k not in ("kin_connection", "home_stability"))
    assert refused.value.errors["relational.peer_connection"].startswith("Connection with peers: 1 is carried")
    assert reread(follow).status == "draft"
    follow = assessment_confirm_carried(assessment=follow, user=clinician,
                                        fields=[f"relational.{k}" for k in RELATIONAL], revision=follow.revision)
    signed = assessment_finalise(assessment=follow, user=clinician, password=PASSWORD)
    assert signed.status == "final"
    assert "carried" not in signed.inputs
    # The signed case file holds ratings only (the marks are draft state).
    case = case_file_for_client(client)
    assert "carried" not in case["assessments"][-1]
    assert case["assessments"][-1]["relational"]["home_stability"] == 4
    assert "kin_connection" not in case["assessments"][-1]["relational"]


def test_the_finalise_page_lists_the_carried_ratings(
    web: HttpClient, client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    page = web.get(reverse("assessment-finalise", args=[follow.pk]))
    assert "Carried ratings not confirmed yet" in page.text
    assert f'#f-functioning-sleep">Sleep: {FUNCTIONING["sleep"]}</a>' in page.text
    refused = web.post(reverse("assessment-finalise", args=[follow.pk]), {"password": PASSWORD})
    assert refused.status_code == 422
    assert "is carried from the previous assessment and not confirmed" in refused.text


# --- The entry page ------------------------------------------------------------------------------

def test_the_entry_page_counts_each_section_and_marks_carried_ratings(
    web: HttpClient, client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    follow = assessment_save_field(assessment=follow, user=clinician, field="functioning.sleep", value="",
                                   revision=follow.revision)
    page = web.get(reverse("assessment-edit", args=[follow.pk])).text
    # History: four periods reached, both ratings carried by the model (8 of 8);
    # functioning: 31 of 32 (sleep cleared); relationships 6 of 6, all carried.
    assert re.search(r'data-progress="history">History <b data-progress-count>8 of 8</b>', page)
    assert re.search(r'data-progress="functioning">Functioning <b data-progress-count>31 of 32</b>', page)
    assert re.search(r'data-progress="overall"><b data-progress-count>45 of 46</b> rated', page)
    assert re.search(r'<b data-carried-count>37</b> carried to confirm', page)
    assert page.count("data-unconfirmed") == 37
    assert 'value="confirm:functioning.fine_motor"' in page
    assert 'value="confirm-section:relational"' in page
    assert 'data-top="4"' in page and 'data-top="5"' in page


def test_without_javascript_the_confirm_buttons_post_and_save_the_rest(
    web: HttpClient, client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    url = reverse("assessment-edit", args=[follow.pk])
    response = web.post(url, {"revision": follow.revision, "functioning.fine_motor": str(FUNCTIONING["fine_motor"]),
                              "action": "confirm:functioning.fine_motor"})
    assert response.status_code == 302 and response.url.endswith("#f-functioning-fine-motor")
    follow = reread(follow)
    assert "functioning.fine_motor" not in follow.inputs["carried"]
    response = web.post(url, {"revision": follow.revision, "action": "confirm-section:relational"})
    assert response.status_code == 302 and response.url.endswith("#relational")
    assert not any(p.startswith("relational.") for p in reread(follow).inputs["carried"])


def test_the_autosave_endpoint_confirms_a_carried_value(
    web: HttpClient, client: Client, clinician: User, baseline: Assessment
) -> None:
    follow = follow_up(client, clinician)
    response = web.post(reverse("assessment-field", args=[follow.pk]),
                        {"_field": "relational.peer_connection", "relational.peer_connection": "1",
                         "revision": follow.revision}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "relational.peer_connection" not in reread(follow).inputs["carried"]
