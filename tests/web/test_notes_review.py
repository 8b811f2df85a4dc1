"""The clinician's notes (formulation, family summary, item comments) and supervisor
review (submit, comment, co-sign) through services and pages (decision 0022)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments import reports
from rootmap.web.assessments.errors import AssessmentLocked, FieldInvalid, PasswordRejected
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_models import CoSignature, ReviewComment, ReviewRequest
from rootmap.web.assessments.review_selectors import review_queue, review_state
from rootmap.web.assessments.review_services import (
    ReviewRefused,
    review_comment,
    review_cosign,
    review_submit,
)
from rootmap.web.assessments.services import (
    assessment_amend,
    assessment_create,
    assessment_finalise,
    assessment_save_draft,
)
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.test_assessments import BIRTH, FIRST, PASSWORD, full_inputs, save

FORMULATION = "Her alarm system fires at the smallest change of routine."
COMMENT = "Falls asleep only with the light on."
FAMILY = "Keep evenings calm and the same every day."


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside Family Services")


def _user(org: Organisation | None, username: str, role: str, first: str = "", last: str = "") -> User:
    return User.objects.create_user(username=username, password=PASSWORD, organisation=org, role=role,
                                    first_name=first, last_name=last)


@pytest.fixture
def clinician(org: Organisation) -> User:
    return _user(org, "cleo", "clinician", "Cleo", "Carter")


@pytest.fixture
def supervisor(org: Organisation) -> User:
    return _user(org, "sam", "supervisor", "Sam", "Sutherland")


@pytest.fixture
def client(org: Organisation, clinician: User) -> Client:
    c = Client.objects.create(organisation=org, reference="C-1", display_name="Ruby", birth_date=BIRTH)
    c.clinicians.set([clinician])
    return c


def _browser(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _draft_with_notes(client: Client, user: User) -> Assessment:
    a = assessment_create(client=client, kind="full", date=FIRST, user=user)
    a.inputs = full_inputs()
    a.save()
    a = save(a, user, "notes.formulation", f"{FORMULATION}\n\n- routine\n- *rhythm*")
    a = save(a, user, "notes.family_summary", FAMILY)
    a = save(a, user, "notes.items.functioning.sleep", COMMENT)
    return a


@pytest.fixture
def signed(client: Client, clinician: User) -> Assessment:
    a = _draft_with_notes(client, clinician)
    return assessment_finalise(assessment=a, user=clinician, password=PASSWORD)


# --- Notes: saving and checking -----------------------------------------------------------------

def test_notes_are_saved_in_the_case_file_shape_with_an_audit_entry(client: Client, clinician: User) -> None:
    a = _draft_with_notes(client, clinician)
    stored = Assessment.objects.get(pk=a.pk).inputs["notes"]
    assert stored == {"formulation": f"{FORMULATION}\n\n- routine\n- *rhythm*", "family_summary": FAMILY,
                      "items": {"functioning.sleep": COMMENT}}
    fields = [e.detail.get("field") for e in AuditEntry.objects.filter(action="change", object_id=str(a.pk))]
    assert {"notes.formulation", "notes.family_summary", "notes.items.functioning.sleep"} <= set(fields)
    # Emptying a comment removes it; nothing empty is kept.
    a = save(a, clinician, "notes.items.functioning.sleep", "  ")
    assert "items" not in Assessment.objects.get(pk=a.pk).inputs["notes"]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("notes.formulation", "x" * 20_001, "Formulation: 20,001 characters is above the maximum 20,000"),
    ("notes.family_summary", "y" * 5_001, "Summary for the family: 5,001 characters is above the maximum 5,000"),
    ("notes.items.functioning.sleep", "z" * 1_001, "Comment on Sleep: 1,001 characters is above the maximum 1,000"),
    ("notes.items.functioning.no_such", "hi", "Comment: 'functioning.no_such' is not a functioning item"),
    ("notes.items.history.perinatal", "bad\x00", "Comment on Perinatal"),
    ("notes.mood", "hi", "'notes.mood' is not a field of this assessment"),
])
def test_a_bad_note_is_refused_naming_the_field_and_nothing_is_saved(
    client: Client, clinician: User, field: str, value: str, expected: str,
) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    with pytest.raises(FieldInvalid) as error:
        save(a, clinician, field, value)
    assert expected in error.value.message
    stored = Assessment.objects.get(pk=a.pk)
    assert stored.revision == a.revision and "notes" not in stored.inputs


def test_the_autosave_endpoint_and_the_whole_form_save_notes(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    web = _browser(clinician)
    url = reverse("assessment-field", args=[a.pk])
    response = web.post(url, {"_field": "notes.formulation", "notes.formulation": FORMULATION,
                              "revision": a.revision})
    assert response.status_code == 200
    refused = web.post(url, {"_field": "notes.items.relational.nope", "notes.items.relational.nope": "x",
                             "revision": a.revision + 1})
    assert refused.status_code == 422 and "is not a functioning item, relational item" in refused.content.decode()
    a.refresh_from_db()
    response = web.post(reverse("assessment-edit", args=[a.pk]), {
        "revision": a.revision, "action": "save", "notes.family_summary": FAMILY,
        "notes.items.history.infancy": "Two moves before age one."})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.inputs["notes"] == {"formulation": FORMULATION, "family_summary": FAMILY,
                                 "items": {"history.infancy": "Two moves before age one."}}
    page = web.get(reverse("assessment-edit", args=[a.pk])).content.decode()
    assert 'name="notes.formulation"' in page and FORMULATION in page
    assert 'name="notes.items.functioning.sleep"' in page  # the per-item disclosure
    assert 'name="notes.items.history.infancy"' in page and "Two moves before age one." in page


def test_the_whole_form_refuses_a_bad_note_naming_it(client: Client, clinician: User) -> None:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    response = _browser(clinician).post(reverse("assessment-edit", args=[a.pk]), {
        "revision": a.revision, "action": "save", "notes.formulation": "ok",
        "notes.family_summary": "y" * 5001})
    assert response.status_code == 422
    assert "Summary for the family: 5,001 characters is above the maximum 5,000" in response.content.decode()
    assert "notes" not in Assessment.objects.get(pk=a.pk).inputs  # all or nothing


def test_signed_notes_are_in_the_snapshot_and_the_case_file_export(signed: Assessment, clinician: User) -> None:
    notes = signed.snapshot["assessments"][-1]["notes"]
    assert notes["formulation"].startswith(FORMULATION) and notes["items"] == {"functioning.sleep": COMMENT}
    exported = json.loads(_browser(clinician).get(reverse("client-export", args=[signed.client_id])).content)
    assert exported["assessments"][-1]["notes"]["family_summary"] == FAMILY


def test_signed_notes_cannot_change_through_the_field_endpoint_a_post_or_the_database(
    signed: Assessment, clinician: User,
) -> None:
    web = _browser(clinician)
    before = Assessment.objects.get(pk=signed.pk)
    response = web.post(reverse("assessment-field", args=[signed.pk]),
                        {"_field": "notes.formulation", "notes.formulation": "Rewritten", "revision": signed.revision})
    assert response.status_code == 409 and "finalised and cannot change" in response.content.decode()
    response = web.post(reverse("assessment-edit", args=[signed.pk]),
                        {"revision": signed.revision, "notes.formulation": "Rewritten"})
    assert response.status_code == 302
    with pytest.raises(AssessmentLocked):
        assessment_save_draft(assessment=signed, user=clinician, values={"notes.formulation": "Rewritten"},
                              revision=signed.revision)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=signed.pk).update(inputs={"notes": {"formulation": "Rewritten"}})
    after = Assessment.objects.get(pk=signed.pk)
    assert after.inputs == before.inputs and after.snapshot == before.snapshot


# --- Notes: where they are shown ----------------------------------------------------------------

def test_the_results_page_shows_formulation_summary_and_comments(signed: Assessment, clinician: User) -> None:
    page = _browser(clinician).get(reverse("assessment-results", args=[signed.pk])).content.decode()
    assert FORMULATION in page and "<li><em>rhythm</em></li>" in page
    assert FAMILY in page and COMMENT in page


def test_the_family_sees_only_the_family_summary(signed: Assessment, clinician: User) -> None:
    web = _browser(clinician)
    family = web.get(reverse("assessment-report", args=[signed.pk, "family", "html"])).content.decode()
    assert FAMILY in family
    assert FORMULATION not in family and COMMENT not in family
    clinician_report = web.get(reverse("assessment-report", args=[signed.pk, "clinician", "html"])).content.decode()
    assert FORMULATION in clinician_report and COMMENT in clinician_report
    url = reverse("assessment-present", args=[signed.pk])
    total = web.get(url).context["total"]
    assert total > 1
    for step in range(1, total + 1):
        text = web.get(url, {"step": step}).content.decode()
        assert FORMULATION not in text and COMMENT not in text, step


# --- Review: services ---------------------------------------------------------------------------

def test_submit_comment_and_cosign_each_write_a_row_and_an_audit_entry(
    signed: Assessment, clinician: User, supervisor: User,
) -> None:
    review = review_submit(assessment=signed, user=clinician, message="Before the family meeting")
    assert review_state(signed).status == "waiting"
    assert list(review_queue(supervisor)) == [review]
    review_comment(review=review, user=supervisor, text="Please re-rate sleep.", asks_amendment=True)
    signature = review_cosign(review=review, user=supervisor, password=PASSWORD)
    assert signature.signer_name == "Sam Sutherland" and signature.signer_role == "Supervisor"
    assert signature.organisation_name == "Riverside Family Services"
    assert signature.result_sha256 == AuditEntry.objects.get(action="finalise").detail["result_sha256"]
    state = review_state(signed)
    assert state.status == "co-signed" and [c.text for c in state.comments] == ["Please re-rate sleep."]
    assert list(review_queue(supervisor)) == []
    actions = list(AuditEntry.objects.filter(object_id=str(signed.pk)).values_list("action", flat=True))
    assert {"review_request", "review_comment", "cosign"} <= set(actions)
    # The signed row itself never changed.
    assert Assessment.objects.get(pk=signed.pk).revision == signed.revision
    with pytest.raises(ReviewRefused, match="already co-signed"):
        review_submit(assessment=signed, user=clinician)


def test_a_supervisor_cannot_cosign_their_own_assessment(org: Organisation, supervisor: User) -> None:
    child = Client.objects.create(organisation=org, reference="C-9", display_name="Ada", birth_date=BIRTH)
    a = assessment_create(client=child, kind="full", date=FIRST, user=supervisor)
    a.inputs = full_inputs()
    a.save()
    a = assessment_finalise(assessment=a, user=supervisor, password=PASSWORD)
    review = review_submit(assessment=a, user=supervisor)
    assert list(review_queue(supervisor)) == []  # not in their own queue
    with pytest.raises(ReviewRefused, match="signed this assessment yourself"):
        review_cosign(review=review, user=supervisor, password=PASSWORD)
    assert not CoSignature.objects.exists()


def test_only_the_organisations_supervisors_and_admins_review(
    org: Organisation, signed: Assessment, clinician: User,
) -> None:
    review = review_submit(assessment=signed, user=clinician)
    colleague = _user(org, "colin", "clinician")
    outsider = _user(Organisation.objects.create(name="Hillside"), "otto", "supervisor")
    for who in (clinician, colleague, outsider):
        with pytest.raises(ReviewRefused, match="Only a supervisor or administrator"):
            review_comment(review=review, user=who, text="x")
        with pytest.raises(ReviewRefused):
            review_cosign(review=review, user=who, password=PASSWORD)
        assert list(review_queue(who)) == []
    admin = _user(org, "ada", "admin")
    review_cosign(review=review, user=admin, password=PASSWORD)
    assert CoSignature.objects.get().signer == admin


def test_a_wrong_password_does_not_cosign_and_is_audited(
    signed: Assessment, clinician: User, supervisor: User,
) -> None:
    review = review_submit(assessment=signed, user=clinician)
    with pytest.raises(PasswordRejected):
        review_cosign(review=review, user=supervisor, password="not it")
    assert not CoSignature.objects.exists()
    assert AuditEntry.objects.filter(action="cosign_refused", actor_name="sam").exists()


def test_an_amendment_supersedes_the_review(signed: Assessment, clinician: User, supervisor: User) -> None:
    review = review_submit(assessment=signed, user=clinician)
    review_comment(review=review, user=supervisor, text="Sleep looks wrong: please amend.", asks_amendment=True)
    assessment_amend(original=signed, user=clinician, reason="Supervisor asked to re-rate sleep")
    assert review_state(signed).status == "superseded"
    assert list(review_queue(supervisor)) == []
    with pytest.raises(ReviewRefused, match="supersedes this review"):
        review_cosign(review=review, user=supervisor, password=PASSWORD)
    with pytest.raises(ReviewRefused, match="supersedes this review"):
        review_comment(review=review, user=supervisor, text="late")
    with pytest.raises(ReviewRefused, match="amended"):
        review_submit(assessment=signed, user=clinician)


def test_a_draft_cannot_be_submitted_and_a_review_is_not_asked_twice(
    client: Client, signed: Assessment, clinician: User,
) -> None:
    draft = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    with pytest.raises(ReviewRefused, match="is a draft"):
        review_submit(assessment=draft, user=clinician)
    review_submit(assessment=signed, user=clinician)
    with pytest.raises(ReviewRefused, match="already waiting"):
        review_submit(assessment=signed, user=clinician)
    assert ReviewRequest.objects.count() == 1


# --- Review: pages and reports ------------------------------------------------------------------

def test_the_review_journey_through_the_pages(signed: Assessment, clinician: User, supervisor: User) -> None:
    mine, theirs = _browser(clinician), _browser(supervisor)
    results_url = reverse("assessment-results", args=[signed.pk])
    assert "Submit for supervisor review" in mine.get(results_url).content.decode()
    assert mine.post(reverse("assessment-review-submit", args=[signed.pk]), {"message": "Thanks"}).status_code == 302
    queue = theirs.get(reverse("review-queue")).content.decode()
    assert "Ruby" in queue and signed.reference in queue
    assert mine.get(reverse("review-queue")).status_code == 404
    assert mine.get(reverse("assessment-review", args=[signed.pk])).status_code == 404
    review_url = reverse("assessment-review", args=[signed.pk])
    page = theirs.get(review_url).content.decode()
    assert FORMULATION in page and "Co-sign" in page
    empty = theirs.post(review_url, {"action": "comment", "comment": "  "})
    assert empty.status_code == 422 and "Comment: write the comment" in empty.content.decode()
    theirs.post(review_url, {"action": "comment", "comment": "Please re-rate *sleep*.", "asks_amendment": "yes"})
    seen = mine.get(results_url).content.decode()
    assert "Please re-rate <em>sleep</em>." in seen and "asks for an amendment" in seen
    wrong = theirs.post(review_url, {"action": "cosign", "password": "nope"})
    assert wrong.status_code == 422 and "That password is not right" in wrong.content.decode()
    assert theirs.post(review_url, {"action": "cosign", "password": PASSWORD}).status_code == 302
    assert "Co-signed" in mine.get(results_url).content.decode()
    for audience in ("clinician", "family"):
        html = mine.get(reverse("assessment-report", args=[signed.pk, audience, "html"])).content.decode()
        assert "Confidential" in html and "Cleo Carter" in html and "Sam Sutherland" in html
        assert "Riverside Family Services" in html


@pytest.mark.parametrize("audience", ["clinician", "family"])
def test_the_pdf_reports_print_both_signatures_and_confidential(
    signed: Assessment, clinician: User, supervisor: User, audience: str,
) -> None:
    review_cosign(review=review_submit(assessment=signed, user=clinician), user=supervisor, password=PASSWORD)
    try:
        pdf = reports.report(signed, audience=audience, fmt="pdf")
    except reports.ReportUnavailable:
        pytest.skip("PDF rendering unavailable on this machine")
    assert isinstance(pdf, bytes)
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]
    assert all("CONFIDENTIAL" in p.upper() for p in pages)
    text = " ".join(" ".join(p.split()) for p in pages)
    assert "Cleo Carter" in text and "Sam Sutherland" in text and "Co-signed" in text
    if audience == "family":
        assert FAMILY in text and FORMULATION not in text and COMMENT not in text


def test_the_demo_has_a_formulation_and_a_pending_review(db: Any) -> None:
    from rootmap.web.demo import demo_load

    demo_load(password="a long demo password")
    demo_load(password="a long demo password")  # again: nothing doubled
    supervisor = User.objects.get(username="supervisor")
    waiting = list(review_queue(supervisor))
    assert len(waiting) == 1
    assessment = waiting[0].assessment
    assert assessment.inputs["notes"]["formulation"].startswith("Milo's early years")
    page = _browser(User.objects.get(username="clinician")).get(
        reverse("assessment-results", args=[assessment.pk])).content.decode()
    assert "Waiting for review" in page and "Milo&#x27;s early years" in page
    assert not ReviewComment.objects.exists()


def test_review_rows_cannot_be_updated_or_deleted_in_the_database(
    signed: Assessment, clinician: User, supervisor: User,
) -> None:
    from rootmap.web.integrity.triggers import REVIEW_TABLES

    assert set(REVIEW_TABLES) == {m._meta.db_table for m in (ReviewRequest, ReviewComment, CoSignature)}
    review = review_submit(assessment=signed, user=clinician)
    review_comment(review=review, user=supervisor, text="Fine")
    review_cosign(review=review, user=supervisor, password=PASSWORD)
    for model, change in ((CoSignature, {"signer_name": "Someone else"}), (ReviewComment, {"text": "Other"}),
                          (ReviewRequest, {"message": "Other"})):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.update(**change)
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.all().delete()
    assert CoSignature.objects.get().signer_name == "Sam Sutherland"
