"""The CSV exports stream (issue 15): the audit entry is committed before the first byte,
the rows are read and written a chunk at a time (a constant number of queries per chunk),
and the file is exactly what the whole-text export wrote, with the same access rules."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rootmap.interop.csv_format import csv_text
from rootmap.interop.csv_schema import all_columns, ordered, results_columns, results_row
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients import csv_services
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import make_client
from tests.web.test_csv import _hand_scored_case

CASELOAD = [c.name for c in all_columns() if c.form == "caseload"]
ESTIMATES = [c.name for c in all_columns() if c.form == "household_estimates"]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch):
    monkeypatch.setattr(csv_services, "CHUNK_ROWS", 2)  # several chunks from a handful of rows


def _whole_file(header: list[str], rows: list[list[str]]) -> str:
    """The file as the stdlib's writer makes it from cells written out by hand (neutralised
    by hand too): byte-order mark, RFC 4180 lines ending in CRLF."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + stream.getvalue()


def _caseload_world(org, clinician, colleague):
    mine = case_file_import(organisation=org, user=clinician, data=_hand_scored_case())  # "=C-1", "-Ann"
    make_client(org, "C-2", name="Bea", clinicians=(colleague,))
    make_client(org, "C-3", name='Zoë "Z", the second', clinicians=(colleague, clinician),
                birth_date=dt.date(2019, 2, 3))
    make_client(org, "C-4", name="@Dee", birth_date=dt.date(2020, 5, 6))
    make_client(org, "C-5", name="Eli\r\nline two", clinicians=(clinician,))
    return mine


def _download(user, what: str):
    browser = HttpClient()
    browser.force_login(user)
    return browser.get(f"/clients/export/{what}.csv")


def _read(response) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        text = b"".join(response.streaming_content).decode("utf-8")
    return text, len(queries)


@pytest.mark.django_db(transaction=True)
def test_the_caseload_streams_after_its_audit_entry_is_committed(org, admin, clinician, colleague):
    mine = _caseload_world(org, clinician, colleague)
    response = _download(admin, "caseload")
    assert response.streaming and response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="caseload-')
    # Before a byte is read: the entry is there, committed (no transaction is open), naming
    # every row the file will hold.
    assert not connection.in_atomic_block
    entry = AuditEntry.objects.get(action="export")
    ids = sorted(Client.objects.values_list("pk", flat=True))
    assert entry.detail == {"format": "csv", "what": "caseload", "rows": 5, "clients": ids}
    assert entry.actor_name == "ada"

    text, queries = _read(response)
    # 5 rows in chunks of 2: three chunks, each its clients, their clinicians and schedules.
    assert queries == 3 * 3
    assert text == _whole_file(CASELOAD, [
        # The first full assessment on 2025-01-01: a follow-up due 6 months later, overdue by now.
        ["'=C-1", "'-Ann", "2015-01-01", "", "cleo", "1", "2025-01-01", "full", "maintain", "2025-07-01", "1"],
        ["C-2", "Bea", "2016-04-11", "", "colin", "0", "", "", "", "", ""],
        ["C-3", 'Zoë "Z", the second', "2019-02-03", "", "cleo, colin", "0", "", "", "", "", ""],
        ["C-4", "'@Dee", "2020-05-06", "", "", "0", "", "", "", "", ""],
        ["C-5", "Eli\r\nline two", "2016-04-11", "", "cleo", "0", "", "", "", "", ""],
    ])
    assert mine.pk == ids[0]


@pytest.mark.django_db
def test_a_clinician_streams_only_their_caseload_and_an_outsider_nothing(org, clinician, colleague, outsider):
    _caseload_world(org, clinician, colleague)
    text, _ = _read(_download(clinician, "caseload"))
    assert [r["client_reference"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))] == [
        "'=C-1", "C-3", "C-5"]
    entry = AuditEntry.objects.get(action="export", actor_name="cleo")
    assert entry.detail["rows"] == 3 and len(entry.detail["clients"]) == 3

    text, _ = _read(_download(outsider, "caseload"))
    assert text == _whole_file(CASELOAD, [])
    text, _ = _read(_download(outsider, "results"))
    assert text == "\ufeff" + csv_text([c.name for c in results_columns()], [])


@pytest.mark.django_db
def test_a_client_unassigned_while_the_file_is_written_is_left_out(org, clinician, colleague):
    _caseload_world(org, clinician, colleague)
    response = _download(clinician, "caseload")
    Client.objects.get(reference="C-5").clinicians.remove(clinician)  # after the entry, before its chunk
    text, _ = _read(response)
    assert [r["client_reference"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))] == ["'=C-1", "C-3"]


@pytest.mark.django_db
def test_the_results_stream_is_what_the_whole_text_export_wrote(org, admin, clinician, colleague):
    for number, user in enumerate([clinician, colleague, clinician, admin, colleague]):
        case = _hand_scored_case()
        case["client"]["id"] = f"R-{5 - number}"
        case["assessments"].append({**case["assessments"][0], "id": "A-2", "date": "2025-02-01"})
        case_file_import(organisation=org, user=user, data=case)
    response = _download(admin, "results")
    assert response.streaming
    entry = AuditEntry.objects.get(action="export")
    assessments = list(Assessment.objects.filter(status="final").select_related("client")
                       .order_by("client__reference", "client_id", "date", "id"))
    assert len(assessments) == 10
    assert entry.detail == {"format": "csv", "what": "results", "rows": 10,
                            "clients": sorted({a.client_id for a in assessments})}

    text, queries = _read(response)
    assert queries == 5  # 10 rows in chunks of 2, one query each
    # What results_csv wrote before it streamed: every row built from one list, written at once.
    assert text == "\ufeff" + csv_text(*ordered(results_columns(), [
        results_row(a.client.reference, a.reference, a.result or {}) for a in assessments]))
    assert [r["client_reference"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))][::2] == [
        "R-1", "R-2", "R-3", "R-4", "R-5"]

    mine, _ = _read(_download(clinician, "results"))
    assert [r["client_reference"] for r in csv.DictReader(io.StringIO(mine.lstrip("\ufeff")))] == [
        "R-3", "R-3", "R-5", "R-5"]


@pytest.mark.django_db
def test_the_estimates_stream_has_the_household_numbers(org, admin, supervisor):
    result = {"internal": 100.0, "external": 50.0, "resources": 75.0, "demand": 28.75, "reserve": 46.25,
              "reserve_band": "strong", "instrument_version": "1"}
    for reference, name in [("H-2", "=Second"), ("H-1", "Rivera, Ana")]:
        household = Household.objects.create(organisation=org, reference=reference, name=name)
        for day in (1, 2):
            Estimate.objects.create(household=household, date=dt.date(2025, 6, day), created_by=admin,
                                    result=result, inputs={"children": [{"age_months": 30}] * day})
    response = _download(supervisor, "estimates")
    assert response.streaming
    assert AuditEntry.objects.get(action="export").detail == {
        "format": "csv", "what": "household estimates", "rows": 4, "clients": []}
    text, queries = _read(response)
    assert queries == 2
    numbers = ["75.0", "28.8", "46.3", "strong", "1"]
    assert text == _whole_file(ESTIMATES, [
        ["H-1", "Rivera, Ana", "2025-06-01", "1", "100.0", "50.0", *numbers],
        ["H-1", "Rivera, Ana", "2025-06-02", "2", "100.0", "50.0", *numbers],
        ["H-2", "'=Second", "2025-06-01", "1", "100.0", "50.0", *numbers],
        ["H-2", "'=Second", "2025-06-02", "2", "100.0", "50.0", *numbers],
    ])


@pytest.mark.django_db
def test_the_whole_text_form_is_the_stream_joined(org, admin, clinician, colleague):
    # The text the service functions still return (tests and callers that want it whole).
    _caseload_world(org, clinician, colleague)
    whole = csv_services.caseload_csv(user=admin, today=timezone.localdate())
    streamed, _ = _read(_download(admin, "caseload"))
    assert "\ufeff" + whole == streamed
