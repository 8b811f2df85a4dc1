"""`rootmap import FILE|FOLDER... --organisation ORG --clinician USERNAME`: many case files at once.

Each file is imported by the web's own service (clients.services.case_file_import: the
same checks, the same audit entry, with the operating-system user and host as the actor),
in its own transaction: a refused file saves nothing and does not stop the others. A
progress bar is drawn on a terminal, plain lines otherwise; the summary names every
refused file with its problems. Exit status 0 when every file was imported, 2 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rootmap.cli._database import add_settings_argument, database_problem, setup_django
from rootmap.cli.documents import expand
from rootmap.core.limits import MAX_FILE_BYTES, read_document_json
from rootmap.core.problems import CaseFileError, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE|FOLDER",
                        help="case files (JSON); a folder means its *.json files")
    parser.add_argument("--organisation", required=True, metavar="ORG",
                        help="the organisation's id or exact name")
    parser.add_argument("--clinician", required=True, metavar="USERNAME",
                        help="the clinician of that organisation who will carry the imported clients")
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
    if args.organisation.isdigit():
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


def import_files(paths: list[Path], organisation: Any, clinician: Any) -> Summary:
    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.clients.services import ClientInputError, case_file_import

    actor = command_line_actor()
    summary = Summary()
    for path in _progress(paths):
        try:
            data = _read(path)
            if not isinstance(data, dict) or data.get("format") != "rootmap-case/1":
                found = data.get("format") if isinstance(data, dict) else data
                raise CaseFileError([Problem("format", f"{found!r} is not a case file; expected "
                                                       '"rootmap-case/1" (households are entered in the web)')])
            client = case_file_import(organisation=organisation, user=clinician, data=data,
                                      command_line=actor, detail={"import": "rootmap import", "file": path.name})
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

    paths = list(expand(args.files))
    if not paths:
        print(f"rootmap import: no JSON files in {' '.join(args.files)}", file=sys.stderr)
        return 2
    try:
        chosen = _organisation_and_clinician(args)
        if isinstance(chosen, str):
            print(chosen, file=sys.stderr)
            return 2
        summary = import_files(paths, *chosen)
    except DatabaseError as error:
        print(f"rootmap import: {database_problem(error)}", file=sys.stderr)
        return 2
    for path, problems in summary.refused:
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
    print(f"Imported {_files(len(summary.imported))} into {chosen[0].name} for {chosen[1].username}; "
          f"refused {_files(len(summary.refused))}"
          + (f" ({', '.join(str(p) for p, _ in summary.refused)})" if summary.refused else "") + ".")
    return 2 if summary.refused else 0
