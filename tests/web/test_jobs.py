"""Background jobs on the embedded default: Celery runs each job in the web process once the
request that asked for it has committed, through the same code a worker runs (the real
worker is tests/web/test_jobs_worker.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from rootmap.web.jobs.models import Job
from rootmap.web.jobs.services import job_purge_expired
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example


@pytest.fixture(autouse=True)
def job_folder(tmp_path, settings) -> Path:
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    settings.ROOTMAP_JOB_RETRY_SECONDS = 1
    return tmp_path / "jobs"


@pytest.fixture
def milo(org, clinician) -> Client:
    return case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))


def _browser(user) -> HttpClient:
    browser = HttpClient()
    browser.force_login(user)
    return browser


def _final(client: Client, reference: str = "A-3") -> Assessment:
    return Assessment.objects.get(client=client, reference=reference, status="final")


def test_a_pdf_report_is_made_as_a_job_and_offered_to_its_owner_only(
        milo, clinician, admin, django_capture_on_commit_callbacks, job_folder):
    browser = _browser(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        asked = browser.post(reverse("job-report", args=[_final(milo).pk, "clinician"]))
    job = Job.objects.get()
    assert asked.status_code == 302 and asked["Location"] == reverse("job-detail", args=[job.pk])
    assert (job.status, job.progress, job.attempts, job.client_id) == ("done", 100, 1, milo.pk)
    assert job.result_name == "rootmap-C-0102-A-3-clinician.pdf"
    stored = job_folder / job.result_file
    assert stored.stat().st_mode & 0o777 == 0o600  # readable by Rootmap's own user only

    page = browser.get(reverse("job-status", args=[job.pk])).content.decode()
    assert "Ready" in page and reverse("job-download", args=[job.pk]) in page
    assert "hx-trigger" not in page  # finished: the page stops polling

    download = browser.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert 'filename="rootmap-C-0102-A-3-clinician.pdf"' in download["Content-Disposition"]
    pdf = b"".join(download.streaming_content)
    assert pdf.startswith(b"%PDF") and "A-3" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    entry = AuditEntry.objects.filter(action="download", object_type="job").get()
    assert (entry.actor_id, entry.client_id, entry.object_id) == (clinician.pk, milo.pk, str(job.pk))

    # Nobody else, not even the organisation's administrator, reaches the job or its file.
    other = _browser(admin)
    for name in ("job-detail", "job-status", "job-download"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="download", object_type="job").count() == 1


def test_a_job_that_keeps_failing_is_retried_then_shown_failed(
        milo, clinician, settings, tmp_path, django_capture_on_commit_callbacks):
    # The job folder cannot be made (a file is in the way): every attempt fails to store the PDF.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.ROOTMAP_JOB_DIR = str(blocker / "jobs")
    settings.ROOTMAP_JOB_RETRIES = 2
    browser = _browser(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("job-report", args=[_final(milo).pk, "family"]))
    job = Job.objects.get()
    assert (job.status, job.attempts, job.result_file) == ("failed", 3, "")
    assert job.error.startswith("Failed after 3 attempts: the file could not be written (Not a directory)")
    page = browser.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Failed after 3 attempts" in page and 'role="alert"' in page
    assert browser.get(reverse("job-download", args=[job.pk])).status_code == 302


def test_a_report_of_a_client_taken_off_the_caseload_is_refused_without_retrying(
        milo, clinician, django_capture_on_commit_callbacks):
    from rootmap.web.jobs.services import job_attempt, job_submit

    job = job_submit(owner=clinician, kind="report", client_id=milo.pk,
                     params={"assessment": _final(milo).pk, "audience": "clinician"})
    milo.clinicians.clear()
    result = job_attempt(job_id=str(job.pk))
    job.refresh_from_db()
    assert (result.status, result.retry_in, job.attempts) == ("failed", None, 1)
    assert job.error == "Refused: the assessment is not on your caseload any more."


def test_a_finished_file_is_not_handed_over_once_its_owner_may_no_longer_see_it(
        milo, clinician, admin, django_capture_on_commit_callbacks):
    # The report was made while Milo was on the clinician's caseload; taken off it, the
    # clinician could still download his PDF for 24 hours (and a demoted administrator
    # the whole organisation's research export), though his pages were 404.
    browser = _browser(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("job-report", args=[_final(milo).pk, "clinician"]))
    report = Job.objects.get()
    assert report.status == "done"
    milo.clinicians.clear()
    refused = browser.get(reverse("job-download", args=[report.pk]))
    assert refused.status_code == 302 and refused["Location"] == reverse("job-detail", args=[report.pk])
    page = browser.get(refused["Location"]).content.decode()
    assert "no longer yours to download: the assessment is not on your caseload any more" in page

    chief = _browser(admin)
    with django_capture_on_commit_callbacks(execute=True):
        chief.post(reverse("job-research-export"))
    export = Job.objects.get(kind="research_export")
    assert export.status == "done", export.error
    allowed = chief.get(reverse("job-download", args=[export.pk]))
    assert allowed.status_code == 200 and b"".join(allowed.streaming_content).startswith(b"PK")
    admin.role = "clinician"
    admin.save(update_fields=["role"])
    assert chief.get(reverse("job-download", args=[export.pk])).status_code == 302
    assert not AuditEntry.objects.filter(action="download", object_id=str(report.pk)).exists()
    assert AuditEntry.objects.filter(action="download", object_id=str(export.pk)).count() == 1


def test_many_case_files_are_imported_each_on_its_own(org, clinician, job_folder,
                                                      django_capture_on_commit_callbacks):
    bad = example("toddler-kinship.json")
    bad["assessments"][0]["functioning"]["sleep"] = 7
    files = [("milo.json", example("school-age-foster.json")), ("poppy.json", bad),
             ("tessa.json", example("adolescent-er.json"))]
    uploads = []
    for name, data in files:
        upload = io.BytesIO(json.dumps(data).encode())
        upload.name = name
        uploads.append(upload)
    browser = _browser(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(reverse("job-import"), {"files": uploads})
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == "done"
    assert job.summary[0] == "milo.json: imported as C-0102"
    assert job.summary[1].startswith("poppy.json: not imported: ")
    assert "sleep" in job.summary[1] and "7" in job.summary[1]
    assert job.summary[2] == "tessa.json: imported as C-0103"
    assert sorted(Client.objects.values_list("reference", flat=True)) == ["C-0102", "C-0103"]
    assert not list(job_folder.glob(f"{job.pk}.input-*"))  # the uploads are not kept once imported


def test_an_import_with_no_file_names_the_field(clinician):
    response = _browser(clinician).post(reverse("job-import"), {})
    assert response.status_code == 422
    assert "Case files: choose at least one JSON case file." in response.content.decode()
    assert not Job.objects.exists()


def test_the_research_export_runs_as_a_job_for_administrators(
        milo, admin, clinician, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _browser(admin).post(reverse("job-research-export"))
    job = Job.objects.get()
    assert job.status == "done" and job.result_name.endswith(".zip")
    # One client's three assessments: fewer than k = 5 children share anything, so every row is
    # withheld.
    assert job.summary == ["0 rows; 3 suppressed for k = 5"]
    assert AuditEntry.objects.filter(action="export", actor=admin).count() == 1
    assert _browser(clinician).post(reverse("job-research-export")).status_code == 404


def test_the_research_export_job_streams_the_csv_the_export_writes(
        milo, admin, job_folder, settings, django_capture_on_commit_callbacks):
    """The job writes its archive straight into the job folder, the CSV as its rows are
    made: the archive holds exactly what research_export_write writes to a stream."""
    import csv
    import zipfile

    from rootmap.web.privacy.services import research_export_write

    settings.ROOTMAP_EXPORT_K = 1  # every row kept: there is something to compare
    with django_capture_on_commit_callbacks(execute=True):
        _browser(admin).post(reverse("job-research-export"))
    job = Job.objects.get()
    assert job.status == "done" and job.summary == ["3 rows; 0 suppressed for k = 1"]
    stream = io.StringIO()
    direct = research_export_write(stream=stream, user=admin, organisation_id=admin.organisation_id)
    with zipfile.ZipFile(job_folder / job.result_file) as bundle:
        names = bundle.namelist()
        assert [n.rsplit(".", 1)[-1] for n in names] == ["csv", "json"]
        text = bundle.read(names[0]).decode("utf-8")
        metadata = json.loads(bundle.read(names[1]))
    assert text == stream.getvalue()
    assert len(list(csv.DictReader(io.StringIO(text)))) == 3
    assert metadata.pop("created_at") and direct.metadata.pop("created_at")
    assert metadata == direct.metadata
    assert not [p for p in job_folder.iterdir() if p.name.startswith(".writing-")]


def test_an_expired_file_is_removed_and_no_longer_offered(milo, clinician, job_folder,
                                                          django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    browser = _browser(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("job-report", args=[_final(milo).pk, "family"]))
    job = Job.objects.get()
    assert (job_folder / job.result_file).exists()
    assert job_purge_expired(now=timezone.now() + dt.timedelta(hours=23)) == 0
    assert job_purge_expired(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not (job_folder / f"{job.pk}.result").exists()
    assert browser.get(reverse("job-download", args=[job.pk])).status_code == 302


def test_a_backup_job_is_for_the_installations_superuser_only(
        milo, admin, django_capture_on_commit_callbacks):
    import gzip

    from rootmap.web.accounts.models import User

    root = User.objects.create_superuser(username="root", password="x" * 12, email="root@example.org")
    browser = _browser(root)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(reverse("job-backup"))
    job = Job.objects.get()
    assert job.status == "done" and job.result_name.endswith(".backup.json.gz"), job.error
    download = browser.get(reverse("job-download", args=[job.pk]))
    backup = json.loads(gzip.decompress(b"".join(download.streaming_content)))
    assert backup["manifest"]["format"] == "rootmap-backup/2"
    assert backup["manifest"]["counts"]["clients.client"] == 1
    # An organisation's administrator may not take other organisations' records away.
    assert _browser(admin).post(reverse("job-backup")).status_code == 404
