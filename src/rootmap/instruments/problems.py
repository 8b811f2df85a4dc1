"""A validation error of an instrument folder, as one line per problem: file, path, expected.

The instrument is built from several YAML files (the loader joins them), so each error's
location is mapped back to the file and the path inside it that a person edits.

>>> file_and_path(("functioning_items", 3, "anchors", 5))
('functioning_items.yaml', 'items[3].anchors.5')
>>> file_and_path(("periods", 1, "weight"))
('parameters.yaml', 'periods[1].weight')
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

__all__ = ["file_and_path", "instrument_problems", "joined_path", "model_problems"]

# Fields of the joined instrument that come from a file of their own, and where.
_ITEM_FILES: dict[str, tuple[str, str]] = {
    "functioning_items": ("functioning_items.yaml", "items"),
    "relational_items": ("relational_items.yaml", "items"),
    "internal_items": ("caregiver_items.yaml", "internal"),
    "external_items": ("caregiver_items.yaml", "external"),
    "challenge_items": ("caregiver_items.yaml", "challenge"),
}
# The instrument's own consistency checks, by how their message starts.
_MESSAGE_FILES: tuple[tuple[str, str], ...] = (
    ("item ids", "functioning_items.yaml"),
    ("item ", "functioning_items.yaml"),
    ("relational item", "relational_items.yaml"),
    ("internal item", "caregiver_items.yaml"),
    ("external item", "caregiver_items.yaml"),
    ("challenge item", "caregiver_items.yaml"),
)


def joined_path(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def file_and_path(loc: Sequence[int | str]) -> tuple[str, str]:
    """The file and the path inside it of a location in the joined instrument."""
    if loc and loc[0] in _ITEM_FILES:
        file, key = _ITEM_FILES[str(loc[0])]
        return file, joined_path([key, *loc[1:]])
    return "parameters.yaml", joined_path(loc)


def _messages(error: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    found: list[tuple[tuple[int | str, ...], str]] = []
    for detail in error.errors(include_url=False):
        message = str(detail["msg"]).removeprefix("Value error, ")
        loc = tuple(detail["loc"])
        if detail["type"] == "missing":
            message = "is missing; expected it to be given"
        elif detail["type"] == "extra_forbidden":
            message = "is not a known field; expected it to be left out (check its spelling)"
        if loc:
            found.append((loc, message))
        else:  # a consistency check of the whole model: its problems are joined by "; "
            found.extend(((), part) for part in message.split("; "))
    return found


def instrument_problems(error: ValidationError) -> list[str]:
    """Lines `file: path: problem` for an error from validating the joined instrument."""
    lines = []
    for loc, message in _messages(error):
        if loc:
            file, path = file_and_path(loc)
            lines.append(f"{file}: {path}: {message}")
        else:
            file = next((f for start, f in _MESSAGE_FILES if message.startswith(start)), "parameters.yaml")
            lines.append(f"{file}: {message}")
    return lines


def model_problems(file: str, error: ValidationError) -> list[str]:
    """Lines `file: path: problem` for an error from validating one file (the catalogue, ...)."""
    return [f"{file}: {joined_path(loc)}: {message}" if loc else f"{file}: {message}"
            for loc, message in _messages(error)]
