"""`rootmap report`: files in, a PDF or HTML report out; bad input exits 2, one line a problem."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rootmap.cli import main
from tests.render.helpers import EXAMPLES, pdf_pages


def test_it_writes_a_clinician_pdf(tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    assert main(["report", str(EXAMPLES / "school-age-foster.json"), "-o", str(out)]) == 0
    text = " ".join(pdf_pages(out.read_bytes()))
    assert "Clinician report" in text and "Milo" in text


def test_the_report_file_is_readable_by_its_owner_only_and_dash_is_standard_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    # A child's history and the clinician's formulation were written world-readable (0644
    # under the usual umask) while backups and exports are 0600; "-o -" wrote a file named "-".
    import os

    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        assert main(["report", str(EXAMPLES / "school-age-foster.json"), "-o", "out.html"]) == 0
        assert (tmp_path / "out.html").stat().st_mode & 0o777 == 0o600
        assert main(["report", str(EXAMPLES / "school-age-foster.json"), "-o", "-", "--format", "html"]) == 0
    finally:
        os.umask(old)
    assert b"Clinician report" in capsysbinary.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_it_writes_a_family_summary_as_html_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "family.html"
    code = main(["report", str(EXAMPLES / "toddler-kinship.json"), "-o", str(out),
                 "--audience", "family"])
    assert code == 0
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "What is going well" in html


def test_the_format_option_wins_over_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "report.bin"
    assert main(["report", str(EXAMPLES / "adolescent-er.json"), "-o", str(out), "--format", "html"]) == 0
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")


def test_it_reports_on_a_chosen_assessment(tmp_path: Path) -> None:
    out = tmp_path / "a1.html"
    assert main(["report", str(EXAMPLES / "school-age-foster.json"), "-o", str(out),
                 "--assessment", "A-1"]) == 0
    assert "assessment <bdi>A-1</bdi>" in out.read_text("utf-8")


def test_a_household_file_gives_the_estimator_report_with_what_ifs(tmp_path: Path) -> None:
    out = tmp_path / "household.html"
    code = main(["report", str(EXAMPLES / "foster-household.json"), "-o", str(out),
                 "--raise", "respite_childcare=3", "--add-child", "48:2,2,1,2,2,2"])
    assert code == 0
    html = out.read_text("utf-8")
    assert "Caregiver estimator report" in html
    assert "Respite and childcare set to 3" in html
    assert "A child of 48 months added" in html


def test_a_household_report_without_options_shows_default_what_ifs(tmp_path: Path) -> None:
    out = tmp_path / "household.html"
    assert main(["report", str(EXAMPLES / "foster-household.json"), "-o", str(out)]) == 0
    assert "Respite and childcare raised from 1 to 2" in out.read_text("utf-8")


def test_bad_input_exits_2_with_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({
        "format": "rootmap-case/1", "client": {"id": "C-1", "birth_date": "2020-01-01"},
        "assessments": [{"id": "A-1", "kind": "er", "date": "2024-01-01", "trigger": "loss",
                         "functioning": {"sleep": 7, "arousal_baseline": -1}}],
    }))
    out = tmp_path / "out.pdf"
    assert main(["report", str(bad), "-o", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"{bad}: assessments[0].functioning.sleep: 7 is above the maximum 5",
        f"{bad}: assessments[0].functioning.arousal_baseline: -1 is below the minimum 0",
    ]
    assert not out.exists()


def test_invalid_json_and_missing_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert main(["report", str(broken)]) == 2
    assert main(["report", str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert "is not valid JSON" in err[0] and "no such file" in err[1]


def test_an_unknown_assessment_or_bad_what_if_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(EXAMPLES / "school-age-foster.json"), "--assessment", "A-9"]) == 2
    assert main(["report", str(EXAMPLES / "foster-household.json"), "--raise", "nonsense=2",
                 "--add-child", "x"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3
    assert "'A-9' is not an assessment" in err[0]


def test_scoring_never_imports_weasyprint() -> None:
    code = ("import sys, rootmap.cli.score, rootmap.render, rootmap.cli.report; "
            "assert 'weasyprint' not in sys.modules, 'weasyprint imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
