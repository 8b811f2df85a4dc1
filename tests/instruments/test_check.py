"""`rootmap instrument check FOLDER` and `rootmap instrument list`: one line per problem,
naming the file, the path inside it and what was expected; a short summary when valid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from rootmap.cli import main
from rootmap.instruments.check import check_folder
from tests.instruments.conftest import TWO_TEST

Edit = Callable[[Path], None]


def change(name: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        text = (folder / name).read_text("utf-8")
        assert old in text, f"{old!r} not in {name}"
        (folder / name).write_text(text.replace(old, new, 1), "utf-8")
    return edit


def yaml_edit(name: str, how: Callable[[dict], None]) -> Edit:
    def edit(folder: Path) -> None:
        data = yaml.safe_load((folder / name).read_text("utf-8"))
        how(data)
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return edit


def test_the_test_version_checks_clean_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "check", str(TWO_TEST)]) == 0
    out = capsys.readouterr().out
    assert out == (f"{TWO_TEST}: instrument version 2-test (Rootmap developmental profile, test version 2-test) "
                   "is valid: 5 periods, 32 functioning items, 6 relational items, 19 catalogue entries\n")


@pytest.mark.parametrize(("edit", "expected"), [
    (change("parameters.yaml", "weight: 0.15,", "weight: 0,"),
     "parameters.yaml: periods[0].weight: Input should be greater than 0"),
    (change("parameters.yaml", 'version: "2-test"', 'version: "../etc"'),
     "parameters.yaml: version: '../etc' is not a version id: expected 1 to 10 letters, digits, dots or "
     "hyphens, starting and ending with a letter or digit"),
    (yaml_edit("functioning_items.yaml", lambda d: d["items"][2]["anchors"].pop(5)),
     "functioning_items.yaml: item sleep: needs an anchor for every level 0-5"),
    (yaml_edit("functioning_items.yaml", lambda d: d["items"][2].pop("label")),
     "functioning_items.yaml: items[2].label: is missing; expected it to be given"),
    (yaml_edit("caregiver_items.yaml", lambda d: d["internal"][0].update(colour="red")),
     "caregiver_items.yaml: internal[0].colour: is not a known field; expected it to be left out "
     "(check its spelling)"),
    (yaml_edit("functioning_items.yaml", lambda d: d["items"][2].update(id="slumber")),
     "functioning_items.yaml: items: ids missing ['sleep'], unknown ['slumber']; expected the ids of the "
     "case-file format (version 1), in its order"),
    (change("catalogue.yaml", 'version: "2-test"', 'version: "3"'),
     "catalogue.yaml: catalogue version 3 != instrument 2-test"),
    (change("catalogue.yaml", "top_n: 3", "top_n: 0"),
     "catalogue.yaml: rules.top_n: Input should be greater than or equal to 1"),
    (change("parameters.yaml", "event_derivation:", "event_derivation: [\n"),
     "parameters.yaml: line 33: is not valid YAML (expected ',' or ']'"),
    (lambda folder: (folder / "family_words.yaml").unlink(),
     "family_words.yaml: is missing; expected a file like rootmap/instruments/v1/family_words.yaml"),
    (lambda folder: (folder / "relational_items.yaml").write_text("- just a list\n"),
     "relational_items.yaml: is list; expected a mapping of keys to values"),
])
def test_a_broken_folder_is_refused_naming_file_path_and_expectation(
    version_copy, capsys: pytest.CaptureFixture[str], edit: Edit, expected: str,
) -> None:
    folder = version_copy()
    edit(folder)
    assert any(line.startswith(expected) for line in check_folder(folder).problems), check_folder(folder).problems
    assert main(["instrument", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"{folder}/{expected}" in err
    assert "Traceback" not in err


def test_a_path_that_is_not_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "check", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err == (f"{tmp_path / 'none'}: is not a folder; expected a folder like "
                                       "rootmap/instruments/v1\n")


def test_list_shows_each_available_version(with_2_test: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["instrument", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["1", "Rootmap developmental profile, version 1"],
        ["2-test", "Rootmap developmental profile, test version 2-test"]]
    assert lines[0].endswith("(current: new assessments start on it)")
    assert str(with_2_test) in lines[1]


def test_commands_refuse_a_bad_folder_setting_in_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(tmp_path / "none"))
    assert main(["instrument", "list"]) == 2
    assert main(["score", "examples/"]) == 2
    err = capsys.readouterr().err
    assert err.count(f"ROOTMAP_INSTRUMENTS_DIR: {tmp_path / 'none'}: is not a folder") == 2
    assert "Traceback" not in err
