"""The shared rules of rootmap.core: display numbers, coverage by age, bands, change labels,
single-field checks. Expected values are worked out by hand from clinical-model.md."""

from __future__ import annotations

import datetime as dt

import pytest

from rootmap.core.bands import band, band_ranges, index_band, item_band, relational_band, reserve_band, risk_band
from rootmap.core.change import change_label, delta
from rootmap.core.coverage import (
    domain_coverage,
    items_expected,
    items_not_expected,
    periods_not_reached,
    periods_reached,
    relational_coverage,
)
from rootmap.core.display import PLACEHOLDER, number, signed_change
from rootmap.core.fields import FieldProblem, age_conflicts, check_field, date_problem, field_problem
from rootmap.instruments import load_instrument

INSTRUMENT = load_instrument("1")
MINUS = "\u2212"


# --- display ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "shown"), [
    (43.75, "43.8"),            # an exact half rounds up
    (0.25, "0.3"),              # f"{0.25:.1f}" is "0.2" (half to even); shown as 0.3
    (81.25, "81.3"),
    (81.24999999999999, "81.3"),  # float noise of a computed 81.25 still rounds as 81.25
    (81.249, "81.2"),
    (75.0, "75.0"),
    (100.0, "100.0"),
    (0.0, "0.0"),
    (-0.04, "0.0"),             # never "-0.0"
    (-12.25, f"{MINUS}12.3"),   # half away from zero, with a real minus sign
    (66.66666666666667, "66.7"),
    (None, PLACEHOLDER),
])
def test_number_rounds_half_up_to_one_decimal(value: float | None, shown: str) -> None:
    assert number(value) == shown


def test_the_placeholder_is_an_en_dash() -> None:
    assert PLACEHOLDER == "\u2013"


@pytest.mark.parametrize(("before", "after", "shown"), [
    (43.75, 75.0, "+31.2"),      # printed 43.8 and 75.0: the change printed is 75.0 - 43.8
    (75.0, 43.75, f"{MINUS}31.2"),
    (56.0, 52.96, f"{MINUS}3.0"),  # printed 56.0 and 53.0
    (50.0, 50.04, "0.0"),
    (10.0, 10.0, "0.0"),
    (-5.0, 5.0, "+10.0"),
    (None, 3.0, PLACEHOLDER),
    (3.0, None, PLACEHOLDER),
])
def test_a_signed_change_is_the_difference_of_the_printed_values(before, after, shown) -> None:
    assert signed_change(before, after) == shown


# --- coverage ----------------------------------------------------------------------------

def test_periods_are_reached_at_their_start() -> None:
    # Starts: perinatal -9, infancy 2, early_childhood 12, childhood 48, adolescence 144.
    assert [p.id for p in periods_reached(INSTRUMENT, 0)] == ["perinatal"]
    assert [p.id for p in periods_reached(INSTRUMENT, 1)] == ["perinatal"]
    assert [p.id for p in periods_reached(INSTRUMENT, 2)] == ["perinatal", "infancy"]
    assert [p.id for p in periods_reached(INSTRUMENT, 143)][-1] == "childhood"
    assert [p.id for p in periods_reached(INSTRUMENT, 144)][-1] == "adolescence"
    assert [p.id for p in periods_not_reached(INSTRUMENT, 47)] == ["childhood", "adolescence"]


def test_items_are_expected_from_their_minimum_age() -> None:
    # Items with a minimum age: receptive_language 6; attunement_empathy, social_cues,
    # expressive_language 12; peer_play, concrete_reasoning, impulse_control 24;
    # executive_function 36; self_reflection, academic_skills 60; abstract_reasoning 84.
    assert len(items_expected(INSTRUMENT, 5)) == 32 - 11
    assert len(items_expected(INSTRUMENT, 6)) == 32 - 10
    assert len(items_expected(INSTRUMENT, 24)) == 32 - 4
    assert [i.id for i in items_not_expected(INSTRUMENT, 83)] == ["abstract_reasoning"]
    assert items_not_expected(INSTRUMENT, 84) == ()


def test_domain_coverage_names_what_is_unrated_and_applies_the_half_rule() -> None:
    # At 18 months the relational domain expects 7 items (peer_play is from 24 months).
    # 3 rated of 7 is below half (3.5): insufficient; the cognitive domain expects
    # receptive and expressive language only, 1 of 2 rated is half: sufficient.
    ratings = {"attachment_security": 3, "affect_regulation": 2, "reward_pleasure": 4,
               "receptive_language": 3, "peer_play": None}
    cover = {c.domain: c for c in domain_coverage(INSTRUMENT, 18, ratings)}
    relational = cover["relational"]
    assert (relational.expected, relational.rated, relational.insufficient) == (7, 3, True)
    assert "Peer play" not in " ".join(relational.unrated)
    assert len(relational.unrated) == 4
    cognitive = cover["cognitive"]
    assert (cognitive.expected, cognitive.rated, cognitive.insufficient) == (2, 1, False)
    assert cover["sensory_integration"].insufficient  # 0 of 8


def test_a_domain_with_no_expected_item_is_not_expected_not_insufficient() -> None:
    # At 0 months, no cognitive item is expected (receptive language starts at 6).
    cognitive = next(c for c in domain_coverage(INSTRUMENT, 0, {}) if c.domain == "cognitive")
    assert cognitive.not_expected and not cognitive.insufficient


def test_relational_health_needs_four_rated_items() -> None:
    three = {"caregiver_connection": 2, "home_stability": 1, "kin_connection": 0}
    assert relational_coverage(INSTRUMENT, three).insufficient
    four = {**three, "peer_connection": 4}
    assert not relational_coverage(INSTRUMENT, four).insufficient
    assert relational_coverage(INSTRUMENT, four).rated == 4


# --- bands -------------------------------------------------------------------------------

@pytest.mark.parametrize(("scale", "value", "expected"), [
    ("risk", 24.99, "low"), ("risk", 25.0, "moderate"), ("risk", 74.99, "high"), ("risk", 75.0, "very_high"),
    ("index", 87.5, "typical"), ("index", 87.49, "mild"), ("index", 62.5, "mild"),
    ("index", 37.5, "moderate"), ("index", 37.49, "severe"),
    ("relational", 75.0, "strong"), ("relational", 50.0, "adequate"), ("relational", 25.0, "limited"),
    ("relational", 24.9, "impoverished"),
    ("reserve", 25.0, "strong"), ("reserve", 0.0, "adequate"), ("reserve", -0.1, "strained"),
    ("reserve", -25.0, "strained"), ("reserve", -25.1, "depleted"),
    ("item", 5, "typical"), ("item", 4, "typical"), ("item", 3, "mild"), ("item", 2, "moderate"),
    ("item", 1, "severe"), ("item", 0, "severe"),
])
def test_every_band_at_its_boundaries(scale, value, expected) -> None:
    assert band(INSTRUMENT, scale, value) == expected


def test_the_named_band_functions_agree_and_none_has_no_band() -> None:
    assert risk_band(INSTRUMENT, 50.0) == "high"
    assert index_band(INSTRUMENT, 75.0) == "mild"
    assert relational_band(INSTRUMENT, None) is None
    assert reserve_band(INSTRUMENT, 30.0) == "strong"
    assert item_band(INSTRUMENT, None) is None
    with pytest.raises(KeyError, match="unknown scale"):
        band(INSTRUMENT, "colour", 1.0)  # type: ignore[arg-type]


def test_band_ranges_run_from_low_to_high_values() -> None:
    assert [(r.band, r.low, r.high) for r in band_ranges(INSTRUMENT, "index")] == [
        ("severe", None, 37.5), ("moderate", 37.5, 62.5), ("mild", 62.5, 87.5), ("typical", 87.5, None)]
    assert [(r.band, r.low, r.high) for r in band_ranges(INSTRUMENT, "reserve")] == [
        ("depleted", None, -25.0), ("strained", -25.0, 0.0), ("adequate", 0.0, 25.0), ("strong", 25.0, None)]


# --- change labels: "10 points or more" --------------------------------------------------

@pytest.mark.parametrize(("before", "after", "label"), [
    (50.0, 60.0, "improved"),    # exactly 10 counts
    (50.0, 59.9, "stable"),      # 9.9 does not
    (50.0, 60.1, "improved"),
    (60.0, 50.0, "declined"),    # exactly -10
    (60.0, 50.1, "stable"),      # -9.9
    (60.0, 49.9, "declined"),    # -10.1
    (60.1, 70.1, "improved"),    # 9.999999999999993 in floating point, 10 in arithmetic
    (0.0, 0.0, "stable"),
])
def test_the_ten_point_boundary(before, after, label) -> None:
    assert change_label(INSTRUMENT, before, after) == label


@pytest.mark.parametrize(("before", "after", "label"), [
    (60.0, 50.0, "improved"),    # risk down by exactly 10 is better
    (60.0, 50.1, "stable"),      # down 9.9
    (60.0, 49.9, "improved"),    # down 10.1
    (50.0, 60.0, "declined"),    # risk up by exactly 10 is worse
    (50.0, 59.9, "stable"),
    (50.0, 60.1, "declined"),
])
def test_risk_labels_are_inverted_at_the_same_boundary(before, after, label) -> None:
    assert change_label(INSTRUMENT, before, after, higher_is_better=False) == label


def test_a_delta_keeps_the_unrounded_difference_and_none_when_a_side_is_unknown() -> None:
    d = delta(INSTRUMENT, 43.75, 75.0)
    assert (d.delta, d.label) == (31.25, "improved")
    assert delta(INSTRUMENT, None, 75.0).label is None


# --- single-field checks -----------------------------------------------------------------

@pytest.mark.parametrize(("path", "raw", "age", "message"), [
    ("functioning.sleep", "7", 100, "7 is above the maximum 5"),
    ("functioning.sleep", "-1", 100, "-1 is below the minimum 0"),
    ("functioning.sleep", "two", 100, "expected a whole number from 0 to 5, got 'two'"),
    ("functioning.sleep", 2.5, 100, "expected a whole number from 0 to 5, got 2.5"),
    ("relational.home_stability", 5, 100, "5 is above the maximum 4"),
    ("history.perinatal.adversity", "9", 100, "9 is above the maximum 4"),
    ("functioning.peer_play", 2, 18,
     "2 given, but the item is not expected before 24 months and the client is 18 months old; leave it unrated"),
    ("history.adolescence.adversity", 2, 143,
     "2 given, but the period is not reached yet (it starts at 144 months and the client is 143 months old); "
     "leave it unrated"),
    ("functioning.no_such_item", 2, 100, "no such functioning item in instrument 1"),
    ("history.nowhere.adversity", 2, 100, "no such developmental period"),
    ("colour", 2, 100, "'colour' is not a rating of an assessment"),
])
def test_field_problem_gives_the_message_without_the_label(path, raw, age, message) -> None:
    assert field_problem(INSTRUMENT, path, raw, age_months=age) == message


def test_check_field_cleans_what_is_allowed() -> None:
    assert check_field(INSTRUMENT, "functioning.peer_play", "3", age_months=24) == 3
    assert check_field(INSTRUMENT, "history.adolescence.relational_health", 4, age_months=144) == 4
    assert check_field(INSTRUMENT, "functioning.sleep", " ", age_months=1) is None
    assert check_field(INSTRUMENT, "trigger", "loss", age_months=100, kind="er") == "loss"
    with pytest.raises(FieldProblem) as error:
        check_field(INSTRUMENT, "history.infancy.adversity", 1, age_months=100, kind="er")
    assert error.value.path == "history.infancy.adversity"
    assert "no developmental history" in error.value.message
    assert field_problem(INSTRUMENT, "trigger", "loss", age_months=100, kind="full") == (
        "only a Rapid (ER) snapshot has a trigger")


def test_date_problems_and_age_conflicts() -> None:
    birth = dt.date(2020, 3, 31)
    assert date_problem(INSTRUMENT, birth, dt.date(2020, 3, 30)) == (
        "2020-03-30 is before the client's birth date 2020-03-31")
    # 2041-03-31 is 252 completed months after 2020-03-31; supported ages end at 251.
    assert date_problem(INSTRUMENT, birth, dt.date(2041, 3, 31)) == (
        "the client is 252 months old on 2041-03-31; supported ages are 0 to 251 months")
    assert date_problem(INSTRUMENT, birth, dt.date(2041, 3, 30)) is None
    assert "is in the future" in (date_problem(INSTRUMENT, birth, dt.date(2025, 1, 2),
                                               today=dt.date(2025, 1, 1)) or "")
    assert age_conflicts(INSTRUMENT, 23, {"peer_play": 1, "concrete_reasoning": None}) == (
        "Peer play (expected from 24 months)",)
