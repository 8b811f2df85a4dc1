"""Reading case and household files from the command line, with one-line problems."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rootmap.core.case import CaseFile, Household, parse_document
from rootmap.core.limits import MAX_FILE_BYTES, read_document_json
from rootmap.core.problems import CaseFileError, Problem


@dataclass(frozen=True)
class Loaded:
    path: Path
    document: CaseFile | Household | None
    problems: list[Problem]


def expand(paths: list[str]) -> Iterator[Path]:
    """Files as given; a folder stands for its *.json files in name order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.json") if p.is_file())
        else:
            yield path


def load(path: Path) -> Loaded:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # refused before it is read into memory
            raise CaseFileError([Problem("$", f"the file is {path.stat().st_size / 1024 / 1024:.1f} MB; "
                                              f"a case file may be at most {MAX_FILE_BYTES // 1024 // 1024} MB")])
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(path, None, [Problem("$", "no such file")])
    except OSError as error:
        return Loaded(path, None, [Problem("$", f"cannot be read ({error.__class__.__name__}: {error})")])
    except CaseFileError as error:
        return Loaded(path, None, error.problems)
    try:
        return Loaded(path, parse_document(read_document_json(raw)), [])
    except CaseFileError as error:
        return Loaded(path, None, error.problems)
