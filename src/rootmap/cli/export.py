"""`rootmap export --deidentified -o FILE.csv`: the de-identified research export.

One row per finalised assessment, with keyed pseudonyms, dates shifted per client, ages
kept, names and free text removed (rootmap.web.privacy.services). Every export is
recorded in the audit log.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from rootmap.cli._database import add_settings_argument, database_problem, setup_django


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deidentified", action="store_true", required=True,
                        help="required: the command line writes only the de-identified export")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.csv",
                        help="where to write the CSV")
    parser.add_argument("--organisation", type=int, metavar="ID",
                        help="only this organisation's assessments (default: every organisation)")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    try:
        return _export(args)
    except DatabaseError as error:
        print(f"rootmap export: {database_problem(error)}", file=sys.stderr)
        return 2


def _export(args: argparse.Namespace) -> int:
    from rootmap.web.accounts.models import Organisation
    from rootmap.web.privacy.services import research_export_write

    if args.organisation is not None and not Organisation.objects.filter(pk=args.organisation).exists():
        print(f"--organisation: there is no organisation {args.organisation}", file=sys.stderr)
        return 2
    target = Path(args.output)
    if not target.parent.is_dir():
        print(f"-o: the folder {target.parent} does not exist", file=sys.stderr)
        return 2
    # Write beside the target, then rename: a failed export never leaves half a file.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".rootmap-export-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            count = research_export_write(stream=stream, organisation_id=args.organisation,
                                          via="command line")
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    print(f"Wrote {count} de-identified assessment{'s' if count != 1 else ''} to {target}.")
    return 0
