"""The `rootmap score` and `rootmap schema` commands, run as a user would run them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rootmap.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCORE_FIELDS = {
    "developmental_risk", "period_risk", "risk_band", "peak_period", "ace_count", "domains",
    "functioning_index", "functioning_band", "relational_health", "relational_band", "resilience", "strengths",
    "needs", "entry_region", "phase", "plan", "change", "instrument_version",
}
HOUSEHOLD_FIELDS = {"internal", "external", "resources", "children", "demand", "reserve",
                    "reserve_band", "instrument_version"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data: object, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_it_prints_exactly_the_case_file_fields_as_json(capsys) -> None:
    code, out, err = run(capsys, "score", "--json", str(EXAMPLES / "school-age-foster.json"))
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == SCORE_FIELDS
    assert result["instrument_version"] == "1"
    assert set(result["change"]) == {"previous", "baseline"}


def test_it_scores_a_household_file(capsys) -> None:
    code, out, _ = run(capsys, "score", "--json", str(EXAMPLES / "foster-household.json"))
    assert code == 0
    result = json.loads(out)
    assert set(result) == HOUSEHOLD_FIELDS
    assert len(result["children"]) == 3
    assert result["reserve"] == pytest.approx(result["resources"] - result["demand"])


def test_it_scores_a_folder_one_json_object_per_line(capsys) -> None:
    code, out, _ = run(capsys, "score", "--json", str(EXAMPLES))
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(list(EXAMPLES.glob("*.json")))
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_it_scores_an_earlier_assessment_on_request(capsys) -> None:
    _, first, _ = run(capsys, "score", "--json", "--assessment", "A-1", str(EXAMPLES / "school-age-foster.json"))
    assert json.loads(first)["change"] is None
    code, _, err = run(capsys, "score", "--assessment", "A-9", str(EXAMPLES / "school-age-foster.json"))
    assert code == 2
    assert "--assessment: 'A-9' is not an assessment of this file (expected one of A-1, A-2, A-3)" in err


def test_the_table_summary_names_scores_plan_and_change(capsys) -> None:
    code, out, _ = run(capsys, "score", str(EXAMPLES / "school-age-foster.json"))
    assert code == 0
    for text in ("Developmental risk", "Sensory integration", "Plan: relate", "since baseline", "instrument version 1"):
        assert text in out


def test_a_rating_out_of_range_names_path_value_and_maximum(tmp_path, capsys) -> None:
    data = example("toddler-kinship.json")
    data["assessments"][0]["functioning"]["sleep"] = 7
    code, out, err = run(capsys, "score", str(write(tmp_path, data)))
    assert code == 2
    assert out == ""
    assert "assessments[0].functioning.sleep: 7 is above the maximum 5" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["assessments"][0]["functioning"].update(sleep=-1),
         "assessments[0].functioning.sleep: -1 is below the minimum 0"),
        (lambda d: d["assessments"][0]["functioning"].update(sleep="2"),
         'assessments[0].functioning.sleep: "2" is not a whole number'),
        (lambda d: d["assessments"][0]["functioning"].update(sleeep=2),
         "assessments[0].functioning.sleeep: is not a known field"),
        (lambda d: d["assessments"][0].update(kind="annual"),
         "assessments[0].kind: \"annual\" is not one of 'full', 'follow_up' or 'er'"),
        (lambda d: d["assessments"][0].update(date="2025-02-30"),
         'assessments[0].date: "2025-02-30" is not a valid date (expected YYYY-MM-DD)'),
        (lambda d: d["client"].pop("birth_date"), "client.birth_date: is required but missing"),
        (lambda d: d["events"][0].update(severity=5), "events[0].severity: 5 is above the maximum 4"),
        (lambda d: d["assessments"][0]["history"].update(childhood={"adversity": 1}),
         "assessments[0].history.childhood.adversity: 1 given, but the period is not reached yet "
         "(it starts at 48 months and the client is 30 months old); leave it unrated"),
        (lambda d: d["assessments"][0]["functioning"].update(abstract_reasoning=3),
         "assessments[0].functioning.abstract_reasoning: 3 given, but the item is not expected before 84 months"),
        (lambda d: d["assessments"][0].update(date="2020-01-01"),
         "assessments[0].date: 2020-01-01 is before the client's birth date"),
        (lambda d: d["assessments"][0].update(trigger="loss"),
         'assessments[0].trigger: "loss" is only for er assessments; expected null'),
        (lambda d: d.update(format="rootmap-case/9"),
         "format: \"rootmap-case/9\" is not one of 'rootmap-case/1', 'rootmap-household/1'"),
    ],
)
def test_each_problem_is_one_line_naming_path_value_and_expectation(tmp_path, capsys, change, expected) -> None:
    data = example("toddler-kinship.json")
    change(data)
    code, _, err = run(capsys, "score", str(write(tmp_path, data)))
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


def test_an_er_assessment_needs_a_trigger_and_no_history(tmp_path, capsys) -> None:
    data = example("adolescent-er.json")
    er = data["assessments"][-1]
    er.pop("trigger")
    er["history"] = {}
    code, _, err = run(capsys, "score", str(write(tmp_path, data)))
    assert code == 2
    assert f"assessments[{len(data['assessments']) - 1}].trigger: is required for an er assessment" in err
    assert "history: must be absent for an er assessment" in err


def test_it_reports_every_problem_of_every_file_and_scores_the_good_ones(tmp_path, capsys) -> None:
    bad = example("toddler-kinship.json")
    bad["assessments"][0]["functioning"].update(sleep=9, arousal_baseline=8)
    bad_path = write(tmp_path, bad, "bad.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")
    code, out, err = run(capsys, "score", "--json", str(bad_path), str(broken),
                         str(EXAMPLES / "adolescent-er.json"), str(tmp_path / "missing.json"))
    assert code == 2
    assert len(out.splitlines()) == 1  # the good file still scores
    lines = err.splitlines()
    assert f"{bad_path}: assessments[0].functioning.sleep: 9 is above the maximum 5" in lines
    assert f"{bad_path}: assessments[0].functioning.arousal_baseline: 8 is above the maximum 5" in lines
    assert any(line.startswith(f"{broken}: $: is not valid JSON") for line in lines)
    assert f"{tmp_path / 'missing.json'}: $: no such file" in lines


@pytest.mark.parametrize("content", ["[]", "42", '"text"', "null", '{"format": "rootmap-case/1"}'])
def test_strange_json_gives_problems_not_a_traceback(tmp_path, capsys, content) -> None:
    path = tmp_path / "odd.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "score", str(path))
    assert code == 2
    assert err.strip()
    assert all(line.startswith(f"{path}: ") for line in err.splitlines())


def test_the_schema_is_json_schema_naming_every_item(capsys) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].endswith("2020-12/schema")
    functioning = schema["$defs"]["Functioning"]["properties"]
    assert len(functioning) == 32
    assert functioning["sleep"]["anyOf"][0] == {"maximum": 5, "minimum": 0, "type": "integer"}
    code, out, _ = run(capsys, "schema", "household")
    assert "children" in json.loads(out)["properties"]


def test_the_examples_validate_against_the_published_schema(capsys) -> None:
    import jsonschema

    _, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    for path in EXAMPLES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["format"] == "rootmap-case/1":
            jsonschema.validate(data, schema)


def test_scoring_never_imports_django_or_weasyprint() -> None:
    code = (
        "import sys; from rootmap.cli import main; "
        f"main(['score', '--json', {str(EXAMPLES / 'school-age-foster.json')!r}]); "
        "import sys; bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'weasyprint')]; "
        "sys.stderr.write(repr(bad)); sys.exit(1 if bad else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def _one_item_er(tmp_path: Path) -> Path:
    data = example("adolescent-er.json")
    data["assessments"][-1]["functioning"] = {"sleep": 4}
    return write(tmp_path, data)


def test_a_snapshot_with_one_item_rated_scores_undetermined_as_json(tmp_path, capsys) -> None:
    code, out, err = run(capsys, "score", "--json", str(_one_item_er(tmp_path)))
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == SCORE_FIELDS
    assert (result["phase"], result["entry_region"]) == ("undetermined", None)
    assert result["plan"]["phases"] == []
    assert result["plan"]["missing_information"] == [
        "sensory_integration", "self_regulation", "relational", "cognitive"]


def test_the_table_summary_says_not_enough_is_rated(tmp_path, capsys) -> None:
    code, out, err = run(capsys, "score", str(_one_item_er(tmp_path)))
    assert code == 0, err
    text = " ".join(out.split())
    assert "phase undetermined" in text
    assert "Not enough has been rated yet to say where to start" in text
    assert "maintain" not in text


def test_the_schema_offers_the_reason_for_signing_an_undetermined_assessment(capsys) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert "undetermined_reason" in schema["$defs"]["Assessment"]["properties"]


@pytest.mark.parametrize(("argv", "example_name"), [
    (["report", str(EXAMPLES / "school-age-foster.json"), "-o", "{folder}"], "report.pdf"),
    (["fhir", "export", str(EXAMPLES / "school-age-foster.json"), "-o", "{folder}"], "bundle.json"),
    (["fhir", "questionnaire", "-o", "{folder}"], "questionnaire.json"),
    (["backup", "{folder}"], "rootmap.backup.json.gz"),
])
def test_an_output_that_is_a_folder_or_in_no_folder_is_named_before_any_work(
        capsys, tmp_path, argv, example_name) -> None:
    for target, said in ((tmp_path, f"is a folder (expected the file to write, e.g. {tmp_path / example_name})"),
                         (tmp_path / "missing" / "out", f"the folder {tmp_path / 'missing'} does not exist")):
        code, out, err = run(capsys, *[a.replace("{folder}", str(target)) for a in argv])
        assert code == 2 and said in err and "Traceback" not in err
        assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file
