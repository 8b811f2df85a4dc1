"""Issue 10: behind a TLS proxy it works. A real nginx (Debian's) terminates TLS with a
throwaway self-signed certificate in front of `rootmap serve` in production mode, and
clients sign in through it over https.

What it proves: no redirect loop (the forwarded scheme is believed from the proxy), the
CSRF origin check passes for the proxy's origin, the lockout counts each real client
address separately, the audit log records the client's address (never the proxy's, never
one the client made up in its own X-Forwarded-For), and a request that goes round the
proxy cannot claim https.

Each client connects from its own loopback address (127.0.0.2, 127.0.0.3: all of 127/8 is
this machine), so nginx sees two different clients.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx", reason="httpx is a dev dependency: pip install -e '.[dev]'")

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PASSWORD = "correct horse battery staple"
SPOOFED = "203.0.113.50"  # what a client claims in its own X-Forwarded-For: never believed
FAILURES = 3

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed: run scripts/system-deps")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} stopped: {log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on {port}: {log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


NGINX_CONF = """
{user}
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/nginx-access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Appends the address nginx saw to whatever the client sent: only that last
            # hop is believed.
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_redirect off;
        }}
    }}
}}
"""


@dataclass
class Deployment:
    base: str          # https://127.0.0.1:<nginx port>
    app_port: int      # rootmap serve, for going round the proxy
    cert: Path
    database: Path


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("proxy")
    cert, key = _certificate(folder)
    database = folder / "rootmap.sqlite3"
    app_port, port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    env.update(  # production: not demo, not debug, not the test suite
        DATABASE_URL=f"sqlite:///{database}",
        ROOTMAP_SECRET_KEY=secrets.token_urlsafe(64),
        ROOTMAP_AUDIT_KEY=secrets.token_urlsafe(40),
        ROOTMAP_PSEUDONYM_KEY=secrets.token_urlsafe(40),
        ROOTMAP_ALLOWED_HOSTS="127.0.0.1",
        ROOTMAP_BEHIND_PROXY="1",
        ROOTMAP_LOCKOUT_FAILURES=str(FAILURES),
    )
    rootmap = [sys.executable, "-m", "rootmap"]
    for command in (["manage", "migrate", "--verbosity", "0"],
                    ["manage", "shell", "-c",
                     "from rootmap.web.accounts.models import Organisation, User; "
                     "o = Organisation.objects.create(name='Behind the proxy'); "
                     f"User.objects.create_user(username='cleo', password={PASSWORD!r}, "
                     "organisation=o, role='clinician')"]):
        done = subprocess.run(rootmap + command, env=env, cwd=folder, capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
    app_log = folder / "serve.log"
    with app_log.open("w") as log:
        app = subprocess.Popen([*rootmap, "serve", "--host", "127.0.0.1", "--port", str(app_port)],
                               env=env, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    nginx = None
    try:
        _wait_for(app_port, app, "rootmap serve", app_log)
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "", dir=folder, port=port, app_port=app_port,
            cert=cert, key=key))
        nginx_log = folder / "nginx-error.log"
        nginx_log.touch()
        nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-e", str(nginx_log)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_for(port, nginx, "nginx", nginx_log)
        yield Deployment(f"https://127.0.0.1:{port}", app_port, cert, database)
    finally:
        if nginx is not None:
            _stop(nginx)
        _stop(app)


def _browser(deployment: Deployment, source: str) -> httpx.Client:
    """A browser on its own address: it keeps cookies, follows redirects (a loop fails after
    20), sends Origin on a post as browsers do, and makes up an X-Forwarded-For of its own."""
    import ssl

    context = ssl.create_default_context(cafile=str(deployment.cert))  # trusts only this cert
    transport = httpx.HTTPTransport(local_address=source, verify=context)
    return httpx.Client(base_url=deployment.base, transport=transport, follow_redirects=True,
                        max_redirects=20, timeout=30,
                        headers={"X-Forwarded-For": SPOOFED, "Origin": deployment.base})


def _token(page: httpx.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def _sign_in(browser: httpx.Client, password: str) -> httpx.Response:
    page = browser.get("/sign-in/")
    assert page.status_code == 200 and str(page.url).startswith("https://"), page
    return browser.post("/sign-in/", data={"username": "cleo", "password": password,
                                           "csrfmiddlewaretoken": _token(page)})


def _totp(secret_shown: str) -> str:
    from django_otp.oath import totp

    raw = secret_shown.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return f"{totp(key):06d}"


def _audit(database: Path) -> list[tuple[str, str | None, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT action, ip_address, detail FROM audit_auditentry ORDER BY id").fetchall()


def test_sign_in_through_nginx_over_https_counts_each_real_client(deployment):
    attacker, clinician = _browser(deployment, "127.0.0.2"), _browser(deployment, "127.0.0.3")
    with attacker, clinician:
        # The attacker guesses until locked out, through the proxy.
        for _ in range(FAILURES - 1):
            miss = _sign_in(attacker, "a guess")
            assert miss.status_code == 200 and "do not match an active account" in miss.text
        assert _sign_in(attacker, "a last guess").status_code == 429
        assert _sign_in(attacker, PASSWORD).status_code == 429

        # The clinician, through the same proxy from their own address, is not locked out:
        # password, then enrolment of an authenticator (two forms: CSRF passes both times).
        setup = _sign_in(clinician, PASSWORD)
        assert setup.status_code == 200 and setup.url.path == "/sign-in/authenticator/", setup.url
        secret = re.search(r'<code class="nowrap">([A-Z2-7 ]+)</code>', setup.text).group(1)
        home = clinician.post("/sign-in/authenticator/",
                              data={"code": _totp(secret), "csrfmiddlewaretoken": _token(setup)})
        assert home.status_code == 200 and str(home.url) == deployment.base + "/", home.url
        assert len(home.history) <= 2  # straight there: no loop
        assert "no-store" in home.headers["cache-control"]
        assert home.headers["strict-transport-security"].startswith("max-age=")
        cookie = next(c for c in clinician.cookies.jar if c.name.endswith("rootmap-session"))
        assert cookie.name == "__Host-rootmap-session" and cookie.secure

    entries = _audit(deployment.database)
    failed = [ip for action, ip, _ in entries if action == "sign_in_failed"]
    assert failed and set(failed) == {"127.0.0.2"}, entries
    signed_in = [ip for action, ip, _ in entries if action == "sign_in"]
    assert signed_in and set(signed_in) == {"127.0.0.3"}, entries
    addresses = {ip for _, ip, _ in entries}
    assert SPOOFED not in addresses and "127.0.0.1" not in addresses  # never the claim, never the proxy
    with sqlite3.connect(deployment.database) as db:
        attempts = db.execute("SELECT ip_address, failures_since_start FROM axes_accessattempt").fetchall()
    assert [ip for ip, _ in attempts] == ["127.0.0.2"] and attempts[0][1] >= FAILURES


def test_a_request_round_the_proxy_cannot_claim_https_or_an_address(deployment):
    direct = httpx.Client(
        base_url=f"http://127.0.0.1:{deployment.app_port}",
        transport=httpx.HTTPTransport(local_address="127.0.0.4"), follow_redirects=False, timeout=30,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": SPOOFED, "X-Forwarded-Host": "evil.example"})
    with direct:
        response = direct.get("/sign-in/")
    # Not from a trusted proxy: its headers are dropped, so it is plain http, sent to https
    # on its own host name (not the one it made up).
    assert response.status_code == 301
    assert response.headers["location"] == f"https://127.0.0.1:{deployment.app_port}/sign-in/"
