"""`rootmap import FILE|FOLDER... --organisation ORG --clinician USERNAME` on a real database."""

from __future__ import annotations

import json
import shutil

import pytest

from rootmap.cli import main
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import EXAMPLES, example

CASES = ("adolescent-er.json", "school-age-foster.json", "toddler-kinship.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_folder_is_imported_file_by_file_and_a_bad_file_is_refused_alone(tmp_path, org, clinician, capsys):
    for name in CASES:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    bad = example("toddler-kinship.json")
    bad["client"]["id"] = "C-BAD"
    bad["assessments"][0]["functioning"]["sleep"] = 7
    (tmp_path / "z-bad.json").write_text(json.dumps(bad))
    shutil.copy(EXAMPLES / "foster-household.json", tmp_path / "household.json")

    code, out, err = run(capsys, "import", str(tmp_path), "--organisation", org.name, "--clinician", "cleo")

    assert code == 2
    assert out == (f"Imported 3 files into {org.name} for cleo; refused 2 files "
                   f"({tmp_path / 'household.json'}, {tmp_path / 'z-bad.json'}).\n")
    assert f"{tmp_path / 'z-bad.json'}: assessments[0].functioning.sleep: 7 is above the maximum 5" in err
    assert f"{tmp_path / 'household.json'}: format: 'rootmap-household/1' is not a case file" in err
    assert "[1/5]" in err  # not a terminal: one plain line per file
    references = {c.reference for c in Client.objects.filter(organisation=org)}
    assert references == {example(n)["client"]["id"] for n in CASES}  # nothing of the bad file saved
    assert all(clinician in c.clinicians.all() for c in Client.objects.filter(organisation=org))
    assert Assessment.objects.filter(client__organisation=org, status=Assessment.Status.FINAL).count() == sum(
        len(example(n)["assessments"]) for n in CASES)
    entries = AuditEntry.objects.filter(action="import")
    assert entries.count() == 3
    assert {e.detail["file"] for e in entries} == set(CASES)
    assert {e.detail["for_user"] for e in entries} == {"cleo"}


def test_importing_the_same_file_again_is_refused_with_the_reason(tmp_path, org, clinician, capsys):
    path = EXAMPLES / "adolescent-er.json"
    assert run(capsys, "import", str(path), "--organisation", str(org.pk), "--clinician", "cleo")[0] == 0
    code, out, err = run(capsys, "import", str(path), "--organisation", str(org.pk), "--clinician", "cleo")
    assert code == 2
    assert "refused 1 file" in out
    assert f"{path}: client.id: {example('adolescent-er.json')['client']['id']} is already a client of" in err


@pytest.mark.parametrize(("org_arg", "user_arg", "expected"), [
    ("No Such Org", "cleo", "--organisation: 'No Such Org' is not an organisation"),
    ("Riverside Family Services", "otto", "--clinician: 'otto' is not a user of Riverside Family Services"),
    ("Riverside Family Services", "ada", "--clinician: 'ada' is not a clinician"),
])
def test_the_organisation_and_clinician_are_checked_before_any_file(org, clinician, admin, outsider, capsys,
                                                                   org_arg, user_arg, expected):
    code, out, err = run(capsys, "import", str(EXAMPLES / "adolescent-er.json"), "--organisation", org_arg,
                         "--clinician", user_arg)
    assert (code, out) == (2, "")
    assert err.startswith(expected)
    assert not Client.objects.exists()
