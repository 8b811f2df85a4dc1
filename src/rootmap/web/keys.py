"""Secret keys for the audit chain, the research pseudonyms and the backups' signature.

Each has its own environment variable; without one, a key is derived from the secret
key for that purpose alone, so that one key never serves two ends. Rotating the secret
key then changes the derived keys: set ROOTMAP_AUDIT_KEY, ROOTMAP_PSEUDONYM_KEY and
ROOTMAP_BACKUP_KEY explicitly in production (docs/decisions/0006-security-controls.md).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _derived(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def audit_key() -> bytes:
    explicit = getattr(settings, "ROOTMAP_AUDIT_KEY", "")
    return explicit.encode() if explicit else _derived("rootmap-audit-chain")


def pseudonym_key() -> bytes:
    explicit = getattr(settings, "ROOTMAP_PSEUDONYM_KEY", "")
    return explicit.encode() if explicit else _derived("rootmap-research-pseudonyms")


def backup_key() -> bytes:
    explicit = getattr(settings, "ROOTMAP_BACKUP_KEY", "")
    return explicit.encode() if explicit else _derived("rootmap-backup-signature")
