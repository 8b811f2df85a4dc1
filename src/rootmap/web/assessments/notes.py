"""The clinician's notes on a draft: formulation, family summary and per-item comments.

Stored in `inputs["notes"]` in the case file's shape (rootmap.core.notes has the keys and
limits); saved through the entry page's autosave endpoint and whole-form save like every
other field, and frozen with the snapshot at signing. Field names on the page:

    notes.formulation, notes.family_summary, notes.items.<section>.<id>

Nothing here writes: `clean_note_field` returns the change services.py applies.
"""

from __future__ import annotations

from typing import Any

from rootmap.core.limits import text_problem
from rootmap.core.notes import MAX_COMMENT, MAX_FAMILY_SUMMARY, MAX_FORMULATION, note_key_problem
from rootmap.instruments import Instrument
from rootmap.web.assessments.errors import FieldInvalid

PREFIX = "notes."
ITEMS_PREFIX = "notes.items."
_TEXTS = {"formulation": ("Formulation", MAX_FORMULATION),
          "family_summary": ("Summary for the family", MAX_FAMILY_SUMMARY)}


def is_note_field(field: str) -> bool:
    return field.startswith(PREFIX)


def comment_field(key: str) -> str:
    """The entry-page field name of the comment on `key` ("functioning.sleep", "history.infancy")."""
    return ITEMS_PREFIX + key


def _comment_label(instrument: Instrument, key: str) -> str:
    section, _, ident = key.partition(".")
    if section == "functioning" and ident in instrument.items_by_id:
        return f"Comment on {instrument.items_by_id[ident].label}"
    for item in instrument.relational_items if section == "relational" else ():
        if item.id == ident:
            return f"Comment on {item.label}"
    for period in instrument.periods if section == "history" else ():
        if period.id == ident:
            return f"Comment on {period.label}"
    return f"Comment {key!r}"


def _clean_text(raw: Any, label: str, limit: int, field: str) -> str | None:
    # Line breaks are kept (paragraphs and lists); Windows line ends become one.
    text = ("" if raw is None else str(raw)).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > limit:
        raise FieldInvalid(field, f"{label}: {len(text):,} characters is above the maximum {limit:,}")
    problem = text_problem(text)
    if problem:
        raise FieldInvalid(field, f"{label}: {problem}")
    return text or None  # an empty note is removed, not stored


def clean_note_field(instrument: Instrument, field: str) -> tuple[tuple[str, ...], str, int]:
    """Where a note field goes in `inputs`, its label and its limit; FieldInvalid when it is none."""
    if field.startswith(ITEMS_PREFIX):
        key = field[len(ITEMS_PREFIX):]
        problem = note_key_problem(key)
        if problem:
            raise FieldInvalid(field, f"Comment: {problem}")
        return ("notes", "items", key), _comment_label(instrument, key), MAX_COMMENT
    name = field[len(PREFIX):]
    if name not in _TEXTS:
        raise FieldInvalid(field, f"{field!r} is not a field of this assessment")
    label, limit = _TEXTS[name]
    return ("notes", name), label, limit


def note_change_value(instrument: Instrument, field: str, raw: Any) -> tuple[tuple[str, ...], str | None]:
    """The path in `inputs` and the cleaned value (None removes the note)."""
    path, label, limit = clean_note_field(instrument, field)
    return path, _clean_text(raw, label, limit, field)


def apply_note(inputs: dict[str, Any], path: tuple[str | int, ...], value: str | None) -> None:
    """Set or remove one note in `inputs`, keeping no empty containers behind."""
    notes = inputs.setdefault("notes", {})
    if path[1] == "items":
        items = notes.setdefault("items", {})
        if value is None:
            items.pop(str(path[2]), None)
        else:
            items[str(path[2])] = value
        if not items:
            notes.pop("items", None)
    elif value is None:
        notes.pop(str(path[1]), None)
    else:
        notes[str(path[1])] = value
    if not notes:
        inputs.pop("notes", None)


def notes_of(case_assessment: dict[str, Any] | None) -> dict[str, Any]:
    """The notes of an assessment dict (case-file shape), always with the three keys."""
    notes = (case_assessment or {}).get("notes") or {}
    return {"formulation": notes.get("formulation") or "",
            "family_summary": notes.get("family_summary") or "",
            "items": dict(notes.get("items") or {})}
