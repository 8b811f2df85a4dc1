"""Ages in completed months and month arithmetic on dates."""

from __future__ import annotations

import calendar
from datetime import date


def age_in_months(birth_date: date, on: date) -> int:
    """Completed months between two dates (negative when `on` is before the birth date).

    >>> age_in_months(date(2020, 1, 31), date(2020, 2, 28))
    0
    >>> age_in_months(date(2020, 1, 15), date(2021, 1, 15))
    12
    """
    months = 12 * (on.year - birth_date.year) + (on.month - birth_date.month)
    if on.day < birth_date.day:
        months -= 1
    return months


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def age_in_words(months: int) -> str:
    """Completed months as words: '9 months', '3 years 2 months' (months up to 2 years)."""
    if months < 24:
        return f"{months} month" + ("" if months == 1 else "s")
    years, rest = divmod(months, 12)
    text = f"{years} years"
    if rest:
        text += f" {rest} month" + ("" if rest == 1 else "s")
    return text
