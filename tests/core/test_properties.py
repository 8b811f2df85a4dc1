"""Properties of the scoring engine that must hold for every input (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rootmap.core.case import Event, parse_case
from rootmap.core.scoring import derive_adversity, score_case
from tests.factories import INSTRUMENT, ITEMS, assessment, birth_for, case

rating = st.one_of(st.none(), st.integers(0, 5))
relational_rating = st.one_of(st.none(), st.integers(0, 4))
ages = st.integers(0, 251)


@st.composite
def functioning_cases(draw):
    age = draw(ages)
    ratings = {i.id: draw(rating) for i in ITEMS if i.min_age_months <= age}
    relational = {i: draw(relational_rating) for i in INSTRUMENT.relational_item_ids}
    return age, ratings, relational


def score_of(age: int, ratings: dict, relational: dict | None = None):
    return score_case(parse_case(case(assessment(functioning=ratings, relational=relational or {}),
                                      birth=birth_for(age))))


@settings(max_examples=150, deadline=None)
@given(functioning_cases())
def test_indices_stay_between_0_and_100(sample) -> None:
    age, ratings, relational = sample
    result = score_of(age, ratings, relational)
    values = [d.index for d in result.domains.values()] + [result.functioning_index, result.relational_health,
                                                          result.resilience]
    assert all(0 <= v <= 100 for v in values if v is not None)


@settings(max_examples=150, deadline=None)
@given(functioning_cases(), st.data())
def test_lowering_a_rating_never_raises_an_index(sample, data) -> None:
    age, ratings, _ = sample
    rated = [i for i, r in ratings.items() if r is not None and r > 0]
    if not rated:
        return
    item = data.draw(st.sampled_from(rated))
    lower = data.draw(st.integers(0, ratings[item] - 1))
    before = score_of(age, ratings)
    after = score_of(age, {**ratings, item: lower})
    for domain in INSTRUMENT.domain_ids:
        b, a = before.domains[domain].index, after.domains[domain].index
        if b is not None and a is not None:
            assert a <= b
    if before.functioning_index is not None and after.functioning_index is not None:
        assert after.functioning_index <= before.functioning_index


@settings(max_examples=150, deadline=None)
@given(functioning_cases())
def test_unknown_ratings_are_reported_never_guessed(sample) -> None:
    age, ratings, relational = sample
    result = score_of(age, ratings, relational)
    for domain, item_ids in INSTRUMENT.items_by_domain.items():
        expected = [i for i in item_ids if i in ratings]
        rated = [i for i in expected if ratings[i] is not None]
        status = result.domains[domain].status
        if not expected:
            assert status == "not_expected"
        elif len(rated) * 2 < len(expected):
            assert status == "insufficient" and result.domains[domain].index is None
            assert result.functioning_index is None
        else:
            assert status == "ok"
    rated_relational = [r for r in relational.values() if r is not None]
    assert (result.relational_health is None) == (len(rated_relational) < 4)
    assert set(result.ratings) == set(ratings)  # not-expected items are never scored


@settings(max_examples=300, deadline=None)
@given(st.integers(-9, 251), st.one_of(st.none(), st.integers(-8, 252)), st.integers(1, 4))
def test_an_event_overlaps_a_period_exactly_when_they_share_a_month(onset, end, severity) -> None:
    if end is not None and end < onset:
        end = onset + 1
    event = Event(category="neglect", onset_months=onset, end_months=end, severity=severity)
    for period in INSTRUMENT.periods:
        # months the event covers and months in the period, as sets: an independent statement of the rule
        # (a one-off event, end == onset, covers its onset month)
        event_months = {onset} if end == onset else set(range(onset, (end if end is not None else 300)))
        period_months = set(range(period.start, period.end))
        shares_a_month = bool(event_months & period_months)
        derived = derive_adversity(INSTRUMENT, [event], period.start, period.end)
        assert (derived is not None) == shares_a_month
        if derived is not None:
            assert derived == severity


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 251), st.data())
def test_only_reached_periods_can_be_rated(age, data) -> None:
    period = data.draw(st.sampled_from(INSTRUMENT.periods))
    data_case = case(assessment(history={period.id: {"adversity": 1, "relational_health": 2}}), birth=birth_for(age))
    if age >= period.start:
        assert period.id in score_case(parse_case(data_case)).period_risk
    else:
        try:
            parse_case(data_case)
        except ValueError as error:
            assert f"history.{period.id}" in str(error)
        else:
            raise AssertionError("a period not yet reached was accepted")


REGION_ORDER = [r.domain for r in INSTRUMENT.regions]  # bottom-up


@settings(max_examples=200, deadline=None)
@given(functioning_cases())
def test_maintain_needs_every_expected_domain_judged_and_undetermined_names_the_short_ones(sample) -> None:
    age, ratings, relational = sample
    result = score_of(age, ratings, relational)
    statuses = {d: result.domains[d].status for d in REGION_ORDER}
    if result.phase == "maintain":
        assert all(s != "insufficient" for s in statuses.values())
    if result.phase == "undetermined":
        assert result.entry_region is None and result.plan.phases == ()
        assert result.plan.missing_information
        assert set(result.plan.missing_information) == {d for d, s in statuses.items() if s == "insufficient"}
    if result.entry_region is not None:
        # Every region below the entry region was judged (or not expected yet).
        entry_domain = next(r.domain for r in INSTRUMENT.regions if r.id == result.entry_region)
        below = REGION_ORDER[: REGION_ORDER.index(entry_domain)]
        assert all(statuses[d] != "insufficient" for d in below)
    # No assessment with a domain too sparsely rated to judge, and nothing compromised
    # below it, ever reads as well.
    if any(s == "insufficient" for s in statuses.values()):
        assert result.phase != "maintain"
