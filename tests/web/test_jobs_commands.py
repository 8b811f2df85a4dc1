"""`rootmap serve --workers`, `rootmap worker`: bad input is refused with a message naming it;
a queue that cannot be reached fails the job at once, said on its page (never lost)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.cli import main
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from rootmap.web.jobs.models import Job
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example
from tests.web.redis_fixtures import free_port
from tests.web.test_jobs_worker import queue_through_redis_at


@pytest.mark.parametrize(("value", "message"), [
    ("0", "argument --workers: 0 is not between 1 and 64"),
    ("many", "argument --workers: 'many' is not a whole number (1 to 64)"),
])
def test_serve_refuses_a_worker_count_that_is_not_one(value, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--workers", value])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_a_worker_without_redis_says_it_is_not_needed(settings, capsys, db):
    settings.ROOTMAP_REDIS_URL = ""
    assert main(["worker"]) == 2
    assert "ROOTMAP_REDIS_URL is not set: without Redis, jobs run inside the web process" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_job_the_queue_cannot_take_is_failed_and_said_so(org, clinician):
    milo = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    browser = HttpClient()
    browser.force_login(clinician)
    with queue_through_redis_at(f"redis://127.0.0.1:{free_port()}/0", "rootmap-test-nobody"):
        browser.post(reverse("job-report", args=[Assessment.objects.get(client=milo, reference="A-3").pk,
                                                 "family"]))
    job = Job.objects.get()
    assert job.status == "failed" and job.attempts == 0
    page = browser.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "The job queue could not be reached" in page and "Redis or the worker is down" in page
