"""Whole-database backup and restore, verified, on SQLite and PostgreSQL alike.

A backup is gzip-compressed JSON: a manifest (format, time, applied migrations, row
count per model, SHA-256 of the records, and an HMAC-SHA256 under the backup key over the
manifest and the records) and the records, every row of every model except what
`migrate` recreates (content types, permissions) and sessions. Values keep their full
precision (Django's own JSON dump rounds times to milliseconds, which would break the
audit chain). The SHA-256 tells damage; only the HMAC shows that nobody edited the file
and summed it again: that needs the backup key (rootmap.web.keys.backup_key).

The backup and its audit entry are one transaction: the file holds its own entry, and
there is no entry for a backup that failed.

A restore goes into an empty, migrated database (or, with `force`, replaces what is
there), all in one transaction: it checks the file's HMAC and manifest first, loads
every row, dumps the database again and compares counts and checksum with the manifest,
verifies the audit chain it restored, and records itself in that chain; any failure rolls
everything back. After it commits, a "restore" checkpoint anchors the restored chain
(rootmap.web.audit.checkpoints), saying how far the log was wound back if it was.

Documents' files (PDFs and images of sources reviewed, rootmap.web.sources) are not in the
file: their bytes stay in ROOTMAP_DOCUMENT_DIR, which is copied with the backup. A restore
says which files its record names are missing from that folder, or differ from what was
reviewed (their SHA-256), so that a restore on a new machine does not pass for complete.

>>> manifest = backup_write(path=Path("rootmap.backup.json.gz"))
>>> manifest = backup_restore(path=Path("rootmap.backup.json.gz"))
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import hashlib
import hmac
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from rootmap.web.audit import checkpoints
from rootmap.web.audit.models import AuditChainHead
from rootmap.web.audit.services import audit_record, audit_verify
from rootmap.web.clients.latest_phase import store_latest_phases
from rootmap.web.integrity import triggers
from rootmap.web.keys import backup_key

FORMAT = "rootmap-backup/2"
UNKEYED_FORMATS = {"rootmap-backup/1"}  # before backups carried an HMAC
SIGNATURE = "hmac_sha256"
# Recreated by `migrate` (referred to by natural key instead) or not worth keeping.
NOT_BACKED_UP = {"contenttypes.contenttype", "auth.permission", "sessions.session"}


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why."""


def _models() -> list[Any]:
    by_app = []
    for app_config in apps.get_app_configs():
        chosen = [
            m for m in app_config.get_models()
            if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in NOT_BACKED_UP
        ]
        if chosen:
            by_app.append((app_config, chosen))
    return serializers.sort_dependencies(by_app, allow_cycles=True)


def _m2m_names(model: Any) -> set[str]:
    return {f.name for f in model._meta.many_to_many}


def _default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default,
                      ensure_ascii=True)


def _dump(using: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    records: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for model in _models():
        rows = serializers.serialize(
            "python", model._default_manager.using(using).order_by("pk"),
            use_natural_foreign_keys=True,
        )
        m2m = _m2m_names(model)
        for row in rows:
            for name in m2m:  # the order of a many-to-many list means nothing
                row["fields"][name] = sorted(row["fields"][name], key=_canonical)
            # Through JSON and back: the records hold exactly what the file will hold.
            records.append(json.loads(_canonical(row)))
        counts[model._meta.label_lower] = len(rows)
    return records, counts


def _checksum(records: list[dict[str, Any]] | bytes) -> str:
    content = records if isinstance(records, bytes) else _canonical(records).encode("utf-8")
    return hashlib.sha256(content).hexdigest()


def _signature(manifest: dict[str, Any], records: bytes) -> str:
    """HMAC-SHA256 under the backup key over the manifest (less this field) and the records."""
    unsigned = {k: v for k, v in manifest.items() if k != SIGNATURE}
    mac = hmac.new(backup_key(), b"rootmap-backup:" + _canonical(unsigned).encode("utf-8") + b"\n",
                   hashlib.sha256)
    mac.update(records)
    return mac.hexdigest()


def _applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def backup_dump(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """The whole backup (manifest and records) as a JSON-ready dictionary."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One consistent snapshot of every table.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        records, counts = _dump(using)
        migrations = _applied_migrations(using)
    content = _canonical(records).encode("utf-8")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": connection.vendor,
        "migrations": migrations,
        "counts": counts,
        "rows": len(records),
        "sha256": _checksum(content),
    }
    manifest[SIGNATURE] = _signature(manifest, content)
    return {"manifest": manifest, "records": records}


def backup_write(*, path: Path, using: str = DEFAULT_DB_ALIAS, request: Any = None,
                 user: Any = None, command_line: Any = None) -> dict[str, Any]:
    """Write a backup file, recorded in the audit log in the same transaction (so the file
    holds the entry, and a failed backup leaves none), then read it back and check it.
    `command_line` (audit.services.CommandLineActor) names who ran `rootmap backup`."""
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    connection = connections[using]
    outermost = not connection.in_atomic_block
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".rootmap-backup-")
    raw = os.fdopen(fd, "wb")
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    if outermost:  # one consistent snapshot of every table
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    # Before the snapshot is taken: appenders wait for the backup to commit,
                    # so the head this transaction moves is the head of its snapshot.
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(AuditChainHead._meta.db_table)} "
                                   "IN EXCLUSIVE MODE")
            audit_record(action="export", request=request, user=user, command_line=command_line,
                         detail={"export": "whole-database backup", "file": path.name})
            backup = backup_dump(using=using)
            with raw, gzip.GzipFile(fileobj=raw, mode="wb") as stream:
                stream.write(_canonical(backup).encode("utf-8"))
        os.chmod(temporary, 0o600)  # it holds every client's data and the sign-in secrets
        os.replace(temporary, path)
    except BaseException:
        raw.close()
        Path(temporary).unlink(missing_ok=True)
        raise
    backup_read(path=path)  # raises if what is on disk does not match
    return backup["manifest"]


def backup_read(*, path: Path) -> dict[str, Any]:
    """Read a backup file and check its records against its manifest."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from None
    try:
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        backup = json.loads(text)
    except (OSError, EOFError, ValueError):
        raise BackupError(f"{path} is not a Rootmap backup (not gzip-compressed JSON)") from None
    if isinstance(backup, dict) and isinstance(backup.get("manifest"), dict) \
            and backup["manifest"].get("format") in UNKEYED_FORMATS:
        raise BackupError(
            f"{path} was made by an earlier Rootmap, without a backup key "
            f"({backup['manifest']['format']}): nothing shows it was not edited, so it is not "
            "restored; restore it with the Rootmap that made it")
    if not isinstance(backup, dict) or not isinstance(backup.get("manifest"), dict) \
            or backup["manifest"].get("format") != FORMAT or not isinstance(backup.get("records"), list):
        raise BackupError(f"{path} is not a Rootmap backup (format {FORMAT} expected)")
    manifest, records = backup["manifest"], backup["records"]
    content = _canonical(records).encode("utf-8")
    if _checksum(content) != manifest.get("sha256"):
        raise BackupError(f"{path} is damaged: its records do not match the checksum in its manifest")
    signature = manifest.get(SIGNATURE)
    if not isinstance(signature, str) or not hmac.compare_digest(_signature(manifest, content), signature):
        raise BackupError(
            f"{path} does not carry a valid signature under this installation's backup key: it "
            "was edited after it was made (even if its checksum was summed again), or made with "
            "another ROOTMAP_BACKUP_KEY; nothing was restored")
    counts: dict[str, int] = {}
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("model"), str):
            raise BackupError(f"{path} is damaged: a record has no model")
        counts[record["model"]] = counts.get(record["model"], 0) + 1
    expected = {k: v for k, v in manifest.get("counts", {}).items() if v}
    if counts != expected:
        raise BackupError(f"{path} is damaged: its row counts do not match its manifest")
    return backup


def _database_is_empty(using: str) -> list[str]:
    return [m._meta.label_lower for m in _models() if m._default_manager.using(using).exists()]


def _delete_everything(using: str) -> None:
    connection = connections[using]
    tables: list[str] = [Session._meta.db_table]
    for model in reversed(_models()):
        tables += [f.remote_field.through._meta.db_table for f in model._meta.many_to_many
                   if f.remote_field.through._meta.auto_created]
        tables.append(model._meta.db_table)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def backup_restore(*, path: Path, using: str = DEFAULT_DB_ALIAS, force: bool = False,
                   command_line: Any = None) -> dict[str, Any]:
    """Restore a backup into this database and verify it; all or nothing.

    Returns the backup's manifest with a "restore" part: the audit entries restored and,
    when the checkpoint file shows the log was longer before, how long it was."""
    backup = backup_read(path=path)
    manifest = backup["manifest"]
    applied = _applied_migrations(using)
    missing = sorted(
        f"{app}.{name}" for app, names in manifest.get("migrations", {}).items()
        for name in names if name not in applied.get(app, [])
    )
    if missing:
        raise BackupError(
            "the database lacks migrations the backup was made with "
            f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}): "
            "install the same or a newer Rootmap and run `rootmap manage migrate` first"
        )
    not_empty = _database_is_empty(using)
    if not_empty and not force:
        raise BackupError(
            f"the database is not empty ({', '.join(not_empty[:5])} have rows): restore into a "
            "new, migrated database, or pass --force to replace everything in it"
        )
    anchored = checkpoints.checkpoints_read()
    longest: dict[str | None, int] = {}  # per chain, the longest the checkpoints recorded
    for c in (anchored.active if anchored else ()):
        longest[c.state.chain] = max(longest.get(c.state.chain, 0), c.state.length)
    models_by_label = {m._meta.label_lower: m for m in _models()}
    with transaction.atomic(using=using):
        with triggers.suspended(using):
            if not_empty:
                _delete_everything(using)
            deferred = []
            for obj in serializers.deserialize("python", backup["records"], using=using,
                                               handle_forward_references=True):
                obj.save(using=using)
                if obj.deferred_fields:
                    deferred.append(obj)
            for obj in deferred:  # rows that named a row not loaded yet when they were
                obj.save_deferred_fields(using=using)
            connection = connections[using]
            reset = connection.ops.sequence_reset_sql(no_style(), list(models_by_label.values()))
            with connection.cursor() as cursor:
                for statement in reset:
                    cursor.execute(statement)
            records, counts = _dump(using)
            nonzero = {k: v for k, v in counts.items() if v}
            if nonzero != {k: v for k, v in manifest["counts"].items() if v} \
                    or _checksum(records) != manifest["sha256"]:
                raise BackupError("the restored database does not match the backup (counts or "
                                  "checksum differ); nothing was restored")
            # The stored latest phase follows from the restored assessments (decision 0033):
            # recomputed from them, as finalising would, rather than trusted from the file.
            store_latest_phases(using=using)
        chain = audit_verify(against_checkpoints=False)
        if not chain.ok:
            raise BackupError(f"the audit log in the backup does not verify ({chain.problem}); "
                              "nothing was restored")
        # The checkpoints recorded a longer log than the backup holds: entries made after the
        # backup are gone. Allowed (that is what restoring an old backup means), but said.
        restored = {c.chain: c.length for c in chain.chains}
        wound_back = None
        if any(length > restored.get(name, 0) for name, length in longest.items()):
            wound_back = sum(max(length, longest.get(name, 0)) for name, length in restored.items()) \
                + sum(length for name, length in longest.items() if name not in restored)
        detail = {"file": path.name, "rows": manifest["rows"], "backup_made": manifest["created_at"],
                  "sha256": manifest["sha256"]}
        if wound_back is not None:
            detail["log_entries_before_restore"] = wound_back
        entry = audit_record(action="restore", command_line=command_line, detail=detail)
        own = entry.chain
        state = checkpoints.CheckpointState(restored.get(own, 0) + 1, entry.pk, entry.entry_hash, own)
        others = [checkpoints.CheckpointState(c.length, c.last_entry_id, c.last_hash, c.chain)
                  for c in chain.chains if c.chain != own]
        total = chain.checked
        # A new line of checkpoints starts with the restored chains.
        transaction.on_commit(lambda: _restore_checkpoint(state, wound_back, others, total),
                              using=using)
    return {**manifest, "restore": {"audit_entries": chain.checked + 1,
                                    "log_entries_before": wound_back,
                                    "document_files_missing": document_files_missing(using)}}


def document_files_missing(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The SHA-256 of every document file the database names whose bytes are not in the
    documents folder, or are not the bytes it names."""
    from rootmap.web.sources import storage
    from rootmap.web.sources.models import DocumentFile

    missing = []
    for stored in DocumentFile.objects.using(using).order_by("pk").only("stored_name", "sha256").iterator():
        path = storage.path_of(stored.stored_name)
        if path is None or hashlib.sha256(path.read_bytes()).hexdigest() != stored.sha256:
            missing.append(stored.sha256)
    return missing


def _restore_checkpoint(state: Any, wound_back_from: int | None, others: list[Any],
                        restored_entries: int) -> None:
    """The restore line (the chain of the restore's own entry), then one line for each
    other chain restored: the checkpoints since the restore line cover every chain."""
    if checkpoints.checkpoint_path() is None:
        return
    try:
        checkpoints.checkpoint_write(state=state, reason=checkpoints.REASON_RESTORE,
                                     wound_back_from=wound_back_from,
                                     restored_entries=restored_entries)
        for other in others:
            checkpoints.checkpoint_write(state=other, reason="restored chain")
    except checkpoints.CheckpointError as error:
        checkpoints.logger.error("restore checkpoint not written: %s", error)
