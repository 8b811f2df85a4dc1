"""Clients in from CSV, and the caseload, results and household estimates out as CSV.

Import: every row is checked by the client form and created by `services.client_create`
(the same rules, the same audit entry per client as the web page), all inside one
transaction with one `import` entry for the file. A dry run does exactly the same and
rolls back, so it finds every problem the real import would; a real import with any
problem saves nothing. Exports read through the clients and caregiving selectors (what
the user may see, nothing more) and are recorded in the audit log with their row count
and the clients they hold, committed before the first byte is written; then they are
read and written CHUNK_ROWS rows at a time (the page streams them), so an export of
100,000 clients holds a few hundred rows in memory, never the whole file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from rootmap.core.problems import NOT_A_DATE, REQUIRED, Problem, show, too_long
from rootmap.interop.csv_format import csv_chunks, read_csv
from rootmap.interop.csv_schema import (
    CLIENT_IMPORT,
    caseload_columns,
    estimates_columns,
    estimates_row,
    ordered,
    results_columns,
    results_row,
)
from rootmap.web.access import households_visible_to
from rootmap.web.accounts.models import Organisation, User
from rootmap.web.audit.services import audit_record
from rootmap.web.caregiving.models import Estimate
from rootmap.web.clients import selectors, services
from rootmap.web.clients.forms import ClientForm

IMPORT_COLUMNS = tuple(c.name for c in CLIENT_IMPORT)
REQUIRED_COLUMNS = tuple(c.name for c in CLIENT_IMPORT if c.required)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int | None          # as a spreadsheet numbers it (the header is row 1); None: the whole file
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        where = f"row {self.row}, {self.column}" if self.row is not None else self.column
        if not self.value:
            return f"{where}: {self.expected}"
        # Core's problems read as a sentence after the value: '"2019-02-30" is not a valid date'.
        joint = " " if self.expected.startswith("is ") else ": "
        return f"{where}: {show(self.value)}{joint}{self.expected}"


@dataclass
class CsvImport:
    rows: int = 0                                     # data rows read
    references: list[str] = field(default_factory=list)  # clients created (or that would be)
    problems: list[RowProblem] = field(default_factory=list)
    saved: bool = False


def may_import_csv(user: User) -> bool:
    """Clinicians (for their own caseload) and administrators (for anyone's) import clients."""
    return user.organisation_id is not None and user.role in (User.Role.CLINICIAN, User.Role.ADMIN)


def _core_wording(name: str, error: ValidationError) -> str:
    """A form's problem in the words the case file and every other import use (core.problems),
    not Django's ("This field is required", "Enter a valid date")."""
    if error.code == "required":
        return REQUIRED
    if name == "birth_date" and error.code == "invalid":
        return NOT_A_DATE
    if error.code == "max_length":
        return too_long((error.params or {}).get("limit_value"))
    return " ".join(error.messages).rstrip(".")


def _row_problems(number: int, row: dict[str, str], form: ClientForm) -> list[RowProblem]:
    return [RowProblem(number, name, row.get(name, ""), _core_wording(name, error))
            for name, errors in form.errors.as_data().items() for error in errors]


def _clinicians(number: int, row: dict[str, str], user: User, by_name: dict[str, User]
                ) -> tuple[list[User], list[RowProblem]]:
    names = [n.strip() for n in row.get("clinicians", "").split(",") if n.strip()]
    if names and user.role != User.Role.ADMIN:
        return [], [RowProblem(number, "clinicians", row["clinicians"],
                               "only an administrator assigns a caseload; leave it empty "
                               "(you will carry the clients you import)")]
    chosen, problems = [], []
    for name in names:
        if name in by_name:
            chosen.append(by_name[name])
        else:
            problems.append(RowProblem(number, "clinicians", name,
                                       "is not an active clinician of your organisation"))
    return chosen, problems


def _service_problem(number: int, row: dict[str, str], problem: Problem) -> RowProblem:
    column = problem.path if problem.path in IMPORT_COLUMNS else "reference"
    return RowProblem(number, column, row.get(column, ""), problem.message)


def clients_csv_import(*, organisation: Organisation, user: User, raw: bytes, dry_run: bool,
                       request: HttpRequest | None = None, command_line: Any = None) -> CsvImport:
    """Check (dry run) or import a CSV of clients, all or nothing. See the module's docstring."""
    outcome = CsvImport()
    rows, file_problems = read_csv(raw, required=REQUIRED_COLUMNS, allowed=IMPORT_COLUMNS)
    outcome.problems += [RowProblem(int(p.path.split()[1]) if p.path.startswith("row ") else None,
                                    "row" if p.path.startswith("row ") else p.path,
                                    "" if p.value is None or not isinstance(p.value, str) else p.value,
                                    p.message) for p in file_problems]
    outcome.rows = len(rows)
    if not rows and not outcome.problems:
        outcome.problems.append(RowProblem(None, "file", "", "has no rows under its header; nothing to import"))
    if outcome.problems:
        return outcome
    by_name = {u.username: u for u in selectors.clinicians_of(organisation.pk)}
    first_row: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:
            number = int(row["_row"])
            form = ClientForm({k: row.get(k, "") for k in ("reference", "display_name", "birth_date", "interests")},
                              organisation_id=organisation.pk, can_assign=False)
            problems = [] if form.is_valid() else _row_problems(number, row, form)
            clinicians, clinician_problems = _clinicians(number, row, user, by_name)
            problems += clinician_problems
            reference = row.get("reference", "")
            if reference in first_row:
                problems.append(RowProblem(number, "reference", reference,
                                           f"is also on row {first_row[reference]}; each client once"))
            first_row.setdefault(reference, number)
            if not problems:
                data = form.cleaned_data
                try:
                    services.client_create(organisation=organisation, user=user, reference=data["reference"],
                                           display_name=data["display_name"], birth_date=data["birth_date"],
                                           interests=data["interests"], clinicians=clinicians, request=request,
                                           command_line=command_line)
                except services.ClientInputError as error:
                    problems += [_service_problem(number, row, p) for p in error.problems]
                else:
                    outcome.references.append(data["reference"])
            outcome.problems += problems
        if outcome.problems or dry_run:
            transaction.set_rollback(True)  # a dry run, or a file with problems: nothing stays
            return outcome
        detail = {"format": "csv", "what": "clients", "clients": len(outcome.references)}
        if command_line is not None:
            audit_record(action="import", organisation_id=organisation.pk, command_line=command_line,
                         detail={**detail, "for_user": user.username})
        else:
            audit_record(action="import", request=request, user=user, detail=detail)
    outcome.saved = True
    return outcome


# Rows read, built and written at a time: a few queries and a few hundred rows in memory,
# whatever the number of clients (issue 15).
CHUNK_ROWS = 500


@dataclass(frozen=True)
class CsvExport:
    """An export already recorded in the audit log: `rows` rows, written as `pieces` (the
    header, then one piece per chunk of rows), read from the database as they are asked for."""

    rows: int
    pieces: Iterator[str]

    def text(self) -> str:
        return "".join(self.pieces)


def _chunks(ids: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(ids), CHUNK_ROWS):
        yield ids[start:start + CHUNK_ROWS]


def _export(user: User, request: HttpRequest | None, what: str, header: list[str],
            row_chunks: Iterator[list[list[Any]]], rows: int, client_ids: Iterable[int]) -> CsvExport:
    """Record the export (committed before any of it is written: no audit entry, no file),
    then write it a chunk at a time.

    The rows are the ones named when it was recorded (their ids were read first), each chunk
    read again through the same access-checked selector; a row that left what the user may
    see meanwhile is left out.
    """
    with transaction.atomic():
        audit_record(action="export", request=request, user=user,
                     detail={"format": "csv", "what": what, "rows": rows, "clients": sorted(set(client_ids))})
    return CsvExport(rows=rows, pieces=csv_chunks(header, row_chunks))


def caseload_csv_export(*, user: User, today: dt.date, request: HttpRequest | None = None) -> CsvExport:
    ids = selectors.caseload_export_ids(user=user)
    columns = caseload_columns()
    names = [c.name for c in columns]

    def row_chunks() -> Iterator[list[list[Any]]]:
        for chunk in _chunks(ids):
            yield ordered(columns, [{
                "client_reference": r.client.reference, "display_name": r.client.display_name,
                "birth_date": r.client.birth_date.isoformat(), "interests": ", ".join(r.client.interests or []),
                "clinicians": ", ".join(r.clinicians), "assessments": r.assessments,
                "latest_assessment_date": r.latest_date.isoformat() if r.latest_date else None,
                "latest_assessment_kind": r.latest_kind, "latest_phase": r.phase,
                "next_follow_up_due": r.follow_up.next_due.isoformat() if r.follow_up.next_due else None,
                "follow_up_overdue": None if r.follow_up.next_due is None else int(r.follow_up.overdue),
            } for r in selectors.caseload_export_rows(user=user, ids=chunk, today=today)])[1]

    return _export(user, request, "caseload", names, row_chunks(), len(ids), ids)


def results_csv_export(*, user: User, request: HttpRequest | None = None) -> CsvExport:
    ids = selectors.results_export_ids(user=user)
    columns = results_columns()
    names = [c.name for c in columns]

    def row_chunks() -> Iterator[list[list[Any]]]:
        for chunk in _chunks([pk for pk, _ in ids]):
            yield ordered(columns, [results_row(a.client.reference, a.reference, a.result or {})
                                    for a in selectors.results_export_rows(user=user, ids=chunk)])[1]

    return _export(user, request, "results", names, row_chunks(), len(ids), (client for _, client in ids))


def estimates_csv_export(*, user: User, request: HttpRequest | None = None) -> CsvExport:
    """Household-level numbers only: a child's challenge may belong to a client the user may not see."""
    def estimates() -> QuerySet[Estimate]:
        return (Estimate.objects.filter(household__in=households_visible_to(user))
                .order_by("household__reference", "household_id", "date", "id"))

    ids = list(estimates().values_list("pk", flat=True))
    columns = estimates_columns()
    names = [c.name for c in columns]

    def row_chunks() -> Iterator[list[list[Any]]]:
        for chunk in _chunks(ids):
            found = {e.pk: e for e in estimates().filter(pk__in=list(chunk)).select_related("household")}
            yield ordered(columns, [
                estimates_row(e.household.reference, e.household.name, e.date.isoformat(),
                              len((e.inputs or {}).get("children") or []), e.result or {})
                for e in (found[pk] for pk in chunk if pk in found)])[1]

    return _export(user, request, "household estimates", names, row_chunks(), len(ids), [])


def caseload_csv(*, user: User, today: dt.date, request: HttpRequest | None = None) -> str:
    """The whole caseload CSV as one text (the page streams `caseload_csv_export` instead)."""
    return caseload_csv_export(user=user, today=today, request=request).text()


def results_csv(*, user: User, request: HttpRequest | None = None) -> str:
    return results_csv_export(user=user, request=request).text()


def estimates_csv(*, user: User, request: HttpRequest | None = None) -> str:
    return estimates_csv_export(user=user, request=request).text()
