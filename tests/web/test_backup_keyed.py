"""Backups are keyed (issue 10): a backup carries an HMAC under the backup key, so a file
edited and summed again is refused; a restore verifies the audit log it restored; backup
and restore are audited with the operating-system user and host who ran them."""

from __future__ import annotations

import gzip
import hashlib
import json
import socket

import pytest
from django.test import override_settings

from rootmap.cli import main as rootmap
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_checkpoint, audit_record, audit_verify
from rootmap.web.backups import BackupError, backup_read, backup_restore, backup_write
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from rootmap.web.integrity import triggers
from tests.web.security_fixtures import build_world, example

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    case_file_import(organisation=world.org, user=world.clinician, data=example("school-age-foster.json"))
    audit_record(action="view", user=world.clinician, obj=world.client)
    return world


def _edit_and_sum_again(path, new_name):
    """What someone with the file but not the key can do: change a record, then put the
    right SHA-256 of the records into the manifest."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    for record in data["records"]:
        if record["model"] == "clients.client":
            record["fields"]["display_name"] = new_name
    canonical = json.dumps(data["records"], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    data["manifest"]["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    path.write_bytes(gzip.compress(json.dumps(data).encode()))


def test_a_backup_edited_and_summed_again_is_refused_at_restore(world, tmp_path, capsys):
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    _edit_and_sum_again(path, "Tampered")
    with pytest.raises(BackupError, match="valid signature under this installation's backup key"):
        backup_restore(path=path, force=True)
    assert rootmap(["restore", "--force", str(path)]) == 1
    err = capsys.readouterr().err
    assert "edited after it was made" in err and "Traceback" not in err
    assert not Client.objects.filter(display_name="Tampered").exists()
    assert AuditEntry.objects.filter(action="restore").count() == 0


def test_a_backup_made_under_another_backup_key_is_refused(world, tmp_path):
    path = tmp_path / "b.json.gz"
    with override_settings(ROOTMAP_BACKUP_KEY="the backup key of another installation, 123"):
        backup_write(path=path)
    with pytest.raises(BackupError, match="another ROOTMAP_BACKUP_KEY"):
        backup_read(path=path)
    with override_settings(ROOTMAP_BACKUP_KEY="the backup key of another installation, 123"):
        assert backup_read(path=path)["manifest"]["format"] == "rootmap-backup/2"


def test_a_backup_without_a_signature_is_refused(world, tmp_path):
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    data = json.loads(gzip.decompress(path.read_bytes()))
    del data["manifest"]["hmac_sha256"]
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(BackupError, match="valid signature"):
        backup_read(path=path)
    data["manifest"]["format"] = "rootmap-backup/1"  # as an older Rootmap wrote it
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(BackupError, match="without a backup key"):
        backup_read(path=path)


def test_a_restore_whose_audit_log_does_not_verify_is_rolled_back(world, tmp_path, capsys):
    entry = AuditEntry.objects.filter(action="view").latest("id")
    with triggers.suspended():  # someone altered an entry before the backup was made
        AuditEntry.objects.filter(pk=entry.pk).update(detail={"page": "rewritten"})
    path = tmp_path / "b.json.gz"
    backup_write(path=path)  # a faithful, signed copy of a damaged log
    Client.objects.filter(pk=world.client.pk).update(display_name="Changed after the backup")

    assert rootmap(["restore", "--force", str(path)]) == 1
    err = capsys.readouterr().err
    assert "the audit log in the backup does not verify" in err
    assert f"entry {entry.pk}: its content was altered" in err
    # Nothing of the backup stayed: the database is as it was before the restore.
    assert Client.objects.get(pk=world.client.pk).display_name == "Changed after the backup"
    assert not AuditEntry.objects.filter(action="restore").exists()


def test_a_failed_backup_leaves_no_audit_entry(world, tmp_path, monkeypatch):
    from rootmap.web import backups

    def full_disk(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "backup_dump", full_disk)
    before = AuditEntry.objects.count()
    with pytest.raises(OSError):
        backup_write(path=tmp_path / "b.json.gz")
    assert AuditEntry.objects.count() == before
    assert list(tmp_path.iterdir()) == []


def test_the_file_holds_the_backups_own_entry(world, tmp_path):
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    entries = [r for r in backup_read(path=path)["records"] if r["model"] == "audit.auditentry"]
    newest = max(entries, key=lambda r: r["pk"])
    assert newest["fields"]["action"] == "export"
    assert newest["fields"]["detail"]["file"] == "b.json.gz"
    assert newest["pk"] == AuditEntry.objects.latest("id").pk


def test_backup_and_restore_from_the_command_line_record_the_os_user_and_host(
        world, tmp_path, monkeypatch):
    monkeypatch.setenv("LOGNAME", "night-operator")
    path = tmp_path / "b.json.gz"
    assert rootmap(["backup", str(path)]) == 0
    backup = AuditEntry.objects.filter(action="export").latest("id")
    assert backup.actor is None and backup.actor_name == f"night-operator@{socket.gethostname()}"
    assert backup.detail["os_user"] == "night-operator"
    assert backup.detail["host"] == socket.gethostname()
    assert backup.detail["via"] == "command line"

    assert rootmap(["restore", "--force", str(path)]) == 0
    restore = AuditEntry.objects.latest("id")
    assert restore.action == "restore" and restore.detail["os_user"] == "night-operator"
    assert restore.actor_name == f"night-operator@{socket.gethostname()}"
    assert audit_verify().ok


def test_restoring_an_old_backup_over_newer_entries_is_reported(
        world, tmp_path, capsys, django_capture_on_commit_callbacks):
    anchor = tmp_path / "checkpoints.jsonl"
    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_FILE=str(anchor), ROOTMAP_AUDIT_CHECKPOINT_EVERY=0):
        path = tmp_path / "old.json.gz"
        backup_write(path=path)
        in_backup = AuditEntry.objects.count()
        for _ in range(3):
            audit_record(action="view", user=world.admin, obj=world.client)
        audit_checkpoint()

        with django_capture_on_commit_callbacks(execute=True):
            assert rootmap(["restore", "--force", str(path)]) == 0
        err = capsys.readouterr().err
        assert f"checkpoints recorded {in_backup + 3} entries, the backup held {in_backup}" in err
        restore = AuditEntry.objects.latest("id")
        assert restore.detail["log_entries_before_restore"] == in_backup + 3

        lines = [json.loads(line) for line in anchor.read_text().splitlines()]
        # The restore line anchors the chain of the restore's own entry; a line follows it
        # for every other chain restored (one chain per organisation, decision 0029).
        [restore_line] = [line for line in lines if line["reason"] == "restore"]
        assert restore_line["restored_entries"] == in_backup
        assert restore_line["chain"] == restore.chain
        assert restore_line["length"] == AuditEntry.objects.filter(chain=restore.chain).count()
        after = lines[lines.index(restore_line) + 1:]
        assert {line["chain"] for line in after} == set(
            AuditEntry.objects.exclude(chain=restore.chain).values_list("chain", flat=True))
        report = audit_verify()
        assert report.ok
        assert any(f"had recorded {in_backup + 3} entries" in note for note in report.notes)


@pytest.mark.django_db(transaction=True)
def test_a_backup_while_others_write_the_log_keeps_one_chain(tmp_path):
    """The backup's entry and its snapshot are one transaction: appenders wait for it, and
    neither the backup nor they fail (PostgreSQL: REPEATABLE READ, the head locked first)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database (SQLite serialises writes itself)")
    world = build_world()
    audit_record(action="view", user=world.clinician, obj=world.client)
    errors: list[Exception] = []

    def write(n):
        try:
            for i in range(15):
                audit_record(action="view", user=world.clinician, obj=world.client,
                             detail={"writer": n, "i": i})
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    path = tmp_path / "b.json.gz"
    backup_write(path=path)
    for thread in threads:
        thread.join()
    assert not errors
    assert audit_verify().ok and audit_verify().checked == 1 + 45 + 1
    entries = sorted((r for r in backup_read(path=path)["records"] if r["model"] == "audit.auditentry"),
                     key=lambda r: r["pk"])
    # The file's chain ends with the backup's own entry, and nothing after it.
    assert entries[-1]["fields"]["action"] == "export"
    assert [r["pk"] for r in entries] == sorted(AuditEntry.objects.filter(
        pk__lte=entries[-1]["pk"]).values_list("pk", flat=True))
