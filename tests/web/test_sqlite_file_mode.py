"""The SQLite database file holds every child's record: readable by Rootmap's own user only.

Backups, exports, reports and the keys file are written 0600; the database itself was
created with the process's umask (0644 under the usual 022), as were its -wal and -shm
files, so every local account could copy the whole database.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler


@pytest.fixture
def usual_umask(django_db_blocker):
    before = os.umask(0o022)
    with django_db_blocker.unblock():  # a database of the test's own, not the suite's
        yield
    os.umask(before)


def _connect(path: Path):
    handler = ConnectionHandler({"default": {"ENGINE": "rootmap.web.integrity.sqlite3", "NAME": str(path)}})
    return handler["default"]


def test_a_new_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path, usual_umask):
    path = tmp_path / "rootmap.sqlite3"
    connection = _connect(path)
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE child (name TEXT)")
            cursor.execute("INSERT INTO child VALUES ('Milo')")
        files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
        assert len(files) == 3  # WAL: the journal and its index sit beside the file
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o600 for p in files}
    finally:
        connection.close()


def test_an_existing_database_keeps_the_mode_its_operator_gave_it(tmp_path, usual_umask):
    path = tmp_path / "shared.sqlite3"
    first = _connect(path)
    first.ensure_connection()
    first.close()
    os.chmod(path, 0o640)  # a group the operator chose (a backup agent, say)
    connection = _connect(path)
    try:
        connection.ensure_connection()
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        connection.close()
