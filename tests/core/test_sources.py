"""Informant roles from the instrument's list, free-text roles of older case files, the
hours by activity and their limits, and the report section that sums them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from rootmap.core.case import CaseFileError, parse_case
from rootmap.core.scoring import score_history
from rootmap.core.sources import about_hours, family_role_words, hours_summary, role_of
from rootmap.instruments import load_instrument
from rootmap.render.report import report_html

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "school-age-foster.json"
V1 = load_instrument("1")


@pytest.mark.parametrize(("text", "role", "description"), [
    ("teacher", "teacher", ""),
    ("Teacher", "teacher", ""),
    ("Caregiver or foster parent", "caregiver", ""),
    ("Foster mother", "caregiver", "Foster mother"),
    ("child", "youth", "child"),
    ("young person", "youth", "young person"),
    ("relative", "kin", "relative"),
    ("Speech therapist", "therapist", "Speech therapist"),
    ("coach", "other", "coach"),
    ("foster grandmother", "other", "foster grandmother"),  # two roles' words: not guessed
    ("other", "other", ""),
])
def test_free_text_roles_are_read_as_a_role_keeping_the_words(text: str, role: str, description: str) -> None:
    assert role_of(V1, text) == (role, description)


def _case() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text("utf-8"))


def test_an_old_case_file_imports_with_its_roles_mapped_and_words_kept() -> None:
    data = _case()
    data["assessments"][0]["informants"] = [
        {"role": "coach", "name": "Pat", "hours": 1},
        {"role": "foster carer", "name": "Jo", "description": "lives nearby"},
        {"role": "parent", "name": "Ann"},
    ]
    informants = parse_case(data).assessments[0].informants
    assert [(i.role, i.name, i.description) for i in informants] == [
        ("other", "Pat", "coach"), ("caregiver", "Jo", "foster carer; lives nearby"), ("parent", "Ann", "")]


def test_an_empty_role_is_refused_with_its_path() -> None:
    data = _case()
    data["assessments"][0]["informants"] = [{"role": "", "name": "Pat"}]
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    assert [p.path for p in error.value.problems] == ["assessments[0].informants[0].role"]


def test_hours_and_presentation_date_are_checked_naming_the_json_path() -> None:
    data = _case()
    first = data["assessments"][0]
    first["hours"] = {"record_review": 201, "preparation": -1, "presentation": "soon", "travel": 2}
    first["presentation_date"] = "2024-12-31"  # before the assessment's 2025-01-15
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    paths = sorted(p.path for p in error.value.problems)
    assert paths == ["assessments[0].hours.preparation", "assessments[0].hours.presentation",
                     "assessments[0].hours.record_review", "assessments[0].hours.travel"]
    first["hours"] = {"record_review": 3}
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    assert [p.path for p in error.value.problems] == ["assessments[0].presentation_date"]
    assert "before the assessment's date 2025-01-15" in str(error.value.problems[0])
    # QA: 9999-12-31 was accepted. A planned presentation is allowed, up to a year ahead.
    first["presentation_date"] = "2026-01-16"  # 366 days after 2025-01-15
    parse_case(data)
    first["presentation_date"] = "2026-01-17"
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    assert [p.path for p in error.value.problems] == ["assessments[0].presentation_date"]
    assert "more than a year after the assessment's date 2025-01-15" in str(error.value.problems[0])


def test_a_document_file_names_its_sha256() -> None:
    data = _case()
    data["assessments"][0]["documents"] = [{"title": "School report", "file": {
        "name": "r.pdf", "media_type": "text/html", "size": 10, "sha256": "abc"}}]
    with pytest.raises(CaseFileError) as error:
        parse_case(data)
    assert sorted(p.path for p in error.value.problems) == [
        "assessments[0].documents[0].file.media_type", "assessments[0].documents[0].file.sha256"]


def test_hours_are_summed_by_activity() -> None:
    data = _case()
    first = data["assessments"][0]
    first["informants"] = [{"role": "parent", "name": "Ann", "hours": 2.5},
                           {"role": "teacher", "name": "Bo", "hours": 1},
                           {"role": "youth", "name": "Milo"}]
    first["hours"] = {"record_review": 2, "preparation": 1.5}
    a = parse_case(data).assessments[0]
    summary = hours_summary(V1, a.informants, a.hours.model_dump() if a.hours else None)
    assert summary.interviews == 3.5
    assert [(aid, h) for aid, _label, h in summary.activities] == [
        ("record_review", 2), ("preparation", 1.5), ("presentation", None)]
    assert summary.total == 7.0


def _reported(data: dict[str, Any], audience: str) -> str:
    case = parse_case(data)
    return report_html(case=case, results=score_history(case), assessment_id=case.assessments[0].id,
                       audience=audience)  # type: ignore[arg-type]


def test_the_clinician_report_lists_sources_and_hours_the_family_report_only_roles() -> None:
    data = _case()
    data["assessments"] = data["assessments"][:1]
    first = data["assessments"][0]
    first["informants"] = [{"role": "parent", "name": "Ann Quill", "hours": 2.5},
                           {"role": "teacher", "name": "Bo Reed", "hours": 1}]
    first["documents"] = [{"title": "Child protection file", "source": "Agency", "date": "2024-11-02",
                           "file": {"name": "cp.pdf", "media_type": "application/pdf", "size": 2048,
                                    "sha256": "ab" * 32}}]
    first["hours"] = {"record_review": 3, "preparation": 1, "presentation": 1}
    first["presentation_date"] = "2025-02-01"
    clinician = _reported(copy.deepcopy(data), "clinician")
    for text in ("Ann Quill", "Bo Reed", "Child protection file", "ab" * 32, "Record review",
                 "presented 1 February 2025", "<b>8.5</b>"):
        assert text in clinician, text
    family = _reported(data, "family")
    assert "We listened to parent and teacher." in family
    assert "We read 1 written record." in family
    assert "about 8.5 hours" in family
    for private in ("Ann Quill", "Bo Reed", "Child protection file"):
        assert private not in family


def test_the_family_words_for_informants_never_carry_free_text_and_say_someone_else() -> None:
    # QA: the family summary read "We listened to caregiver or foster parent, teacher, other
    # and the young person", and a role typed as free text before roles were a list
    # ("Jane Whitfield, foster mother") reached the presentation as typed, name and all.
    v1 = load_instrument("1")
    assert family_role_words(v1, ["caregiver", "teacher", "other", "youth"]) == [
        "caregiver or foster parent", "teacher", "the young person", "someone else"]
    assert family_role_words(v1, ["Jane Whitfield (foster carer)", "coach", "Mr Bo Reed", "youth"]) == [
        "caregiver or foster parent", "the young person", "other people"]


def test_hours_the_family_reads_are_rounded_to_the_half_hour() -> None:
    assert [about_hours(h) for h in (5.75, 3.75, 1, 0.25, 8.5, 12.2)] == [
        "about 6 hours", "about 4 hours", "about 1 hour", "about 0.5 hours", "about 8.5 hours", "about 12 hours"]


def test_the_family_report_says_who_was_heard_in_whole_words() -> None:
    data = _case()
    data["assessments"] = data["assessments"][:1]
    data["assessments"][0]["informants"] = [
        {"role": "caregiver", "name": "Jane Whitfield", "hours": 1.5},
        {"role": "Football coach", "name": "Len Ashby", "hours": 0.25},
        {"role": "youth", "name": "Sam", "hours": 1},
        {"role": "teacher", "name": "Bo Reed", "hours": 0.5}]
    data["assessments"][0]["hours"] = {"record_review": 2.5}
    family = _reported(data, "family")
    assert ("We listened to caregiver or foster parent, the young person, teacher and someone else."
            in family)
    assert "about 6 hours." in family and "5.75" not in family
    for private in ("Jane Whitfield", "Len Ashby", "Bo Reed"):
        assert private not in family
