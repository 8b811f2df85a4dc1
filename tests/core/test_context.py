"""The client context's rules: each field's check, and placements that follow each other."""

from __future__ import annotations

import datetime as dt

import pytest

from rootmap.core.case import parse_case
from rootmap.core.context import (
    ClientContext,
    context_json,
    current_placement,
    gender_text,
    legal_status_text,
    parse_context,
    placements_in_order,
)
from rootmap.core.problems import CaseFileError

BIRTH = dt.date(2015, 11, 8)


def problems(data, **kwargs) -> list[str]:
    with pytest.raises(CaseFileError) as caught:
        parse_context(data, **kwargs)
    return [str(p) for p in caught.value.problems]


def test_nothing_recorded_is_valid_and_stored_as_nothing() -> None:
    assert context_json(parse_context({})) == {}
    assert context_json(parse_context({"sex": "not_recorded", "gender": "not_recorded"})) == {}


@pytest.mark.parametrize(("field", "value"), [
    ("sex", "unknown"), ("gender", "female"), ("legal_status", "ward"), ("interpreter_needed", "maybe"),
])
def test_a_choice_outside_its_list_is_refused_naming_the_field(field, value) -> None:
    found = problems({field: value})
    assert len(found) == 1 and found[0].startswith(f"{field}: ")


def test_text_fields_have_limits_and_refuse_control_characters() -> None:
    assert problems({"school": "x" * 201})[0].startswith("school: ")
    assert problems({"cultural_notes": "a\x00b"})[0].startswith("cultural_notes: ")
    assert parse_context({"cultural_notes": "Line one\nline two"}).cultural_notes == "Line one\nline two"


def test_contacts_need_a_name_and_a_kind_and_check_phone_and_email() -> None:
    assert problems({"contacts": [{"kind": "caregiver"}]}) == ["contacts[0].name: is required but missing"]
    assert problems({"contacts": [{"name": "Jo", "kind": "friend"}]})[0].startswith("contacts[0].kind: ")
    found = problems({"contacts": [{"name": "Jo", "kind": "caregiver", "email": "jo.example.org",
                                    "phone": "call me"}]})
    assert [p.split(":")[0] for p in found] == ["contacts[0].phone", "contacts[0].email"]
    ok = parse_context({"contacts": [{"name": " Jo Reyes ", "kind": "caregiver", "email": "jo@example.org",
                                      "phone": "+44 (0)20 7946-0000"}]})
    assert ok.contacts[0].name == "Jo Reyes"


def test_an_end_before_its_start_is_refused_on_the_end_of_that_row() -> None:
    found = problems({"placements": [
        {"type": "kinship", "start": "2019-01-01", "end": "2019-06-01"},
        {"type": "foster", "start": "2021-03-01", "end": "2020-01-01"},
    ]})
    assert found == ["placements[1].end: 2020-01-01 is before its start 2021-03-01; "
                     "expected the same date or later"]


def test_overlapping_placements_are_refused_on_the_later_one_naming_the_earlier() -> None:
    found = problems({"placements": [
        {"type": "foster", "start": "2022-05-01"},                       # open: current
        {"type": "kinship", "start": "2020-01-01", "end": "2022-06-01"},  # ends after foster began
    ]})
    assert found == ["placements[0].start: 2022-05-01 overlaps placements[1] (kinship care, 2020-01-01 to "
                     "2022-06-01); a placement starts on or after the previous one's end"]


def test_two_open_placements_are_refused() -> None:
    found = problems({"placements": [
        {"type": "birth_family", "start": "2015-11-08"},
        {"type": "foster", "start": "2020-01-01"},
    ]})
    assert "placements[1].end: is empty, as is placements[0]'s" in found[0]
    assert len(found) == 2 and found[1].startswith("placements[1].start: 2020-01-01 overlaps placements[0]")


def test_a_move_on_the_same_day_is_fine_and_the_open_one_is_current() -> None:
    ctx = parse_context({"placements": [
        {"type": "foster", "start": "2020-02-01"},
        {"type": "birth_family", "start": "2015-11-08", "end": "2020-02-01"},
    ]}, birth_date=BIRTH, today=dt.date(2026, 1, 1))
    assert current_placement(ctx).type == "foster"
    assert [p.type for p in placements_in_order(ctx)] == ["birth_family", "foster"]


def test_dates_before_birth_or_in_the_future_are_refused() -> None:
    found = problems({"placements": [{"type": "foster", "start": "2014-01-01", "end": "2027-01-01"}]},
                     birth_date=BIRTH, today=dt.date(2026, 1, 1))
    assert found == ["placements[0].start: 2014-01-01 is before the birth date 2015-11-08",
                     "placements[0].end: 2027-01-01 is in the future; expected 2026-01-01 or earlier"]


def test_words_for_another_choice_are_refused() -> None:
    assert problems({"gender": "girl", "gender_description": "fluid"})[0].startswith("gender_description: ")
    assert problems({"legal_status": "care_order", "legal_status_other": "s.20"})[0].startswith(
        "legal_status_other: ")
    ctx = parse_context({"gender": "self_described", "gender_description": "genderfluid",
                         "legal_status": "other", "legal_status_other": "Section 20"})
    assert (gender_text(ctx), legal_status_text(ctx)) == ("genderfluid", "Other: Section 20")


def test_the_case_file_checks_the_context_with_the_clients_birth_date() -> None:
    case = {"format": "rootmap-case/1", "client": {"id": "C-1", "birth_date": "2015-11-08", "context": {
        "placements": [{"type": "foster", "start": "2010-01-01"}], "sex": "female"}}}
    with pytest.raises(CaseFileError) as caught:
        parse_case(case)
    assert [str(p) for p in caught.value.problems] == [
        "client.context.placements[0].start: 2010-01-01 is before the birth date 2015-11-08"]
    case["client"]["context"]["placements"][0]["start"] = "2016-01-01"
    assert parse_case(case).client.context == ClientContext(
        sex="female", placements=[{"type": "foster", "start": dt.date(2016, 1, 1)}])
