"""Informants and documents added in place, in real Chromium: no page load, the new row's
fields autosave, a chosen file is sent at once and refused by its content when it is not
a PDF or image; the page stays axe-clean and within its content security policy."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from rootmap.web.sources.models import DocumentFile
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.sources_fixtures import HTML_AS_PDF, pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"


@pytest.fixture
def clinician(db: Any) -> User:
    org = Organisation.objects.create(name="Riverside")
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def assessment(clinician: User) -> Assessment:
    client = Client.objects.create(organisation=clinician.organisation, reference="C-1",
                                   display_name="Sam", birth_date=dt.date(2016, 4, 11))
    client.clinicians.set([clinician])
    return assessment_create(client=client, kind="full", date=dt.date(2025, 2, 3), user=clinician)


def wait_saved(page: Any, field: str) -> None:
    """Waits for the field's "Saved"; a failure says what the field and the page showed."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    status = "#status-" + field.replace(".", "-").replace("_", "-")
    try:  # 30 s: on a loaded two-core CI machine a save behind an upload can take a while
        page.wait_for_selector(status + " .save-status--ok", timeout=30_000)
    except PlaywrightTimeout:
        raise AssertionError(f"{field} not saved: the field says {page.inner_text(status)!r}, "
                             f"the page {page.inner_text('#draft-state')!r}") from None


def test_an_informant_and_a_document_with_its_file_are_added_without_a_page_load(
        live_server: Any, page: Any, clinician: User, assessment: Assessment, tmp_path: Path) -> None:
    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{assessment.pk}/")
    page.wait_for_selector("#draft-state")
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))

    page.get_by_role("button", name="Add informant").click()
    page.wait_for_selector("#f-informants-0-role")
    # The new row has the focus, ready for typing.
    assert page.evaluate("document.activeElement.id") == "f-informants-0-role"
    page.select_option("#f-informants-0-role", "teacher")
    wait_saved(page, "informants.0.role")
    page.fill("#f-informants-0-name", "Ms Reed")
    page.fill("#f-informants-0-hours", "1.5")
    wait_saved(page, "informants.0.hours")

    page.get_by_role("button", name="Add document").click()
    page.wait_for_selector("#f-documents-0-title")
    page.fill("#f-documents-0-title", "School report")
    wait_saved(page, "documents.0.title")

    fake = tmp_path / "report.pdf"
    fake.write_bytes(HTML_AS_PDF)
    page.set_input_files("#upload-documents-0", str(fake))
    page.wait_for_selector("#rows-documents-status .save-status--error")
    assert "is not a PDF, PNG or JPEG file" in page.inner_text("#rows-documents-status")

    real = tmp_path / "school-report.pdf"
    real.write_bytes(pdf_bytes())
    page.set_input_files("#upload-documents-0", str(real))
    page.wait_for_selector("text=File attached to document 1.")
    assert page.get_by_role("link", name="school-report.pdf").is_visible()

    page.fill("#f-hours-record-review", "2")
    wait_saved(page, "hours.record_review")
    assert loads == []  # all of it in place

    stored = Assessment.objects.get(pk=assessment.pk)
    assert stored.inputs["informants"] == [{"role": "teacher", "name": "Ms Reed", "description": "", "hours": 1.5}]
    assert stored.inputs["documents"][0]["title"] == "School report"
    assert stored.inputs["documents"][0]["file"]["sha256"] == hashlib.sha256(pdf_bytes()).hexdigest()
    assert stored.inputs["hours"] == {"record_review": 2.0}
    assert DocumentFile.objects.count() == 1
    assert AuditEntry.objects.filter(action="upload").count() == 1
    assert not axe_violations(page)
    assert not page.csp.violations, page.csp.violations

    # A page load shows the same, and the row's fields still save after the swap.
    page.reload()
    assert page.input_value("#f-informants-0-name") == "Ms Reed"
    page.get_by_role("button", name="Remove informant 1").click()
    page.wait_for_selector("text=Informant 1 removed.")
    assert Assessment.objects.get(pk=assessment.pk).inputs["informants"] == []
