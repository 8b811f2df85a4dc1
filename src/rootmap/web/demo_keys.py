"""Random keys for demo and development databases, one set per database.

Without ROOTMAP_SECRET_KEY, demo and development runs used to sign sessions and key the
audit chain and the research pseudonyms with a default printed in the source: anyone could
forge a demo database's audit log or re-identify its exports. Now a random secret key is
made the first time a database is used and kept beside it (`<sqlite file>.keys`, mode
0600; for another database or an in-memory one, see `keys_file_for`). The audit and
pseudonym keys are derived from it (rootmap.web.keys) unless set explicitly.

A server database's keys are kept in one place per operating-system user, never in the
folder a command happens to run from: a command run from another folder used to make a
new key and sign audit entries with it, and the chain then failed verification for good.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def keys_folder() -> Path:
    """The folder of server databases' demo keys: ROOTMAP_DEMO_KEYS_DIR, else the user's
    state folder (XDG_STATE_HOME, by default ~/.local/state) under `rootmap`."""
    chosen = os.environ.get("ROOTMAP_DEMO_KEYS_DIR")
    if chosen:
        return Path(chosen)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "rootmap"


def _server_file_name(database: dict[str, Any]) -> str:
    name = str(database.get("NAME") or "")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in
                   f"{database.get('HOST') or 'localhost'}-{database.get('PORT') or ''}-{name}")
    return f".rootmap-demo-{safe}.keys"


def keys_file_for(database: dict[str, Any]) -> Path | None:
    """Where a database's demo keys live; None for an in-memory SQLite database (the keys
    then last as long as the process, like the database)."""
    name = str(database.get("NAME") or "")
    if database.get("ENGINE", "").endswith("sqlite3"):
        if name in ("", ":memory:") or name.startswith("file::memory:"):
            return None
        return Path(name + ".keys")
    return keys_folder() / _server_file_name(database)


def demo_secret_key(database: dict[str, Any], cwd: Path) -> str:
    """The database's demo secret key, made on first use. `cwd` is where earlier releases
    kept a server database's keys: a file found there is adopted (copied to its place)."""
    path = keys_file_for(database)
    if path is None:
        return secrets.token_urlsafe(64)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    if not database.get("ENGINE", "").endswith("sqlite3"):
        earlier = cwd / _server_file_name(database)
        if earlier.is_file():
            return _keep(path, _read(earlier))
    return _keep(path, secrets.token_urlsafe(64))


def _keep(path: Path, key: str) -> str:
    """Write `key` to a new keys file at `path` (mode 0600), or use the one another process
    made first."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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
