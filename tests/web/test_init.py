"""`rootmap init` on an empty database (a new SQLite file; on the PostgreSQL run, a new
PostgreSQL database too): it migrates, creates the organisation and its first
administrator, prints a set-up link that works once; a second organisation fits in the
same database and a name in use is refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

LINK = re.compile(r"^https://rootmap\.example\.org/welcome/[\w-]+/[\w-]+/$", re.MULTILINE)


def _rootmap(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "ROOTMAP_DEBUG": "1",
           "ROOTMAP_SECRET_KEY": "init-test-key-" + "k" * 50, "DJANGO_SETTINGS_MODULE": "rootmap.web.settings"}
    env.pop("ROOTMAP_TESTING", None)
    command = [sys.executable, "-c", "from rootmap.cli import main; raise SystemExit(main())", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=_CWD)


_CWD = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite3'}"
        return
    current = settings.DATABASES["default"]
    if not current["ENGINE"].endswith("postgresql"):
        pytest.skip("the PostgreSQL run (DATABASE_URL=postgresql://...) tries an empty PostgreSQL database")
    import psycopg

    name = f"{current['NAME']}_init_{uuid.uuid4().hex[:8]}"
    dsn = dict(host=current.get("HOST") or "127.0.0.1", port=current.get("PORT") or 5432,
               user=current.get("USER") or "postgres", password=current.get("PASSWORD") or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = dsn["user"] + (f":{dsn['password']}" if dsn["password"] else "")
        yield f"postgresql://{auth}@{dsn['host']}:{dsn['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_init_sets_up_organisations_on_an_empty_database(empty_database: str) -> None:
    first = _rootmap(empty_database, "init", "--organisation", "Riverside Family Services",
                     "--admin-email", "ada@example.org", "--base-url", "https://rootmap.example.org")
    assert first.returncode == 0, first.stderr
    assert "first administrator is ada@example.org" in first.stdout
    assert len(LINK.findall(first.stdout)) == 1

    second = _rootmap(empty_database, "init", "--organisation", "Hillside Trust", "--admin-email",
                      "hal@example.org", "--username", "hal", "--base-url", "https://rootmap.example.org")
    assert second.returncode == 0, second.stderr
    assert "first administrator is hal" in second.stdout

    taken = _rootmap(empty_database, "init", "--organisation", "riverside family services",
                     "--admin-email", "bob@example.org", "--base-url", "https://rootmap.example.org")
    assert taken.returncode == 2
    assert "an organisation called 'riverside family services' exists already" in taken.stderr
    # Every problem at once, one line each, naming the option (not only the first one found).
    both = _rootmap(empty_database, "init", "--organisation", "", "--admin-email", "notanemail",
                    "--base-url", "https://rootmap.example.org")
    assert (both.returncode, both.stderr) == (2, (
        "rootmap init: --organisation: the organisation's name is 1 to 200 characters\n"
        "rootmap init: --admin-email: 'notanemail' is not an email address (expected name@example.org)\n"))
    no_base = _rootmap(empty_database, "init", "--organisation", "Third", "--admin-email", "t@example.org")
    assert no_base.returncode == 2 and "ROOTMAP_BASE_URL" in no_base.stderr

    listing = _rootmap(empty_database, "manage", "shell", "-c",
                       "from rootmap.web.accounts.models import User;"
                       "print(sorted((u.username, u.organisation.name, u.role, u.has_usable_password())"
                       " for u in User.objects.all()))")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.strip().splitlines()[-1] == str(sorted([
        ("ada@example.org", "Riverside Family Services", "admin", False),
        ("hal", "Hillside Trust", "admin", False),
    ]))
    verify = _rootmap(empty_database, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
