"""The caregiver challenge estimator, worked by hand (clinical-model.md section 7)."""

from __future__ import annotations

from datetime import date

import pytest

from rootmap.core.caregiving import prefill_challenge, score_household, what_if
from rootmap.core.case import parse_case, parse_household
from rootmap.core.problems import CaseFileError
from rootmap.core.schedule import follow_up_status
from rootmap.core.scoring import score_case
from tests.factories import (
    CHALLENGE,
    DOMAIN_ITEMS,
    INTERNAL,
    all_items,
    assessment,
    case,
    household,
)


def test_reserve_is_resources_minus_half_the_summed_challenge() -> None:
    # internal 3 -> 75; external 2 -> 50; resources 62.5
    # child 30 months, all 2: 50 * 1.15 = 57.5; child 10 months, all 4: 100 * 1.3 = 130 (the cap)
    # demand = .5 * (57.5 + 130) = 93.75; reserve = 62.5 - 93.75 = -31.25 -> depleted
    result = score_household(parse_household(household(3, 2, [(30, 2), (10, 4)])))
    assert (result.internal, result.external, result.resources) == (75.0, 50.0, 62.5)
    assert [c.challenge for c in result.children] == [pytest.approx(57.5), pytest.approx(130.0)]
    assert result.demand == pytest.approx(93.75)
    assert result.reserve == pytest.approx(-31.25)
    assert result.reserve_band == "depleted"


@pytest.mark.parametrize(
    ("age", "factor"),
    [(0, 1.3), (23, 1.3), (24, 1.15), (71, 1.15), (72, 1.0), (155, 1.0), (156, 1.1), (250, 1.1)],
)
def test_the_age_factor_changes_at_the_model_s_boundaries(age: int, factor: float) -> None:
    result = score_household(parse_household(household(2, 2, [(age, 2)])))
    assert result.children[0].age_factor == factor
    assert result.children[0].challenge == pytest.approx(min(50 * factor, 130))


@pytest.mark.parametrize(
    ("internal", "external", "children", "reserve", "band"),
    [
        (4, 4, [], 100.0, "strong"),
        (2, 2, [(100, 2)], 25.0, "strong"),       # 50 - .5*50 = 25: the lower bound counts
        (2, 2, [(100, 3)], 12.5, "adequate"),     # 50 - .5*75
        (2, 2, [(100, 4)], 0.0, "adequate"),      # 50 - .5*100
        (1, 2, [(100, 4)], -12.5, "strained"),    # 37.5 - 50
        (1, 1, [(100, 4)], -25.0, "strained"),    # 25 - 50
        (0, 1, [(100, 4)], -37.5, "depleted"),    # 12.5 - 50
    ],
)
def test_reserve_bands_include_their_lower_bound(internal, external, children, reserve, band) -> None:
    result = score_household(parse_household(household(internal, external, children)))
    assert result.reserve == pytest.approx(reserve)
    assert result.reserve_band == band


def test_too_few_rated_items_leave_the_reserve_unknown() -> None:
    data = household(3, 3, [(100, 2)])
    for item in INTERNAL[:3]:
        data["internal"][item] = None
    result = score_household(parse_household(data))
    assert result.internal is None and result.resources is None and result.reserve is None
    assert result.reserve_band is None


def test_what_if_adds_a_child_or_raises_resources_without_changing_the_household() -> None:
    base = parse_household(household(2, 2, [(100, 2)]))  # 50 - 25 = 25
    with_child = what_if(base, add_children=[{"age_months": 12, "challenge": dict.fromkeys(CHALLENGE, 2)}])
    # the infant adds .5 * 50 * 1.3 = 32.5 demand: 25 - 32.5 = -7.5
    assert with_child.reserve == pytest.approx(-7.5)
    with_respite = what_if(base, raise_resources={"respite_childcare": 4, "health_energy": 4})
    # internal (5*2 + 4)/6 = 14/6 -> 58.33; external the same -> resources 58.33; reserve 33.33
    assert with_respite.reserve == pytest.approx(100 * 14 / 24 - 25)
    assert score_household(base).reserve == pytest.approx(25.0)
    with pytest.raises(CaseFileError, match=r"internal\.hope: is not a known field"):
        what_if(base, raise_resources={"hope": 3})
    with pytest.raises(CaseFileError, match=r"children\[1\].age_months: -2 is below the minimum 0"):
        what_if(base, add_children=[{"age_months": -2}])


def test_challenge_is_prefilled_from_an_assessment_rounding_half_up() -> None:
    ratings = all_items(4)
    # self-regulation: 4 items at 1, 4 at 4 -> (4*25 + 4*100)/8 = 62.5 -> 4*(1-.625) = 1.5 -> 2
    ratings.update(dict.fromkeys(DOMAIN_ITEMS["self_regulation"][:4], 1))
    # relational all 2 -> 50; behavioural from mean(62.5, 50) = 56.25 -> 4*.4375 = 1.75 -> 2
    ratings.update(dict.fromkeys(DOMAIN_ITEMS["relational"], 2))
    # cognitive all 4 -> 100 -> 0
    ratings.update(sleep=1, feeding_appetite=2)  # 4 - 1.5 = 2.5 -> 3
    result = score_case(parse_case(case(assessment(functioning=ratings))))
    assert prefill_challenge(result) == {
        "behavioural": 2, "emotional_regulation": 2, "medical_physical": None,
        "developmental_learning": 0, "sleep_feeding": 3, "supervision_safety": None,
    }


@pytest.mark.parametrize(
    ("assessments", "today", "next_due", "overdue"),
    [
        ([], date(2025, 1, 1), None, False),
        ([("er", date(2025, 1, 1))], date(2025, 1, 1), None, False),
        ([("full", date(2025, 1, 31))], date(2025, 7, 31), date(2025, 7, 31), False),  # 6 months
        ([("full", date(2025, 1, 31))], date(2025, 8, 1), date(2025, 7, 31), True),
        ([("full", date(2025, 1, 1)), ("follow_up", date(2025, 7, 1))], date(2025, 8, 1), date(2026, 1, 1), False),
        # an er snapshot does not reset the schedule
        ([("full", date(2025, 1, 1)), ("follow_up", date(2025, 7, 1)), ("er", date(2025, 9, 1))],
         date(2025, 10, 1), date(2026, 1, 1), False),
        # after 6 and 12 months, every 12 months: 24, 36
        ([("full", date(2025, 1, 1)), ("follow_up", date(2025, 7, 1)), ("follow_up", date(2026, 1, 1))],
         date(2026, 2, 1), date(2027, 1, 1), False),
        ([("full", date(2025, 1, 1)), ("follow_up", date(2025, 7, 1)), ("follow_up", date(2026, 1, 1)),
          ("follow_up", date(2027, 1, 1))], date(2028, 1, 2), date(2028, 1, 1), True),
    ],
)
def test_follow_ups_fall_due_at_6_and_12_months_then_yearly(assessments, today, next_due, overdue) -> None:
    status = follow_up_status(assessments, today)
    assert (status.next_due, status.overdue) == (next_due, overdue)
