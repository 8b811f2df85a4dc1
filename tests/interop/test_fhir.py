"""FHIR R4: the Questionnaire, the Bundle export and its import, validated by fhir.resources R4B."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rootmap.core.case import CaseFile, parse_case
from rootmap.core.problems import CaseFileError
from rootmap.core.scoring import score_history
from rootmap.interop import codes
from rootmap.interop.fhir import bundle_from_case, case_from_bundle, questionnaire
from tests.interop.strategies import case_files

EXAMPLES = sorted(p for p in Path("examples").glob("*.json")
                  if json.loads(p.read_text())["format"] == "rootmap-case/1")


def scores(case: CaseFile) -> list[dict[str, Any]]:
    return [r.to_dict() for r in score_history(case)]


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def items(tree: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {}
    for item in tree:
        found[item["linkId"]] = item
        found.update(items(item.get("item", [])))
    return found


def normalised(case: CaseFile) -> dict[str, Any]:
    # A history with nothing rated and no history say the same (missing = null, case-file.md).
    data = case.model_dump(mode="json")
    for a in data["assessments"]:
        a["undetermined_reason"] = a["undetermined_reason"] or None  # FHIR has no empty string
        rated = {k: v for k, v in (a["history"] or {}).items()
                 if v is not None and (v["adversity"] is not None or v["relational_health"] is not None)}
        a["history"] = rated or None
    return data


def test_the_questionnaire_is_valid_r4_with_canonical_url_version_anchors_and_age_conditions() -> None:
    q = questionnaire()
    Questionnaire.model_validate(q)
    assert (q["url"], q["version"]) == ("https://rootmap.org/fhir/Questionnaire/rootmap-assessment", "1")
    found = items(q["item"])
    sleep = found["functioning.sleep"]
    assert [o["valueCoding"]["code"] for o in sleep["answerOption"]] == ["0", "1", "2", "3", "4", "5"]
    assert sleep["answerOption"][4]["valueCoding"]["display"].startswith("Falls asleep within 30 minutes")
    assert "enableWhen" not in sleep  # expected from birth
    # clinical-model.md section 4: executive_function from 36 months, abstract_reasoning from 84
    assert found["functioning.executive_function"]["enableWhen"] == [
        {"question": "age-months", "operator": ">=", "answerInteger": 36}]
    assert found["functioning.abstract_reasoning"]["enableWhen"][0]["answerInteger"] == 84
    # periods are reached at their start: infancy at 2 months, adolescence at 144
    assert found["history.infancy"]["enableWhen"][0]["answerInteger"] == 2
    assert found["history.adolescence"]["enableWhen"][0]["answerInteger"] == 144
    assert "enableWhen" not in found["history.perinatal"]
    assert found["history"]["enableWhen"][0]["operator"] == "!="  # no history for an er snapshot
    assert found["trigger"]["enableWhen"][0]["answerCoding"]["code"] == "er"
    assert found["age-months"]["code"] == [{"system": "http://loinc.org", "code": "30525-0", "display": "Age"}]
    rated = [k for k, v in found.items() if v["type"] == "choice" and k.startswith(("functioning.", "relational."))]
    assert len(rated) == 32 + 6


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_exports_valid_r4_and_imports_with_identical_scores(path: Path) -> None:
    case = parse_case(json.loads(path.read_text()))
    bundle = bundle_from_case(case)
    Bundle.model_validate(bundle)
    back = case_from_bundle(json.loads(json.dumps(bundle)))
    assert scores(back) == scores(case)
    assert normalised(back) == normalised(case)


def test_the_bundle_holds_the_patient_each_response_and_its_scores() -> None:
    case = parse_case(json.loads(Path("examples/toddler-kinship.json").read_text()))
    bundle = bundle_from_case(case)
    [patient] = resources(bundle, "Patient")
    assert patient["identifier"] == [{"system": codes.CLIENT_ID_SYSTEM, "value": case.client.id}]
    assert patient["birthDate"] == "2023-03-14"
    assert set(patient) == {"resourceType", "id", "identifier", "birthDate", "name", "extension"}
    responses = resources(bundle, "QuestionnaireResponse")
    assert [r["identifier"]["value"] for r in responses] == [a.id for a in case.assessments]
    assert responses[0]["questionnaire"] == "https://rootmap.org/fhir/Questionnaire/rootmap-assessment|1"
    result = score_history(case)[0]
    observations = [o for o in resources(bundle, "Observation")
                    if o.get("derivedFrom") == [{"reference": f"urn:uuid:{responses[0]['id']}"}]]
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    assert set(by_code) == {"developmental-risk", "ace-count", "functioning-index", "relational-health",
                            "resilience", "phase"}
    assert by_code["developmental-risk"]["valueQuantity"]["value"] == result.developmental_risk
    assert by_code["developmental-risk"]["interpretation"][0]["coding"][0]["code"] == result.risk_band
    assert by_code["phase"]["valueCodeableConcept"]["coding"][0]["code"] == result.phase
    # references inside the Bundle resolve to an entry's fullUrl
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert all(o["subject"]["reference"] in full_urls for o in observations)


def test_a_case_without_a_display_name_exports_no_name() -> None:
    data = json.loads(Path("examples/adolescent-er.json").read_text())
    data["client"]["display_name"] = ""
    [patient] = resources(bundle_from_case(parse_case(data)), "Patient")
    assert "name" not in patient


def test_an_unrated_domain_exports_why_it_has_no_index() -> None:
    data = {"format": "rootmap-case/1", "client": {"id": "C-9", "birth_date": "2024-01-01"},
            "assessments": [{"id": "A-1", "kind": "er", "date": "2024-07-01", "trigger": "loss",
                             "functioning": {"sleep": 2}}]}
    bundle = bundle_from_case(parse_case(data))
    Bundle.model_validate(bundle)
    by_code = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}
    assert by_code["developmental-risk"]["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
    parts = {c["code"]["coding"][0]["code"]: c for c in by_code["functioning-index"]["component"]}
    # 6 months old: the cortex items start at 6 (receptive_language), so cognitive is expected but unrated
    assert parts["domain-index.cognitive"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert parts["domain-index.sensory_integration"]["dataAbsentReason"]["coding"][0]["code"] == "unknown"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_files())
def test_hypothesis_cases_export_valid_r4_and_come_back_with_identical_scores(data: dict[str, Any]) -> None:
    case = parse_case(data)
    bundle = bundle_from_case(case)
    Bundle.model_validate(bundle)
    back = case_from_bundle(json.loads(json.dumps(bundle)))
    assert scores(back) == scores(case)
    assert normalised(back) == normalised(case)


def _bundle() -> dict[str, Any]:
    return bundle_from_case(parse_case(json.loads(Path("examples/toddler-kinship.json").read_text())))


def _response(bundle: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return next((n, e["resource"]) for n, e in enumerate(bundle["entry"])
                if e["resource"]["resourceType"] == "QuestionnaireResponse")


def _problems(bundle: Any) -> list[str]:
    with pytest.raises(CaseFileError) as caught:
        case_from_bundle(bundle)
    return [str(p) for p in caught.value.problems]


def test_a_rating_out_of_range_is_named_by_its_place_in_the_bundle() -> None:
    bundle = _bundle()
    n, response = _response(bundle)
    answer = items(response["item"])["functioning.sleep"]["answer"][0]
    answer["valueCoding"]["code"] = "7"
    [problem] = _problems(bundle)
    assert problem.startswith(f"entry[{n}].resource.item[")
    assert "7 is above the maximum 5 (case file assessments[0].functioning.sleep)" in problem


def test_invalid_fhir_is_refused_with_the_path() -> None:
    bundle = _bundle()
    bundle["entry"][0]["resource"]["birthDate"] = "2020-13-01"
    [problem] = _problems(bundle)
    assert problem.startswith('entry[0].resource.birthDate: "2020-13-01" is not valid FHIR R4')


def test_a_response_to_another_questionnaire_and_a_foreign_subject_are_refused() -> None:
    bundle = _bundle()
    n, response = _response(bundle)
    other = copy.deepcopy(response)
    other["subject"] = {"reference": "Patient/someone-else"}
    response["questionnaire"] = "http://example.org/Questionnaire/phq-9|1"
    bundle["entry"].append({"fullUrl": "urn:uuid:00000000-0000-0000-0000-000000000001", "resource": other})
    problems = _problems(bundle)
    assert problems[0].startswith(f"entry[{n}].resource.questionnaire: \"http://example.org/Questionnaire/phq-9|1\"")
    assert problems[1].startswith(f"entry[{len(bundle['entry']) - 1}].resource.subject: \"Patient/someone-else\"")


def test_not_a_bundle_and_no_patient_are_refused() -> None:
    assert _problems([]) == ['resourceType: [] is not a FHIR Bundle; expected "resourceType": "Bundle"']
    assert _problems({"resourceType": "Bundle", "type": "collection"}) == [
        "entry: holds 0 Patient resources; expected exactly one"]


def test_responses_out_of_order_are_read_oldest_first() -> None:
    case = parse_case(json.loads(Path("examples/school-age-foster.json").read_text()))
    bundle = bundle_from_case(case)
    bundle["entry"].reverse()
    assert scores(case_from_bundle(bundle)) == scores(case)


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))] or [path]
    return [path]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), json_values)
def test_any_damaged_bundle_is_either_read_or_refused_with_problems_never_a_crash(data: Any, junk: Any) -> None:
    bundle = _bundle()
    path = data.draw(st.sampled_from(_leaves(bundle)))
    target = bundle
    for step in path[:-1]:
        target = target[step]
    if path:
        target[path[-1]] = junk
    try:
        case_from_bundle(bundle)
    except CaseFileError as error:
        assert error.problems and all(str(p) for p in error.problems)


def test_an_assessment_of_another_version_keeps_its_questionnaire_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(Path(__file__).resolve().parents[1] / "data" / "instruments"))
    data = json.loads(Path("examples/toddler-kinship.json").read_text())
    data["assessments"][0]["instrument_version"] = "2-test"
    case = parse_case(data)
    bundle = bundle_from_case(case)
    Bundle.model_validate(bundle)
    [response] = resources(bundle, "QuestionnaireResponse")
    assert response["questionnaire"] == "https://rootmap.org/fhir/Questionnaire/rootmap-assessment|2-test"
    back = case_from_bundle(bundle)
    assert back.assessments[0].instrument_version == "2-test"
    assert scores(back) == scores(case)
    assert scores(back)[0]["instrument_version"] == "2-test"
