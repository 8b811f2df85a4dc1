"""Issue 13: `rootmap serve --workers N` runs gunicorn with N processes; two such servers on
different ports, behind one database and one Redis, serve the same signed-in session (the
session store is the database) and share one cache (Redis). Static files are served by the
application itself (WhiteNoise), with no other server in front."""

from __future__ import annotations

import re
import subprocess
import sys

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
