"""The fingerprint finalising writes into the audit log for what it stored.

The result itself is stored as `rootmap.core.results.result_to_json` makes it and read
back with `result_from_json` (the core's, so the CLI, the API and the pages read one
format); this module only hashes the stored JSON.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_sha256(data: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces, UTF-8): the same on every database,
    so `rootmap audit` readers can check a stored result against its finalise entry."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
