"""Writing and verifying the audit log.

Each entry carries an HMAC-SHA256, keyed with the audit key (rootmap.web.keys), over its
content and the previous entry's HMAC. Altering an entry breaks its own HMAC; deleting
one breaks the link of the entry after it; deleting the newest entries leaves the chain
shorter than its signed head (AuditHead) says. Without the key nobody can forge a
matching HMAC, so rewriting the whole chain from the database is detectable too.
`rootmap audit verify` reports the first entry that fails.

Two things the database cannot show by itself are checked too: a database that holds
records but no audit log at all (the log was emptied), and a chain wound back to an old
head or an old backup, seen against the signed checkpoints kept outside the database
(rootmap.web.audit.checkpoints).

The database refuses UPDATE and DELETE on entries (rootmap.web.integrity).
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import ipaddress
import json
import os
import socket
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from rootmap.web.audit import checkpoints
from rootmap.web.audit.models import AuditEntry, AuditHead
from rootmap.web.keys import audit_key
from rootmap.web.transport import forwarded_client

GENESIS_HASH = "0" * 64

ACTIONS = (
    "view", "create", "change", "finalise", "amend", "download", "export", "import",
    "sign_in", "sign_in_failed", "sign_out", "delete", "restore", "invite", "password_reset",
    "upload", "remove_file",  # documents' files (rootmap.web.sources)
)


def _clean(value: Any) -> Any:
    """JSON-safe and free of NUL characters, which PostgreSQL refuses in text and jsonb."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value).replace("\x00", "")


def _entry_hash(entry: AuditEntry, key: bytes | None = None) -> str:
    content = {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "organisation_id": entry.organisation_id,
        "ip_address": entry.ip_address,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "client_id": entry.client_id,
        "detail": entry.detail,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key or audit_key(), canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def _head_signature(head: AuditHead, key: bytes | None = None) -> str:
    message = f"rootmap-audit-head:{head.length}:{head.last_entry_id}:{head.last_hash}"
    return hmac.new(key or audit_key(), message.encode(), hashlib.sha256).hexdigest()


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from: REMOTE_ADDR, or, when that is one of the trusted
    proxies (ROOTMAP_BEHIND_PROXY, ROOTMAP_TRUSTED_PROXIES), the address the proxy saw (the
    last one it appended to X-Forwarded-For). django-axes counts failures by this too."""
    if request is None:
        return None
    address = forwarded_client(request) or request.META.get("REMOTE_ADDR") or ""
    return _valid_ip(address)


def _valid_ip(address: str) -> str | None:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        return clean_ipv6_address(address)
    return str(parsed)


@dataclass(frozen=True)
class CommandLineActor:
    """Who ran a command: the operating-system user and the host, as the system says."""

    os_user: str
    host: str

    @property
    def name(self) -> str:
        return f"{self.os_user}@{self.host}"

    def detail(self) -> dict[str, str]:
        return {"via": "command line", "os_user": self.os_user, "host": self.host}


def command_line_actor() -> CommandLineActor:
    """The actor of a command run from a shell, for its audit entries."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        user = f"uid {os.getuid()}"
    return CommandLineActor(os_user=user or f"uid {os.getuid()}",
                            host=socket.gethostname() or "unknown host")


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # The very first entry: two writers may race to create the head; one wins.
        head = AuditHead(pk=1, length=0, last_entry_id=None, last_hash=GENESIS_HASH)
        head.signature = _head_signature(head)
        try:
            with transaction.atomic():
                head.save(force_insert=True)
        except IntegrityError:
            pass
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    organisation_id: int | None = None,
    command_line: CommandLineActor | None = None,
) -> AuditEntry:
    """Append one entry. `user` defaults to the request's user; `obj` names the record.
    `command_line` names the operating-system user and host of a command-line action.

    >>> audit_record(action="view", request=request, obj=client)
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    if client_id is None and obj is not None:
        client_id = getattr(obj, "client_id", None)
        if client_id is None and object_type == "client":
            client_id = obj.pk
    if organisation_id is None and user is not None:
        organisation_id = getattr(user, "organisation_id", None)
    actor_name = getattr(user, "username", "") if user is not None else ""
    if command_line is not None:
        actor_name = actor_name or command_line.name
        detail = {**(detail or {}), **command_line.detail()}
    token = getattr(request, "api_token", None) if request is not None else None
    if token is not None:  # an API call (rootmap.web.api.auth): the entry names the token
        detail = {**(detail or {}), "via": "api", "api_token": token.name, "api_token_id": token.pk}
    with transaction.atomic():
        # The head row is the lock: concurrent writers append one after another.
        head = _locked_head()
        entry = AuditEntry(
            at=timezone.now(),
            actor=user,
            actor_name=_clean(actor_name)[:150],
            organisation_id=organisation_id,
            ip_address=client_ip(request),
            action=action,
            object_type=object_type,
            object_id=_clean(object_id)[:40],
            client_id=client_id,
            detail=_clean(detail or {}),
            previous_hash=head.last_hash,
        )
        entry.entry_hash = _entry_hash(entry)
        entry.save(force_insert=True)
        head.length += 1
        head.last_entry_id = entry.pk
        head.last_hash = entry.entry_hash
        head.signature = _head_signature(head)
        head.save()
        reason = checkpoints.checkpoint_due(head.length)
        if reason:
            # After commit, so that a checkpoint never anchors an entry that was rolled back.
            state = checkpoints.CheckpointState(head.length, entry.pk, entry.entry_hash)
            transaction.on_commit(partial(checkpoints.checkpoint_after_commit, state, reason),
                                  robust=True)
    return entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_bad_id: int | None
    problem: str | None
    notes: tuple[str, ...] = ()  # said alongside the result, e.g. a restore that wound it back
    last_entry_id: int | None = None
    last_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_verify(*, against_checkpoints: bool = True) -> VerifyReport:
    """Walk the chain and report the first entry altered or deleted; then check that a
    database with records has a log, and the chain against its checkpoints."""
    wanted: set[int] = set()
    checkpoint_file = checkpoints.checkpoints_read() if against_checkpoints else None
    if checkpoint_file is not None:
        wanted = {c.state.length for c in checkpoint_file.active}
    report, hash_at = _verify_chain(wanted)
    if not report.ok:
        return report
    if report.checked == 0:
        records = _records_outside_the_log()
        if records:
            return VerifyReport(0, None, (
                f"the audit log is empty but the database holds {', '.join(records)}: the log "
                "was emptied, or these were written around the application"))
    if checkpoint_file is None:
        note = ("no checkpoints are kept (ROOTMAP_AUDIT_CHECKPOINT_FILE=off): a database wound "
                "back to an old copy cannot be seen") if against_checkpoints else None
        return _with_notes(report, (note,) if note else ())
    return _against_checkpoints(report, hash_at, checkpoint_file)


def _with_notes(report: VerifyReport, notes: tuple[str, ...], problem: str | None = None,
                first_bad_id: int | None = None) -> VerifyReport:
    return VerifyReport(report.checked, first_bad_id if problem else report.first_bad_id,
                        problem or report.problem, report.notes + notes,
                        report.last_entry_id, report.last_hash)


def _verify_chain(wanted: set[int]) -> tuple[VerifyReport, dict[int, tuple[int, str]]]:
    """The chain and its signed head; `wanted` positions (1-based) have their entry noted."""
    key = audit_key()
    previous_hash = GENESIS_HASH
    previous_id: int | None = None
    checked = 0
    hash_at: dict[int, tuple[int, str]] = {}
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if not hmac.compare_digest(_entry_hash(entry, key), entry.entry_hash):
            problem = f"entry {entry.pk}: its content was altered"
            if checked == 0:
                # Nothing verifies from the very first entry: more often the key than the log.
                problem += (", or the log was written under another audit key (check ROOTMAP_AUDIT_KEY, "
                            "or the keys file beside a demo database)")
            return VerifyReport(checked, entry.pk, problem), hash_at
        if entry.previous_hash != previous_hash:
            where = (f"between entry {previous_id} and entry {entry.pk}" if previous_id
                     else f"before entry {entry.pk}")
            return VerifyReport(checked, entry.pk,
                                f"entry {entry.pk}: entries {where} were deleted"), hash_at
        previous_hash = entry.entry_hash
        previous_id = entry.pk
        checked += 1
        if checked in wanted:
            hash_at[checked] = (entry.pk, entry.entry_hash)
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return VerifyReport(checked, previous_id, "the chain's signed head is missing"), hash_at
        return VerifyReport(0, None, None), hash_at
    if not hmac.compare_digest(_head_signature(head, key), head.signature):
        return VerifyReport(checked, head.last_entry_id, "the chain's signed head was altered"), hash_at
    if head.length != checked or head.last_hash != previous_hash:
        after = f"after entry {previous_id}" if previous_id else "from the start"
        first_missing = (previous_id or 0) + 1
        return VerifyReport(
            checked, first_missing,
            f"entries {after} were deleted: the signed head records {head.length} entries "
            f"ending at entry {head.last_entry_id}, the log holds {checked}",
        ), hash_at
    return VerifyReport(checked, None, None, (), previous_id, previous_hash), hash_at


def _records_outside_the_log() -> list[str]:
    """What the application's own tables hold, e.g. ["2 users", "1 client"]."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("rootmap.web.") or config.label == "audit":
            continue
        for model in config.get_models():
            count = model._default_manager.count()
            if count:
                noun = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
                found.append(f"{count} {noun}")
    return found


def _against_checkpoints(report: VerifyReport, hash_at: dict[int, tuple[int, str]],
                         checkpoint_file: checkpoints.CheckpointFile) -> VerifyReport:
    notes = tuple(
        f"a restore on {c.at[:19].replace('T', ' ')} wound the log back: the checkpoints had "
        f"recorded {c.wound_back_from} entries, the backup it restored held {c.state.length - 1}"
        for c in checkpoint_file.restores if c.wound_back_from is not None
    )
    if checkpoint_file.problem:
        return _with_notes(report, notes, checkpoint_file.problem)
    active = checkpoint_file.active
    if not active:
        return _with_notes(report, (
            *notes, f"no checkpoint in {checkpoint_file.path} yet: run `rootmap audit checkpoint`"))
    for checkpoint in sorted(active, key=lambda c: -c.state.length):
        length = checkpoint.state.length
        if length > report.checked:
            return _with_notes(report, notes, (
                f"the log holds {report.checked} entries but {checkpoints.describe(checkpoint)} "
                f"recorded {length}: entries after entry {report.last_entry_id} were removed, "
                "or an old database or backup was put back"),
                first_bad_id=(report.last_entry_id or 0) + 1)
        if length and hash_at.get(length) != (checkpoint.state.last_entry_id, checkpoint.state.last_hash):
            entry_id = hash_at.get(length, (None, ""))[0]
            return _with_notes(report, notes, (
                f"entry {entry_id}, number {length} of the log, is not the one "
                f"{checkpoints.describe(checkpoint)} recorded: the log was replaced"),
                first_bad_id=entry_id)
    newest = max(active, key=lambda c: c.state.length)
    return _with_notes(report, (*notes, f"matches {checkpoints.describe(newest)} in {checkpoint_file.path}"))


def audit_checkpoint() -> tuple[VerifyReport, Path | None]:
    """Verify the log, then append a checkpoint of its head; nothing is written for a log
    that does not verify (that would anchor the damage)."""
    report = audit_verify()
    if not report.ok:
        return report, None
    state = checkpoints.CheckpointState(report.checked, report.last_entry_id, report.last_hash)
    return report, checkpoints.checkpoint_write(state=state, reason="command")
