"""Issue 13: `rootmap serve --workers N` runs gunicorn with N processes; two such servers on
different ports, behind one database and one Redis, serve the same signed-in session (the
session store is the database) and share one cache (Redis). Static files are served by the
application itself (WhiteNoise), with no other server in front."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from rootmap.web.accounts.models import Organisation, User
from tests.web import redis_fixtures
from tests.web.redis_fixtures import REDIS_URL, free_port, process_env, start, stop, wait_for_port

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.django_db(transaction=True)
redis_prefix = redis_fixtures.redis_prefix  # the fixture: a key prefix of this test's own
PASSWORD = "correct horse battery staple"


def _token(page) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def test_two_servers_behind_one_database_serve_one_session(redis_prefix, tmp_path):
    org = Organisation.objects.create(name="Riverside Family Services")
    User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    env = process_env(ROOTMAP_REDIS_URL=REDIS_URL, ROOTMAP_REDIS_PREFIX=redis_prefix)
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"serve-{n}.log" for n in range(2)]
    servers = [start(["serve", "--port", str(port), "--workers", "2"], env, log)
               for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            wait_for_port(port, server, log)
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        with httpx.Client(timeout=30, follow_redirects=True) as browser:
            page = browser.get(f"{first}/sign-in/")
            signed_in = browser.post(f"{first}/sign-in/", data={
                "username": "cleo", "password": PASSWORD, "csrfmiddlewaretoken": _token(page)},
                headers={"Origin": first})
            assert signed_in.status_code == 200 and str(signed_in.url) == f"{first}/", signed_in.url
            # The other server knows the session: the caseload, not the sign-in page.
            caseload = browser.get(f"{second}/")
            assert caseload.status_code == 200 and str(caseload.url) == f"{second}/"
            assert "My caseload" in caseload.text and "cleo" in caseload.text
            # Static files come from the application itself.
            css = browser.get(f"{second}/static/rootmap/app.css")
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
            # Signing out on the second ends the session on the first as well.
            out = browser.post(f"{second}/sign-out/", data={"csrfmiddlewaretoken": _token(caseload)},
                               headers={"Origin": second})
            assert out.status_code == 200 and out.url.path == "/sign-in/"
            again = browser.get(f"{first}/")
            assert again.url.path == "/sign-in/", again.url
    finally:
        for server in servers:
            stop(server)
    for log in logs:
        text = log.read_text()
        assert text.count("Booting worker with pid") == 2, text[-2000:]  # two processes each

    # One cache for every process: what one process stores, another reads.
    rootmap = [sys.executable, "-m", "rootmap", "manage", "shell", "-c"]
    subprocess.run([*rootmap, "from django.core.cache import cache; cache.set('shared', 'yes', 60)"],
                   env=env, check=True, capture_output=True, timeout=120)
    read = subprocess.run([*rootmap, "from django.core.cache import cache; print(cache.get('shared'))"],
                          env=env, check=True, capture_output=True, text=True, timeout=120)
    assert read.stdout.strip().splitlines()[-1] == "yes"  # after the shell's own line


def test_two_application_processes_and_a_worker_share_one_database_and_one_redis(redis_prefix, tmp_path):
    """Issue 15, where users outgrow one machine (docs/performance.md): a report asked of one
    application process is rendered by the worker process, and the other application process
    shows and serves it. All three meet only in the database, Redis and the job folder."""
    from rootmap.web.assessments.models import Assessment
    from rootmap.web.clients.services import case_file_import
    from rootmap.web.jobs.models import Job
    from tests.web.security_fixtures import example

    org = Organisation.objects.create(name="Riverside Family Services")
    cleo = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    milo = case_file_import(organisation=org, user=cleo, data=example("school-age-foster.json"))
    assessment = Assessment.objects.get(client=milo, reference="A-3")
    env = process_env(ROOTMAP_REDIS_URL=REDIS_URL, ROOTMAP_REDIS_PREFIX=redis_prefix,
                      ROOTMAP_JOB_DIR=str(tmp_path / "jobs"))
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"serve-{n}.log" for n in range(2)]
    servers = [start(["serve", "--port", str(port), "--workers", "1", "--threads", "2"], env, log)
               for port, log in zip(ports, logs, strict=True)]
    worker_log = tmp_path / "worker.log"
    worker = start(["worker", "--concurrency", "1", "--no-beat", "--loglevel", "INFO"], env, worker_log)
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            wait_for_port(port, server, log)
        redis_fixtures.wait_for_text(worker_log, "ready.", worker, seconds=90)
        first, second = (f"http://127.0.0.1:{port}" for port in ports)
        with httpx.Client(timeout=60, follow_redirects=True) as browser:
            page = browser.get(f"{first}/sign-in/")
            browser.post(f"{first}/sign-in/", headers={"Origin": first}, data={
                "username": "cleo", "password": PASSWORD, "csrfmiddlewaretoken": _token(page)})
            results = browser.get(f"{first}/assessments/{assessment.pk}/results/")
            asked = browser.post(f"{first}/assessments/{assessment.pk}/pdf/clinician/",
                                 headers={"Origin": first}, data={"csrfmiddlewaretoken": _token(results)})
            assert asked.status_code == 200, asked.text[:500]
            job = Job.objects.get()
            deadline = time.monotonic() + 180
            while not job.finished and time.monotonic() < deadline:
                time.sleep(0.5)
                job.refresh_from_db()
            assert job.status == "done", (job.status, job.error, worker_log.read_text()[-2000:])
            # The other application process shows the job and serves the file the worker wrote.
            shown = browser.get(f"{second}/jobs/{job.pk}/")
            assert shown.status_code == 200 and f"/jobs/{job.pk}/download/" in shown.text
            pdf = browser.get(f"{second}/jobs/{job.pk}/download/")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "rootmap.jobs" in worker_log.read_text(errors="replace")  # the worker, not a web process, ran it
    finally:
        for process in (*servers, worker):
            stop(process)
