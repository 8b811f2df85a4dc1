"""The clinician's notes on an assessment: formulation, family summary, item comments.

Kept in the case file as `assessments[n].notes` (and in the web database in the
assessment's `inputs["notes"]`):

    {"formulation": str, "family_summary": str,
     "items": {"functioning.<item>" | "relational.<item>" | "history.<period>": str}}

The formulation and the comments are for clinicians only; the family summary is the one
piece a family report carries. The limits keep every report quick while leaving room for
several pages of formulation (README, "Limits").

>>> note_key_problem("functioning.sleep")
>>> note_key_problem("functioning.nope").split(" (")[0]
"'functioning.nope' is not a functioning item, relational item or history period"
"""

from __future__ import annotations

from functools import cache

from rootmap.instruments import CURRENT_VERSION, load_instrument

MAX_FORMULATION = 20_000
MAX_FAMILY_SUMMARY = 5_000
MAX_COMMENT = 1_000
NOTE_SECTIONS = ("functioning", "relational", "history")


@cache
def note_keys() -> frozenset[str]:
    """Every key an item comment may have: ids of the file format (every version keeps them)."""
    inst = load_instrument(CURRENT_VERSION)
    return frozenset(
        [f"functioning.{i}" for i in inst.item_ids]
        + [f"relational.{i}" for i in inst.relational_item_ids]
        + [f"history.{p}" for p in inst.period_ids]
    )


def _examples() -> str:
    inst = load_instrument(CURRENT_VERSION)
    return (f"'functioning.{inst.item_ids[0]}', 'relational.{inst.relational_item_ids[0]}', "
            f"'history.{inst.period_ids[0]}'")


def note_key_problem(key: str) -> str | None:
    """Why `key` cannot name a comment, or None when it can."""
    if key in note_keys():
        return None
    return (f"{key!r} is not a functioning item, relational item or history period "
            f"(expected e.g. {_examples()})")
