"""CSV in and out of the caseload: checked imports, all or nothing, audited exports, the dictionary."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client as HttpClient

from rootmap.cli import main
from rootmap.interop.csv_format import csv_text
from rootmap.interop.csv_schema import (
    DISPLAY_NAME_MAX,
    REFERENCE_MAX,
    all_columns,
    ordered,
    results_columns,
    results_row,
)
from rootmap.web.audit.models import AuditEntry
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.csv_services import caseload_csv, clients_csv_import, estimates_csv, results_csv
from rootmap.web.clients.forms import ClientForm
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import make_client

HEADER = "reference,display_name,birth_date,interests,clinicians\r\n"


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_dry_run_lists_every_rows_problems_and_saves_nothing(org, admin, clinician, outsider):
    make_client(org, "C-9")
    raw = (HEADER
           + 'C-1,Ana,2018-02-03,"music, dogs",cleo\r\n'
           + "C-2,,2018-13-01,,\r\n"
           + "C-1,Ben,2019-01-01,,\r\n"
           + "C-4,Cal,2019-01-01,,otto\r\n"
           + "C-9,Dee,2019-01-01,,\r\n").encode()
    before = AuditEntry.objects.count()
    outcome = clients_csv_import(organisation=org, user=admin, raw=raw, dry_run=True)
    assert [(p.row, p.column, p.value, p.expected) for p in outcome.problems] == [
        # The case file's wording (core.problems), not Django's "This field is required".
        (3, "display_name", "", "is required but missing"),
        (3, "birth_date", "2018-13-01", "is not a valid date (expected YYYY-MM-DD)"),
        (4, "reference", "C-1", "is also on row 2; each client once"),
        (5, "clinicians", "otto", "is not an active clinician of your organisation"),
        (6, "reference", "C-9", "C-9 is already used by another client"),
    ]
    assert outcome.rows == 5 and not outcome.saved
    assert set(Client.objects.values_list("reference", flat=True)) == {"C-9"}
    assert AuditEntry.objects.count() == before


def test_a_clean_file_is_checked_then_imported_all_together_with_its_audit_entry(org, admin, clinician):
    raw = (HEADER + 'C-1,Ana,2018-02-03,"music, dogs",cleo\r\nC-2,Ben,2019-05-06,,\r\n').encode()
    checked = clients_csv_import(organisation=org, user=admin, raw=raw, dry_run=True)
    assert (checked.problems, checked.references, checked.saved) == ([], ["C-1", "C-2"], False)
    assert not Client.objects.exists()

    done = clients_csv_import(organisation=org, user=admin, raw=raw, dry_run=False)
    assert done.saved
    ana = Client.objects.get(reference="C-1")
    assert (ana.display_name, ana.birth_date, ana.interests) == ("Ana", dt.date(2018, 2, 3), ["music", "dogs"])
    assert list(ana.clinicians.all()) == [clinician]
    assert not Client.objects.get(reference="C-2").clinicians.exists()
    imports = AuditEntry.objects.filter(action="import")
    assert [e.detail for e in imports] == [{"format": "csv", "what": "clients", "clients": 2}]
    assert AuditEntry.objects.filter(action="create", object_type="client").count() == 2


def test_one_bad_row_saves_nothing_at_all(org, admin):
    raw = (HEADER + "C-1,Ana,2018-02-03,,\r\nC-2,Ben,not a date,,\r\n").encode()
    outcome = clients_csv_import(organisation=org, user=admin, raw=raw, dry_run=False)
    assert not outcome.saved and [str(p) for p in outcome.problems] == [
        'row 3, birth_date: "not a date" is not a valid date (expected YYYY-MM-DD)']
    assert not Client.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["import", "create"]).exists()


def test_a_clinician_carries_what_they_import_and_cannot_assign_others(org, clinician, colleague):
    refused = clients_csv_import(organisation=org, user=clinician, raw=(HEADER + "C-1,Ana,2018-02-03,,colin\r\n"
                                                                        ).encode(), dry_run=False)
    assert [p.column for p in refused.problems] == ["clinicians"]
    assert refused.problems[0].expected.startswith("only an administrator assigns a caseload")
    clients_csv_import(organisation=org, user=clinician, raw=(HEADER + "C-1,Ana,2018-02-03,,\r\n").encode(),
                       dry_run=False)
    assert list(Client.objects.get(reference="C-1").clinicians.all()) == [clinician]


def test_the_page_checks_the_upload_then_imports_the_checked_file(org, admin, clinician, supervisor):
    browser = HttpClient()
    browser.force_login(admin)
    raw = (HEADER + "C-1,=HYPERLINK(\"x\"),2018-02-03,,\r\n").encode()
    page = browser.post("/clients/import-csv/", {"action": "check", "csv_file": io.BytesIO(raw)})
    assert page.status_code == 200
    assert "The file is ready to import" in page.content.decode()
    assert not Client.objects.exists()
    carried = re.search(r'name="checked_file" value="([^"]+)"', page.content.decode()).group(1)
    assert base64.b64decode(carried) == raw
    done = browser.post("/clients/import-csv/", {"action": "import", "checked_file": carried})
    assert done.status_code == 302
    assert Client.objects.get(reference="C-1").display_name == '=HYPERLINK("x")'

    bad = browser.post("/clients/import-csv/", {"action": "check",
                                                "csv_file": io.BytesIO((HEADER + "C-5,,2018-02-03,,\r\n").encode())})
    assert bad.status_code == 422
    assert "Nothing was imported." in bad.content.decode() and "is required but missing" in bad.content.decode()

    supervisor_browser = HttpClient()
    supervisor_browser.force_login(supervisor)
    assert supervisor_browser.get("/clients/import-csv/").status_code == 404


def _hand_scored_case() -> dict:
    # 10 years old: every functioning item 4 (index 100, typical), relational all 2 (50, adequate),
    # perinatal adversity 4 and relational health 0: risk 100 * (0.4 * 1 + 0.6 * 1) = 100, very_high;
    # resilience 0.6 * 50 + 0.4 * (100 * 0 / 4) = 30; nothing compromised: maintain.
    from tests.factories import INSTRUMENT, all_items

    return {"format": "rootmap-case/1", "client": {"id": "=C-1", "birth_date": "2015-01-01", "display_name": "-Ann"},
            "assessments": [{"id": "A-1", "kind": "full", "date": "2025-01-01",
                             "history": {"perinatal": {"adversity": 4, "relational_health": 0}},
                             "functioning": all_items(4, 120),
                             "relational": {i: 2 for i in INSTRUMENT.relational_item_ids}}]}


def test_the_results_export_has_every_score_band_and_phase_of_what_the_user_sees(org, clinician, colleague):
    mine = case_file_import(organisation=org, user=clinician, data=_hand_scored_case())
    other = _hand_scored_case()
    other["client"]["id"] = "C-OTHER"
    case_file_import(organisation=org, user=colleague, data=other)
    text = results_csv(user=clinician)
    [row] = rows_of(text)
    assert row["client_reference"] == "'=C-1"  # neutralised: a spreadsheet shows it, never runs it
    assert (row["developmental_risk"], row["risk_band"], row["peak_period"]) == ("100.0", "very_high", "perinatal")
    assert (row["functioning_index"], row["functioning_band"]) == ("100.0", "typical")
    assert (row["relational_health"], row["relational_band"], row["resilience"]) == ("50.0", "adequate", "30.0")
    assert (row["phase"], row["entry_region"], row["ace_count"], row["age_months"]) == ("maintain", "", "0", "120")
    assert (row["domain_sensory_integration_status"], row["domain_cognitive_index"]) == ("ok", "100.0")
    assert (row["domain_relational_index"], row["domain_relational_band"]) == ("100.0", "typical")
    entry = AuditEntry.objects.filter(action="export").get()
    assert entry.detail == {"format": "csv", "what": "results", "rows": 1, "clients": [mine.pk]}
    assert entry.actor_name == "cleo"


def test_the_caseload_export_is_the_users_caseload_with_names_neutralised(org, admin, clinician, colleague):
    case_file_import(organisation=org, user=clinician, data=_hand_scored_case())
    make_client(org, "C-2", name="Bea", clinicians=(colleague,))
    mine = rows_of(caseload_csv(user=clinician, today=dt.date(2025, 3, 1)))
    assert [(r["client_reference"], r["display_name"], r["clinicians"]) for r in mine] == [("'=C-1", "'-Ann", "cleo")]
    # first full on 2025-01-01: the first follow-up is due 6 months later, not yet overdue on 2025-03-01
    assert (mine[0]["assessments"], mine[0]["latest_phase"], mine[0]["next_follow_up_due"],
            mine[0]["follow_up_overdue"]) == ("1", "maintain", "2025-07-01", "0")
    everyone = rows_of(caseload_csv(user=admin, today=dt.date(2025, 3, 1)))
    assert [r["client_reference"] for r in everyone] == ["'=C-1", "C-2"]


def test_the_estimates_export_has_the_household_numbers(org, admin, supervisor):
    household = Household.objects.create(organisation=org, reference="H-1", name="+Rivera")
    # internal all 4 = 100, external all 2 = 50, resources 75; one child of 30 months with every
    # challenge item 2: 50 * 1.15 = 57.5, demand 28.75, reserve 46.25 (strong).
    result = {"internal": 100.0, "external": 50.0, "resources": 75.0, "demand": 28.75, "reserve": 46.25,
              "reserve_band": "strong", "instrument_version": "1", "children": []}
    Estimate.objects.create(household=household, date=dt.date(2025, 6, 15), created_by=admin, result=result,
                            inputs={"children": [{"age_months": 30}]})
    # A second, as the engine's floats arrive: 66.25 computed as 66.25000000000001, a reserve of -8.25.
    noisy = {"internal": 58.33333333333333, "external": 58.33333333333333, "resources": 58.33333333333333,
             "demand": 66.25000000000001, "reserve": -8.25, "reserve_band": "strained", "instrument_version": "1"}
    Estimate.objects.create(household=household, date=dt.date(2025, 7, 1), created_by=admin, result=noisy,
                            inputs={"children": [{"age_months": 30}]})
    first, second = rows_of(estimates_csv(user=supervisor))
    # As every screen prints them (half-up, one decimal): 28.75 -> 28.8, 46.25 -> 46.3.
    assert first == {"household_reference": "H-1", "household_name": "'+Rivera", "estimate_date": "2025-06-15",
                     "children": "1", "internal": "100.0", "external": "50.0", "resources": "75.0",
                     "demand": "28.8", "reserve": "46.3", "reserve_band": "strong", "instrument_version": "1"}
    # 66.3 as on screen, not 66.25000000000001; -8.25 half-up away from zero, with an ASCII minus and no
    # formula quote, so a spreadsheet reads the number -8.3.
    assert (second["estimate_date"], second["resources"], second["demand"], second["reserve"]) == (
        "2025-07-01", "58.3", "66.3", "-8.3")


def test_the_results_export_writes_scores_as_every_screen_shows_them():
    # Floats as the engine leaves them; the screens print 77.0, 66.3, 43.8 and 81.3.
    result = {"kind": "full", "date": "2025-01-01", "age_months": 120, "instrument_version": "1",
              "developmental_risk": 77.00819672131148, "functioning_index": 66.25000000000001,
              "relational_health": 43.75, "resilience": 81.24999999999999, "ace_count": 3,
              "period_risk": {"perinatal": 12.5}, "domains": {"cognitive": {"index": 68.75, "band": "mild",
                                                                            "status": "ok"}}}
    [row] = rows_of(csv_text(*ordered(results_columns(), [results_row("C-1", "A-1", result)])))
    assert (row["developmental_risk"], row["functioning_index"], row["relational_health"], row["resilience"]) == (
        "77.0", "66.3", "43.8", "81.3")
    assert (row["period_risk_perinatal"], row["domain_cognitive_index"], row["ace_count"]) == ("12.5", "68.8", "3")
    assert row["domain_sensory_integration_index"] == ""  # not scored: an empty cell, as before


def test_the_download_is_a_csv_attachment_and_audited(org, clinician):
    browser = HttpClient()
    browser.force_login(clinician)
    response = browser.get("/clients/export/results.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="results-')
    assert AuditEntry.objects.filter(action="export", detail__what="results").count() == 1
    assert browser.get("/clients/export/passwords.csv").status_code == 404


def test_every_column_is_in_the_data_dictionary_and_the_limits_agree_with_the_client_form(capsys):
    assert main(["schema", "csv"]) == 0
    dictionary = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(dictionary[0])[:5] == ["Variable / Field Name", "Form Name", "Field Type", "Field Label",
                                       "Choices, Calculations, OR Slider Labels"]
    listed = {(r["Form Name"], r["Variable / Field Name"]) for r in dictionary}
    assert len(listed) == len(dictionary)  # no column named twice within a form
    assert listed == {(c.form, c.name) for c in all_columns()}
    risk = next(r for r in dictionary if r["Variable / Field Name"] == "risk_band")
    assert risk["Choices, Calculations, OR Slider Labels"] == (
        "low, Low | moderate, Moderate | high, High | very_high, Very high")
    form = ClientForm(organisation_id=None, can_assign=False)
    assert (form.fields["reference"].max_length, form.fields["display_name"].max_length) == (
        REFERENCE_MAX, DISPLAY_NAME_MAX)
    assert Client._meta.get_field("reference").max_length == REFERENCE_MAX
    notes = {r["Variable / Field Name"]: r["Field Note"] for r in dictionary}
    for score in ("developmental_risk", "functioning_index", "resilience", "demand", "reserve"):
        assert notes[score].startswith("One decimal, half-up, as on screen"), score


@pytest.mark.parametrize("what", ["caseload", "results", "estimates"])
def test_each_export_header_is_the_dictionarys_columns(org, admin, what):
    text = {"caseload": lambda: caseload_csv(user=admin, today=dt.date(2025, 1, 1)),
            "results": lambda: results_csv(user=admin), "estimates": lambda: estimates_csv(user=admin)}[what]()
    form = {"caseload": "caseload", "results": "results", "estimates": "household_estimates"}[what]
    assert next(csv.reader(io.StringIO(text))) == [c.name for c in all_columns() if c.form == form]
