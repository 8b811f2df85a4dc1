from datetime import date

import pytest

from rootmap.core.ages import add_months, age_in_months


@pytest.mark.parametrize(
    ("birth", "on", "months"),
    [
        (date(2020, 1, 31), date(2020, 2, 28), 0),   # the model's own example
        (date(2020, 1, 31), date(2020, 2, 29), 0),   # leap day is still before the 31st
        (date(2020, 1, 15), date(2020, 2, 15), 1),   # same day of month completes the month
        (date(2020, 1, 15), date(2021, 1, 14), 11),  # 12 - 1: a day short
        (date(2020, 1, 15), date(2021, 1, 15), 12),
        (date(2016, 4, 11), date(2025, 2, 3), 105),  # 12*9 + (2-4) = 106, minus 1 as 3 < 11
        (date(2020, 5, 1), date(2020, 5, 1), 0),
        (date(2020, 5, 2), date(2020, 5, 1), -1),    # before birth is negative, never 0
    ],
)
def test_age_is_completed_months(birth: date, on: date, months: int) -> None:
    assert age_in_months(birth, on) == months


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 15), 12, date(2026, 3, 15)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
