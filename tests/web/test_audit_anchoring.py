"""The audit log cannot be emptied or wound back unseen (issue 10): a database holding
records but no log fails verification, and the chain is checked against signed checkpoints
of its head kept in a file outside the database."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import override_settings

from rootmap.cli import main as rootmap
from rootmap.web.audit.checkpoints import CheckpointState, checkpoint_write
from rootmap.web.audit.models import AuditChainHead, AuditEntry
from rootmap.web.audit.services import audit_checkpoint, audit_record, audit_verify, chain_for
from rootmap.web.integrity import triggers
from tests.web.security_fixtures import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def checkpoint_file(tmp_path):
    path = tmp_path / "anchor" / "audit-checkpoints.jsonl"
    path.parent.mkdir()
    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_FILE=str(path),
                           ROOTMAP_AUDIT_CHECKPOINT_EVERY=0):
        yield path


def _entries(world, n):
    return [audit_record(action="view", user=world.clinician, obj=world.client,
                         detail={"page": f"client {i}"}) for i in range(n)]


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- An emptied log ------------------------------------------------------------------------

def test_a_database_with_records_but_no_audit_log_fails(world, capsys):
    assert not AuditEntry.objects.exists()
    report = audit_verify()
    assert not report.ok
    assert "the audit log is empty but the database holds" in report.problem
    assert "2 clients" in report.problem and "users" in report.problem
    assert rootmap(["audit", "verify"]) == 1
    assert "audit log is empty" in capsys.readouterr().err


def test_deleting_every_entry_and_the_head_is_detected(world):
    _entries(world, 3)
    assert audit_verify().ok
    with triggers.suspended():
        AuditEntry.objects.all().delete()
    AuditChainHead.objects.all().delete()
    report = audit_verify()
    assert not report.ok and "audit log is empty" in report.problem


# --- Checkpoints -----------------------------------------------------------------------------

def test_the_checkpoint_command_appends_a_signed_line_that_verify_matches(world, checkpoint_file, capsys):
    entries = _entries(world, 4)
    assert rootmap(["audit", "checkpoint"]) == 0
    assert "checkpoint of its head" in capsys.readouterr().out
    assert (checkpoint_file.stat().st_mode & 0o777) == 0o600
    [line] = _lines(checkpoint_file)
    assert line["length"] == 4 and line["last_entry_id"] == entries[-1].pk
    assert line["last_hash"] == entries[-1].entry_hash
    assert len(line["signature"]) == 64 and line["at"]

    _entries(world, 2)
    assert rootmap(["audit", "checkpoint"]) == 0
    assert [c["length"] for c in _lines(checkpoint_file)] == [4, 6]
    report = audit_verify()
    assert report.ok and report.checked == 6
    assert any("matches the checkpoint" in note and "6 entries" in note for note in report.notes)
    assert rootmap(["audit", "verify"]) == 0
    assert "Note: matches the checkpoint" in capsys.readouterr().out


def test_a_checkpoint_line_the_disk_took_only_part_of_is_taken_back(world, checkpoint_file, monkeypatch):
    # A full disk can write part of a line: left there, every later verify would read the
    # file as forged. The part is cut off again and the command says it could not write.
    import os

    from rootmap.web.audit.checkpoints import CheckpointError

    _entries(world, 2)
    assert rootmap(["audit", "checkpoint"]) == 0
    before = checkpoint_file.read_bytes()
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    _entries(world, 1)
    with pytest.raises(CheckpointError, match="only part of the line"):
        audit_checkpoint()
    monkeypatch.setattr(os, "write", real_write)
    assert checkpoint_file.read_bytes() == before
    assert audit_verify().ok


def test_the_application_writes_a_checkpoint_every_n_entries_after_commit(
        world, checkpoint_file, django_capture_on_commit_callbacks):
    from django.db import transaction

    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_EVERY=3):
        with django_capture_on_commit_callbacks(execute=True):
            _entries(world, 7)
        assert [c["length"] for c in _lines(checkpoint_file)] == [3, 6]
        # An entry that is rolled back is never anchored.
        with django_capture_on_commit_callbacks(execute=True), \
                pytest.raises(RuntimeError), transaction.atomic():
            _entries(world, 2)
            raise RuntimeError("the service failed after writing its entries")
        assert [c["length"] for c in _lines(checkpoint_file)] == [3, 6]
        with django_capture_on_commit_callbacks(execute=True):
            _entries(world, 2)
    assert [c["length"] for c in _lines(checkpoint_file)] == [3, 6, 9]
    assert audit_verify().ok


def test_a_checkpoint_that_cannot_be_written_never_fails_the_request(
        world, tmp_path, caplog, django_capture_on_commit_callbacks):
    missing = tmp_path / "no such folder" / "checkpoints.jsonl"
    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_FILE=str(missing),
                           ROOTMAP_AUDIT_CHECKPOINT_EVERY=1), \
            caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        entry = audit_record(action="view", user=world.clinician, obj=world.client)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert "audit checkpoint not written" in caplog.text and not missing.exists()


def test_an_old_head_put_back_over_deleted_entries_is_detected_by_the_checkpoint(
        world, checkpoint_file, capsys):
    kept = _entries(world, 4)
    old_head = AuditChainHead.objects.values().get(pk=chain_for(world.org.pk))  # what an attacker saved
    _entries(world, 3)
    audit_checkpoint()

    # Delete the three newest entries and put the saved head back: the database agrees with
    # itself again.
    with triggers.suspended():
        AuditEntry.objects.filter(pk__gt=kept[-1].pk).delete()
    AuditChainHead.objects.filter(pk=chain_for(world.org.pk)).update(**old_head)
    assert audit_verify(against_checkpoints=False).ok

    report = audit_verify()
    assert not report.ok
    assert f"organisation {world.org.pk} holds 4 entries" in report.problem and "recorded 7" in report.problem
    assert f"entries after entry {kept[-1].pk} were removed" in report.problem
    assert report.first_bad_id == kept[-1].pk + 1
    assert rootmap(["audit", "verify"]) == 1
    assert "an old database or backup was put back" in capsys.readouterr().err
    # A checkpoint is never written over a log that does not verify.
    assert rootmap(["audit", "checkpoint"]) == 1
    assert len(_lines(checkpoint_file)) == 1


def test_a_log_replaced_by_another_of_the_same_length_is_detected(world, checkpoint_file):
    _entries(world, 3)
    audit_checkpoint()
    with triggers.suspended():
        AuditEntry.objects.all().delete()
    AuditChainHead.objects.all().delete()
    _entries(world, 3)  # a fresh, valid chain of the same length, made with the key
    report = audit_verify()
    assert not report.ok and "the log was replaced" in report.problem


def test_a_forged_checkpoint_line_is_refused(world, checkpoint_file, capsys):
    _entries(world, 5)
    audit_checkpoint()
    genuine = _lines(checkpoint_file)[0]
    # Someone who can write the file but lacks the key appends a checkpoint of their own ...
    forged = {**genuine, "length": 2, "reason": "restore", "wound_back_from": 5}
    with checkpoint_file.open("a") as stream:
        stream.write(json.dumps(forged) + "\n")
    report = audit_verify()
    assert not report.ok
    assert "line 2 of the checkpoint file" in report.problem and "forged" in report.problem
    assert rootmap(["audit", "verify"]) == 1
    assert "forged" in capsys.readouterr().err

    # ... or signs it with a key of their own.
    with override_settings(ROOTMAP_AUDIT_KEY="a key the attacker chose, not the audit key"):
        assert not audit_checkpoint()[0].ok  # the command itself refuses: the log fails
        checkpoint_write(state=CheckpointState(2, genuine["last_entry_id"] - 3, "0" * 64))
    checkpoint_file.write_text("\n".join(checkpoint_file.read_text().splitlines()[::2]) + "\n")
    assert len(_lines(checkpoint_file)) == 2
    report = audit_verify()
    assert not report.ok and "line 2" in report.problem


def test_without_a_checkpoint_file_verify_says_so(world):
    _entries(world, 2)
    with override_settings(ROOTMAP_AUDIT_CHECKPOINT_FILE="off"):
        report = audit_verify()
        assert report.ok and any("no checkpoints are kept" in n for n in report.notes)
        assert rootmap(["audit", "checkpoint"]) == 2


def test_a_new_checkpoint_file_is_reported_not_failed(world, checkpoint_file):
    _entries(world, 2)
    report = audit_verify()
    assert report.ok and any("no checkpoint in" in n for n in report.notes)
