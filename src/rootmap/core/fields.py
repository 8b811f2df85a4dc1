"""One rating at a time: the checks a case file makes, answered for a single field.

The web saves one field per request; it calls `check_field` (or `field_problem`) and
adds only the field's label in front of the message. The case-file validation in
`rootmap.core.case` uses the same age rules and messages, so a rating refused on a page
is refused in an imported file with the same words.

Paths are the case file's, inside one assessment: `functioning.<item>`,
`relational.<item>`, `history.<period>.<adversity|relational_health>`, `trigger`.
A raw value may be an int or text typed in a form; "" and None mean "not rated".

>>> from rootmap.instruments import load_instrument
>>> instrument = load_instrument("1")
>>> field_problem(instrument, "functioning.sleep", "7", age_months=100)
'7 is above the maximum 5'
>>> field_problem(instrument, "functioning.peer_play", 2, age_months=18)
'2 given, but the item is not expected before 24 months and the client is 18 months old; leave it unrated'
>>> check_field(instrument, "history.infancy.adversity", " 3 ", age_months=20)
3
>>> field_problem(instrument, "functioning.sleep", "", age_months=100) is None
True
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from rootmap.core.ages import age_in_months
from rootmap.core.coverage import item_expected, period_reached
from rootmap.instruments.model import FunctioningItem, Instrument, Period

__all__ = [
    "FieldProblem",
    "age_conflicts",
    "check_field",
    "date_problem",
    "field_problem",
    "item_age_problem",
    "period_age_problem",
]

RATING_KINDS = ("adversity", "relational_health")
_WHOLE = re.compile(r"-?\d+")


class FieldProblem(ValueError):
    """A value one field cannot take; `message` names the value and what was expected."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def item_age_problem(item: FunctioningItem, value: int, age_months: int) -> str | None:
    """A rating for an item not expected yet at this age (clinical model, section 4)."""
    if item_expected(item, age_months):
        return None
    return (f"{value} given, but the item is not expected before {item.min_age_months} months "
            f"and the client is {age_months} months old; leave it unrated")


def period_age_problem(period: Period, value: int, age_months: int) -> str | None:
    """A history rating for a period not reached yet at this age (clinical model, section 2)."""
    if period_reached(period, age_months):
        return None
    return (f"{value} given, but the period is not reached yet (it starts at {period.start} months "
            f"and the client is {age_months} months old); leave it unrated")


def _rating(path: str, raw: Any, maximum: int) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise FieldProblem(path, f"expected a whole number from 0 to {maximum}, got {raw!r}")
    text = str(raw).strip()
    if not _WHOLE.fullmatch(text):
        raise FieldProblem(path, f"expected a whole number from 0 to {maximum}, got {text!r}")
    value = int(text)
    if value < 0:
        raise FieldProblem(path, f"{value} is below the minimum 0")
    if value > maximum:
        raise FieldProblem(path, f"{value} is above the maximum {maximum}")
    return value


def check_field(
    instrument: Instrument, path: str, raw: Any, *, age_months: int, kind: str | None = None
) -> int | str | None:
    """The cleaned value of one field (None = not rated), or FieldProblem.

    `kind` is the assessment's kind (`full`, `follow_up`, `er`); None skips the kind rules.
    """
    parts = path.split(".")
    head = parts[0]
    if path == "trigger":
        if kind is not None and kind != "er":
            raise FieldProblem(path, "only a Rapid (ER) snapshot has a trigger")
        text = "" if raw is None else str(raw).strip()
        if text == "":
            return None
        if text not in instrument.triggers:
            raise FieldProblem(path, f"{text!r} is not one of {', '.join(instrument.triggers.values())}")
        return text
    if head == "functioning" and len(parts) == 2:
        item = instrument.items_by_id.get(parts[1])
        if item is None:
            raise FieldProblem(path, f"no such functioning item in instrument {instrument.version}")
        value = _rating(path, raw, max(instrument.functioning_scale))
        problem = None if value is None else item_age_problem(item, value, age_months)
        if problem:
            raise FieldProblem(path, problem)
        return value
    if head == "relational" and len(parts) == 2:
        if parts[1] not in instrument.relational_item_ids:
            raise FieldProblem(path, f"no such relational item in instrument {instrument.version}")
        return _rating(path, raw, max(instrument.relational.scale))
    if head == "history" and len(parts) == 3 and parts[2] in RATING_KINDS:
        if kind == "er":
            raise FieldProblem(path, "a Rapid (ER) snapshot has no developmental history")
        period = next((p for p in instrument.periods if p.id == parts[1]), None)
        if period is None:
            raise FieldProblem(path, "no such developmental period")
        value = _rating(path, raw, max(instrument.history_scales[parts[2]]))  # type: ignore[index]
        problem = None if value is None else period_age_problem(period, value, age_months)
        if problem:
            raise FieldProblem(path, problem)
        return value
    raise FieldProblem(path, f"{path!r} is not a rating of an assessment")


def field_problem(
    instrument: Instrument, path: str, raw: Any, *, age_months: int, kind: str | None = None
) -> str | None:
    """The message for one field's value (without the field's label), or None when it is fine."""
    try:
        check_field(instrument, path, raw, age_months=age_months, kind=kind)
    except FieldProblem as problem:
        return problem.message
    return None


# Nobody on a child-and-youth caseload was born longer ago than this: an earlier birth date
# is a typing slip (1018 for 2018), as is one in the future (3018).
OLDEST_BIRTH_YEARS = 120


def birth_date_problem(birth_date: dt.date, *, today: dt.date) -> str | None:
    """A birth date that cannot be a client's: in the future, or over 120 years ago.

    >>> birth_date_problem(dt.date(3018, 5, 1), today=dt.date(2026, 12, 2))
    '3018-05-01 is in the future; expected a date up to today (2026-12-02)'
    >>> birth_date_problem(dt.date(2018, 5, 1), today=dt.date(2026, 12, 2)) is None
    True
    """
    if birth_date > today:
        return f"{birth_date.isoformat()} is in the future; expected a date up to today ({today.isoformat()})"
    if age_in_months(birth_date, today) > OLDEST_BIRTH_YEARS * 12:
        return (f"{birth_date.isoformat()} is more than {OLDEST_BIRTH_YEARS} years ago; "
                "expected the child's birth date")
    return None


def date_problem(
    instrument: Instrument, birth_date: dt.date, date: dt.date, *, today: dt.date | None = None
) -> str | None:
    """An assessment date the client's age rules out (before birth, beyond the supported ages,
    or, when `today` is given, in the future)."""
    if today is not None and date > today:
        return f"{date.isoformat()} is in the future; expected a date up to today ({today.isoformat()})"
    if date < birth_date:
        return f"{date.isoformat()} is before the client's birth date {birth_date.isoformat()}"
    age = age_in_months(birth_date, date)
    limit = instrument.supported_age_months.max
    if age > limit:
        return f"the client is {age} months old on {date.isoformat()}; supported ages are 0 to {limit} months"
    return None


def age_conflicts(
    instrument: Instrument,
    age_months: int,
    functioning: Mapping[str, int | None],
    history: Mapping[str, Mapping[str, int | None] | None] | None = None,
) -> tuple[str, ...]:
    """Entered ratings that would not be allowed at `age_months` (when a date changes).

    >>> from rootmap.instruments import load_instrument
    >>> age_conflicts(load_instrument("1"), 20, {"peer_play": 2, "sleep": 1},
    ...               {"childhood": {"adversity": 1, "relational_health": None}})
    ('history for Childhood (4 to 12 years) (not reached at 20 months)', 'Peer play (expected from 24 months)')
    """
    found = []
    for period in instrument.periods:
        ratings = (history or {}).get(period.id) or {}
        if not period_reached(period, age_months) and any(v is not None for v in ratings.values()):
            found.append(f"history for {period.label} (not reached at {age_months} months)")
    for item in instrument.functioning_items:
        if functioning.get(item.id) is not None and not item_expected(item, age_months):
            found.append(f"{item.label} (expected from {item.min_age_months} months)")
    return tuple(found)
