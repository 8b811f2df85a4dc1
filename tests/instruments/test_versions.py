"""Instrument versions as data: loading, scoring each assessment with its own version, and
refusing what cannot be used (decision 0015)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rootmap.core.case import CaseFileError, parse_case
from rootmap.core.scoring import score_history
from rootmap.instruments import (
    InstrumentError,
    available_versions,
    current,
    current_version,
    load_instrument,
    version_folder,
    version_id_problem,
)
from rootmap.instruments.catalogue import load_catalogue
from rootmap.instruments.check import configured_problems
from tests.instruments.conftest import TWO_TEST

V1_SLEEP_2 = "Disrupted sleep (long settling, waking, nightmares) several nights a week; needs adult help to resettle"
TEST_SLEEP_2 = "Broken sleep on several nights each week (test wording); an adult helps to resettle"
# perinatal: adversity 4, relational health 4 -> 100 * (0.40 * 1 + 0.60 * 0) = 40
# infancy:   adversity 0, relational health 0 -> 100 * (0.50 * 0 + 0.50 * 1) = 50
HISTORY = {"perinatal": {"adversity": 4, "relational_health": 4},
           "infancy": {"adversity": 0, "relational_health": 0}}
V1_RISK = (1.00 * 40 + 0.85 * 50) / (1.00 + 0.85)  # 82.5 / 1.85 = 44.59...
TEST_RISK = (0.15 * 40 + 0.85 * 50) / (0.15 + 0.85)  # 6 + 42.5 = 48.5


def two_version_case() -> dict:
    def full(ident: str, date: str, version: str) -> dict:
        return {"id": ident, "kind": "full", "date": date, "instrument_version": version,
                "history": HISTORY, "functioning": {"sleep": 2}}
    return {"format": "rootmap-case/1", "client": {"id": "C-1", "birth_date": "2016-04-11"},
            "assessments": [full("A-1", "2025-02-03", "1"), full("A-2", "2025-03-03", "2-test")]}


def test_only_version_1_ships_and_it_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROOTMAP_INSTRUMENTS_DIR", raising=False)
    assert available_versions() == ("1",)
    assert current_version() == "1"
    assert current() is load_instrument("1")


def test_the_folder_setting_adds_2_test_beside_version_1(with_2_test: Path) -> None:
    assert available_versions() == ("1", "2-test")
    assert current_version() == "1"  # adding a version does not change where new work starts
    two = load_instrument("2-test")
    assert two.periods[0].weight == 0.15
    assert load_instrument("1").periods[0].weight == 1.00
    assert two.items_by_id["sleep"].anchors[2] == TEST_SLEEP_2
    assert load_instrument("1").items_by_id["sleep"].anchors[2] == V1_SLEEP_2
    assert load_catalogue("2-test").version == "2-test"


def test_a_version_folder_named_directly_is_added_too(with_2_test: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(with_2_test))
    assert available_versions() == ("1", "2-test")


def test_each_assessment_is_scored_with_its_own_version(with_2_test: Path) -> None:
    first, second = score_history(parse_case(two_version_case()))
    assert (first.instrument_version, second.instrument_version) == ("1", "2-test")
    assert first.developmental_risk == pytest.approx(V1_RISK)
    assert second.developmental_risk == pytest.approx(TEST_RISK)


def test_a_case_file_without_a_version_is_scored_on_the_current_one() -> None:
    data = two_version_case()
    data["assessments"] = data["assessments"][:1]
    del data["assessments"][0]["instrument_version"]
    case = parse_case(data)
    assert case.assessments[0].instrument_version == "1"


def test_an_unknown_version_is_refused_naming_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROOTMAP_INSTRUMENTS_DIR", raising=False)
    with pytest.raises(CaseFileError) as error:
        parse_case(two_version_case())  # A-2 names 2-test, which is not configured here
    [problem] = error.value.problems
    assert problem.path == "assessments[1].instrument_version"
    assert "'2-test' is not an available instrument version; expected one of 1" in problem.message
    with pytest.raises(KeyError, match="unknown instrument version '2-test'; available: 1"):
        load_instrument("2-test")


@pytest.mark.parametrize("version", ["1", "2-test", "1.2", "v10", "abcdefghij"])
def test_safe_version_ids_are_accepted(version: str) -> None:
    assert version_id_problem(version) is None


@pytest.mark.parametrize("version", ["", "../1", "a/b", "1..2", "-1", "1-", ".x", "abcdefghijk", "é", 2, None])
def test_version_ids_that_could_play_path_tricks_or_do_not_fit_are_refused(version: object) -> None:
    assert version_id_problem(version) is not None


def test_a_version_that_repeats_a_built_in_id_is_refused_at_start_up(version_copy, monkeypatch) -> None:
    folder = version_copy("dup")
    text = (folder / "parameters.yaml").read_text().replace('version: "2-test"', 'version: "1"')
    (folder / "parameters.yaml").write_text(text)
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(folder))
    [problem] = configured_problems()
    assert problem == (f"ROOTMAP_INSTRUMENTS_DIR: {folder}/parameters.yaml: version: '1' is already built in; "
                       "expected a version id of its own")
    with pytest.raises(InstrumentError):
        available_versions()


def test_a_configured_folder_that_does_not_validate_is_reported_with_its_problem(version_copy, monkeypatch) -> None:
    folder = version_copy("broken")
    text = (folder / "parameters.yaml").read_text().replace("weight: 0.15,", "weight: -1,")
    (folder / "parameters.yaml").write_text(text)
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(folder))
    assert configured_problems() == [f"{folder}/parameters.yaml: periods[0].weight: Input should be greater than 0"]
    with pytest.raises(InstrumentError, match=r"periods\[0\]\.weight: Input should be greater than 0"):
        load_instrument("2-test")


def test_a_missing_folder_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(tmp_path / "nowhere"))
    assert configured_problems() == [f"ROOTMAP_INSTRUMENTS_DIR: {tmp_path / 'nowhere'}: is not a folder; "
                                     "expected a version folder or a folder of them"]


def test_2_test_differs_from_version_1_only_where_it_says() -> None:
    one = Path(str(version_folder("1")))

    def both(name: str) -> tuple[dict, dict]:
        return yaml.safe_load((one / name).read_text()), yaml.safe_load((TWO_TEST / name).read_text())

    for name, edited in {"parameters.yaml": {"version", "name", "periods"},
                         "functioning_items.yaml": {"items"}}.items():
        a, b = both(name)
        assert {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)} == edited, name
    a, b = both("parameters.yaml")
    assert [(x["weight"], y["weight"]) for x, y in zip(a["periods"], b["periods"], strict=True) if x != y] == [
        (1.0, 0.15)]
    a, b = both("functioning_items.yaml")
    assert [(x["id"], y["anchors"][2]) for x, y in zip(a["items"], b["items"], strict=True) if x != y] == [
        ("sleep", TEST_SLEEP_2)]
