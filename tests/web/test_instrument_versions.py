"""Two instrument versions in one database: version 1 and the test version "2-test" (a copy
of version 1 with the perinatal weight 0.15 instead of 1.00 and sleep's anchor 2 reworded).
Each assessment is started on its version, scored, shown and reported with it, and keeps it
(decision 0015)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_amend, assessment_finalise
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError, case_file_import
from rootmap.web.jobs.models import Job
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

TEST_VERSIONS = Path(__file__).resolve().parents[1] / "data" / "instruments"
PASSWORD = "a long enough password 42"
V1_SLEEP_2 = "Disrupted sleep (long settling, waking, nightmares) several nights a week; needs adult help to resettle"
TEST_SLEEP_2 = "Broken sleep on several nights each week (test wording); an adult helps to resettle"
# perinatal: adversity 4, relational health 4 -> 100 * (0.40 * 1 + 0.60 * 0) = 40
# infancy:   adversity 0, relational health 0 -> 100 * (0.50 * 0 + 0.50 * 1) = 50
HISTORY = {"perinatal": {"adversity": 4, "relational_health": 4},
           "infancy": {"adversity": 0, "relational_health": 0}}
V1_RISK = "44.6"     # (1.00 * 40 + 0.85 * 50) / 1.85 = 82.5 / 1.85 = 44.59...
TEST_RISK = "48.5"   # (0.15 * 40 + 0.85 * 50) / 1.00 = 6 + 42.5


@pytest.fixture(autouse=True)
def two_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(TEST_VERSIONS))


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside")


@pytest.fixture
def clinician(org: Organisation) -> User:
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def sam(org: Organisation, clinician: User) -> Client:
    c = Client.objects.create(organisation=org, reference="C-1", display_name="Sam",
                              birth_date=dt.date(2016, 4, 11))
    c.clinicians.set([clinician])
    return c


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


def start(web: HttpClient, client: Client, date: str, **version: str) -> Assessment:
    response = web.post(reverse("assessment-new", args=[client.pk, "full"]), {"date": date, **version})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Assessment.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def finalise(assessment: Assessment, user: User) -> Assessment:
    assessment.inputs = {"history": HISTORY, "functioning": dict(FUNCTIONING), "relational": dict(RELATIONAL),
                         "trigger": None, "informants": [], "documents": []}
    assessment.save()
    return assessment_finalise(assessment=assessment, user=user, password=PASSWORD)


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(content)).pages)


def test_the_new_assessment_page_offers_every_version_with_the_current_one_chosen(web: HttpClient, sam: Client):
    page = web.get(reverse("assessment-new", args=[sam.pk, "full"])).content.decode()
    assert '<option value="1" selected>1: Rootmap developmental profile, version 1</option>' in page
    assert '<option value="2-test">2-test: Rootmap developmental profile, test version 2-test</option>' in page


def test_an_unavailable_version_is_refused_naming_the_field(web: HttpClient, sam: Client):
    response = web.post(reverse("assessment-new", args=[sam.pk, "full"]),
                        {"date": "2025-02-03", "instrument_version": "../1"})
    assert response.status_code == 422
    assert "Instrument version: &#x27;../1&#x27; is not available; expected one of 1, 2-test" in \
        response.content.decode()
    assert not Assessment.objects.filter(client=sam).exists()


@pytest.fixture
def job_folder(tmp_path: Path, settings: Any) -> Path:
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    return tmp_path / "jobs"


def pdf_report(web: HttpClient, assessment: Assessment, capture: Any) -> bytes:
    """The clinician PDF, made as a job (run when the request commits) and downloaded."""
    with capture(execute=True):
        asked = web.post(reverse("job-report", args=[assessment.pk, "clinician"]))
    assert asked.status_code == 302
    job = Job.objects.get(pk=asked["Location"].rstrip("/").split("/")[-1])
    assert job.status == "done"
    download = web.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    return b"".join(download.streaming_content)


def test_two_versions_score_show_and_report_side_by_side(web: HttpClient, sam: Client, clinician: User,
                                                          job_folder: Path, django_capture_on_commit_callbacks):
    one = start(web, sam, "2025-02-03")  # no choice made: the current version
    two = start(web, sam, "2025-03-03", instrument_version="2-test")
    assert (one.instrument_version, two.instrument_version) == ("1", "2-test")

    # Entry: each draft offers its own version's anchors.
    entry_one = web.get(reverse("assessment-edit", args=[one.pk])).content.decode()
    entry_two = web.get(reverse("assessment-edit", args=[two.pk])).content.decode()
    assert V1_SLEEP_2 in entry_one and TEST_SLEEP_2 not in entry_one
    assert TEST_SLEEP_2 in entry_two and V1_SLEEP_2 not in entry_two
    # ... and says which version it is, as the results page does (the anchors alone do not tell).
    assert "instrument version 1\n" in entry_one and "instrument version 2-test" not in entry_one
    assert "instrument version 2-test\n" in entry_two

    one, two = finalise(one, clinician), finalise(two, clinician)
    stored = {a.reference: a for a in Assessment.objects.filter(client=sam)}
    assert stored[one.reference].instrument_version == "1"          # finalising kept each version
    assert stored[two.reference].instrument_version == "2-test"
    assert stored[two.reference].result["instrument_version"] == "2-test"
    assert stored[one.reference].result["developmental_risk"] == pytest.approx(82.5 / 1.85)
    assert stored[two.reference].result["developmental_risk"] == pytest.approx(48.5)

    results_one = web.get(reverse("assessment-results", args=[one.pk])).content.decode()
    results_two = web.get(reverse("assessment-results", args=[two.pk])).content.decode()
    assert "instrument version 1</p>" in results_one and "instrument version 2-test" not in results_one
    assert "instrument version 2-test</p>" in results_two
    assert f"Overall developmental risk {V1_RISK} (moderate)" in results_one
    assert f"Overall developmental risk {TEST_RISK} (moderate)" in results_two
    assert f"Overall developmental risk {TEST_RISK}" not in results_one

    for assessment, version, risk in ((one, "1", V1_RISK), (two, "2-test", TEST_RISK)):
        text = pdf_text(pdf_report(web, assessment, django_capture_on_commit_callbacks))
        assert f"Rootmap's own clinical model (version {version})" in text
        assert risk in text


def test_an_amendment_keeps_the_version_of_what_it_amends(web: HttpClient, sam: Client, clinician: User):
    original = finalise(start(web, sam, "2025-03-03", instrument_version="2-test"), clinician)
    amendment = assessment_amend(original=original, user=clinician, reason="typo in a rating")
    assert amendment.instrument_version == "2-test"
    assert assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD).instrument_version == "2-test"


def case_file(version: str) -> dict[str, Any]:
    return {"format": "rootmap-case/1", "client": {"id": "C-7", "birth_date": "2016-04-11"},
            "assessments": [{"id": "A-1", "kind": "full", "date": "2025-02-03", "instrument_version": version,
                             "history": HISTORY, "functioning": dict(FUNCTIONING),
                             "relational": dict(RELATIONAL)}]}


def test_an_imported_case_file_keeps_its_version(org: Organisation, clinician: User):
    client = case_file_import(organisation=org, user=clinician, data=case_file("2-test"))
    [assessment] = Assessment.objects.filter(client=client)
    assert assessment.instrument_version == "2-test"
    assert assessment.result["developmental_risk"] == pytest.approx(48.5)


def test_an_imported_case_file_on_an_unknown_version_is_refused_naming_the_field(org: Organisation, clinician: User):
    with pytest.raises(ClientInputError) as error:
        case_file_import(organisation=org, user=clinician, data=case_file("7"))
    assert [str(p) for p in error.value.problems] == [
        "assessments[0].instrument_version: '7' is not an available instrument version; expected one of 1, "
        "2-test (ROOTMAP_INSTRUMENTS_DIR adds versions)"]
    assert not Client.objects.filter(reference="C-7").exists()
