"""Where finished jobs' files are kept: a folder outside the web root, readable only by the
operating-system user Rootmap runs as (0700 folder, 0600 files).

The web process serves a file only through `rootmap.web.jobs.views.job_download`, to the
job's owner, audited. Web and worker processes must see the same folder (one machine, or
a shared volume): ROOTMAP_JOB_DIR names it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings

from rootmap.web.local_files import beside_database


def job_dir() -> Path:
    """ROOTMAP_JOB_DIR, else beside an SQLite database file, else in the user's data folder
    (ROOTMAP_DATA_DIR, else $XDG_DATA_HOME/rootmap, else ~/.local/share/rootmap)."""
    configured = str(getattr(settings, "ROOTMAP_JOB_DIR", "") or "")
    if configured:
        return Path(configured)
    return beside_database(".jobs")


def ensure_dir() -> Path:
    folder = job_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def write_file(name: str, content: bytes) -> Path:
    """Write `content` as `name` in the job folder, whole or not at all (temporary file, then
    renamed), readable by this user only."""
    folder = ensure_dir()
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
    return folder / name


def path_of(name: str) -> Path | None:
    """The file `name` in the job folder, if it is there; never a path outside it."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = job_dir() / name
    return path if path.is_file() else None


def remove(name: str) -> None:
    path = path_of(name)
    if path is not None:
        path.unlink(missing_ok=True)
