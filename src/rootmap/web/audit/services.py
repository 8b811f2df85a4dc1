"""Writing and verifying the audit log.

Each entry carries an HMAC-SHA256, keyed with the audit key (rootmap.web.keys), over its
content and the previous entry's HMAC. Altering an entry breaks its own HMAC; deleting
one breaks the link of the entry after it; deleting the newest entries leaves the chain
shorter than its signed head (AuditHead) says. Without the key nobody can forge a
matching HMAC, so rewriting the whole chain from the database is detectable too.
`rootmap audit verify` reports the first entry that fails.

The database refuses UPDATE and DELETE on entries (rootmap.web.integrity).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from rootmap.web.audit.models import AuditEntry, AuditHead
from rootmap.web.keys import audit_key

GENESIS_HASH = "0" * 64

ACTIONS = (
    "view", "create", "change", "finalise", "amend", "download", "export", "import",
    "sign_in", "sign_in_failed", "sign_out", "delete", "restore",
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
    from rootmap.web.transport import forwarded_client

    address = forwarded_client(request) or request.META.get("REMOTE_ADDR") or ""
    return _valid_ip(address)


def _valid_ip(address: str) -> str | None:
    import ipaddress

    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    if parsed.version == 6:
        return clean_ipv6_address(address)
    return str(parsed)


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
) -> AuditEntry:
    """Append one entry. `user` defaults to the request's user; `obj` names the record.

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
    with transaction.atomic():
        # The head row is the lock: concurrent writers append one after another.
        head = _locked_head()
        entry = AuditEntry(
            at=timezone.now(),
            actor=user,
            actor_name=_clean(getattr(user, "username", "") if user is not None else "")[:150],
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
    return entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_bad_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_verify() -> VerifyReport:
    """Walk the chain and report the first entry altered or deleted."""
    key = audit_key()
    previous_hash = GENESIS_HASH
    previous_id: int | None = None
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if not hmac.compare_digest(_entry_hash(entry, key), entry.entry_hash):
            return VerifyReport(checked, entry.pk, f"entry {entry.pk}: its content was altered")
        if entry.previous_hash != previous_hash:
            where = (f"between entry {previous_id} and entry {entry.pk}" if previous_id
                     else f"before entry {entry.pk}")
            return VerifyReport(checked, entry.pk, f"entry {entry.pk}: entries {where} were deleted")
        previous_hash = entry.entry_hash
        previous_id = entry.pk
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if checked:
            return VerifyReport(checked, previous_id, "the chain's signed head is missing")
        return VerifyReport(0, None, None)
    if not hmac.compare_digest(_head_signature(head, key), head.signature):
        return VerifyReport(checked, head.last_entry_id, "the chain's signed head was altered")
    if head.length != checked or head.last_hash != previous_hash:
        after = f"after entry {previous_id}" if previous_id else "from the start"
        first_missing = (previous_id or 0) + 1
        return VerifyReport(
            checked, first_missing,
            f"entries {after} were deleted: the signed head records {head.length} entries "
            f"ending at entry {head.last_entry_id}, the log holds {checked}",
        )
    return VerifyReport(checked, None, None)
