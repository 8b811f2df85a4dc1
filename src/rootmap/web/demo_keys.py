"""Random keys for demo and development databases, one set per database.

Without ROOTMAP_SECRET_KEY, demo and development runs used to sign sessions and key the
audit chain and the research pseudonyms with a default printed in the source: anyone could
forge a demo database's audit log or re-identify its exports. Now a random secret key is
made the first time a database is used and kept beside it (`<sqlite file>.keys`, mode
0600; for another database or an in-memory one, see `keys_file_for`). The audit and
pseudonym keys are derived from it (rootmap.web.keys) unless set explicitly.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def keys_file_for(database: dict[str, Any], cwd: Path) -> Path | None:
    """Where a database's demo keys live; None for an in-memory SQLite database (the keys
    then last as long as the process, like the database)."""
    name = str(database.get("NAME") or "")
    if database.get("ENGINE", "").endswith("sqlite3"):
        if name in ("", ":memory:") or name.startswith("file::memory:"):
            return None
        return Path(name + ".keys")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in
                   f"{database.get('HOST') or 'localhost'}-{database.get('PORT') or ''}-{name}")
    return cwd / f".rootmap-demo-{safe}.keys"


def demo_secret_key(database: dict[str, Any], cwd: Path) -> str:
    path = keys_file_for(database, cwd)
    if path is None:
        return secrets.token_urlsafe(64)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(64)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs, once written
        return _read_when_written(path)
    except OSError as error:
        raise RuntimeError(f"cannot keep the demo database's keys in {path}: {error.strerror}; "
                           "set ROOTMAP_SECRET_KEY instead") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"secret_key": key}, handle)
    return key


def _read_when_written(path: Path) -> str:
    import time

    for _ in range(40):
        if path.stat().st_size:
            break
        time.sleep(0.05)
    return _read(path)


def _read(path: Path) -> str:
    try:
        key = json.loads(path.read_text("utf-8"))["secret_key"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError(f"{path} is not a Rootmap keys file; move it away or set "
                           "ROOTMAP_SECRET_KEY") from None
    if not isinstance(key, str) or len(key) < 50:
        raise RuntimeError(f"{path} holds no usable key; move it away or set ROOTMAP_SECRET_KEY")
    return key
