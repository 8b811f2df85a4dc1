"""A small team on the embedded SQLite database: concurrent users reading and autosaving.

Starts the real server (`rootmap serve`, waitress) on a free 127.0.0.1 port against a
fresh SQLite demo database, then runs concurrent users, each a thread with its own
cookie jar (urllib): sign in, open the caseload, start a draft assessment of a demo client,
then read pages and autosave ratings for a bounded number of rounds. Reported: requests,
concurrency, 500s, "database is locked" answers, p50/p95 latency. Shared by `make bench`
and tests/web/test_sqlite_concurrency.py, which asserts what this prints.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSWORD = "bench-demo-password"
USERNAMES = ("clinician", "admin", "supervisor", "clinician2")
# Items rated at any age (clinical-model.md): every demo client can have them.
FIELDS = ("functioning.sleep", "functioning.autonomic_regulation", "functioning.arousal_baseline",
          "relational.caregiver_connection", "relational.home_stability")
ROOTMAP = Path(sys.executable).with_name("rootmap")


@dataclass
class LoadResult:
    users: int
    requests: int = 0
    server_errors: int = 0
    locked: int = 0
    writes: int = 0  # autosaves that changed a value (each writes one audit entry)
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # what went wrong, for the assertion message
    draft_ids: list[int] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    def summary(self) -> dict[str, Any]:
        return {
            "concurrent_users": self.users,
            "requests": self.requests,
            "autosaves_written": self.writes,
            "server_errors_500": self.server_errors,
            "database_is_locked": self.locked,
            "statuses": dict(sorted(self.statuses.items())),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p95_ms": round(self.percentile(0.95) * 1000, 1),
            "mean_ms": round(statistics.mean(self.latencies) * 1000, 1) if self.latencies else 0.0,
            "seconds": round(self.seconds, 1),
            "requests_per_second": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
        }


# --- The server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    env.update(DATABASE_URL=f"sqlite:///{database}", ROOTMAP_DEMO="1",
               ROOTMAP_DEMO_PASSWORD=PASSWORD)
    return env


def demo_database(folder: Path) -> Path:
    """A fresh SQLite demo database (migrated, demo users and clients)."""
    database = folder / "rootmap.sqlite3"
    subprocess.run([str(ROOTMAP), "demo", "--no-serve", "--password", PASSWORD], cwd=folder,
                   env=_environment(database), check=True, capture_output=True, timeout=300)
    return database


@dataclass
class Server:
    base: str
    log: Any  # the server's output (its tracebacks name "database is locked")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


@contextmanager
def running_server(database: Path) -> Iterator[Server]:
    """`rootmap serve` on a free port; yields it and stops it afterwards."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read after the server stops, closed below
    process = subprocess.Popen([str(ROOTMAP), "serve", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=database.parent, env=_environment(database), stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {Server(base, log).output()}") from None
                time.sleep(0.2)
        yield Server(base, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --- One user -----------------------------------------------------------------------------

class _User:
    def __init__(self, base: str, result: LoadResult, lock: threading.Lock) -> None:
        self.base, self.result, self.lock = base, result, lock
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, body, final URL); every answer is counted, a 500 and a lock are recorded."""
        body_bytes = None
        headers = {}
        if data is not None:
            body_bytes = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf()}).encode()
            headers = {"Referer": self.base + path, "X-CSRFToken": self.csrf()}
        req = urllib.request.Request(self.base + path, data=body_bytes, headers=headers)
        start = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as response:
                status, text, url = response.status, response.read().decode("utf-8", "replace"), response.url
        except urllib.error.HTTPError as error:
            status, text, url = error.code, error.read().decode("utf-8", "replace"), error.url
        except OSError as error:  # refused, reset or timed out: as bad as a 500 for the user
            status, text, url = 599, str(error), self.base + path
        elapsed = time.perf_counter() - start
        with self.lock:
            self.result.requests += 1
            self.result.statuses[status] += 1
            self.result.latencies.append(elapsed)
            if status >= 500:
                self.result.server_errors += 1
                self.result.failures.append(f"{status} on {path}: {text[:200]}")
            if "database is locked" in text:
                self.result.locked += 1
        return status, text, url

    def sign_in(self, username: str) -> None:
        self.request("/sign-in/")
        status, _text, url = self.request("/sign-in/", {"username": username, "password": PASSWORD})
        if status != 200 or "/sign-in/" in url:
            raise RuntimeError(f"{username} could not sign in ({status} at {url})")

    def start_draft(self, client_id: int) -> int:
        today = dt.datetime.now(dt.UTC).date().isoformat()  # the server's TIME_ZONE is UTC
        status, _text, url = self.request(f"/clients/{client_id}/assessments/new/full/", {"date": today})
        match = re.search(r"/assessments/(\d+)/", url)
        if status != 200 or not match:
            raise RuntimeError(f"no draft for client {client_id} ({status} at {url})")
        return int(match.group(1))

    def run(self, *, number: int, username: str, rounds: int, deadline: float) -> None:
        try:
            self.sign_in(username)
            _status, dashboard, _url = self.request("/")
            clients = sorted({int(pk) for pk in re.findall(r'href="/clients/(\d+)/"', dashboard)})
            if not clients:
                raise RuntimeError(f"{username} sees no client")
            client_id = clients[number % len(clients)]  # users spread over the clients they see
            draft = self.start_draft(client_id)
            with self.lock:
                self.result.draft_ids.append(draft)
            values: dict[str, int] = {}
            for n in range(rounds):
                if time.monotonic() > deadline:
                    break
                _status, page, _url = self.request(f"/assessments/{draft}/")
                revision = re.search(r'name="revision"[^>]*value="(\d+)"', page)
                current = int(revision.group(1)) if revision else 0
                for name in (FIELDS[n % len(FIELDS)], FIELDS[(n + 2) % len(FIELDS)]):
                    values[name] = (values.get(name, 2) + 1) % 4  # always a change: one write each
                    status, text, _url = self.request(f"/assessments/{draft}/field/", {
                        "_field": name, name: str(values[name]), "revision": str(current)})
                    saved = re.search(r'name="revision" id="revision" value="(\d+)"', text)
                    if status == 200 and saved:
                        current = int(saved.group(1))
                        with self.lock:
                            self.result.writes += 1
                self.request(f"/clients/{client_id}/" if n % 2 else "/")
        except Exception as error:  # recorded, so that the run reports it instead of hiding it
            with self.lock:
                self.result.failures.append(f"{username}: {error}")


def run_load(base: str, *, users: int = 20, rounds: int = 15, seconds: float = 90.0) -> LoadResult:
    """`users` threads at once, each `rounds` rounds (read, two autosaves, read) or until `seconds`."""
    result = LoadResult(users=users)
    lock = threading.Lock()
    start = time.monotonic()
    deadline = start + seconds
    threads = [
        threading.Thread(target=_User(base, result, lock).run, name=f"user-{n}",
                         kwargs={"number": n // len(USERNAMES), "username": USERNAMES[n % len(USERNAMES)],
                                 "rounds": rounds,
                                 "deadline": deadline})
        for n in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    result.seconds = time.monotonic() - start
    return result


def locked_in_log(output: str) -> int:
    """Requests the server failed with "database is locked" (its log has one traceback each)."""
    return len(re.findall(r"^django\.db\.utils\.OperationalError: database is locked", output, re.MULTILINE))


def audit_changes(database: Path, draft_ids: list[int]) -> int:
    """Audit entries of autosaves ("change" of one of the drafts), read from the database file."""
    import sqlite3

    if not draft_ids:
        return 0
    with sqlite3.connect(database) as conn:
        marks = ",".join("?" * len(draft_ids))
        (count,) = conn.execute(
            f"SELECT COUNT(*) FROM audit_auditentry WHERE action = 'change' AND object_type = 'assessment' "
            f"AND object_id IN ({marks})", [str(pk) for pk in draft_ids]).fetchone()
    return int(count)


def run(users: int = 20, rounds: int = 15, seconds: float = 90.0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rootmap-load-") as folder:
        database = demo_database(Path(folder))
        with running_server(database) as server:
            result = run_load(server.base, users=users, rounds=rounds, seconds=seconds)
            result.locked += locked_in_log(server.output())
        summary = result.summary()
        summary["audit_entries_of_autosaves"] = audit_changes(database, result.draft_ids)
        if result.failures:
            summary["failures"] = result.failures[:5]
    return summary
