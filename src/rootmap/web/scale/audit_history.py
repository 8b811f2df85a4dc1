"""The seed's audit history: many entries appended to the hash chain at once.

The one place the seed writes audit entries (issue 15): each entry is chained and signed
exactly as rootmap.web.audit.services.audit_record does, so `rootmap audit verify` passes
after seeding. The per-organisation chains and `audit_bulk_append` of decision 0029
replace the body of this function when they land; its callers stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from rootmap.web.audit import services as audit
from rootmap.web.audit.models import AuditEntry
from rootmap.web.keys import audit_key
from rootmap.web.scale.rows import insert_rows, next_id


def seed_audit_history(entries: Sequence[AuditEntry]) -> None:
    """Append `entries` (unsaved, in the order given) to the chain and move its signed head."""
    if not entries:
        return
    key = audit_key()
    with transaction.atomic():
        head = audit._locked_head()  # the chain's lock, as for every append
        previous = head.last_hash
        pk = next_id(AuditEntry)
        for entry in entries:
            entry.pk = pk
            pk += 1
            entry.detail = audit._clean(entry.detail or {})
            entry.previous_hash = previous
            entry.entry_hash = audit._entry_hash(entry, key)
            previous = entry.entry_hash
        insert_rows(AuditEntry, entries)
        head.length += len(entries)
        head.last_entry_id = entries[-1].pk
        head.last_hash = previous
        head.signature = audit._head_signature(head, key)
        head.save()
