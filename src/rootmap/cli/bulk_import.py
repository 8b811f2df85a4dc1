"""`rootmap import FILE|FOLDER... --organisation ORG --clinician USERNAME [--dry-run]`.

Many case files (*.json) at once, and CSV files of clients (*.csv, the columns of
`rootmap schema csv`, form client_import). Each file is imported by the web's own service
(clients.services.case_file_import, clients.csv_services.clients_csv_import: the same
checks, the same audit entries, with the operating-system user and host as the actor), in
its own transaction: a refused file saves nothing and does not stop the others; a CSV file
is all or nothing. `--dry-run` runs every check and saves nothing. A progress bar is drawn
on a terminal, plain lines otherwise; the summary names every refused file with its
problems. Exit status 0 when every file was imported (or would be), 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rootmap.cli._database import add_settings_argument, database_problem, setup_django
from rootmap.core.limits import MAX_FILE_BYTES, read_document_json
from rootmap.core.problems import CaseFileError, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE|FOLDER",
                        help="case files (JSON) or CSV files of clients; a folder means its *.json and *.csv files")
    parser.add_argument("--organisation", required=True, metavar="ORG",
                        help="the organisation's id or exact name")
    parser.add_argument("--clinician", required=True, metavar="USERNAME",
                        help="the clinician of that organisation who will carry the imported clients")
    parser.add_argument("--dry-run", action="store_true",
                        help="check every file as the import would, and save nothing")
    add_settings_argument(parser)


@dataclass
class Summary:
    imported: list[tuple[Path, str]] = field(default_factory=list)      # (file, client reference)
    refused: list[tuple[Path, list[Problem]]] = field(default_factory=list)


def _read(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CaseFileError([Problem("$", f"the file is {path.stat().st_size / 1024 / 1024:.1f} MB; "
                                              f"a case file may be at most {MAX_FILE_BYTES // 1024 // 1024} MB")])
        return read_document_json(path.read_bytes())
    except FileNotFoundError:
        raise CaseFileError([Problem("$", "no such file")]) from None
    except OSError as error:
        raise CaseFileError([Problem("$", f"cannot be read ({error.__class__.__name__}: {error})")]) from None


def expand(names: list[str]) -> list[Path]:
    """Files as given; a folder stands for its *.json and *.csv files in name order."""
    paths: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            paths += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".csv"))
        else:
            paths.append(path)
    return paths


def _progress(paths: list[Path]) -> Iterator[Path]:
    """A progress bar on a terminal; one line per file otherwise (logs, pipes, cron)."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import track

        yield from track(paths, description="Importing", console=Console(stderr=True), transient=True)
        return
    for n, path in enumerate(paths, start=1):
        print(f"[{n}/{len(paths)}] {path}", file=sys.stderr)
        yield path


def _organisation_and_clinician(args: argparse.Namespace) -> tuple[Any, Any] | str:
    from rootmap.web.accounts.models import Organisation, User

    found = Organisation.objects.filter(name=args.organisation)
    if args.organisation.isascii() and args.organisation.isdigit():
        found = Organisation.objects.filter(pk=int(args.organisation)) | found
    organisations = list(found[:2])
    if len(organisations) != 1:
        return (f"--organisation: {args.organisation!r} is "
                f"{'not an organisation' if not organisations else 'the name of more than one organisation'}"
                " (expected an organisation's id or exact name)")
    organisation = organisations[0]
    user = User.objects.filter(username=args.clinician).first()
    if user is None or user.organisation_id != organisation.pk:
        return f"--clinician: {args.clinician!r} is not a user of {organisation.name}"
    if user.role != User.Role.CLINICIAN or not user.is_active:
        return (f"--clinician: {args.clinician!r} is {'inactive' if not user.is_active else 'not a clinician'}; "
                "expected an active clinician, who will carry the imported clients")
    return organisation, user


class _DryRun(Exception):
    """Raised inside the transaction of a checked case file, so that nothing of it stays."""


def _csv_file(path: Path, organisation: Any, clinician: Any, actor: Any, dry_run: bool) -> list[str]:
    """Clients from one CSV file; returns their references, or raises CaseFileError with the rows' problems."""
    from rootmap.web.clients.csv_services import clients_csv_import

    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CaseFileError([Problem("$", f"cannot be read ({error.__class__.__name__}: {error})")]) from None
    outcome = clients_csv_import(organisation=organisation, user=clinician, raw=raw, dry_run=dry_run,
                                 command_line=actor)
    if outcome.problems:
        raise CaseFileError([Problem(f"row {p.row}, {p.column}" if p.row is not None else p.column,
                                     str(p).split(": ", 1)[1] if ": " in str(p) else p.expected)
                             for p in outcome.problems])
    return outcome.references


def import_files(paths: list[Path], organisation: Any, clinician: Any, *, dry_run: bool = False) -> Summary:
    from django.db import transaction

    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.clients.services import ClientInputError, case_file_import

    actor = command_line_actor()
    summary = Summary()
    for path in _progress(paths):
        try:
            if path.suffix.lower() == ".csv":
                references = _csv_file(path, organisation, clinician, actor, dry_run)
                summary.imported.append((path, ", ".join(references)))
                continue
            data = _read(path)
            if not isinstance(data, dict) or data.get("format") != "rootmap-case/1":
                found = data.get("format") if isinstance(data, dict) else data
                raise CaseFileError([Problem("format", f"{found!r} is not a case file; expected "
                                                       '"rootmap-case/1" (households are entered in the web)')])
            try:
                with transaction.atomic():
                    client = case_file_import(organisation=organisation, user=clinician, data=data,
                                              command_line=actor,
                                              detail={"import": "rootmap import", "file": path.name})
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
        except (CaseFileError, ClientInputError) as error:
            summary.refused.append((path, error.problems))
        else:
            summary.imported.append((path, client.reference))
    return summary


def _files(n: int) -> str:
    return f"{n} file{'s' if n != 1 else ''}"


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    paths = expand(args.files)
    if not paths:
        print(f"rootmap import: no JSON or CSV files in {' '.join(args.files)}", file=sys.stderr)
        return 2
    try:
        chosen = _organisation_and_clinician(args)
        if isinstance(chosen, str):
            print(chosen, file=sys.stderr)
            return 2
        summary = import_files(paths, *chosen, dry_run=args.dry_run)
    except DatabaseError as error:
        print(f"rootmap import: {database_problem(error)}", file=sys.stderr)
        return 2
    for path, problems in summary.refused:
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
    verb = "Checked (nothing saved): would import" if args.dry_run else "Imported"
    print(f"{verb} {_files(len(summary.imported))} into {chosen[0].name} for {chosen[1].username}; "
          f"refused {_files(len(summary.refused))}"
          + (f" ({', '.join(str(p) for p, _ in summary.refused)})" if summary.refused else "") + ".")
    return 2 if summary.refused else 0
