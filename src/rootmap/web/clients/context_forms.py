"""The client context page's form: repeated rows (placements, contacts), so read by hand.

Field names: the context's own keys for single fields (`sex`, `school`, ...), and
`placement-N-<field>` / `contact-N-<field>` for rows (N from 0; one empty row more than
stored, for adding). A row whose every field is empty is no row; `...-N-remove` drops it
on Save. Problems from the core (`placements[N].end`) are said in the page's words
("Placement 2, end date: ...") with N turned back into the row as shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rootmap.core.context import MAX_CONTACTS, MAX_PLACEMENTS
from rootmap.core.problems import Problem

SINGLE_FIELDS = ("sex", "gender", "gender_description", "pronouns", "legal_status", "legal_status_other",
                 "school", "school_year", "languages", "interpreter_needed", "cultural_notes")
# form prefix -> (context key, the row's fields, how many rows at most, the row's name)
ROWS: dict[str, tuple[str, tuple[str, ...], int, str]] = {
    "placement": ("placements", ("type", "start", "end", "note"), MAX_PLACEMENTS, "Placement"),
    "contact": ("contacts", ("name", "kind", "relationship", "organisation", "phone", "email"), MAX_CONTACTS,
                "Contact"),
}
LABELS = {
    "sex": "Sex", "gender": "Gender", "gender_description": "Gender in their own words", "pronouns": "Pronouns",
    "legal_status": "Legal status", "legal_status_other": "Legal status (other)", "school": "School",
    "school_year": "Year or grade", "languages": "Languages", "interpreter_needed": "Interpreter needed",
    "cultural_notes": "Cultural and language notes", "type": "type", "start": "start date", "end": "end date",
    "note": "note", "name": "name", "kind": "caregiver or professional", "relationship": "relationship or role",
    "organisation": "organisation", "phone": "phone", "email": "email", "revision": "Context",
}
_REQUIRED = {"type", "start", "name", "kind"}  # left out when empty, so the core says "is required"
_ROW_FIELD = re.compile(r"^(placement|contact)-([0-9]{1,3})-([a-z_]+)$")  # ASCII digits: no huge ints
_PROBLEM_ROW = re.compile(r"^(placements|contacts)\[([0-9]+)\](?:\.([a-z_]+))?")


def interpreter_value(raw: str) -> bool | str | None:
    # Anything but yes, no or empty goes to the core as typed, which refuses it by name:
    # an unknown word must not quietly clear what was recorded.
    return {"yes": True, "no": False, "": None}.get(raw, raw)


def single_value(name: str, raw: str) -> Any:
    """A single field's posted text as the context holds it."""
    if name == "interpreter_needed":
        return interpreter_value(raw)
    if name in ("sex", "gender", "legal_status") and not raw:
        return "not_recorded"
    return raw


def row_from_post(post: Mapping[str, Any], prefix: str, n: int) -> dict[str, Any] | None:
    """Row N as the context holds it, or None when every field is empty."""
    fields = ROWS[prefix][1]
    raw = {f: str(post.get(f"{prefix}-{n}-{f}", "") or "").strip() for f in fields}
    if not any(raw.values()):
        return None
    row: dict[str, Any] = {}
    for f, value in raw.items():
        if f in _REQUIRED and not value:
            continue
        row[f] = (value or None) if f == "end" else value
    return row


@dataclass
class PostedContext:
    data: dict[str, Any]
    # context key -> the form's row number for each stored row (rows dropped or empty are skipped)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)


def context_from_post(post: Mapping[str, Any]) -> PostedContext:
    """The whole context from the page's form (Save without JavaScript)."""
    data: dict[str, Any] = {name: single_value(name, str(post.get(name, "") or "")) for name in SINGLE_FIELDS}
    numbers: dict[str, list[int]] = {}
    for prefix, (key, fields, most, _label) in ROWS.items():
        rows, shown = [], []
        for n in range(most + 1):
            if not any(f"{prefix}-{n}-{f}" in post for f in fields):
                continue
            row = row_from_post(post, prefix, n)
            if row is None or post.get(f"{prefix}-{n}-remove"):
                continue
            rows.append(row)
            shown.append(n)
        data[key], numbers[key] = rows, shown
    return PostedContext(data=data, row_numbers=numbers)


@dataclass(frozen=True)
class AutosaveField:
    """What one autosave changes: a context key or a row (`placements[N]`), with its value."""

    field: str
    value: Any
    row_label: str = ""   # "Placement 2", when a row
    empty_row: bool = False


def autosave_field(post: Mapping[str, Any], name: str) -> AutosaveField | None:
    """The change an autosave of field `name` makes, or None when `name` is no such field."""
    if name in SINGLE_FIELDS:
        return AutosaveField(name, single_value(name, str(post.get(name, "") or "")))
    match = _ROW_FIELD.match(name)
    if not match or match.group(1) not in ROWS or match.group(3) not in ROWS[match.group(1)][1]:
        return None
    prefix, n = match.group(1), int(match.group(2))
    key, _fields, most, label = ROWS[prefix]
    if n >= most:
        return None
    row = row_from_post(post, prefix, n)
    return AutosaveField(f"{key}[{n}]", row, f"{label} {n + 1}", empty_row=row is None)


def problem_text(problem: Problem, row_numbers: Mapping[str, list[int]] | None = None) -> str:
    """A core problem in the page's words, naming the row as shown and the field."""
    match = _PROBLEM_ROW.match(problem.path)
    message = problem.message
    if not match:
        head = problem.path.split(".")[0].split("[")[0]
        return f"{LABELS.get(head, problem.path)}: {message}"
    key, n, what = match.group(1), int(match.group(2)), match.group(3)
    label = next(v[3] for v in ROWS.values() if v[0] == key)
    shown = row_numbers.get(key, []) if row_numbers else []
    number = shown[n] + 1 if n < len(shown) else n + 1

    def rename(m: re.Match[str]) -> str:  # "overlaps placements[0]" -> "overlaps placement 1"
        k, i = m.group(1), int(m.group(2))
        rows = row_numbers.get(k, []) if row_numbers else []
        return f"{label.lower()} {(rows[i] if i < len(rows) else i) + 1}"

    message = re.sub(r"\b(placements|contacts)\[([0-9]+)\]('s)?", lambda m: rename(m) + (m.group(3) or ""), message)
    return f"{label} {number}, {LABELS.get(what or '', what or 'row')}: {message}"


def form_id(name: str) -> str:
    """The HTML id of a field (and `status-<id>` its save status)."""
    return "ctx-" + name.replace("_", "-")
