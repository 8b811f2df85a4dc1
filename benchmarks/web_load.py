"""`make bench-web`: the pages at 1,000 and at 100,000 clients on PostgreSQL, side by side.

Seeds two PostgreSQL databases once (`rootmap demo --clients N`; a database already seeded
with the same N and seed is reused), serves each with its own `rootmap serve` on a loopback
port under rootmap.web.bench_settings (which adds the X-Rootmap-Queries and -Peak-KiB
headers; never production), then for each role (clinician, supervisor, admin):

1. reads every page once, one request at a time, for its status, SQL queries and peak
   Python allocation (tracemalloc) in the server;
2. runs locust on loopback with 1 and then 20 concurrent users, each reading the role's
   pages one after another without pause, for BENCH_WEB_SECONDS each.

Prints (and writes to BENCH_WEB_OUT) one markdown table row per page and role: queries,
p50/p95 at 1 and 20 users on each database, the big/small p95 ratio and the allocation.
A statement running longer than BENCH_WEB_STATEMENT_TIMEOUT ms is cancelled by PostgreSQL
(the page answers 500 and counts as an error), so that a page that never finishes bounds
the run instead of stalling it.

Environment: POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432), BENCH_WEB_SMALL
(1000), BENCH_WEB_BIG (100000), BENCH_WEB_SEED (15), BENCH_WEB_SECONDS (30),
BENCH_WEB_USERS (1,20), BENCH_WEB_DB_PREFIX (rootmap_bench), BENCH_WEB_DIR (.bench-web:
each database's demo keys and checkpoints), BENCH_WEB_STATEMENT_TIMEOUT (15000),
BENCH_WEB_OUT (bench-web.md).
"""

from __future__ import annotations

import csv
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import requests

BIN = Path(sys.executable).parent
PASSWORD = "rootmap-demo"
ROLES = ("clinician", "supervisor", "admin")


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass
class Database:
    label: str
    clients: int
    name: str
    folder: Path
    base: str

    @property
    def url(self) -> str:
        return f"{self.base}/{self.name}"

    def served_url(self, timeout_ms: int) -> str:
        return f"{self.url}?options={quote(f'-c statement_timeout={timeout_ms}')}"


@dataclass
class Measure:
    status: int = 0
    queries: str = ""
    peak_kib: str = ""
    read_ms: float = 0.0  # the probe's one read, alone on the server
    p50: dict[int, float] = field(default_factory=dict)
    p95: dict[int, float] = field(default_factory=dict)
    requests: dict[int, int] = field(default_factory=dict)
    errors: dict[int, int] = field(default_factory=dict)


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _process_env(db: Database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_", "BENCH_"))}
    env.update({"DATABASE_URL": db.url, "ROOTMAP_DEMO": "1",
                "ROOTMAP_AUDIT_CHECKPOINT_FILE": str(db.folder / "audit-checkpoints.jsonl")})
    env.update(extra)
    return env


def ensure_seeded(db: Database, seed: int) -> str:
    db.folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(f"{db.base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db.name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{db.name}"')
    started = time.monotonic()
    run = subprocess.run([str(BIN / "rootmap"), "demo", "--no-serve", "--password", PASSWORD,
                          "--clients", str(db.clients), "--seed", str(seed)],
                         cwd=db.folder, env=_process_env(db), capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"seeding {db.name} failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    line = next((ln for ln in run.stdout.splitlines() if ln.startswith("Scale data")), "")
    return f"{db.name}: {line} ({time.monotonic() - started:.0f} s with migrations and the demo)"


def pages(db: Database) -> list[tuple[str, str]]:
    with psycopg.connect(db.url) as conn:
        client = conn.execute(
            "SELECT c.id FROM clients_client c JOIN clients_client_clinicians l ON l.client_id = c.id "
            "JOIN accounts_user u ON u.id = l.user_id WHERE u.username = 'clinician' "
            "AND c.reference LIKE 'S-%%' ORDER BY c.id LIMIT 1").fetchone()[0]
        assessment = conn.execute(
            "SELECT id FROM assessments_assessment WHERE client_id = %s AND status = 'final' "
            "ORDER BY date DESC, id DESC LIMIT 1", (client,)).fetchone()[0]
        household = conn.execute(
            "SELECT h.id FROM caregiving_household h JOIN accounts_user u ON u.organisation_id = h.organisation_id "
            "WHERE u.username = 'clinician' AND h.name LIKE 'Household %%' ORDER BY h.id LIMIT 1").fetchone()[0]
    return [("dashboard", "/"), ("dashboard overdue", "/?follow_up=overdue"),
            ("dashboard page 2000", "/?page=2000"), ("client list", "/clients/"),
            ("client page", f"/clients/{client}/"), ("assessment results", f"/assessments/{assessment}/results/"),
            ("household list", "/households/"), ("household page", f"/households/{household}/"),
            ("audit log", "/audit/"), ("people", "/people/"), ("jobs", "/jobs/")]


@contextmanager
def served(db: Database, timeout_ms: int):
    port = _free_port()
    log = (db.folder / "serve.log").open("w")
    env = _process_env(db, DATABASE_URL=db.served_url(timeout_ms),
                       DJANGO_SETTINGS_MODULE="rootmap.web.bench_settings")
    process = subprocess.Popen([str(BIN / "rootmap"), "serve", "--port", str(port)], cwd=db.folder, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log_text = (db.folder / "serve.log").read_text()[-2000:]
                raise SystemExit(f"rootmap serve for {db.name} stopped: {log_text}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def rss_kib(pid: int) -> tuple[int, int]:
    """The server's resident memory now and at its peak (VmRSS, VmHWM), KiB."""
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M))
    return int(values.get("VmRSS", 0)), int(values.get("VmHWM", 0))


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/sign-in/", timeout=60)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    answer = session.post(f"{base}/sign-in/", timeout=60, headers={"Referer": f"{base}/sign-in/", "Origin": base},
                          data={"username": username, "password": PASSWORD,
                                "csrfmiddlewaretoken": token.group(1) if token else ""})
    if "/sign-in/" in answer.url:
        raise SystemExit(f"{username} could not sign in at {base}")
    return session


def probe(base: str, role: str, page_list: list[tuple[str, str]],
          results: dict[tuple[str, str], Measure]) -> dict[str, str]:
    """Read each page once (kept: the second read), and return the signed-in session's cookies."""
    session = sign_in(base, role)
    for name, path in page_list:
        m = results.setdefault((name, role), Measure())
        # The second read is the one kept (the first warms caches and imports), unless the
        # first was slow already: a page of many seconds is read once.
        for _round in range(2):
            started = time.monotonic()
            try:
                answer = session.get(f"{base}{path}", headers={"X-Rootmap-Measure-Memory": "1"}, timeout=120)
            except requests.RequestException as error:
                m.status, m.queries, m.peak_kib = 0, "timeout", type(error).__name__
                break
            m.status = answer.status_code
            m.queries = answer.headers.get("X-Rootmap-Queries", "?")
            m.peak_kib = answer.headers.get("X-Rootmap-Peak-KiB", "?")
            m.read_ms = (time.monotonic() - started) * 1000  # with tracemalloc on: slower than the runs
            if time.monotonic() - started > 5:
                break
    return dict(session.cookies.items())


def load(base: str, role: str, cookies: dict[str, str], page_list: list[tuple[str, str]], users: int,
         seconds: int, folder: Path, results: dict[tuple[str, str], Measure]) -> None:
    prefix = folder / f"locust-{role}-{users}"
    env = {**os.environ, "BENCH_COOKIES": json.dumps(cookies), "BENCH_PAGES": json.dumps(page_list)}
    subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).with_name("web_locustfile.py")), "--headless",
                    "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
                    "--host", base, "--csv", str(prefix), "--only-summary", "--loglevel", "ERROR",
                    "--exit-code-on-error", "0"], env=env, check=True, capture_output=True, timeout=seconds + 180)
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            key = (row["Name"], role)
            if key in results:
                m = results[key]
                m.p50[users], m.p95[users] = float(row["50%"]), float(row["95%"])
                m.requests[users], m.errors[users] = int(row["Request Count"]), int(row["Failure Count"])


def drain(base: str, seconds: float = 300) -> None:
    """Wait until the server answers a cheap page quickly again: requests that locust left
    queued when it stopped are still being served, and would slow the next measurement."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            requests.get(f"{base}/sign-in/", timeout=60)
        except requests.RequestException:
            continue
        if time.monotonic() - started < 1:
            return
        time.sleep(1)


def _ms(m: Measure | None, users: int) -> str:
    if m is None or users not in m.p95:
        return "–"
    text = f"{m.p50[users]:.0f} / {m.p95[users]:.0f}"
    if m.errors.get(users):
        text += f" ({m.errors[users]} of {m.requests[users]} failed)"
    return text


def _ratio(small: Measure | None, big: Measure | None, users: int) -> str:
    if not small or not big or users not in small.p95 or users not in big.p95 or not small.p95[users]:
        return "–"
    return f"{big.p95[users] / small.p95[users]:.1f}"


def _queries(m: Measure | None) -> str:
    if m is None:
        return "–"
    return m.queries if m.status == 200 else f"{m.queries} (answer {m.status or 'none'})"


def table(dbs: list[Database], results: list[dict[tuple[str, str], Measure]], user_counts: list[int]) -> str:
    small, big = dbs
    head = ["page", "role", f"queries {small.label} / {big.label}"]
    for users in user_counts:
        head += [f"p50 / p95 ms, {users} user{'s' if users > 1 else ''}, {small.label}", f"… {big.label}",
                 f"p95 ratio {users}u"]
    head += [f"peak KiB {small.label} / {big.label}", f"one read ms {small.label} / {big.label}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in results[0]:
        s, b = results[0].get(key), results[1].get(key)
        if s and s.status in (403, 404) and b and b.status in (403, 404):
            continue  # not this role's page: left out of the table
        row = [key[0], key[1], f"{_queries(s)} / {_queries(b)}"]
        for users in user_counts:
            row += [_ms(s, users), _ms(b, users), _ratio(s, b, users)]
        row += [f"{s.peak_kib if s else '–'} / {b.peak_kib if b else '–'}",
                f"{s.read_ms if s else 0:.0f} / {b.read_ms if b else 0:.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def run() -> dict[str, Any]:
    base = _env("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
    prefix = _env("BENCH_WEB_DB_PREFIX", "rootmap_bench")
    folder = Path(_env("BENCH_WEB_DIR", ".bench-web")).resolve()
    sizes = [int(_env("BENCH_WEB_SMALL", "1000")), int(_env("BENCH_WEB_BIG", "100000"))]
    seconds = int(_env("BENCH_WEB_SECONDS", "30"))
    user_counts = [int(u) for u in _env("BENCH_WEB_USERS", "1,20").split(",")]
    timeout_ms = int(_env("BENCH_WEB_STATEMENT_TIMEOUT", "15000"))
    dbs = [Database(f"{n:,}".replace(",", " "), n, f"{prefix}_{n}", folder / f"{prefix}_{n}", base) for n in sizes]
    notes = [ensure_seeded(db, int(_env("BENCH_WEB_SEED", "15"))) for db in dbs]
    for note in notes:
        print(note, flush=True)
    results: list[dict[tuple[str, str], Measure]] = [{}, {}]
    memory: list[str] = []
    started = time.monotonic()
    with ExitStack() as stack:
        servers = [stack.enter_context(served(db, timeout_ms)) for db in dbs]  # both up, side by side
        for db, (url, pid), found in zip(dbs, servers, results, strict=True):
            page_list = pages(db)
            before = rss_kib(pid)
            for role in ROLES:
                cookies = probe(url, role, page_list, found)
                for users in user_counts:
                    print(f"{db.name}: {role}, {users} users, {seconds} s", flush=True)
                    allowed = [(n, p) for n, p in page_list if found[(n, role)].status not in (0, 403, 404)]
                    # Long enough for every page to be read a few times even when some take
                    # seconds (one user reads them in turn), and still bounded.
                    cycle = sum(found[(n, role)].read_ms for n, _p in allowed) / 1000
                    load(url, role, cookies, allowed, users, int(min(max(seconds, 3 * cycle), 4 * seconds)),
                         db.folder, found)
                    drain(url)
            after = rss_kib(pid)
            memory.append(f"{db.label}: server RSS {before[0] // 1024} MiB after start-up and the first "
                          f"reads, {after[0] // 1024} MiB at the end, peak {after[1] // 1024} MiB")
    text = table(dbs, results, user_counts)
    out = Path(_env("BENCH_WEB_OUT", "bench-web.md"))
    out.write_text(text + "\n\n" + "\n".join(f"- {line}" for line in [*notes, *memory]) + "\n")
    print(text)
    return {"table": str(out), "load seconds": f"{time.monotonic() - started:.0f}", **dict(enumerate(memory))}


if __name__ == "__main__":
    result = run()
    for key, value in result.items():
        print(f"{key}: {value}")
