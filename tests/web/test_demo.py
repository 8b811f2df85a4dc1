"""`rootmap demo`, `rootmap serve` and `rootmap manage` on a fresh database."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.org_fixtures import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
DEMO_DATA = ROOT / "src" / "rootmap" / "web" / "demo_data"


def _rootmap(*args: str, cwd: Path, database: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    env.update(extra_env)
    return subprocess.run([sys.executable, "-m", "rootmap", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_demo_data_shipped_in_the_package_equals_the_examples():
    shipped = sorted(p.name for p in DEMO_DATA.glob("*.json"))
    assert shipped == sorted(p.name for p in EXAMPLES.glob("*.json"))
    for name in shipped:
        assert (DEMO_DATA / name).read_bytes() == (EXAMPLES / name).read_bytes(), name


def test_rootmap_demo_creates_the_users_clients_and_household_and_can_run_again(tmp_path):
    database = tmp_path / "demo.sqlite3"
    first = _rootmap("demo", "--no-serve", "--password", "a long demo password", cwd=tmp_path,
                     database=database)
    assert first.returncode == 0, first.stderr
    assert "Demo Family Services" in first.stdout and "Milo" in first.stdout

    db = sqlite3.connect(database)
    users = dict(db.execute("select username, role from accounts_user").fetchall())
    assert users == {"admin": "admin", "supervisor": "supervisor", "clinician": "clinician",
                     "clinician2": "clinician"}
    clients = {r for (r,) in db.execute("select reference from clients_client")}
    assert clients == {"C-0101", "C-0102", "C-0103"}
    finals = db.execute("select count(*) from assessments_assessment where status='final' "
                        "and result is not null").fetchone()[0]
    assert finals == 6
    caseload = {r for (r,) in db.execute(
        "select c.reference from clients_client c join clients_client_clinicians cc on cc.client_id=c.id "
        "join accounts_user u on u.id=cc.user_id where u.username='clinician'")}
    assert caseload == {"C-0101", "C-0102"}  # C-0103 is clinician2's alone
    assert db.execute("select count(*) from caregiving_estimate").fetchone()[0] == 1
    db.close()

    again = _rootmap("demo", "--no-serve", cwd=tmp_path, database=database)
    assert again.returncode == 0, again.stderr
    assert "Password of every demo user (shown once):" in again.stdout
    db = sqlite3.connect(database)
    assert db.execute("select count(*) from clients_client").fetchone()[0] == 3
    assert db.execute("select count(*) from caregiving_household").fetchone()[0] == 1
    db.close()


def test_the_demo_password_signs_in_and_demo_mode_shows(client, db):
    from django.test import override_settings
    from django.urls import reverse

    from rootmap.web.demo import demo_load

    demo_load(password="a long demo password")
    with override_settings(DEMO_MODE=True):
        response = client.post(reverse("login"), {"username": "supervisor", "password": "a long demo password"},
                               follow=True)
        page = response.content.decode()
    assert "Demo mode" in page and "Milo" in page and "Tessa" in page and "Poppy" in page


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path):
    result = _rootmap("serve", "--port", "8799", cwd=tmp_path, database=tmp_path / "empty.sqlite3",
                      ROOTMAP_DEMO="1")
    assert result.returncode == 2
    assert "rootmap manage migrate" in result.stderr and "Traceback" not in result.stderr


def test_serve_without_a_secret_key_outside_demo_mode_says_so(tmp_path):
    result = _rootmap("serve", cwd=tmp_path, database=tmp_path / "empty.sqlite3")
    assert result.returncode == 2
    assert "ROOTMAP_SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["0", "http", "70000"])
def test_a_bad_port_is_refused_with_a_clear_message(tmp_path, port):
    result = _rootmap("serve", "--port", port, cwd=tmp_path, database=tmp_path / "x.sqlite3")
    assert result.returncode == 2 and "is not a port number" in result.stderr


def test_rootmap_manage_runs_django_commands(tmp_path):
    result = _rootmap("manage", "showmigrations", "caregiving", cwd=tmp_path, database=tmp_path / "m.sqlite3",
                      ROOTMAP_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stderr
    assert "0002_household_inputs" in result.stdout
