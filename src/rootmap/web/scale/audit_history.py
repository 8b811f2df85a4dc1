"""The seed's audit history: many entries appended to the audit chains at once.

The one place the seed writes audit entries (issue 15). It hands them to
`audit_bulk_append` (decision 0029), which chains and signs each entry into its
organisation's chain exactly as audit_record would, so `rootmap audit verify` passes
after seeding.
"""

from __future__ import annotations

from collections.abc import Sequence

from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import BULK_FIELDS, audit_bulk_append


def seed_audit_history(entries: Sequence[AuditEntry]) -> None:
    """Append `entries` (unsaved, in the order given) to their organisations' chains."""
    audit_bulk_append({name: getattr(entry, name) for name in BULK_FIELDS} for entry in entries)
