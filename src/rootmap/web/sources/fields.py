"""Checks of the sources fields of the entry page: an informant's role, the hours by
activity and the presentation date. Each message names the field and what was expected;
the limits are the case file's (rootmap.core.case), so that an export stays valid."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rootmap.core.case import MAX_HOURS
from rootmap.core.sources import ACTIVITIES, presentation_date_problem
from rootmap.instruments import Instrument
from rootmap.web.assessments.errors import FieldInvalid

# Field names: hours.<activity> and presentation_date (heads of the dotted name).
TIME_FIELDS = ("hours", "presentation_date")
ACTIVITY_LABELS = dict(ACTIVITIES)


def role_value(instrument: Instrument, index: int, raw: Any, field: str) -> str:
    """An informant's role: one of the instrument's role ids ("" while not chosen)."""
    text = "" if raw is None else str(raw).strip()
    if text and text not in instrument.informant_role_ids:
        words = ", ".join(r.label.lower() for r in instrument.informant_roles)
        raise FieldInvalid(field, f"Role (informant {index + 1}): {text[:40]!r} is not one of the roles; "
                                  f"choose one of {words}")
    return text


def hours_value(text: str, label: str, field: str) -> float | None:
    if text == "":
        return None
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        raise FieldInvalid(field, f"{label}: expected a number of hours such as 1.5, got {text[:20]!r}") from None
    if not math.isfinite(hours) or hours < 0:
        raise FieldInvalid(field, f"{label}: expected 0 or more hours, got {text[:20]}")
    if hours > MAX_HOURS:
        raise FieldInvalid(field, f"{label}: {text} is above the maximum {MAX_HOURS} hours")
    return hours


def time_change(field: str, raw: Any, assessment_date: dt.date) -> Any:
    """The FieldChange of `hours.<activity>` or `presentation_date`."""
    from rootmap.web.assessments.validation import FieldChange  # the shared shape; imports us

    text = "" if raw is None else str(raw).strip()
    parts = field.split(".")
    if parts[0] == "hours" and len(parts) == 2 and parts[1] in ACTIVITY_LABELS:
        label = f"{ACTIVITY_LABELS[parts[1]]} hours"
        return FieldChange("inputs", ("hours", parts[1]), hours_value(text, label, field))
    if parts == ["presentation_date"]:
        if text == "":
            return FieldChange("inputs", ("presentation_date",), None)
        try:
            when = dt.date.fromisoformat(text)
        except ValueError:
            raise FieldInvalid(field, f"Presentation date: expected a date as YYYY-MM-DD, got {text[:20]!r}") from None
        if wrong := presentation_date_problem(when, assessment_date):
            raise FieldInvalid(field, f"Presentation date: {wrong}")
        return FieldChange("inputs", ("presentation_date",), when.isoformat())
    raise FieldInvalid(field, f"{field!r} is not a field of this assessment")
