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


def test_a_csv_of_clients_is_imported_all_or_nothing_and_a_dry_run_saves_nothing(tmp_path, org, clinician, capsys):
    good = tmp_path / "clients.csv"
    good.write_text("reference,display_name,birth_date\r\nC-1,Ana,2018-02-03\r\nC-2,Ben,2019-05-06\r\n")
    bad = tmp_path / "more.csv"
    bad.write_text("reference,display_name,birth_date\r\nC-3,Cal,2018-02-03\r\nC-4,Dee,2019-02-30\r\n")
    code, out, err = run(capsys, "import", str(good), str(bad), "--organisation", org.name, "--clinician", "cleo",
                         "--dry-run")
    assert code == 2
    assert out.startswith("Checked (nothing saved): would import 1 file into")
    # 30 February: the case file's wording for a date that does not exist, naming row, column and value.
    assert f"{bad}: row 3, birth_date: \"2019-02-30\" is not a valid date (expected YYYY-MM-DD)" in err
    assert not Client.objects.exists() and not AuditEntry.objects.exists()

    code, out, err = run(capsys, "import", str(good), str(bad), "--organisation", org.name, "--clinician", "cleo")
    assert code == 2
    assert set(Client.objects.values_list("reference", flat=True)) == {"C-1", "C-2"}  # not C-3: all or nothing
    created = AuditEntry.objects.filter(action="create", object_type="client")
    assert {e.detail["for_user"] for e in created} == {"cleo"} and created.count() == 2
    assert all(e.actor_name and e.actor is None for e in created)  # the operating-system user, not cleo


def test_a_dry_run_of_case_files_saves_nothing(tmp_path, org, clinician, capsys):
    code, out, _ = run(capsys, "import", str(EXAMPLES / "toddler-kinship.json"), "--organisation", org.name,
                       "--clinician", "cleo", "--dry-run")
    assert (code, out) == (0, f"Checked (nothing saved): would import 1 file into {org.name} for cleo; "
                              "refused 0 files.\n")
    assert not Client.objects.exists() and not AuditEntry.objects.exists()
