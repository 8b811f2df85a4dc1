"""Who said what, and the hours: informant roles and the time an assessment took.

Informant roles are a list in the instrument data (`informant_roles`). Case files written
before the list had free-text roles ("foster mother", "coach"); `role_of` reads such text
as a role, keeping the words the clinician wrote as the informant's description whenever
they say more than the role's label, so that nothing typed is lost. The hours summary is
the one rule reports and pages use to add up time by activity.

>>> from rootmap.instruments import load_instrument
>>> role_of(load_instrument("1"), "Foster mother")
('caregiver', 'Foster mother')
>>> role_of(load_instrument("1"), "coach")
('other', 'coach')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rootmap.instruments import Instrument

__all__ = ["ACTIVITIES", "MAX_PRESENTATION_DAYS", "HoursSummary", "InformantHours", "about_hours",
           "family_role_words", "hours_summary", "presentation_date_problem", "role_of"]

# The activities other than interviews (interviews are counted per informant), in the
# order reports list them, with the words they are shown with.
ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("record_review", "Record review"),
    ("preparation", "Preparation"),
    ("presentation", "Presentation"),
)

# The results are presented after the assessment, often on a date planned ahead; more than a
# year ahead is a typing slip (9999-12-31), not a plan.
MAX_PRESENTATION_DAYS = 366


def presentation_date_problem(when: dt.date, assessment_date: dt.date) -> str | None:
    """What is wrong with a presentation date, in words after the value; None when fine.

    >>> presentation_date_problem(dt.date(2025, 1, 1), dt.date(2025, 2, 3))
    "2025-01-01 is before the assessment's date 2025-02-03; the results are presented after it"
    >>> presentation_date_problem(dt.date(9999, 12, 31), dt.date(2025, 2, 3))[:58]
    "9999-12-31 is more than a year after the assessment's date"
    """
    if when < assessment_date:
        return (f"{when.isoformat()} is before the assessment's date {assessment_date.isoformat()}; "
                "the results are presented after it")
    if (when - assessment_date).days > MAX_PRESENTATION_DAYS:
        return (f"{when.isoformat()} is more than a year after the assessment's date "
                f"{assessment_date.isoformat()}; expected the date the results are (or will be) presented")
    return None


_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)?")


def _normal(text: str) -> str:
    return " ".join(text.strip().lower().split())


def role_of(instrument: Instrument, text: str) -> tuple[str, str]:
    """(role id, description) for a free-text role.

    A role id, label or listed word (the whole text) is that role; otherwise a text whose
    single words name exactly one role is that role ("speech therapist"); anything else is
    `other`. The description is the text as typed unless it is only the role's id or label.
    """
    said = _normal(text)
    words = {r.id: {_normal(w) for w in (r.id, r.label, *r.words)} for r in instrument.informant_roles}
    role = next((rid for rid, ws in words.items() if said in ws), None)
    if role is None:
        tokens = set(_TOKEN.findall(said))
        named = {rid for rid, ws in words.items() if rid != "other" and tokens & ws}
        role = named.pop() if len(named) == 1 else "other"
    plain = {_normal(role)} | {_normal(r.label) for r in instrument.informant_roles if r.id == role}
    return role, ("" if said in plain else text.strip())


def role_label(instrument: Instrument, role: str) -> str:
    return next((r.label for r in instrument.informant_roles if r.id == role), role)


def family_role_words(instrument: Instrument, roles: Iterable[str]) -> list[str]:
    """Who was listened to, in the family's words: each role once, in order, never a name.

    An informant's name may be a foster carer's or a professional's own name: what the family
    reads (report and presentation) names roles only ("the young person" for the youth). A
    role written as free text before roles were a list ("Jane Whitfield, foster mother") is
    read as its role first (`role_of`), so the text as typed never reaches the family. Anyone
    of the role `other` is "someone else" (two or more: "other people"), said last, so the
    sentence never reads "teacher, other and the young person".
    """
    known = {r.id for r in instrument.informant_roles}
    ids = [role if role in known else role_of(instrument, role)[0] for role in roles]
    words: list[str] = []
    for role in ids:
        if role == "other":
            continue
        word = "the young person" if role == "youth" else role_label(instrument, role).lower()
        if word and word not in words:
            words.append(word)
    others = ids.count("other")
    if others:
        words.append("someone else" if others == 1 else "other people")
    return words


def about_hours(hours: float) -> str:
    """Hours as a family reads them: to the nearest half hour, at least half an hour ("about
    5.5 hours", "about 1 hour"), never "about 5.75 hours"."""
    rounded = max(0.5, round(hours * 2) / 2)
    return f"about {rounded:g} hour{'' if rounded == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class InformantHours:
    role: str
    role_label: str
    name: str
    description: str
    hours: float | None


@dataclass(frozen=True, slots=True)
class HoursSummary:
    """Time by activity: interviews (per informant and in all), then the other activities."""

    informants: tuple[InformantHours, ...]
    interviews: float
    activities: tuple[tuple[str, str, float | None], ...]  # (id, label, hours or None)
    total: float
    presentation_date: str | None

    @property
    def any_hours(self) -> bool:
        return any(i.hours is not None for i in self.informants) or any(
            h is not None for _id, _label, h in self.activities)


def hours_summary(
    instrument: Instrument,
    informants: Iterable[Any],
    hours: Mapping[str, float | None] | None,
    presentation_date: str | None = None,
) -> HoursSummary:
    """Add up an assessment's time. `informants` are case-file informants (role, name,
    description, hours); `hours` the other activities' hours by id (missing: not recorded)."""
    rows = tuple(InformantHours(i.role, role_label(instrument, i.role), i.name, i.description, i.hours)
                 for i in informants)
    interviews = sum(r.hours or 0.0 for r in rows)
    given = hours or {}
    activities = tuple((aid, label, given.get(aid)) for aid, label in ACTIVITIES)
    total = interviews + sum(h or 0.0 for _aid, _label, h in activities)
    return HoursSummary(rows, interviews, activities, total, presentation_date)
