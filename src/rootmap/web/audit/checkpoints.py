"""Checkpoints: the audit chain's head, signed and kept outside the database.

The signed head row (AuditHead) shows entries deleted from the end of the chain, but
someone who can write the database and saved an old head row (or an old backup) can put
it back after deleting newer entries: the database then agrees with itself. A checkpoint
is a copy of the head (time, length, last entry id, last HMAC) signed with the audit key
and appended as one JSON line to a file outside the database (ROOTMAP_AUDIT_CHECKPOINT_FILE).
`audit_verify` compares the chain with every checkpoint since the last restore: a chain
shorter than a checkpoint, or one whose entry at the checkpoint's length is another, was
wound back or replaced.

Checkpoints are written by `rootmap audit checkpoint` (run it from cron or a timer) and by
the application itself, after commit, every ROOTMAP_AUDIT_CHECKPOINT_EVERY entries and on
the first append a process makes after ROOTMAP_AUDIT_CHECKPOINT_MINUTES. A restore through
`rootmap restore` appends a "restore" checkpoint: the chain it puts in place starts a new
line of checkpoints, and how far it wound the log back is recorded (and reported).

>>> checkpoint_write(state=CheckpointState(length=3, last_entry_id=3, last_hash="..."))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from rootmap.web.keys import audit_key
from rootmap.web.local_files import beside_database

FORMAT = "rootmap-audit-checkpoint/1"
OFF = "off"
REASON_RESTORE = "restore"

logger = logging.getLogger(__name__)


class CheckpointError(Exception):
    """The checkpoint file cannot be written or read; the message says why."""


@dataclass(frozen=True)
class CheckpointState:
    """Where the chain stood: its length and its newest entry."""

    length: int
    last_entry_id: int | None
    last_hash: str
    # Which chain (audit.services.chain_for); None: the legacy single chain, which every
    # line written before chains were split (decision 0029) anchors.
    chain: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    line: int
    at: str
    state: CheckpointState
    reason: str
    wound_back_from: int | None = None
    restored_entries: int | None = None  # a restore line: the entries the backup held


@dataclass(frozen=True)
class CheckpointFile:
    """Every checkpoint in the file, or the first line that is not a signed checkpoint."""

    path: Path
    checkpoints: tuple[Checkpoint, ...]
    problem: str | None = None

    @property
    def active(self) -> tuple[Checkpoint, ...]:
        """The checkpoints the chain must still match: those since the last restore."""
        start = 0
        for index, checkpoint in enumerate(self.checkpoints):
            if checkpoint.reason == REASON_RESTORE:
                start = index
        return self.checkpoints[start:]

    @property
    def restores(self) -> tuple[Checkpoint, ...]:
        return tuple(c for c in self.checkpoints if c.reason == REASON_RESTORE)


def checkpoint_path() -> Path | None:
    """The configured file; None when checkpoints are switched off (the test suite)."""
    configured = (getattr(settings, "ROOTMAP_AUDIT_CHECKPOINT_FILE", "") or "").strip()
    if configured.lower() == OFF:
        return None
    if configured:
        return Path(configured).expanduser()
    return _default_path()


def _default_path() -> Path:
    """Beside an SQLite database file; otherwise in the user's data folder, one file per
    database (ROOTMAP_DATA_DIR, else $XDG_DATA_HOME/rootmap, else ~/.local/share/rootmap)."""
    return beside_database(".audit-checkpoints.jsonl")


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _signature(content: dict[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in content.items() if k != "signature"}
    message = b"rootmap-audit-checkpoint:" + _canonical(unsigned)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_write(*, state: CheckpointState, reason: str = "command",
                     wound_back_from: int | None = None, path: Path | None = None,
                     restored_entries: int | None = None) -> Path:
    """Append one signed checkpoint line; the file is created with mode 0600."""
    target = path or checkpoint_path()
    if target is None:
        raise CheckpointError("checkpoints are switched off (ROOTMAP_AUDIT_CHECKPOINT_FILE=off)")
    content: dict[str, Any] = {
        "format": FORMAT,
        "at": timezone.now().isoformat(),
        "length": state.length,
        "last_entry_id": state.last_entry_id,
        "last_hash": state.last_hash,
        "reason": reason,
    }
    if state.chain is not None:
        content["chain"] = state.chain
    if wound_back_from is not None:
        content["wound_back_from"] = wound_back_from
    if restored_entries is not None:
        content["restored_entries"] = restored_entries
    content["signature"] = _signature(content, audit_key())
    line = _canonical(content) + b"\n"
    if path is None and not target.parent.exists() and target == _default_path():
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the default data folder
    try:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as error:
        raise CheckpointError(f"cannot write the checkpoint file {target}: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one line at a time from concurrent processes
        end = os.lseek(fd, 0, os.SEEK_END)
        try:
            if os.write(fd, line) != len(line):  # a full disk can take part of a line
                raise OSError(errno.ENOSPC, "the disk took only part of the line")
            os.fsync(fd)
        except OSError as error:
            # Never leave half a line: every later `audit verify` would read it as forged.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
            raise CheckpointError(f"cannot write the checkpoint file {target}: {error.strerror}") from None
    finally:
        os.close(fd)
    return target


def checkpoints_read(*, path: Path | None = None) -> CheckpointFile | None:
    """Every checkpoint of the file, each signature checked; None when switched off.

    A missing file reads as no checkpoints; a line that is not a checkpoint signed with
    the audit key is a problem (forged, damaged, or written with another key)."""
    target = path or checkpoint_path()
    if target is None:
        return None
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CheckpointFile(target, ())
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not text"
        return CheckpointFile(target, (), f"the checkpoint file {target} cannot be read ({reason})")
    key = audit_key()
    found: list[Checkpoint] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        checkpoint = _parse(raw, number, key)
        if checkpoint is None:
            return CheckpointFile(target, tuple(found), (
                f"line {number} of the checkpoint file {target} is not a checkpoint signed with "
                "the audit key: it was forged or altered, or written with another key"))
        found.append(checkpoint)
    return CheckpointFile(target, tuple(found))


def _parse(raw: str, number: int, key: bytes) -> Checkpoint | None:
    try:
        content = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        return None
    signature = content.get("signature")
    if not isinstance(signature, str) or not hmac.compare_digest(_signature(content, key), signature):
        return None
    length, last_id, last_hash = content.get("length"), content.get("last_entry_id"), content.get("last_hash")
    if not isinstance(length, int) or not isinstance(last_hash, str) \
            or not (last_id is None or isinstance(last_id, int)):
        return None
    wound_back_from = content.get("wound_back_from")
    restored = content.get("restored_entries")
    chain = content.get("chain")
    return Checkpoint(
        line=number, at=str(content.get("at", "")),
        state=CheckpointState(length, last_id, last_hash, chain if isinstance(chain, str) else None),
        reason=str(content.get("reason", "")),
        wound_back_from=wound_back_from if isinstance(wound_back_from, int) else None,
        restored_entries=restored if isinstance(restored, int) else None,
    )


# --- Written by the application as the chain grows ------------------------------------------

# Per process and chain: time.monotonic() of its last checkpoint.
_last_written_at: dict[str | None, float] = {}


def checkpoint_due(length: int, chain: str | None = None) -> str | None:
    """Why the entry that makes `chain` `length` long should be checkpointed, if it should.

    The time rule claims its slot when it answers, so that the other entries of the same
    transaction do not each ask for a checkpoint too."""
    every = int(getattr(settings, "ROOTMAP_AUDIT_CHECKPOINT_EVERY", 0) or 0)
    if every > 0 and length % every == 0:
        return f"every {every} entries"
    minutes = int(getattr(settings, "ROOTMAP_AUDIT_CHECKPOINT_MINUTES", 0) or 0)
    now = time.monotonic()
    last = _last_written_at.get(chain)
    if minutes > 0 and (last is None or now - last >= minutes * 60):
        _last_written_at[chain] = now
        return f"every {minutes} minutes"
    return None


def checkpoint_after_commit(state: CheckpointState, reason: str) -> None:
    """Called by transaction.on_commit: a checkpoint that cannot be written is logged, and
    never undoes or fails the request whose entry it anchors."""
    if checkpoint_path() is None:
        return
    try:
        checkpoint_write(state=state, reason=reason)
    except CheckpointError as error:
        logger.error("audit checkpoint not written: %s", error)


def describe(checkpoint: Checkpoint) -> str:
    when = checkpoint.at
    with contextlib.suppress(ValueError):  # a signed line's time is ours, but be lenient
        when = dt.datetime.fromisoformat(checkpoint.at).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return (f"the checkpoint of {when} (line {checkpoint.line}: {checkpoint.state.length} "
            f"entr{'y' if checkpoint.state.length == 1 else 'ies'}, ending at entry "
            f"{checkpoint.state.last_entry_id})")
