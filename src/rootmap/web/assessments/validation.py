"""Checks of what a clinician typed into an assessment, one field at a time.

Values are checked against the instrument the assessment uses, with a message that
names the field and says what was expected. Nothing here writes: `clean_field` returns
a `FieldChange` that services.py applies inside its transaction.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from rootmap.core.ages import age_in_months
from rootmap.instruments import Instrument, load_instrument
from rootmap.render._labels import domain_label, short_domains
from rootmap.web.assessments.errors import FieldInvalid, UndeterminedUnconfirmed
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import assessment_age_months, instrument_of
from rootmap.web.clients.models import Client

RATING_KINDS = ("adversity", "relational_health")
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    "informants": ("role", "name", "hours"),
    "documents": ("title", "source", "date"),
}
ROW_LABELS = {"informants": "informant", "documents": "document"}
MAX_ROWS = 50
MAX_TEXT = 200
MAX_HOURS = 200
MAX_INTERESTS = 50
MAX_REASON = 2000


def periods_reached(instrument: Instrument, age: int) -> list[Any]:
    return [p for p in instrument.periods if age >= p.start]


def items_expected(instrument: Instrument, age: int) -> list[Any]:
    return [i for i in instrument.functioning_items if age >= i.min_age_months]


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


def parse_rating(raw: Any, *, field: str, label: str, maximum: int) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = str(raw).strip()
    if not re.fullmatch(r"-?\d+", text):
        raise FieldInvalid(field, f"{label}: expected a whole number from 0 to {maximum}, got {text!r}")
    value = int(text)
    if value < 0:
        raise FieldInvalid(field, f"{label}: {value} is below the minimum 0")
    if value > maximum:
        raise FieldInvalid(field, f"{label}: {value} is above the maximum {maximum}")
    return value


def check_assessment_date(instrument: Instrument, client: Client, date: dt.date, field: str) -> None:
    today = timezone.localdate()
    if date > today:
        raise FieldInvalid(field, f"Assessment date: {date.isoformat()} is in the future; "
                                  f"expected a date up to today ({today.isoformat()})")
    if date < client.birth_date:
        raise FieldInvalid(field, f"Assessment date: {date.isoformat()} is before the client's birth "
                                  f"date {client.birth_date.isoformat()}")
    age = age_in_months(client.birth_date, date)
    limit = instrument.supported_age_months.max
    if age > limit:
        raise FieldInvalid(field, f"Assessment date: the client would be {age} months old; "
                                  f"Rootmap supports ages up to {limit} months")


def inputs_problems_at(instrument: Instrument, inputs: Mapping[str, Any], age: int) -> list[str]:
    """Entered ratings that the instrument does not allow at `age` (for a date change)."""
    problems = []
    reached = {p.id for p in periods_reached(instrument, age)}
    for period_id, ratings in (inputs.get("history") or {}).items():
        if period_id not in reached and any(v is not None for v in (ratings or {}).values()):
            label = next(p.label for p in instrument.periods if p.id == period_id)
            problems.append(f"history for {label} (not reached at {age} months)")
    for item_id, value in (inputs.get("functioning") or {}).items():
        item = instrument.items_by_id.get(item_id)
        if value is not None and item is not None and item.min_age_months > age:
            problems.append(f"{item.label} (expected from {item.min_age_months} months)")
    return problems


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


def clean_field(assessment: Assessment, field: str, raw: Any) -> FieldChange:
    """Check one value against the instrument; raise FieldInvalid naming the field."""
    instrument = instrument_of(assessment)
    age = assessment_age_months(assessment)
    parts = field.split(".")
    head = parts[0]

    if field == "date":
        date = parse_date(raw, "Assessment date", field)
        check_assessment_date(instrument, assessment.client, date, field)
        bad = inputs_problems_at(instrument, assessment.inputs or {},
                                  age_in_months(assessment.client.birth_date, date))
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

    if field == "trigger":
        if assessment.kind != Assessment.Kind.ER:
            raise FieldInvalid(field, "Trigger: only a Rapid (ER) snapshot has a trigger")
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return FieldChange("inputs", ("trigger",), None)
        if text not in instrument.triggers:
            raise FieldInvalid(field, f"Trigger: {text!r} is not one of "
                                      f"{', '.join(instrument.triggers.values())}")
        return FieldChange("inputs", ("trigger",), text)

    if head == "functioning" and len(parts) == 2:
        item = instrument.items_by_id.get(parts[1])
        if item is None:
            raise FieldInvalid(field, f"{field}: no such functioning item in instrument {instrument.version}")
        value = parse_rating(raw, field=field, label=item.label, maximum=max(instrument.functioning_scale))
        if value is not None and item.min_age_months > age:
            raise FieldInvalid(field, f"{item.label}: not expected before {item.min_age_months} months; "
                                      f"the client is {age} months old at this assessment, so leave it unrated")
        return FieldChange("inputs", ("functioning", item.id), value)

    if head == "relational" and len(parts) == 2:
        rel = next((i for i in instrument.relational_items if i.id == parts[1]), None)
        if rel is None:
            raise FieldInvalid(field, f"{field}: no such relational item in instrument {instrument.version}")
        value = parse_rating(raw, field=field, label=rel.label, maximum=max(instrument.relational.scale))
        return FieldChange("inputs", ("relational", rel.id), value)

    if head == "history" and len(parts) == 3 and parts[2] in RATING_KINDS:
        if assessment.kind == Assessment.Kind.ER:
            raise FieldInvalid(field, "History: a Rapid (ER) snapshot has no developmental history")
        period = next((p for p in instrument.periods if p.id == parts[1]), None)
        if period is None:
            raise FieldInvalid(field, f"{field}: no such developmental period")
        label = f"{period.label}, {parts[2].replace('_', ' ')}"
        value = parse_rating(raw, field=field, label=label, maximum=max(instrument.history_scales[parts[2]]))
        if value is not None and age < period.start:
            raise FieldInvalid(field, f"{label}: this period is not reached yet (it starts at "
                                      f"{period.start} months; the client is {age} months old)")
        return FieldChange("inputs", ("history", period.id, parts[2]), value)

    if head in ROW_FIELDS and len(parts) == 3 and parts[1].isdigit() and parts[2] in ROW_FIELDS[head]:
        index = int(parts[1])
        rows = (assessment.inputs or {}).get(head) or []
        if index >= len(rows):
            raise FieldInvalid(field, f"{ROW_LABELS[head].capitalize()} {index + 1}: this row no longer "
                                      "exists; reload the page")
        return FieldChange("inputs", (head, index, parts[2]), row_value(head, index, parts[2], raw, field))

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
