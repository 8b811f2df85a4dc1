"""Issue 13: a real Celery worker (`rootmap worker`, its own process) takes jobs from the Redis
on 127.0.0.1:6379, renders a report and stores it; the web side offers the PDF. A job that
keeps failing in the worker is retried with a growing wait, then shown failed to its owner.

The web side is this test process (Django's test client); it queues through Redis, as a
production web process does with ROOTMAP_REDIS_URL set. Data is committed
(transactional_db) so that the worker, with its own connection, sees it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from pypdf import PdfReader

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from rootmap.web.jobs.models import Job
from tests.web import redis_fixtures
from tests.web.redis_fixtures import REDIS_URL, process_env, start, stop, wait_for_text
from tests.web.security_fixtures import example

pytestmark = pytest.mark.django_db(transaction=True)
redis_prefix = redis_fixtures.redis_prefix  # the fixture: a key prefix of this test's own


@contextmanager
def queue_through_redis(prefix: str) -> Iterator[None]:
    """This process sends jobs to Redis under `prefix`, as the web process does with
    ROOTMAP_REDIS_URL set (the suite otherwise runs them in-process)."""
    with queue_through_redis_at(REDIS_URL, prefix):
        yield


@contextmanager
def queue_through_redis_at(url: str, prefix: str) -> Iterator[None]:
    from rootmap.web.jobs.queue import app

    keys = ("task_always_eager", "broker_url", "broker_transport_options", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=url,
                    broker_transport_options={"global_keyprefix": f"{prefix}:"},
                    task_default_queue=f"{prefix}-jobs")
    _forget_connections(app)
    try:
        yield
    finally:
        _forget_connections(app)
        app.conf.update(saved)


def _forget_connections(app) -> None:
    """Celery keeps its broker connections and producers once made: drop them, so the next
    job goes to the broker now configured."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def worker(prefix: str, tmp_path, *, beat: bool = False, **env: str) -> Iterator[Path]:
    log = tmp_path / f"worker-{len(list(tmp_path.glob('worker-*')))}.log"
    process = start(["worker", "--concurrency", "1", *([] if beat else ["--no-beat"]), "--loglevel", "INFO"],
                    process_env(ROOTMAP_REDIS_URL=REDIS_URL, ROOTMAP_REDIS_PREFIX=prefix, **env), log)
    try:
        wait_for_text(log, "ready.", process, seconds=90)
        yield log
    finally:
        stop(process)


def _world():
    org = Organisation.objects.create(name="Riverside Family Services")
    cleo = User.objects.create_user(username="cleo", password="x" * 12, organisation=org, role="clinician")
    milo = case_file_import(organisation=org, user=cleo, data=example("school-age-foster.json"))
    browser = HttpClient()
    browser.force_login(cleo)
    return browser, Assessment.objects.get(client=milo, reference="A-3")


def _poll(browser: HttpClient, job: Job, seconds: float = 120) -> list[str]:
    """Read the job's status fragment, as the page's htmx poll does, until it has finished;
    returns each status seen."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        fragment = browser.get(reverse("job-status", args=[job.pk]))
        assert fragment.status_code == 200
        job.refresh_from_db()
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.finished:
            return seen
        assert 'hx-trigger="every 2s"' in fragment.content.decode()  # still polling
        time.sleep(0.2)
    raise AssertionError(f"the job did not finish: {seen}, {job.step!r}, {job.error!r}")


def test_a_worker_process_renders_a_report_and_the_page_offers_the_pdf(redis_prefix, tmp_path, settings):
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    browser, assessment = _world()
    with worker(redis_prefix, tmp_path, ROOTMAP_JOB_DIR=str(tmp_path / "jobs")), \
            queue_through_redis(redis_prefix):
        asked = browser.post(reverse("job-report", args=[assessment.pk, "clinician"]))
        job = Job.objects.get()
        assert asked.status_code == 302
        seen = _poll(browser, job)
    assert seen[0] in ("queued", "running") and seen[-1] == "done", seen
    page = browser.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert f'href="{reverse("job-download", args=[job.pk])}"' in page
    download = browser.get(reverse("job-download", args=[job.pk]))
    pdf = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "A-3" in text and "Milo" in text
    assert job.attempts == 1


def test_a_job_failing_in_the_worker_is_retried_then_shown_failed(redis_prefix, tmp_path, settings):
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    browser, assessment = _world()
    # The worker's job folder cannot be made (a file is in the way): storing the PDF fails.
    with worker(redis_prefix, tmp_path, ROOTMAP_JOB_DIR=str(blocker / "jobs"), ROOTMAP_JOB_RETRIES="2",
                ROOTMAP_JOB_RETRY_SECONDS="1"), queue_through_redis(redis_prefix):
        browser.post(reverse("job-report", args=[assessment.pk, "family"]))
        job = Job.objects.get()
        seen = _poll(browser, job)
    assert "retrying" in seen and seen[-1] == "failed", seen
    assert job.attempts == 3  # the first attempt and two retries, 1 s then 2 s apart
    assert (job.finished_at - job.started_at).total_seconds() < 60
    page = browser.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert "Failed after 3 attempts: the file could not be written (Not a directory)" in page
    assert browser.get(reverse("job-download", args=[job.pk])).status_code == 302


def test_the_workers_scheduler_sends_reminders_once_however_often_it_runs(redis_prefix, tmp_path, smtp_server):
    from rootmap.web.jobs.models import ReminderSent

    org = Organisation.objects.create(name="Riverside Family Services")
    cleo = User.objects.create_user(username="cleo", password="x" * 12, organisation=org, role="clinician",
                                    email="cleo@example.org")
    # Tessa fell due on 2026-03-15 and Poppy on 2026-04-06: both overdue from then on.
    for name in ("adolescent-er.json", "toddler-kinship.json"):
        case_file_import(organisation=org, user=cleo, data=example(name))
    with worker(redis_prefix, tmp_path, beat=True, ROOTMAP_JOB_DIR=str(tmp_path / "jobs"),
                ROOTMAP_EMAIL_URL=smtp_server.url, ROOTMAP_REMINDERS_EVERY_SECONDS="1") as log:
        message = smtp_server.wait_for(to="cleo@example.org", timeout=60)
        deadline = time.monotonic() + 5  # five more runs of the schedule
        while time.monotonic() < deadline:
            time.sleep(0.5)
    assert "On your caseload, 2 follow-ups are overdue and 0 fall due within 30 days." in message.body
    runs = log.read_text(errors="replace").count("Task rootmap.reminders.send[")
    assert runs >= 6, log.read_text()[-2000:]  # received and succeeded, each at least 3 times
    assert len(smtp_server.to("cleo@example.org")) == 1
    assert ReminderSent.objects.filter(user=cleo).count() == 1


def test_an_invitation_mail_goes_out_through_the_worker(redis_prefix, tmp_path, smtp_server):
    """The web side only queues the mail; the worker process sends it to the SMTP server."""
    from rootmap.web.accounts.people import Actor, person_invite
    from rootmap.web.jobs.models import OutgoingMail

    org = Organisation.objects.create(name="Riverside Family Services")
    ada = User.objects.create_user(username="ada", password="x" * 12, organisation=org, role="admin")
    with worker(redis_prefix, tmp_path, ROOTMAP_JOB_DIR=str(tmp_path / "jobs"), ROOTMAP_EMAIL_URL=smtp_server.url), \
            queue_through_redis(redis_prefix):
        nia, link = person_invite(organisation=org, email="nia@example.org", role="clinician",
                                  actor=Actor(user=ada), base_url="https://rootmap.example.org")
        message = smtp_server.wait_for(to="nia@example.org", timeout=60)
        mail = OutgoingMail.objects.get()
        deadline = time.monotonic() + 30
        while mail.status != "sent" and time.monotonic() < deadline:  # the worker records it after SMTP
            time.sleep(0.2)
            mail.refresh_from_db()
    assert message.links == [link] and message.subject == "Your Rootmap account"
    assert (mail.status, mail.attempts, mail.recipient_id, mail.body) == ("sent", 1, nia.pk, "")
