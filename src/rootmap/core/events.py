"""Adverse events as a clinician enters them: when they happened, in months of age.

Clinicians know an event's timing either as the child's age ("3 years 2 months") or as
a date from a record; both become months of age, the unit of the case file, by the age
rule of clinical-model.md (`rootmap.core.ages.age_in_months`). An event's end is the
first month it no longer covers; an end equal to the onset is a one-off event, which
covers its onset month (a case file may also write it as onset + 1).

>>> months_from_age(years=3, months=2)
38
>>> covered_until(onset=20, end=20)
21
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rootmap.core.ages import age_in_months, age_in_words

EARLIEST_ONSET = -9  # conception, in months relative to birth


def months_from_age(*, years: int, months: int) -> int:
    """An age in years and months as months of age (months may be -9..-1 before birth)."""
    return 12 * years + months


def months_at_date(*, birth_date: date, on: date) -> int:
    """The client's age in completed months on a date (negative before birth)."""
    return age_in_months(birth_date, on)


def covered_until(*, onset: int, end: int | None) -> int | None:
    """The first month an event no longer covers: a one-off (end == onset) covers its onset."""
    if end is None:
        return None
    return max(end, onset + 1)


def overlaps(*, onset: int, end: int | None, start: int, stop: int) -> bool:
    """Whether an event shares a month with the months [start, stop)."""
    until = covered_until(onset=onset, end=end)
    return onset <= stop - 1 and (until is None or until > start)


def months_in_words(months: int) -> str:
    """Months of age as a clinician reads them, with the months beside years.

    >>> months_in_words(-2), months_in_words(10), months_in_words(38)
    ('2 months before birth', '10 months', '3 years 2 months (38 months)')
    """
    if months < 0:
        return f"{-months} month{'s' if months != -1 else ''} before birth"
    words = age_in_words(months)
    return words if months < 24 else f"{words} ({months} months)"


@dataclass(frozen=True)
class TimingProblem:
    field: str    # "onset_months" or "end_months"
    message: str


def timing_problems(*, onset: int, end: int | None, current_age: int) -> list[TimingProblem]:
    """What is wrong with an event's timing for a client who is `current_age` months old now.

    An event cannot begin after today (the client's current age) or before conception,
    and cannot end before it began; ending in its onset month (a one-off) is fine.
    """
    problems = []
    if onset < EARLIEST_ONSET:
        problems.append(TimingProblem(
            "onset_months", f"{months_in_words(onset)} is earlier than 9 months before birth"))
    elif onset > current_age:
        problems.append(TimingProblem(
            "onset_months",
            f"{months_in_words(onset)} is after the client's current age, {months_in_words(current_age)}"))
    if end is not None and end < onset:
        problems.append(TimingProblem(
            "end_months",
            f"{months_in_words(end)} is before the onset, {months_in_words(onset)}; "
            "for a one-off event give the same age as the onset"))
    return problems
