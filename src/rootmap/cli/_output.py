"""Checks on a command's output path, made before any work: a folder or a missing folder
is named with what was expected, instead of a traceback after the work is done; and the
one way a command writes a client's record to a file (`write_private`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def output_problem(target: Path, option: str, example: str) -> str | None:
    """Why `target` cannot be written as a file, or None. `example` is a file name to
    suggest inside a folder (e.g. "report.pdf")."""
    if target.is_dir():
        return f"{option}: {target} is a folder (expected the file to write, e.g. {target / example})"
    if not target.parent.is_dir():
        return f"{option}: the folder {target.parent} does not exist"
    return None


def write_private(target: Path, data: bytes, prefix: str) -> None:
    """Write `data` to `target` readable by its owner only (0600, as backups and exports
    are: a report or case file holds a child's history), whole or not at all (a temporary
    file beside it, renamed into place)."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=prefix)  # mkstemp's mode is 0600
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
