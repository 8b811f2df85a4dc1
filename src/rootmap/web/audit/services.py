"""Writing and verifying the audit log.

Each entry's hash covers its content and the previous entry's hash, so altering or
deleting any entry breaks the chain from that point (`rootmap audit verify`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.web.audit.models import AuditEntry

GENESIS_HASH = "0" * 64


def _entry_hash(entry: AuditEntry) -> str:
    content = {
        "id": entry.pk,
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
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. `user` defaults to the request's user; `obj` names the record."""
    if user is None and request is not None:
        user = request.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    object_type = obj._meta.model_name if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    if client_id is None and obj is not None:
        client_id = getattr(obj, "client_id", None)
        if client_id is None and object_type == "client":
            client_id = obj.pk
    with transaction.atomic():
        # Lock the chain's tail so concurrent writers append one after another.
        last = AuditEntry.objects.select_for_update().order_by("-id").first()
        entry = AuditEntry.objects.create(
            at=timezone.now(),
            actor=user,
            actor_name=getattr(user, "username", "") if user is not None else "",
            organisation_id=getattr(user, "organisation_id", None) if user is not None else None,
            ip_address=client_ip(request),
            action=action,
            object_type=object_type,
            object_id=object_id,
            client_id=client_id,
            detail=detail or {},
            previous_hash=last.entry_hash if last else GENESIS_HASH,
            entry_hash="pending-" + timezone.now().isoformat(),
        )
        entry.entry_hash = _entry_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(entry_hash=entry.entry_hash)
    return entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    first_bad_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def audit_verify() -> VerifyReport:
    """Walk the chain and report the first entry altered, or after which one was deleted."""
    previous_hash = GENESIS_HASH
    previous_id = 0
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous_hash:
            return VerifyReport(checked, entry.pk,
                                f"entry {entry.pk}: the entry before it (after {previous_id}) was deleted or altered")
        if _entry_hash(entry) != entry.entry_hash:
            return VerifyReport(checked, entry.pk, f"entry {entry.pk}: its content was altered")
        previous_hash = entry.entry_hash
        previous_id = entry.pk
        checked += 1
    return VerifyReport(checked, None, None)
