"""A job whose process died (kill -9 of the server on the embedded default) is failed with a
sentence for its owner, its uploaded files removed and the failure audited; a job that is
still alive is left alone (rootmap.web.jobs.sweep)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from rootmap.web.audit.models import AuditEntry
from rootmap.web.jobs.kinds import JobAbandoned, Progress
from rootmap.web.jobs.models import Job
from rootmap.web.jobs.services import job_attempt, job_submit
from rootmap.web.jobs.sweep import job_sweep_abandoned
from tests.web.org_fixtures import *  # noqa: F403

NAMES = [f"child-{n + 1:02d}.json" for n in range(50)]


@pytest.fixture(autouse=True)
def job_folder(tmp_path, settings) -> Path:
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")
    settings.ROOTMAP_JOB_STALE_SECONDS = 300
    return tmp_path / "jobs"


def _import_left_running(owner, *, heard_ago: dt.timedelta, runner: str = "web:elsewhere:4242") -> Job:
    """An import of 50 files as a killed server leaves it: 7 files done, the 8th under way."""
    job = job_submit(owner=owner, kind=Job.Kind.IMPORT, params={"names": NAMES, "files": 50},
                     inputs=[b"{}"] * 50)  # not run: on-commit callbacks are not executed here
    heard = timezone.now() - heard_ago
    outcomes = {str(n): f"{NAMES[n]}: imported as C-{n + 1:04d}" for n in range(7)}
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, attempts=1, started_at=heard - dt.timedelta(seconds=5),
        heartbeat_at=heard, runner=runner, progress=14, step=f"File 8 of 50: {NAMES[7]}",
        params={**job.params, "outcomes": outcomes})
    job.refresh_from_db()
    return job


def _inputs(folder: Path, job: Job) -> list[Path]:
    return sorted(folder.glob(f"{job.pk}.input-*"))


def test_a_job_not_heard_from_is_failed_when_its_page_is_opened(clinician, job_folder):
    dead = _import_left_running(clinician, heard_ago=dt.timedelta(minutes=6))
    alive = _import_left_running(clinician, heard_ago=dt.timedelta(seconds=20))
    assert len(_inputs(job_folder, dead)) == 50

    browser = HttpClient()
    browser.force_login(clinician)
    page = browser.get(reverse("job-detail", args=[dead.pk])).content.decode()

    dead.refresh_from_db()
    assert dead.status == "failed" and dead.finished_at is not None
    assert "The server stopped while this was running" in dead.error
    assert "files 1 to 7 were dealt with (listed below); nothing after file 8 of 50 was imported" in dead.error
    assert "file 8 (child-08.json) may have been" in dead.error
    assert dead.summary == [f"child-{n:02d}.json: imported as C-{n:04d}" for n in range(1, 8)]
    assert "nothing after file 8 of 50 was imported" in page and "child-07.json: imported as C-0007" in page
    assert 'hx-trigger="every 2s"' not in page  # the page stops polling a failed job
    assert _inputs(job_folder, dead) == []
    entry = AuditEntry.objects.get(action="fail", object_id=str(dead.pk))
    assert entry.object_type == "job" and entry.organisation_id == clinician.organisation_id
    assert entry.detail["reason"] == "no sign of life for over 300 seconds"
    assert entry.detail["runner"] == "web:elsewhere:4242"

    alive.refresh_from_db()
    assert (alive.status, alive.error) == ("running", "")
    assert len(_inputs(job_folder, alive)) == 50
    assert not AuditEntry.objects.filter(action="fail", object_id=str(alive.pk)).exists()


def test_the_job_list_sweeps_too_and_a_second_sweep_changes_nothing(clinician, job_folder):
    dead = _import_left_running(clinician, heard_ago=dt.timedelta(minutes=10))
    browser = HttpClient()
    browser.force_login(clinician)
    listing = browser.get(reverse("job-list")).content.decode()
    assert re.search(r"<td[^>]*>Failed</td>", listing)
    assert job_sweep_abandoned() == 0  # already failed: no second audit entry
    assert AuditEntry.objects.filter(action="fail", object_id=str(dead.pk)).count() == 1


def test_at_start_up_a_job_of_a_dead_process_on_this_machine_is_failed_at_once(clinician, job_folder):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    gone_pid = int(finished.stdout)  # that process has exited
    host = socket.gethostname()
    orphan = _import_left_running(clinician, heard_ago=dt.timedelta(seconds=3), runner=f"web:{host}:{gone_pid}")
    sibling = _import_left_running(clinician, heard_ago=dt.timedelta(seconds=3),
                                   runner=f"web:{host}:{os.getppid()}")  # a live process: another server
    remote = _import_left_running(clinician, heard_ago=dt.timedelta(seconds=3), runner="web:elsewhere:1")

    assert job_sweep_abandoned() == 0  # recent heartbeats: only a start-up looks at the processes
    assert job_sweep_abandoned(at_startup=True) == 1

    orphan.refresh_from_db()
    assert orphan.status == "failed" and "nothing after file 8 of 50 was imported" in orphan.error
    assert _inputs(job_folder, orphan) == []
    assert AuditEntry.objects.get(action="fail", object_id=str(orphan.pk)).detail["reason"] == (
        "the process running it was gone when Rootmap started again")
    for left in (sibling, remote):
        left.refresh_from_db()
        assert left.status == "running" and len(_inputs(job_folder, left)) == 50


def test_a_job_failed_by_the_sweep_stops_at_its_next_step_and_is_not_run_again(clinician, job_folder):
    job = _import_left_running(clinician, heard_ago=dt.timedelta(minutes=6))
    in_the_old_process = Job.objects.get(pk=job.pk)
    assert job_sweep_abandoned() == 1
    with pytest.raises(JobAbandoned):
        Progress(in_the_old_process)(16, "File 9 of 50")
    # A queue that delivers it again (a worker's late acknowledgement) finds it finished.
    assert job_attempt(job_id=str(job.pk)).status == "failed"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.step) == ("failed", 1, "File 8 of 50: child-08.json")


def test_a_report_left_running_says_no_file_was_made(clinician, job_folder):
    job = job_submit(owner=clinician, kind=Job.Kind.RESEARCH_EXPORT, params={})
    old = timezone.now() - dt.timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=old, heartbeat_at=old,
                                         runner="worker:elsewhere:9")
    assert job_sweep_abandoned() == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.endswith(": no file was made. Ask for it again.")


@pytest.mark.django_db(transaction=True)
def test_a_server_killed_during_an_import_shows_the_job_failed_after_it_restarts(tmp_path):
    """The QA report's steps: 50 case files, `kill -9` of `rootmap serve` half-way, restart."""
    import contextlib
    import json
    import re
    import signal
    import threading
    import time

    httpx = pytest.importorskip("httpx")
    from rootmap.web.accounts.models import Organisation, User
    from tests.web.org_fixtures import PASSWORD, example
    from tests.web.redis_fixtures import free_port, process_env, start, stop, wait_for_port

    org = Organisation.objects.create(name="Riverside Family Services")
    User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    folder = tmp_path / "jobs"
    env = process_env(ROOTMAP_JOB_DIR=str(folder))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    files = []
    for n in range(50):
        case = example("school-age-foster.json")
        case["client"]["id"] = f"K-{n + 1:04d}"
        files.append(("files", (f"child-{n + 1:02d}.json", json.dumps(case).encode(), "application/json")))

    def token(page) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    first = start(["serve", "--port", str(port)], env, tmp_path / "first.log")
    try:
        wait_for_port(port, first, tmp_path / "first.log")
        browser = httpx.Client(timeout=120, follow_redirects=False)
        page = browser.get(f"{base}/sign-in/")
        browser.post(f"{base}/sign-in/", data={"username": "cleo", "password": PASSWORD,
                                                "csrfmiddlewaretoken": token(page)}, headers={"Origin": base})
        form = browser.get(f"{base}/clients/import/many/")
        assert form.status_code == 200, form.text[:300]

        def submit() -> None:  # the import runs inside this request on the embedded default
            with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
                browser.post(f"{base}/clients/import/many/", files=files,
                             data={"csrfmiddlewaretoken": token(form)}, headers={"Origin": base})

        uploading = threading.Thread(target=submit)
        uploading.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once a few files are in
            job = Job.objects.filter(status="running").first()
            if job is not None and len(job.params.get("outcomes") or {}) >= 3:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the import never got going: " + (tmp_path / "first.log").read_text()[-2000:])
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        uploading.join(timeout=30)
    finally:
        stop(first)
    job.refresh_from_db()
    assert job.status == "running" and list(folder.glob(f"{job.pk}.input-*"))  # what the QA tester saw

    second = start(["serve", "--port", str(port)], env, tmp_path / "second.log")
    try:
        wait_for_port(port, second, tmp_path / "second.log")
        assert "1 job(s) left running by a stopped server were marked failed" in (
            tmp_path / "second.log").read_text()
        page = browser.get(f"{base}/jobs/{job.pk}/").text
    finally:
        stop(second)
        browser.close()
    job.refresh_from_db()
    done = len(job.params["outcomes"])
    assert job.status == "failed"
    assert f"nothing after file {done + 1} of 50 was imported" in job.error
    assert f"nothing after file {done + 1} of 50 was imported" in page
    assert not list(folder.glob(f"{job.pk}.input-*"))
    assert AuditEntry.objects.filter(action="fail", object_id=str(job.pk)).count() == 1
