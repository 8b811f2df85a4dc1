"""Assessment entry, autosave, finalising, amending and the results pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.errors import (
    AssessmentConflict,
    AssessmentLocked,
    FieldInvalid,
    FinaliseRefused,
    PasswordRejected,
)
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import case_file_for_client
from rootmap.web.assessments.services import (
    assessment_amend,
    assessment_create,
    assessment_finalise,
    assessment_row_add,
    assessment_save_field,
)
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

PASSWORD = "a long enough password 42"
BIRTH = dt.date(2016, 4, 11)
# At 2025-02-03 the client is 105 months old: childhood reached, adolescence not.
FIRST = dt.date(2025, 2, 3)



@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside")


@pytest.fixture
def clinician(org: Organisation) -> User:
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def colleague(org: Organisation) -> User:
    return User.objects.create_user(username="cole", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def client(org: Organisation, clinician: User) -> Client:
    c = Client.objects.create(organisation=org, reference="C-1", display_name="Sam", birth_date=BIRTH,
                              interests=["music"])
    c.clinicians.set([clinician])
    return c


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


def full_inputs() -> dict[str, Any]:
    return {
        "history": {"perinatal": {"adversity": 3, "relational_health": 1},
                    "infancy": {"adversity": 2, "relational_health": 1},
                    "early_childhood": {"adversity": 3, "relational_health": 2},
                    "childhood": {"adversity": 2, "relational_health": 3}},
        "functioning": dict(FUNCTIONING),
        "relational": dict(RELATIONAL),
        "trigger": None,
        "informants": [{"role": "caregiver", "name": "Foster parent", "hours": 2.0}],
        "documents": [{"title": "Placement history", "source": "agency", "date": "2024-12-01"}],
    }


def finalised(client: Client, user: User, *, kind: str = "full", date: dt.date = FIRST,
              inputs: dict[str, Any] | None = None) -> Assessment:
    a = assessment_create(client=client, kind=kind, date=date, user=user)
    a.inputs = inputs if inputs is not None else full_inputs()
    if kind == "er":
        a.inputs.pop("history", None)
        a.inputs["trigger"] = a.inputs.get("trigger") or "placement_change"
    a.save()
    return assessment_finalise(assessment=a, user=user, password=PASSWORD)


def save(a: Assessment, user: User, field: str, value: Any) -> Assessment:
    return assessment_save_field(assessment=a, user=user, field=field, value=value, revision=a.revision)


# --- Autosave: per-field validation -----------------------------------------------------

def test_it_saves_one_field_and_bumps_the_revision(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    saved = save(a, clinician, "functioning.sleep", "2")
    assert saved.revision == a.revision + 1
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"]["sleep"] == 2
    assert AuditEntry.objects.filter(action="change", object_id=str(a.pk)).exists()


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("functioning.sleep", "7", "Sleep: 7 is above the maximum 5"),
    ("functioning.sleep", "-1", "Sleep: -1 is below the minimum 0"),
    ("functioning.sleep", "two", "Sleep: expected a whole number from 0 to 5, got 'two'"),
    ("relational.home_stability", "5", "Stability of home: 5 is above the maximum 4"),
    ("history.perinatal.adversity", "9", "Perinatal (prenatal to 2 months), adversity: 9 is above the maximum 4"),
    ("history.adolescence.adversity", "2", "Adolescence (12 to 21 years), adversity: 2 given, but the period "
                                           "is not reached yet (it starts at 144 months and the client is "
                                           "105 months old); leave it unrated"),
    ("functioning.no_such_item", "2", "functioning.no_such_item: no such functioning item in instrument 1"),
    ("date", "2025-13-01", "Assessment date: expected a date as YYYY-MM-DD"),
    ("date", "2015-01-01", "is before the client's birth date 2016-04-11"),
    ("trigger", "loss", "Trigger: only a Rapid (ER) snapshot has a trigger"),
    ("bogus", "1", "'bogus' is not a field of this assessment"),
])
def test_it_rejects_an_invalid_value_naming_the_field(
    client: Client, clinician: User, field: str, value: str, expected: str
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, field, value)
    assert expected in error.value.message
    stored = Assessment.objects.get(pk=a.pk)
    assert stored.revision == a.revision  # nothing half-saved
    assert stored.inputs == a.inputs


def test_it_rejects_an_item_not_expected_at_the_clients_age(org: Organisation, clinician: User) -> None:
    toddler = Client.objects.create(organisation=org, reference="C-2", display_name="Kit",
                                    birth_date=dt.date(2023, 1, 15))
    a = assessment_create(client=toddler, kind="full", date=dt.date(2024, 7, 20), user=clinician)  # 18 months
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, "functioning.peer_play", "3")
    # The core's words (the same as a case file's), after the item's label.
    assert error.value.message == ("Peer play: 3 given, but the item is not expected before 24 months and "
                                   "the client is 18 months old; leave it unrated")


def test_clearing_a_rating_removes_it(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a = save(a, clinician, "functioning.sleep", "2")
    a = save(a, clinician, "functioning.sleep", "")
    assert "sleep" not in Assessment.objects.get(pk=a.pk).inputs["functioning"]


def test_a_date_change_that_would_orphan_ratings_is_refused(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a = save(a, clinician, "history.childhood.adversity", "2")
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, "date", "2019-06-01")  # 37 months: childhood not reached
    assert "Childhood (4 to 12 years)" in error.value.message


def test_informant_rows_validate_hours(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a = assessment_row_add(assessment=a, user=clinician, section="informants", revision=a.revision)
    a = save(a, clinician, "informants.0.role", "teacher")
    a = save(a, clinician, "informants.0.hours", "1.5")
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, "informants.0.hours", "lots")
    assert error.value.message == "Hours (informant 1): expected a number of hours such as 1.5, got 'lots'"
    assert Assessment.objects.get(pk=a.pk).inputs["informants"] == [
        {"role": "teacher", "name": "", "description": "", "hours": 1.5}]


def test_text_with_control_characters_is_refused_by_name(client: Client, clinician: User) -> None:
    # PostgreSQL refuses NUL in text and JSON: the field is named instead of a server error.
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a = assessment_row_add(assessment=a, user=clinician, section="informants", revision=a.revision)
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, "informants.0.name", "Foster\x00 mother")
    assert error.value.message == "Name (informant 1): contains control characters; expected plain text"
    original = finalised(client, clinician)
    with pytest.raises(FieldInvalid, match="Reason: contains control characters"):
        assessment_amend(original=original, user=clinician, reason="typo\x00")
    assert not Assessment.objects.filter(amends=original).exists()


# --- Optimistic locking -------------------------------------------------------------------

def test_a_stale_revision_is_a_conflict_and_nothing_is_overwritten(
    client: Client, clinician: User, colleague: User
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    page_revision = a.revision
    save(a, colleague, "functioning.sleep", "4")  # someone else, after the page was opened
    with pytest.raises(AssessmentConflict) as error:
        assessment_save_field(assessment=a, user=clinician, field="functioning.sleep", value="1",
                              revision=page_revision)
    assert "changed elsewhere" in str(error.value)
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"]["sleep"] == 4


def test_a_stale_page_repeating_the_stored_value_is_not_a_conflict(client: Client, clinician: User) -> None:
    # An autosave on blur and the form's own post of the same value may cross.
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    page_revision = a.revision
    saved = save(a, clinician, "functioning.sleep", "4")
    again = assessment_save_field(assessment=a, user=clinician, field="functioning.sleep", value="4",
                                  revision=page_revision)
    assert again.revision == saved.revision
    with pytest.raises(AssessmentConflict):
        assessment_save_field(assessment=a, user=clinician, field="functioning.sleep", value="3",
                              revision=page_revision)


def test_the_autosave_endpoint_reports_a_conflict_and_keeps_the_revision(
    web: HttpClient, client: Client, clinician: User
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    url = reverse("assessment-field", args=[a.pk])
    ok = web.post(url, {"functioning.sleep": "2", "revision": a.revision},
                  headers={"HX-Request": "true", "HX-Trigger-Name": "functioning.sleep"})
    assert ok.status_code == 200
    assert "Saved" in ok.text and f'value="{a.revision + 1}"' in ok.text
    stale = web.post(url, {"functioning.sleep": "3", "revision": a.revision},
                     headers={"HX-Request": "true", "HX-Trigger-Name": "functioning.sleep"})
    assert stale.status_code == 409  # autosave.js shows the fragment of a conflict too
    assert "Not saved" in stale.text and 'name="revision"' not in stale.text
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"]["sleep"] == 2


def test_the_autosave_endpoint_shows_the_error_beside_the_field(
    web: HttpClient, client: Client, clinician: User
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    response = web.post(reverse("assessment-field", args=[a.pk]),
                        {"_field": "functioning.sleep", "functioning.sleep": "9", "revision": a.revision})
    assert response.status_code == 422
    assert 'id="status-functioning-sleep"' in response.text
    assert "Sleep: 9 is above the maximum 5" in response.text


def test_an_autosave_from_an_ended_session_is_told_so_not_sent_to_the_sign_in_page(
    client: Client, clinician: User
) -> None:
    # The browser follows a redirect to the sign-in page and gets a 200 page, which a
    # script cannot tell from a save: the answer is a 401 that names the reason.
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    response = HttpClient().post(reverse("assessment-field", args=[a.pk]),
                                 {"_field": "functioning.sleep", "functioning.sleep": "2",
                                  "revision": a.revision}, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.json() == {"error": "signed-out", "sign_in": reverse("login"),
                               "message": "Not saved: you are signed out. Sign in again to save."}
    assert "no-store" in response["Cache-Control"]
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"] == {}


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_an_autosave_before_the_second_sign_in_step_is_told_so(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    http = HttpClient()
    http.force_login(clinician)  # the password only: no verified second factor in this session
    response = http.post(reverse("assessment-field", args=[a.pk]),
                         {"_field": "functioning.sleep", "functioning.sleep": "2", "revision": a.revision})
    assert response.status_code == 401 and response.json()["error"] == "second-factor"
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"] == {}
    # Every other page still goes to the second step.
    page = http.get(reverse("assessment-edit", args=[a.pk]))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("two-factor-setup"))  # no authenticator enrolled yet


def test_the_form_without_javascript_saves_everything_or_nothing(
    web: HttpClient, client: Client, clinician: User
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    url = reverse("assessment-edit", args=[a.pk])
    bad = web.post(url, {"revision": a.revision, "functioning.sleep": "2", "relational.home_stability": "8"})
    assert bad.status_code == 422
    assert "Stability of home: 8 is above the maximum 4" in bad.text
    assert 'value="2" checked' in bad.text  # the clinician's input is kept on the page
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"] == {}
    good = web.post(url, {"revision": a.revision, "functioning.sleep": "2", "relational.home_stability": "3"})
    assert good.status_code == 302
    assert Assessment.objects.get(pk=a.pk).inputs["relational"] == {"home_stability": 3}


# --- Finalise ------------------------------------------------------------------------------

def test_finalising_needs_the_right_password(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    with pytest.raises(PasswordRejected):
        assessment_finalise(assessment=a, user=clinician, password="not my password")
    assert Assessment.objects.get(pk=a.pk).status == "draft"


def test_finalising_scores_stores_and_locks(client: Client, clinician: User) -> None:
    a = finalised(client, clinician)
    stored = Assessment.objects.get(pk=a.pk)
    assert stored.status == "final"
    assert stored.finalised_by == clinician and stored.finalised_at is not None
    assert stored.instrument_version == "1" and stored.result["instrument_version"] == "1"
    assert stored.result["phase"] == "regulate"
    assert stored.result["developmental_risk"] is not None
    assert AuditEntry.objects.filter(action="finalise", object_id=str(a.pk)).exists()
    with pytest.raises(AssessmentLocked):
        save(stored, clinician, "functioning.sleep", "4")
    with pytest.raises(AssessmentLocked):
        assessment_row_add(assessment=stored, user=clinician, section="documents", revision=stored.revision)
    assert Assessment.objects.get(pk=a.pk).inputs["functioning"]["sleep"] == 1


def test_finalising_through_the_page_checks_the_password(
    web: HttpClient, client: Client, clinician: User
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a.inputs = full_inputs()
    a.save()
    url = reverse("assessment-finalise", args=[a.pk])
    wrong = web.post(url, {"password": "wrong"})
    assert wrong.status_code == 422 and "password is not right" in wrong.text
    right = web.post(url, {"password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == reverse("assessment-results", args=[a.pk])
    assert Assessment.objects.get(pk=a.pk).status == "final"


def test_an_er_snapshot_needs_a_trigger_and_has_no_history(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="er", date=FIRST, user=clinician)
    assert "history" not in a.inputs
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, "history.perinatal.adversity", "2")
    assert "no developmental history" in error.value.message
    a = save(a, clinician, "functioning.sleep", "1")
    with pytest.raises(FinaliseRefused) as refused:
        assessment_finalise(assessment=a, user=clinician, password=PASSWORD)
    assert "trigger" in refused.value.errors
    with pytest.raises(FieldInvalid):
        save(a, clinician, "trigger", "holiday")
    a = save(a, clinician, "trigger", "placement_change")
    # One item rated: nobody can say where to start, so signing needs a confirmation.
    done = assessment_finalise(assessment=a, user=clinician, password=PASSWORD,
                               confirm_undetermined=True, undetermined_reason="Seen for ten minutes only")
    assert done.result["developmental_risk"] is None and done.result["plan"]["abridged"] is True


def test_a_follow_up_needs_a_finalised_full_assessment_first(client: Client, clinician: User) -> None:
    with pytest.raises(FieldInvalid) as error:
        assessment_create(client=client, kind="follow_up", date=FIRST, user=clinician)
    assert "finalised full assessment" in error.value.message


def test_a_follow_up_shows_the_carried_history_and_change(
    web: HttpClient, client: Client, clinician: User
) -> None:
    finalised(client, clinician)
    later = dt.date(2025, 8, 4)
    follow = assessment_create(client=client, kind="follow_up", date=later, user=clinician)
    page = web.get(reverse("assessment-edit", args=[follow.pk]))
    assert page.status_code == 200
    assert "Carried forward: 3 severe (from A-1)" in page.text  # perinatal adversity
    assert "Keep carried value" in page.text
    better = {k: min(v + 2, 5) for k, v in FUNCTIONING.items()}
    follow.inputs = {"history": {}, "functioning": better, "relational": dict(RELATIONAL),
                     "trigger": None, "informants": [], "documents": []}
    follow.save()
    done = assessment_finalise(assessment=follow, user=clinician, password=PASSWORD)
    change = done.result["change"]
    assert change["previous"]["assessment_id"] == "A-1" and change["baseline"]["assessment_id"] == "A-1"
    # History was carried: the follow-up still has a developmental risk without entering any.
    assert done.result["developmental_risk"] is not None
    results = web.get(reverse("assessment-results", args=[done.pk]))
    assert "Since the previous assessment" in results.text and "Improved" in results.text


def test_only_reached_periods_and_expected_items_are_offered(
    web: HttpClient, org: Organisation, clinician: User
) -> None:
    toddler = Client.objects.create(organisation=org, reference="C-3", display_name="Kit",
                                    birth_date=dt.date(2023, 1, 15))
    toddler.clinicians.set([clinician])
    a = assessment_create(client=toddler, kind="full", date=dt.date(2024, 7, 20), user=clinician)
    page = web.get(reverse("assessment-edit", args=[a.pk])).text
    assert 'name="history.early_childhood.adversity"' in page
    assert 'name="history.childhood.adversity"' not in page
    assert 'name="functioning.social_cues"' in page      # from 12 months
    assert 'name="functioning.peer_play"' not in page     # from 24 months
    assert "Peer play (from 24 months)" in page


# --- Amendments ------------------------------------------------------------------------------

def test_an_amendment_keeps_the_original_and_supersedes_it(
    web: HttpClient, client: Client, clinician: User
) -> None:
    original = finalised(client, clinician)
    original_result = dict(original.result)
    with pytest.raises(FieldInvalid):
        assessment_amend(original=original, user=clinician, reason="  ")
    amendment = assessment_amend(original=original, user=clinician, reason="Sleep was misrecorded")
    assert amendment.status == "draft" and amendment.amends == original
    assert amendment.reference == "A-1.1" and amendment.inputs == original.inputs
    amendment = save(amendment, clinician, "functioning.sleep", "4")
    assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD)
    kept = Assessment.objects.get(pk=original.pk)
    assert kept.status == "final" and kept.inputs["functioning"]["sleep"] == 1
    assert kept.result == original_result
    case = case_file_for_client(client)
    assert [a["id"] for a in case["assessments"]] == ["A-1.1"]
    assert case["assessments"][0]["functioning"]["sleep"] == 4
    page = web.get(reverse("assessment-results", args=[original.pk]))
    assert "amended by" in page.text and "A-1.1" in page.text


# --- Pages and their cost ---------------------------------------------------------------------

def test_the_entry_page_shows_every_anchor_of_every_item(web: HttpClient, client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    page = web.get(reverse("assessment-edit", args=[a.pk])).text
    assert page.count('class="rating__anchor"') == 32 * 6 + 6 * 5
    assert "Falls asleep within 30 minutes most nights" in page  # sleep, level 4
    assert 'hx-post="' + reverse("assessment-field", args=[a.pk]) in page


def test_the_results_page_shows_scores_map_and_plan(web: HttpClient, client: Client, clinician: User) -> None:
    a = finalised(client, clinician)
    page = web.get(reverse("assessment-results", args=[a.pk]))
    assert page.status_code == 200
    text = page.text
    assert "rm-brain-map" in text and "Developmental risk" in text
    assert "Sequenced plan" in text and "Dose:" in text
    assert "Academic skills" in text  # the one strength, by its label
    assert f'action="{reverse("job-report", args=[a.pk, "clinician"])}"' in text  # the PDF, as a job


def test_a_draft_has_no_results_page_yet(web: HttpClient, client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    response = web.get(reverse("assessment-results", args=[a.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("assessment-edit", args=[a.pk])


def test_someone_outside_the_caseload_gets_not_found(client: Client, clinician: User, colleague: User) -> None:
    a = finalised(client, clinician)
    http = HttpClient()
    http.force_login(colleague)
    for name, args in [("assessment-edit", [a.pk]), ("assessment-results", [a.pk]),
                       ("assessment-present", [a.pk]), ("assessment-report", [a.pk, "family", "pdf"]),
                       ("assessment-new", [client.pk, "full"])]:
        assert http.get(reverse(name, args=args)).status_code == 404, name
    assert http.post(reverse("assessment-field", args=[a.pk]), {"_field": "functioning.sleep"}).status_code == 404


def _queries(web: HttpClient, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert web.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_results_page_query_count_does_not_grow_with_history(
    web: HttpClient, client: Client, clinician: User, org: Organisation
) -> None:
    first = finalised(client, clinician, date=dt.date(2024, 1, 10))
    one = _queries(web, reverse("assessment-results", args=[first.pk]))
    other = Client.objects.create(organisation=org, reference="C-9", display_name="Jo", birth_date=BIRTH)
    other.clinicians.set([clinician])
    finalised(other, clinician, date=dt.date(2023, 5, 1))
    last = None
    for month in range(10):
        last = finalised(other, clinician, kind="follow_up", date=dt.date(2023 + (5 + month) // 12,
                                                                          (5 + month) % 12 + 1, 5))
    assert last is not None
    ten = _queries(web, reverse("assessment-results", args=[last.pk]))
    assert ten == one
    assert _queries(web, reverse("assessment-present", args=[last.pk]) + "?step=2") <= one


def test_the_entry_page_query_count_does_not_grow_with_history(
    web: HttpClient, client: Client, clinician: User
) -> None:
    finalised(client, clinician, date=dt.date(2023, 5, 1))
    a = assessment_create(client=client, kind="follow_up", date=FIRST, user=clinician)
    one = _queries(web, reverse("assessment-edit", args=[a.pk]))
    for month in range(1, 10):
        finalised(client, clinician, kind="follow_up", date=dt.date(2023 + (4 + month) // 12,
                                                                    (4 + month) % 12 + 1, 12))
    assert _queries(web, reverse("assessment-edit", args=[a.pk])) == one


def test_the_presentation_walks_one_screen_at_a_time(web: HttpClient, client: Client, clinician: User) -> None:
    a = finalised(client, clinician)
    url = reverse("assessment-present", args=[a.pk])
    first = web.get(url).text
    assert "Getting to know Sam" in first and "?step=2" in first
    second = web.get(url + "?step=2").text
    assert "rm-brain-map" in second and "Sam&#x27;s brain map" in second
    last = web.get(url + "?step=99").text
    assert "Next steps" in last
    assert "<script>" not in first and "style=" not in first  # the CSP forbids inline code


def test_the_pdf_reports_are_made_as_jobs_downloaded_and_audited(
        web: HttpClient, client: Client, clinician: User, django_capture_on_commit_callbacks, settings,
        tmp_path) -> None:
    from rootmap.web.jobs.models import Job

    settings.ROOTMAP_JOB_DIR = str(tmp_path)
    a = finalised(client, clinician)
    for audience in ("clinician", "family"):
        # The old address of the PDF leads to the page that asks for it.
        old = web.get(reverse("assessment-report", args=[a.pk, audience, "pdf"]))
        assert old.status_code == 302 and old["Location"] == reverse("job-report", args=[a.pk, audience])
        with django_capture_on_commit_callbacks(execute=True):
            asked = web.post(reverse("job-report", args=[a.pk, audience]))
        job = Job.objects.get(pk=asked["Location"].split("/")[-2])
        response = web.get(reverse("job-download", args=[job.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"
    downloads = AuditEntry.objects.filter(action="download", object_type="job", client_id=client.pk)
    assert downloads.count() == 2
    assert web.get(reverse("assessment-report", args=[a.pk, "family", "docx"])).status_code == 404


def test_creating_through_the_page_validates_the_date_and_trigger(
    web: HttpClient, client: Client, clinician: User
) -> None:
    url = reverse("assessment-new", args=[client.pk, "er"])
    bad = web.post(url, {"date": "2031-01-01", "trigger": ""})
    assert bad.status_code == 422
    assert "Trigger: choose" in bad.text
    assert Assessment.objects.count() == 0
    good = web.post(url, {"date": FIRST.isoformat(), "trigger": "loss"})
    a = Assessment.objects.get()
    assert good.status_code == 302 and a.inputs["trigger"] == "loss" and a.kind == "er"
    assert web.get(reverse("assessment-new", args=[client.pk, "weekly"])).status_code == 404


def test_an_er_snapshot_has_results_and_a_presentation(web: HttpClient, client: Client, clinician: User) -> None:
    a = finalised(client, clinician, kind="er")
    page = web.get(reverse("assessment-results", args=[a.pk])).text
    assert "rm-brain-map" in page and "abridged" in page
    assert "Developmental risk" not in page  # an er snapshot has no history
    assert "Rapid (ER) snapshot after: Placement change" in page
    url = reverse("assessment-present", args=[a.pk])
    for step in range(1, 8):
        assert web.get(f"{url}?step={step}").status_code == 200


def test_a_follow_up_presentation_has_a_change_screen(web: HttpClient, client: Client, clinician: User) -> None:
    finalised(client, clinician)
    better = full_inputs()
    better["history"] = {}
    better["functioning"] = {k: min(v + 2, 5) for k, v in FUNCTIONING.items()}
    follow = finalised(client, clinician, kind="follow_up", date=dt.date(2025, 8, 4), inputs=better)
    url = reverse("assessment-present", args=[follow.pk])
    texts = [web.get(f"{url}?step={n}").text for n in range(1, 12)]
    change = next(t for t in texts if "What has changed since last time" in t)
    # Every area rose by two ratings, and the start moved from regulate to maintain: the
    # family hears that it is better, and that the child is ready for the next step.
    assert "Better than last time (3 February 2025)" in change
    assert "Good news: <bdi>Sam</bdi> is ready for the next step of the plan." in change
    assert "Sensory integration" not in change  # plain area names, never the domain's label


def test_a_later_follow_up_keeps_the_comparison_it_was_signed_with(client: Client, clinician: User) -> None:
    # Finalised rows never change (the database refuses it): an amendment of the baseline
    # replaces it in the case file, but a follow-up signed earlier keeps its stored scores.
    original = finalised(client, clinician)
    later = full_inputs()
    later["history"] = {}
    follow = finalised(client, clinician, kind="follow_up", date=dt.date(2025, 8, 4), inputs=later)
    amendment = assessment_amend(original=original, user=clinician, reason="Sleep was misrecorded")
    assessment_finalise(assessment=save(amendment, clinician, "functioning.sleep", "4"), user=clinician,
                        password=PASSWORD)
    stored = Assessment.objects.get(pk=follow.pk)
    assert stored.result == follow.result and stored.inputs == follow.inputs


def test_the_new_snapshot_page_keeps_er_in_capitals(web: HttpClient, client: Client, clinician: User) -> None:
    page = web.get(reverse("assessment-new", args=[client.pk, "er"])).text
    assert "<h1>New rapid (ER) snapshot</h1>" in page
    assert "Start rapid (ER) snapshot" in page and "(er)" not in page


def test_the_finalise_page_of_a_snapshot_keeps_er_in_capitals(web: HttpClient, client: Client,
                                                                clinician: User) -> None:
    snapshot = assessment_create(client=client, kind="er", date=FIRST, user=clinician)
    page = web.get(reverse("assessment-finalise", args=[snapshot.pk])).text
    assert f"Finalise rapid (ER) snapshot {snapshot.reference}" in page and "(er)" not in page
