"""Sources on the web: informant roles and hours saved field by field, rows added in place,
documents' files checked by their bytes, stored outside the web root under random names,
served only to those who may see the assessment, frozen at signing, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.errors import FieldInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create, assessment_finalise, assessment_save_field
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from rootmap.web.sources import storage
from rootmap.web.sources.content import ContentRefused, checked_media_type
from rootmap.web.sources.models import DocumentFile
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL
from tests.web.sources_fixtures import (
    HTML_AS_PDF,
    jpeg_bytes,
    pdf_bytes,
    pdf_with_javascript,
    pdf_with_launch,
    png_bytes,
)

PASSWORD = "a long enough password 42"
FIRST = dt.date(2025, 2, 3)
IN_PLACE = {"HTTP_X_ROOTMAP_IN_PLACE": "1"}


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside")


@pytest.fixture
def clinician(org: Organisation) -> User:
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def client(org: Organisation, clinician: User) -> Client:
    c = Client.objects.create(organisation=org, reference="C-1", display_name="Sam",
                              birth_date=dt.date(2016, 4, 11))
    c.clinicians.set([clinician])
    return c


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


@pytest.fixture
def draft(client: Client, clinician: User) -> Assessment:
    a = assessment_create(client=client, kind="full", date=FIRST, user=clinician)
    a.inputs.update(functioning=dict(FUNCTIONING), relational=dict(RELATIONAL),
                    history={"perinatal": {"adversity": 3, "relational_health": 1},
                             "infancy": {"adversity": 2, "relational_health": 1},
                             "early_childhood": {"adversity": 3, "relational_health": 2},
                             "childhood": {"adversity": 2, "relational_health": 3}},
                    documents=[{"title": "School report", "source": "School", "date": "2024-12-01"}])
    a.save()
    return a


def fresh(a: Assessment) -> Assessment:
    return Assessment.objects.get(pk=a.pk)


def upload(web: HttpClient, a: Assessment, content: bytes, name: str, content_type: str, *,
           in_place: bool = True, index: int = 0) -> Any:
    url = reverse("document-file-upload", args=[a.pk, index])
    data = {"upload": SimpleUploadedFile(name, content, content_type=content_type),
            "revision": fresh(a).revision}
    return web.post(url, data, **(IN_PLACE if in_place else {}))


# --- Content checks, from real bytes -------------------------------------------------------------

def test_real_pdfs_and_images_are_told_by_their_bytes() -> None:
    assert checked_media_type(pdf_bytes(), "report.pdf") == "application/pdf"
    assert checked_media_type(png_bytes(), "scan.jpg") == "image/png"  # the name does not matter
    assert checked_media_type(jpeg_bytes(), "photo") == "image/jpeg"


@pytest.mark.parametrize(("content", "words"), [
    (HTML_AS_PDF, "is not a PDF, PNG or JPEG file"),
    (b"#!/bin/sh\nrm -rf ~\n", "is not a PDF, PNG or JPEG file"),
    (b"%PDF-1.7\n this is not a PDF at all", "cannot be read as one"),
    (png_bytes()[:30], "cannot be read as one"),
])
def test_what_is_not_a_pdf_or_image_is_refused(content: bytes, words: str) -> None:
    with pytest.raises(ContentRefused) as error:
        checked_media_type(content, "report.pdf")
    assert words in str(error.value)
    assert str(error.value).startswith("report.pdf: ")


def test_a_pdf_with_javascript_is_refused() -> None:
    with pytest.raises(ContentRefused) as error:
        checked_media_type(pdf_with_javascript(), "letter.pdf")
    assert "contains JavaScript" in str(error.value)


@pytest.mark.parametrize("hex_escaped", [False, True], ids=["plain", "name hex-escaped"])
def test_a_pdf_that_would_launch_a_program_is_refused(hex_escaped: bool) -> None:
    # QA: a PDF whose OpenAction launches cmd.exe was accepted (only JavaScript was refused).
    with pytest.raises(ContentRefused) as error:
        checked_media_type(pdf_with_launch(hex_escaped=hex_escaped), "letter.pdf")
    assert str(error.value).startswith("letter.pdf: the PDF contains an action that opens another program")
    assert checked_media_type(pdf_bytes(), "plain.pdf") == "application/pdf"


# --- Upload, download, removal -------------------------------------------------------------------

def test_an_uploaded_pdf_is_kept_outside_the_web_root_under_a_random_name(
        web: HttpClient, draft: Assessment, clinician: User) -> None:
    content = pdf_bytes()
    response = upload(web, draft, content, "School report.pdf", "application/pdf")
    assert response.status_code == 200
    assert "School report.pdf" in response.content.decode()
    sha = hashlib.sha256(content).hexdigest()
    row = fresh(draft).inputs["documents"][0]
    assert row["file"] == {"name": "School report.pdf", "media_type": "application/pdf",
                           "size": len(content), "sha256": sha}
    stored = DocumentFile.objects.get(client=draft.client, sha256=sha)
    path = storage.document_dir() / stored.stored_name
    assert path.read_bytes() == content
    assert "report" not in stored.stored_name and len(stored.stored_name) == 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    entry = AuditEntry.objects.get(action="upload")
    assert entry.detail["sha256"] == sha and entry.actor == clinician


def test_the_download_is_an_attachment_never_sniffed_and_audited(web: HttpClient, draft: Assessment) -> None:
    content = png_bytes()
    upload(web, draft, content, "scan.png", "image/png")
    sha = hashlib.sha256(content).hexdigest()
    response = web.get(reverse("document-file-download", args=[draft.pk, sha]))
    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="download", detail__document_file=sha).count() == 1


def test_html_renamed_pdf_is_refused_and_nothing_is_kept(web: HttpClient, draft: Assessment) -> None:
    response = upload(web, draft, HTML_AS_PDF, "report.pdf", "application/pdf")
    assert response.status_code == 422
    assert "report.pdf: is not a PDF, PNG or JPEG file" in response.content.decode()
    assert "file" not in fresh(draft).inputs["documents"][0]
    assert not DocumentFile.objects.exists()
    assert not any(storage.document_dir().glob("[0-9a-f]*")) or not DocumentFile.objects.exists()
    assert not AuditEntry.objects.filter(action="upload").exists()


@override_settings(ROOTMAP_DOCUMENT_MAX_MB=1)
def test_a_file_over_the_limit_gets_a_clear_message_not_a_500(web: HttpClient, draft: Assessment) -> None:
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024)
    response = upload(web, draft, big, "huge.pdf", "application/pdf")
    assert response.status_code == 413
    assert "huge.pdf: is larger than the limit of 1 MB" in response.content.decode()
    assert not DocumentFile.objects.exists()
    # Without JavaScript: back to the entry page, which says so.
    response = upload(web, draft, big, "huge.pdf", "application/pdf", in_place=False)
    assert response.status_code == 302
    page = web.get(response["Location"]).content.decode()
    assert "huge.pdf: is larger than the limit of 1 MB" in page


def test_a_colleague_not_assigned_cannot_download(org: Organisation, web: HttpClient, draft: Assessment) -> None:
    content = png_bytes()
    upload(web, draft, content, "scan.png", "image/png")
    colleague = User.objects.create_user(username="cole", password=PASSWORD, organisation=org, role="clinician")
    other = HttpClient()
    other.force_login(colleague)
    sha = hashlib.sha256(content).hexdigest()
    assert other.get(reverse("document-file-download", args=[draft.pk, sha])).status_code == 404
    # A file of another assessment is not reachable through this one either.
    assert web.get(reverse("document-file-download", args=[draft.pk, "0" * 64])).status_code == 404
    assert not AuditEntry.objects.filter(action="download").exists()


def test_removing_a_file_is_audited_and_its_bytes_go(web: HttpClient, draft: Assessment,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    upload(web, draft, png_bytes(), "scan.png", "image/png")
    stored = DocumentFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # the bytes go once the removal commits
        response = web.post(reverse("document-file-remove", args=[draft.pk, 0]),
                            {"revision": fresh(draft).revision}, **IN_PLACE)
    assert response.status_code == 200
    assert "file" not in fresh(draft).inputs["documents"][0]
    assert AuditEntry.objects.filter(action="remove_file", detail__sha256=stored.sha256).exists()
    assert not DocumentFile.objects.exists()
    assert storage.path_of(stored.stored_name) is None


def test_signing_freezes_the_file_and_keeps_its_sha256(
        web: HttpClient, draft: Assessment, clinician: User) -> None:
    content = pdf_bytes()
    upload(web, draft, content, "report.pdf", "application/pdf")
    signed = assessment_finalise(assessment=fresh(draft), user=clinician, password=PASSWORD)
    documents = signed.snapshot["assessments"][-1]["documents"]
    assert documents[0]["file"]["sha256"] == hashlib.sha256(content).hexdigest()
    response = web.post(reverse("document-file-remove", args=[draft.pk, 0]), {"revision": signed.revision})
    assert response.status_code == 302 and response["Location"] == reverse("assessment-results", args=[draft.pk])
    assert fresh(draft).inputs["documents"][0]["file"]["sha256"] == documents[0]["file"]["sha256"]
    assert DocumentFile.objects.count() == 1
    # Still served from the signed record.
    sha = documents[0]["file"]["sha256"]
    assert web.get(reverse("document-file-download", args=[draft.pk, sha])).content == content
    assert not AuditEntry.objects.filter(action="remove_file").exists()
    report = web.get(reverse("assessment-report", args=[draft.pk, "clinician", "html"]))
    assert report.status_code == 200
    assert "Sources and time spent" in report.content.decode() and sha in report.content.decode()


# --- Rows in place and without JavaScript --------------------------------------------------------

def test_rows_are_added_in_place_and_by_the_whole_form(web: HttpClient, draft: Assessment) -> None:
    url = reverse("source-rows", args=[draft.pk, "informants"])
    response = web.post(url, {"action": "add:informants", "revision": fresh(draft).revision}, **IN_PLACE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="rows-informants"' in html and "Informant 1" in html
    assert f'data-revision="{fresh(draft).revision}"' in html
    assert "<html" not in html  # a fragment, not a page
    # Without JavaScript the entry form posts every field here: saved, then the row added.
    response = web.post(url, {"action": "add:informants", "revision": fresh(draft).revision,
                              "informants.0.role": "teacher", "informants.0.name": "Ms Reed"})
    assert response.status_code == 302
    rows = fresh(draft).inputs["informants"]
    assert rows[0]["role"] == "teacher" and rows[0]["name"] == "Ms Reed" and len(rows) == 2


def test_a_stale_page_cannot_add_a_row(web: HttpClient, draft: Assessment) -> None:
    url = reverse("source-rows", args=[draft.pk, "informants"])
    response = web.post(url, {"action": "add:informants", "revision": fresh(draft).revision - 1}, **IN_PLACE)
    assert response.status_code == 409
    assert "changed elsewhere" in response.content.decode()
    assert fresh(draft).inputs["informants"] == []


def test_removing_a_document_row_takes_its_file_with_it(web: HttpClient, draft: Assessment) -> None:
    upload(web, draft, png_bytes(), "scan.png", "image/png")
    response = web.post(reverse("source-rows", args=[draft.pk, "documents"]),
                        {"action": "remove:documents:0", "revision": fresh(draft).revision}, **IN_PLACE)
    assert response.status_code == 200
    assert fresh(draft).inputs["documents"] == []
    assert AuditEntry.objects.filter(action="remove_file").exists()
    assert not DocumentFile.objects.exists()


# --- Role and hours fields -----------------------------------------------------------------------

def _save(a: Assessment, user: User, field: str, value: str) -> Assessment:
    return assessment_save_field(assessment=fresh(a), user=user, field=field, value=value,
                                 revision=fresh(a).revision)


def test_role_hours_and_presentation_date_are_saved_and_checked(draft: Assessment, clinician: User) -> None:
    draft.inputs["informants"] = [{"role": "", "name": "", "description": "", "hours": None}]
    draft.save()
    _save(draft, clinician, "informants.0.role", "kin")
    _save(draft, clinician, "hours.record_review", "2,5")
    _save(draft, clinician, "presentation_date", "2025-02-10")
    inputs = fresh(draft).inputs
    assert inputs["informants"][0]["role"] == "kin"
    assert inputs["hours"] == {"record_review": 2.5}
    assert inputs["presentation_date"] == "2025-02-10"
    refused = [("informants.0.role", "aunt", "Role (informant 1): 'aunt' is not one of the roles; choose one of "
                "youth, parent, caregiver or foster parent, kin, teacher, caseworker, therapist, other"),
               ("hours.preparation", "201", "Preparation hours: 201 is above the maximum 200 hours"),
               ("hours.presentation", "an hour", "Presentation hours: expected a number of hours such as 1.5, "
                "got 'an hour'"),
               ("presentation_date", "2025-01-01", "Presentation date: 2025-01-01 is before the assessment's "
                "date 2025-02-03; the results are presented after it"),
               ("presentation_date", "9999-12-31", "Presentation date: 9999-12-31 is more than a year after "
                "the assessment's date 2025-02-03; expected the date the results are (or will be) presented")]
    for field, value, message in refused:
        with pytest.raises(FieldInvalid) as error:
            _save(draft, clinician, field, value)
        assert error.value.message == message
    signed = assessment_finalise(assessment=fresh(draft), user=clinician, password=PASSWORD)
    mine = signed.snapshot["assessments"][-1]
    assert mine["hours"] == {"record_review": 2.5} and mine["presentation_date"] == "2025-02-10"


def test_the_entry_page_offers_the_roles_and_explains_an_old_free_text_role(
        web: HttpClient, draft: Assessment) -> None:
    draft.inputs["informants"] = [{"role": "Grandma Jo", "name": "Jo", "hours": 1}]
    draft.save()
    page = web.get(reverse("assessment-edit", args=[draft.pk])).content.decode()
    assert '<option value="caregiver">Caregiver or foster parent</option>' in page
    assert "Written before roles were a list: “Grandma Jo”" in page
    assert 'id="f-hours-record-review"' in page and 'name="presentation_date"' in page


def test_the_demo_has_listed_roles_and_hours(db: Any) -> None:
    from rootmap.web.demo import demo_load

    demo_load(password="a demo password 1234")
    full = Assessment.objects.filter(kind="full", client__reference="C-0102").order_by("date").first()
    assert full is not None
    informants = full.inputs["informants"]
    assert {i["role"] for i in informants} <= {"youth", "parent", "caregiver", "kin", "teacher", "caseworker",
                                               "therapist", "other"}
    assert any(i["role"] == "youth" and i["description"] == "child" for i in informants)
    assert full.inputs["hours"] == {"record_review": 2.0, "preparation": 1.0, "presentation": 1.0}
    assert full.inputs["presentation_date"] > full.date.isoformat()


def test_without_javascript_the_whole_form_is_saved_then_the_file_attached(
        web: HttpClient, draft: Assessment) -> None:
    url = reverse("document-file-upload", args=[draft.pk, 0])
    response = web.post(url, {"upload": SimpleUploadedFile("scan.jpg", jpeg_bytes(), content_type="image/jpeg"),
                              "revision": fresh(draft).revision, "documents.0.title": "Health visitor notes",
                              "hours.preparation": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    inputs = fresh(draft).inputs
    assert inputs["documents"][0]["title"] == "Health visitor notes"
    assert inputs["documents"][0]["file"]["media_type"] == "image/jpeg"
    assert inputs["hours"] == {"preparation": 1.0}


def test_an_upload_without_the_csrf_token_is_refused(clinician: User, draft: Assessment) -> None:
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(clinician)
    response = strict.post(reverse("document-file-upload", args=[draft.pk, 0]),
                           {"upload": SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png"),
                            "revision": fresh(draft).revision}, **IN_PLACE)
    assert response.status_code == 403
    assert not DocumentFile.objects.exists()


def _signed_with_informants(draft: Assessment, clinician: User, informants: list[dict[str, Any]]) -> Assessment:
    """The draft with these informant rows as stored inputs, then signed."""
    a = fresh(draft)
    a.inputs["informants"] = informants
    a.save()
    assessment_finalise(assessment=fresh(a), user=clinician, password=PASSWORD)
    return a


def test_the_presentation_reads_a_free_text_role_as_its_role_not_as_typed(
        web: HttpClient, draft: Assessment, clinician: User) -> None:
    # QA: an informant whose role was written as free text before roles were a list (stored
    # inputs keep a case file's own text) was shown to the family as typed, carer's name
    # included: "from talking with jane whitfield (foster carer), other and ...".
    a = _signed_with_informants(draft, clinician, [
        {"role": "Jane Whitfield (foster carer)", "name": "", "description": "", "hours": 1.5},
        {"role": "other", "name": "Len Ashby", "description": "coach", "hours": 0.25},
        {"role": "youth", "name": "Sam", "description": "", "hours": 2.0}])
    present = " ".join(web.get(reverse("assessment-present", args=[a.pk])).content.decode().split())
    assert "whitfield" not in present.lower() and "len ashby" not in present.lower()
    assert ("from talking with caregiver or foster parent, the young person and someone else (about 4 hours)"
            in present)


def test_the_family_never_reads_an_informants_name(web: HttpClient, draft: Assessment, clinician: User) -> None:
    # QA: the presentation said "from talking with Jane Whitfield (caregiver)": a foster
    # carer's own name, and the raw role key, on a family-facing page.
    a = _signed_with_informants(draft, clinician, [
        {"role": "caregiver", "name": "Jane Whitfield", "description": "", "hours": 2.0},
        {"role": "youth", "name": "Sam", "description": "", "hours": 1.0},
        {"role": "caseworker", "name": "Omar Haddad", "description": "", "hours": 1.0}])
    clinician_report = web.get(reverse("assessment-report", args=[a.pk, "clinician", "html"])).content.decode()
    assert "Jane Whitfield" in clinician_report  # the clinician's record keeps the names
    present = web.get(reverse("assessment-present", args=[a.pk])).content.decode()
    family = web.get(reverse("assessment-report", args=[a.pk, "family", "html"])).content.decode()
    for page in (present, family):
        assert "Jane Whitfield" not in page and "Omar Haddad" not in page
        assert "(caregiver)" not in page and "(youth)" not in page
    assert ("from talking with caregiver or foster parent, the young person and caseworker (about 4 hours)"
            in " ".join(present.split()))
