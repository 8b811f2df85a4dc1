"""Checks on a command's output path, made before any work: a folder or a missing folder
is named with what was expected, instead of a traceback after the work is done."""

from __future__ import annotations

from pathlib import Path


def output_problem(target: Path, option: str, example: str) -> str | None:
    """Why `target` cannot be written as a file, or None. `example` is a file name to
    suggest inside a folder (e.g. "report.pdf")."""
    if target.is_dir():
        return f"{option}: {target} is a folder (expected the file to write, e.g. {target / example})"
    if not target.parent.is_dir():
        return f"{option}: the folder {target.parent} does not exist"
    return None
