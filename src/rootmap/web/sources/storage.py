"""Where documents' files are kept: a folder outside the web root (0700, files 0600),
under random names that say nothing of the client or the document.

ROOTMAP_DOCUMENT_DIR names it; by default it is beside an SQLite database file, else in
the user's data folder (rootmap.web.local_files). Files are served only by
rootmap.web.sources.views.document_file_download, after its access check.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path

from django.conf import settings

from rootmap.web.local_files import beside_database

_NAME = re.compile(r"[0-9a-f]{32}")


def document_dir() -> Path:
    configured = str(getattr(settings, "ROOTMAP_DOCUMENT_DIR", "") or "")
    return Path(configured) if configured else beside_database(".documents")


def store(content: bytes) -> str:
    """Write `content` whole or not at all under a new random name; return the name."""
    folder = document_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def path_of(name: str) -> Path | None:
    """The stored file `name`; never a path outside the folder."""
    if not _NAME.fullmatch(name or ""):
        return None
    path = document_dir() / name
    return path if path.is_file() else None


def discard(name: str) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)
