"""Checks of what a clinician typed into an assessment, one field at a time.

Ratings, the trigger and the assessment date are checked by the core
(`rootmap.core.fields`, the same rules and words as a case file's validation); this
module adds the field's label in front. Rows, interests and reasons are the web's own
(no clinical rule). Each message names the field and says what was expected. Nothing here writes: `clean_field` returns
a `FieldChange` that services.py applies inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.core.fields import RATING_KINDS, FieldProblem, age_conflicts, check_field, date_problem
from rootmap.instruments import Instrument, load_instrument
from rootmap.render._labels import domain_label, short_domains
from rootmap.web.assessments.errors import FieldInvalid, UndeterminedUnconfirmed
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.notes import is_note_field, note_change_value
from rootmap.web.assessments.selectors import assessment_age_months, instrument_of
from rootmap.web.clients.models import Client
from rootmap.web.sources.fields import TIME_FIELDS, role_value, time_change

ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "informants": ("role", "name", "description", "hours"),
    "documents": ("title", "source", "date"),
}
ROW_LABELS = {"informants": "informant", "documents": "document"}
MAX_ROWS = 50
# Where a draft keeps its carried, unconfirmed ratings (paths such as "functioning.sleep",
# rootmap.core.carried): draft state, never part of the case file.
CARRIED = "carried"
MAX_TEXT = 200
MAX_HOURS = 200
MAX_INTERESTS = 50
MAX_REASON = 2000


@dataclass(frozen=True)
class FieldChange:
    """A validated change: where it goes and the cleaned value (None clears)."""

    target: str  # "inputs", "date" or "interests"
    path: tuple[str | int, ...]
    value: Any


def parse_date(text: str, label: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise FieldInvalid(field, f"{label}: expected a date as YYYY-MM-DD, got {text!r}") from None


def check_assessment_date(instrument: Instrument, client: Client, date: dt.date, field: str) -> None:
    problem = date_problem(instrument, client.birth_date, date, today=timezone.localdate())
    if problem:
        raise FieldInvalid(field, f"Assessment date: {problem}")


# Control characters other than tab and line breaks are never typed; NUL in particular is
# refused by PostgreSQL in text and JSON, so it is named here rather than failing there.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(text: str, label: str, field: str) -> None:
    if CONTROL.search(text):
        raise FieldInvalid(field, f"{label}: contains control characters; expected plain text")


def row_value(section: str, index: int, key: str, raw: Any, field: str) -> Any:
    label = f"{key.capitalize()} ({ROW_LABELS[section]} {index + 1})"
    text = "" if raw is None else str(raw).strip()
    if key == "hours":
        if text == "":
            return None
        try:
            hours = float(text)
        except ValueError:
            raise FieldInvalid(field, f"{label}: expected a number of hours such as 1.5, got {text!r}") from None
        if not math.isfinite(hours) or hours < 0:
            raise FieldInvalid(field, f"{label}: expected 0 or more hours, got {text}")
        if hours > MAX_HOURS:
            raise FieldInvalid(field, f"{label}: {text} is above the maximum {MAX_HOURS} hours")
        return hours
    if key == "date":
        if text == "":
            return None
        value = parse_date(text, label, field)
        if value > timezone.localdate():
            raise FieldInvalid(field, f"{label}: {text} is in the future; expected a past date")
        return value.isoformat()
    if len(text) > MAX_TEXT:
        raise FieldInvalid(field, f"{label}: {len(text)} characters is above the maximum {MAX_TEXT}")
    refuse_control_characters(text, label, field)
    return text


def _is_rating(parts: list[str]) -> bool:
    """Whether a field name is one of the case file's ratings (checked by the core)."""
    head = parts[0]
    return (parts == ["trigger"] or (head in ("functioning", "relational") and len(parts) == 2)
            or (head == "history" and len(parts) == 3 and parts[2] in RATING_KINDS))


def _label(instrument: Instrument, parts: list[str], kind: str) -> str:
    """The words a rating field is shown with, put before the core's message."""
    head = parts[0]
    if head == "trigger":
        return "Trigger"
    if head == "functioning" and parts[1] in instrument.items_by_id:
        return instrument.items_by_id[parts[1]].label
    if head == "relational":
        item = next((i for i in instrument.relational_items if i.id == parts[1]), None)
        if item is not None:
            return item.label
    if head == "history":
        if kind == Assessment.Kind.ER:
            return "History"
        period = next((p for p in instrument.periods if p.id == parts[1]), None)
        if period is not None:
            return f"{period.label}, {parts[2].replace('_', ' ')}"
    return ".".join(parts)


def rating_label(assessment: Assessment, field: str) -> str:
    """The words a rating field is shown with (its item, or its period and kind)."""
    return _label(instrument_of(assessment), field.split("."), assessment.kind)


def clean_field(assessment: Assessment, field: str, raw: Any) -> FieldChange:
    """Check one value against the instrument; raise FieldInvalid naming the field."""
    instrument = instrument_of(assessment)
    age = assessment_age_months(assessment)
    parts = field.split(".")
    head = parts[0]

    if field == "date":
        date = parse_date(raw, "Assessment date", field)
        check_assessment_date(instrument, assessment.client, date, field)
        inputs = assessment.inputs or {}
        bad = age_conflicts(instrument, age_in_months(assessment.client.birth_date, date),
                            inputs.get("functioning") or {}, inputs.get("history"))
        if bad:
            raise FieldInvalid(field, f"Assessment date: at {date.isoformat()} these ratings would no "
                                      f"longer be allowed; clear them first: {'; '.join(bad)}")
        return FieldChange("date", (), date)

    if field == "interests":
        text = "" if raw is None else str(raw)
        interests = [t.strip().lower() for t in re.split(r"[,\n;]", text) if t.strip()]
        too_long = [t for t in interests if len(t) > 60]
        if too_long:
            raise FieldInvalid(field, f"Interests: {too_long[0][:20]!r}... is longer than 60 characters; "
                                      "separate interests with commas")
        if len(set(interests)) > MAX_INTERESTS:  # the case file's limit: its export must stay valid
            raise FieldInvalid(field, f"Interests: {len(set(interests))} given; at most {MAX_INTERESTS}")
        return FieldChange("interests", (), list(dict.fromkeys(interests)))

    if _is_rating(parts):
        try:
            value = check_field(instrument, field, raw, age_months=age, kind=assessment.kind)
        except FieldProblem as problem:
            raise FieldInvalid(field, f"{_label(instrument, parts, assessment.kind)}: {problem.message}") from None
        return FieldChange("inputs", tuple(parts), value)

    if (head in ROW_FIELDS and len(parts) == 3 and parts[1].isascii() and parts[1].isdigit()
            and parts[2] in ROW_FIELDS[head]):
        index = int(parts[1])
        rows = (assessment.inputs or {}).get(head) or []
        if index >= len(rows):
            raise FieldInvalid(field, f"{ROW_LABELS[head].capitalize()} {index + 1}: this row no longer "
                                      "exists; reload the page")
        if (head, parts[2]) == ("informants", "role"):
            return FieldChange("inputs", (head, index, "role"), role_value(instrument, index, raw, field))
        return FieldChange("inputs", (head, index, parts[2]), row_value(head, index, parts[2], raw, field))

    if is_note_field(field):  # formulation, family summary, item comments (notes.py)
        path, note = note_change_value(instrument, field, raw)
        return FieldChange("inputs", path, note)
    if head in TIME_FIELDS:
        return time_change(field, raw, assessment.date)

    raise FieldInvalid(field, f"{field!r} is not a field of this assessment")


# --- Finalise and amend ---------------------------------------------------------------------

_PATH = re.compile(r"^assessments\[(\d+)\]\.(.+)$")


def field_for_problem(path: str, index: int) -> str | None:
    """The entry-page field a core validation problem at `path` is about, when it is one
    of assessment `index`'s fields (None: show it in the list of other problems)."""
    match = _PATH.match(path)
    if not match or int(match.group(1)) != index:
        return None
    rest = re.sub(r"\[(\d+)\]", r".\1", match.group(2))
    return rest


def checked_undetermined_reason(result: Any, confirmed: bool, reason: str) -> str:
    """The cleaned reason for signing an undetermined assessment; refuse without one."""
    instrument = load_instrument(result.instrument_version)
    short = ", ".join(domain_label(instrument, d) for d in short_domains(instrument, result))
    why = (f"Not enough has been rated yet to say where to start (too few items rated in: {short}). "
           if short else "Not enough has been rated yet to say where to start. ")
    if not confirmed:
        raise UndeterminedUnconfirmed(
            "confirm_undetermined",
            why + "Rate more items, or tick the box to confirm you are signing it as it is, "
                  "and give a reason.")
    reason = (reason or "").strip()
    if not reason:
        raise UndeterminedUnconfirmed(
            "undetermined_reason",
            "Reason: say why this assessment is signed although too little is rated to say "
            "where to start (it is kept with it and shown on its results and reports).")
    if len(reason) > MAX_REASON:
        raise UndeterminedUnconfirmed("undetermined_reason",
                                      f"Reason: {len(reason)} characters is above the maximum {MAX_REASON}")
    if CONTROL.search(reason):
        raise UndeterminedUnconfirmed("undetermined_reason",
                                      "Reason: contains control characters; expected plain text")
    return reason


def amendment_reason(reason: str) -> str:
    """The cleaned reason for amending a finalised assessment; refuse without one."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldInvalid("reason", "Reason: say why the assessment is amended (it is kept with both versions)")
    if len(reason) > MAX_REASON:
        raise FieldInvalid("reason", f"Reason: keep it under {MAX_REASON} characters")
    refuse_control_characters(reason, "Reason", "reason")
    return reason
