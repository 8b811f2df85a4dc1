"""Adverse events as entered: ages or dates to months of age, and the timing rules."""

from datetime import date

import pytest

from rootmap.core.case import parse_case
from rootmap.core.events import months_at_date, months_from_age, months_in_words, timing_problems
from rootmap.core.problems import CaseFileError
from tests.factories import case, event


@pytest.mark.parametrize(("years", "months", "expected"), [(0, 0, 0), (3, 2, 38), (0, -9, -9), (20, 11, 251)])
def test_an_age_in_years_and_months_is_months_of_age(years: int, months: int, expected: int) -> None:
    assert months_from_age(years=years, months=months) == expected


@pytest.mark.parametrize(("on", "expected"), [
    (date(2016, 2, 8), 3),    # 12 * 1 + (2 - 11) = 3
    (date(2016, 2, 7), 2),    # a day before the birth day: one month less
    (date(2015, 9, 1), -3),   # before birth: -2, one less as 1 < 8
    (date(2015, 11, 8), 0),
])
def test_a_date_is_the_age_in_completed_months_on_it(on: date, expected: int) -> None:
    assert months_at_date(birth_date=date(2015, 11, 8), on=on) == expected


def test_an_onset_after_the_current_age_is_a_problem_of_the_onset() -> None:
    problems = timing_problems(onset=51, end=None, current_age=50)
    assert [p.field for p in problems] == ["onset_months"]
    assert problems[0].message == ("4 years 3 months (51 months) is after the client's current age, "
                                   "4 years 2 months (50 months)")
    assert timing_problems(onset=50, end=None, current_age=50) == []


def test_a_one_off_event_ending_at_its_onset_is_fine_and_an_end_before_it_is_not() -> None:
    assert timing_problems(onset=20, end=20, current_age=100) == []
    problems = timing_problems(onset=20, end=19, current_age=100)
    assert [p.field for p in problems] == ["end_months"]
    assert "before the onset" in problems[0].message


def test_an_onset_before_conception_is_a_problem() -> None:
    assert [p.field for p in timing_problems(onset=-10, end=None, current_age=5)] == ["onset_months"]


def test_months_read_as_a_clinician_reads_them() -> None:
    assert [months_in_words(m) for m in (-1, -3, 1, 23, 24, 38)] == [
        "1 month before birth", "3 months before birth", "1 month", "23 months",
        "2 years (24 months)", "3 years 2 months (38 months)"]


def _case(events: list[dict]) -> dict:
    return case(birth="2015-11-08", events=events)


def test_a_case_file_accepts_a_one_off_event_and_refuses_an_end_before_the_onset() -> None:
    one_off = event("medical_trauma", onset=20, end=20, severity=3)
    assert parse_case(_case([one_off])).events[0].end_months == 20
    with pytest.raises(CaseFileError, match=r"events\[0\]\.end_months: 19 must not be before onset_months 20"):
        parse_case(_case([{**one_off, "end_months": 19}]))
