"""Issue 13 in a browser: a clinician asks for a PDF, a real worker (its own process, jobs
through the Redis on 127.0.0.1:6379) renders it while the page shows its progress through
htmx polling, and the page offers the file once it is ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from rootmap.web.jobs.models import Job
from tests.web import redis_fixtures
from tests.web.browser.conftest import browser_sign_in
from tests.web.browser.test_journey import PASSWORD, check_page
from tests.web.security_fixtures import example
from tests.web.test_jobs_worker import queue_through_redis, worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
redis_prefix = redis_fixtures.redis_prefix  # the fixture: a key prefix of this test's own


def test_the_job_page_shows_progress_and_offers_the_pdf(page: Any, live_server: Any, redis_prefix: str,
                                                        tmp_path: Path, settings: Any, screenshot_dir: Path):
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    org = Organisation.objects.create(name="Riverside Family Services")
    cleo = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    milo = case_file_import(organisation=org, user=cleo, data=example("school-age-foster.json"))
    assessment = Assessment.objects.get(client=milo, reference="A-3")

    with worker(redis_prefix, tmp_path, ROOTMAP_JOB_DIR=str(tmp_path / "jobs")), \
            queue_through_redis(redis_prefix):
        browser_sign_in(page, live_server, cleo, PASSWORD)
        page.goto(f"{live_server.url}/assessments/{assessment.pk}/pdf/family/")
        check_page(page, screenshot_dir, "jobs-01-ask")
        page.get_by_role("button", name="Make the PDF").click()
        page.wait_for_url("**/jobs/*/")
        job = Job.objects.get()
        assert page.locator("#job-status").get_attribute("hx-trigger") == "every 2s" or job.finished
        # htmx swaps the status in place until the file is offered: no reload by the test.
        download_link = page.get_by_role("link", name="Download rootmap-C-0102-A-3-family.pdf")
        download_link.wait_for(timeout=90_000)
        check_page(page, screenshot_dir, "jobs-02-ready")
        assert page.locator("#job-status").get_attribute("hx-trigger") is None  # polling stopped
        with page.expect_download() as download_info:
            download_link.click()
        pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert download_info.value.suggested_filename == "rootmap-C-0102-A-3-family.pdf"
