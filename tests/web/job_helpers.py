"""Following a page that asks for a job to the file the job produced, on the embedded
default (the job runs in-process once the request that asked for it has committed)."""

from __future__ import annotations

from typing import Any

from django.test import Client as HttpClient
from django.test import TestCase
from django.urls import reverse

from rootmap.web.jobs.models import Job


def file_of_job_asked_at(browser: HttpClient, url: str, data: dict[str, Any] | None = None) -> Any:
    """POST to the page that asks for a job, run the job, and download its file: the file's
    bytes, or the response when the page did not start a job (a 404, say)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = browser.post(url, data or {})
    if asked.status_code != 302 or not asked["Location"].startswith("/jobs/"):
        return asked
    job = Job.objects.get(pk=asked["Location"].split("/")[2])
    assert job.status == Job.Status.DONE, (job.status, job.error)
    download = browser.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200, download.status_code
    return b"".join(download.streaming_content)


def household_pdf(browser: HttpClient, household_pk: int, estimate: Any = None) -> Any:
    """The household report as the old address leads to it: a redirect to the page that
    asks for the job, the job, its file."""
    old = reverse("household-report", args=[household_pk])
    answer = browser.get(old, {"estimate": estimate} if estimate is not None else {})
    if answer.status_code != 302:
        return answer
    page = browser.get(answer["Location"])
    if page.status_code != 200:
        return page
    chosen = answer["Location"].partition("estimate=")[2]
    return file_of_job_asked_at(browser, answer["Location"].split("?")[0],
                                {"estimate": chosen} if chosen else None)
