"""Reading case and household files from the command line, with one-line problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rootmap.core.case import CaseFile, Household, parse_document
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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Loaded(path, None, [Problem("$", "no such file")])
    except (OSError, UnicodeDecodeError) as error:
        return Loaded(path, None, [Problem("$", f"cannot be read ({error.__class__.__name__}: {error})")])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        return Loaded(path, None, [Problem("$", f"is not valid JSON: {error.msg} at {where}")])
    try:
        return Loaded(path, parse_document(data), [])
    except CaseFileError as error:
        return Loaded(path, None, error.problems)
