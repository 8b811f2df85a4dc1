"""`rootmap fhir questionnaire|export|import`, run as a user would run them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from rootmap.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_then_import_gives_a_case_file_that_scores_the_same(tmp_path: Path, capsys) -> None:
    case = EXAMPLES / "school-age-foster.json"
    bundle, back = tmp_path / "bundle.json", tmp_path / "case.json"
    assert run(capsys, "fhir", "export", str(case), "-o", str(bundle)) == (0, "", "")
    Bundle.model_validate(json.loads(bundle.read_text()))
    assert run(capsys, "fhir", "import", str(bundle), "-o", str(back)) == (0, "", "")
    _, original, _ = run(capsys, "score", "--json", str(case))
    code, imported, _ = run(capsys, "score", "--json", str(back))
    assert code == 0
    assert json.loads(imported) == json.loads(original)


def test_the_questionnaire_goes_to_standard_output(capsys) -> None:
    code, out, _ = run(capsys, "fhir", "questionnaire", "--version", "1")
    assert code == 0
    assert Questionnaire.model_validate(json.loads(out)).version == "1"


def test_an_unknown_version_is_refused_in_one_line(capsys) -> None:
    assert run(capsys, "fhir", "questionnaire", "--version", "9") == (
        2, "", "--version: '9' is not an instrument version (expected one of 1)\n")


def test_a_household_file_is_not_exported(capsys) -> None:
    path = EXAMPLES / "foster-household.json"
    code, out, err = run(capsys, "fhir", "export", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f'{path}: format: "rootmap-household/1" is a household file; expected a case file')


def test_a_bad_bundle_exits_2_with_one_line_per_problem_and_writes_nothing(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bundle.json"
    run(capsys, "fhir", "export", str(EXAMPLES / "adolescent-er.json"), "-o", str(source))
    bundle = json.loads(source.read_text())
    bundle["entry"][0]["resource"]["birthDate"] = "yesterday"
    bundle["entry"][1]["resource"]["gender"] = 5
    source.write_text(json.dumps(bundle))
    target = tmp_path / "case.json"
    code, out, err = run(capsys, "fhir", "import", str(source), "-o", str(target))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f'{source}: entry[0].resource.birthDate: "yesterday" is not valid FHIR R4: '
        "Date value string does not match spec regex.",
        f"{source}: entry[1].resource.gender: 5 is not valid FHIR R4: Extra inputs are not permitted",
    ]
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_a_missing_required_field_is_named(tmp_path: Path, capsys) -> None:
    source = tmp_path / "bundle.json"
    source.write_text('{"resourceType": "Bundle"}')
    assert run(capsys, "fhir", "import", str(source)) == (2, "", f"{source}: type: is required but missing (FHIR R4)\n")


def test_a_missing_file_is_named(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.json"
    assert run(capsys, "fhir", "import", str(missing)) == (2, "", f"{missing}: $: no such file\n")
