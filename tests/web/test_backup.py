"""Backup and restore: `rootmap backup FILE` and `rootmap restore FILE` round-trip a whole
database, on SQLite and on PostgreSQL, and verify it."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from rootmap.cli import main as rootmap
from rootmap.web.accounts.models import User
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_record, audit_verify
from rootmap.web.backups import BackupError, backup_dump, backup_read, backup_restore, backup_write
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from tests.web.security_fixtures import build_world, example

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(db):
    world = build_world()
    case_file_import(organisation=world.org, user=world.clinician, data=example("school-age-foster.json"))
    audit_record(action="view", user=world.clinician, obj=world.client)
    return world


def _state():
    backup = backup_dump()
    return backup["manifest"]["counts"], backup["manifest"]["sha256"]


def test_a_backup_restores_into_the_same_database_exactly(world, tmp_path, capsys):
    path = tmp_path / "rootmap.backup.json.gz"
    assert rootmap(["backup", str(path)]) == 0
    assert "verified" in capsys.readouterr().out
    before = _state()
    assert (path.stat().st_mode & 0o777) == 0o600

    # Everything changes after the backup ...
    Client.objects.filter(pk=world.client.pk).update(display_name="Someone else")
    audit_record(action="view", user=world.admin, obj=world.client)
    assert _state() != before

    # ... and the restore brings back exactly what was backed up.
    assert rootmap(["restore", str(path)]) == 1
    assert "not empty" in capsys.readouterr().err
    assert rootmap(["restore", "--force", str(path)]) == 0
    counts, _checksum = before
    # The restore is itself recorded, so the audit log has one more entry.
    restored = backup_dump()["manifest"]["counts"]
    assert restored.pop("audit.auditentry") == counts.pop("audit.auditentry") + 1
    assert restored == counts
    assert Client.objects.get(pk=world.client.pk).display_name == "Sam Example"
    assert Assessment.objects.filter(status="final").count() >= 3
    assert AuditEntry.objects.latest("id").action == "restore"
    assert audit_verify().ok
    assert User.objects.get(username="cleo").check_password("correct horse battery staple")


def test_a_damaged_backup_is_refused_before_the_database_is_touched(world, tmp_path):
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    data = json.loads(gzip.decompress(path.read_bytes()))
    for record in data["records"]:
        if record["model"] == "clients.client":
            record["fields"]["display_name"] = "Tampered"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(BackupError, match="damaged"):
        backup_restore(path=path, force=True)
    assert not Client.objects.filter(display_name="Tampered").exists()


def test_it_refuses_a_file_that_is_not_a_backup(db, tmp_path):
    path = tmp_path / "nonsense.json"
    path.write_text("{\"hello\": 1}")
    with pytest.raises(BackupError, match="not a Rootmap backup"):
        backup_read(path=path)
    path.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(BackupError, match="not a Rootmap backup"):
        backup_read(path=path)
    with pytest.raises(BackupError, match="cannot read"):
        backup_read(path=tmp_path / "missing.json.gz")


def test_a_backup_keeps_times_to_the_microsecond(world, tmp_path):
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    entries = [r for r in backup_read(path=path)["records"] if r["model"] == "audit.auditentry"]
    stored = AuditEntry.objects.get(pk=entries[0]["pk"]).at
    assert entries[0]["fields"]["at"] == stored.isoformat()


def _fresh_database_url(tmp_path: Path) -> tuple[str, object]:
    """An empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    import psycopg

    settings = connection.settings_dict
    name = f"rootmap_restore_{uuid.uuid4().hex[:8]}"
    admin_url = f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.mark.django_db(transaction=True)
def test_the_commands_round_trip_into_a_new_empty_database(tmp_path):
    world = build_world()
    case_file_import(organisation=world.org, user=world.clinician, data=example("toddler-kinship.json"))
    audit_record(action="view", user=world.clinician, obj=world.client)
    path = tmp_path / "rootmap.backup.json.gz"
    assert rootmap(["backup", str(path)]) == 0
    manifest = backup_read(path=path)["manifest"]

    url, cleanup = _fresh_database_url(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "rootmap.web.test_settings"}
    try:
        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                                  text=True, timeout=300)

        def rootmap_cli(*args: str) -> subprocess.CompletedProcess[str]:
            return run("-c", "import sys; from rootmap.cli import main; sys.exit(main())", *args)

        assert run("-m", "django", "migrate", "-v0").returncode == 0
        restored = rootmap_cli("restore", str(path))
        assert restored.returncode == 0, restored.stderr
        assert "verified" in restored.stdout
        verify = rootmap_cli("audit", "verify")
        assert verify.returncode == 0, verify.stderr
        again = tmp_path / "again.json.gz"
        assert rootmap_cli("backup", str(again)).returncode == 0
        counts = backup_read(path=again)["manifest"]["counts"]
        # The new database holds what was backed up, plus the restore and backup entries.
        assert counts.pop("audit.auditentry") == manifest["counts"]["audit.auditentry"] + 2
        assert counts == {k: v for k, v in manifest["counts"].items() if k != "audit.auditentry"}
        refused = rootmap_cli("restore", str(path))
        assert refused.returncode == 1 and "not empty" in refused.stderr
    finally:
        if cleanup:
            cleanup()


def _other_kind_of_database(tmp_path: Path):
    """An empty database of the other kind: PostgreSQL when testing on SQLite, and back."""
    if connection.vendor == "postgresql":
        return f"sqlite:///{tmp_path / 'moved.sqlite3'}", None
    import psycopg

    admin_url = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    admin_url = admin_url.rsplit("/", 1)[0] + "/postgres"
    name = f"rootmap_move_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        pytest.skip("no PostgreSQL server to move the backup to")

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.mark.django_db(transaction=True)
def test_a_backup_moves_between_sqlite_and_postgresql(tmp_path):
    world = build_world()
    case_file_import(organisation=world.org, user=world.clinician, data=example("school-age-foster.json"))
    audit_record(action="view", user=world.clinician, obj=world.client)
    path = tmp_path / "rootmap.backup.json.gz"
    backup_write(path=path)
    url, cleanup = _other_kind_of_database(tmp_path)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "rootmap.web.test_settings"}
    cli = "import sys; from rootmap.cli import main; sys.exit(main())"
    try:
        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                                  text=True, timeout=300)

        assert run("-m", "django", "migrate", "-v0").returncode == 0
        restored = run("-c", cli, "restore", str(path))
        assert restored.returncode == 0, restored.stderr
        verify = run("-c", cli, "audit", "verify")
        assert verify.returncode == 0 and "entries checked" in verify.stdout, verify.stderr
    finally:
        if cleanup:
            cleanup()


def test_a_restore_says_which_documents_files_are_not_beside_it(world, tmp_path, capsys):
    # A backup holds the database; documents' files stay in ROOTMAP_DOCUMENT_DIR. A restore
    # on a new machine said "verified" while every reviewed PDF of a signed assessment was
    # gone (their pages 404): it now names them, and the backup says to copy the folder.
    import hashlib

    from rootmap.web.sources import storage
    from rootmap.web.sources.models import DocumentFile

    kept, lost = b"%PDF-1.4 school report", b"%PDF-1.4 letter from the GP"
    for content in (kept, lost):
        DocumentFile.objects.create(client=world.client, sha256=hashlib.sha256(content).hexdigest(),
                                    stored_name=storage.store(content), media_type="application/pdf",
                                    size=len(content), uploaded_by=world.clinician)
    path = tmp_path / "rootmap.backup.json.gz"
    assert rootmap(["backup", str(path)]) == 0
    assert f"The 2 documents' files are not in it: back up {storage.document_dir()}" in capsys.readouterr().out

    assert rootmap(["restore", "--force", str(path)]) == 0
    assert "documents' files" not in capsys.readouterr().err  # both are where the record says

    gone = DocumentFile.objects.get(sha256=hashlib.sha256(lost).hexdigest())
    storage.discard(gone.stored_name)
    manifest = backup_restore(path=path, force=True)
    assert manifest["restore"]["document_files_missing"] == [gone.sha256]
    assert rootmap(["restore", "--force", str(path)]) == 0
    err = capsys.readouterr().err
    assert "Warning: 1 of the 2 documents' files the restored record names are not in" in err
