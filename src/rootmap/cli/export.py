"""`rootmap export --deidentified -o FILE.csv [--k K]`: the de-identified research export.

One row per finalised assessment, with keyed pseudonyms, no dates (days since the client's
first assessment), ages in years (months under 3), names and free text removed, and every
combination of quasi-identifiers shared by at least K clients (rootmap.web.privacy). What
was generalised and suppressed is written beside the CSV as FILE.metadata.json. Every
export is recorded in the audit log with the operating-system user and host.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rootmap.cli._database import add_settings_argument, database_problem, setup_django
from rootmap.cli._output import output_problem


def _k(value: str) -> int:
    try:
        k = int(value)
    except ValueError:
        k = 0
    if k < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
    return k


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deidentified", action="store_true", required=True,
                        help="required: the command line writes only the de-identified export")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.csv",
                        help="where to write the CSV (its metadata goes to FILE.metadata.json)")
    parser.add_argument("--organisation", type=int, metavar="ID",
                        help="only this organisation's assessments (default: every organisation)")
    parser.add_argument("--k", type=_k, metavar="K",
                        help="each combination of age, sex, trigger, events and organisation is "
                             "shared by at least K clients (default: ROOTMAP_EXPORT_K, 5)")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    try:
        return _export(args)
    except DatabaseError as error:
        print(f"rootmap export: {database_problem(error)}", file=sys.stderr)
        return 2


def metadata_path(target: Path) -> Path:
    """research.csv -> research.metadata.json, beside it."""
    stem = target.name[:-len(target.suffix)] if target.suffix else target.name
    return target.with_name(f"{stem}.metadata.json")


def _progress(written: int, total: int) -> None:
    """On a terminal, the rows written so far (on stderr, overwritten in place)."""
    share = f" ({100 * written // total}%)" if total else ""
    print(f"\rWrote {written:,} of {total:,} rows{share}", end="\n" if written >= total else "",
          file=sys.stderr, flush=True)


def _export(args: argparse.Namespace) -> int:
    from rootmap.web.accounts.models import Organisation
    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.privacy.services import research_export_write

    if args.organisation is not None and not Organisation.objects.filter(pk=args.organisation).exists():
        print(f"--organisation: there is no organisation {args.organisation}", file=sys.stderr)
        return 2
    target = Path(args.output)
    problem = output_problem(target, "-o", "export.csv")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    sidecar = metadata_path(target)
    # Write beside the targets, then rename: a failed export never leaves half a file.
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".rootmap-export-", suffix=".csv")
    meta_fd, meta_temporary = tempfile.mkstemp(dir=target.parent, prefix=".rootmap-export-",
                                               suffix=".json")
    csv_file = os.fdopen(fd, "w", encoding="utf-8", newline="")
    meta_file = os.fdopen(meta_fd, "w", encoding="utf-8")
    try:
        with csv_file as stream:
            export = research_export_write(stream=stream, organisation_id=args.organisation,
                                           via="command line", k=args.k,
                                           command_line=command_line_actor(),
                                           progress=_progress if sys.stderr.isatty() else None)
        with meta_file as stream:
            json.dump(export.metadata, stream, indent=2, sort_keys=True)
            stream.write("\n")
        for path in (temporary, meta_temporary):
            os.chmod(path, 0o600)
        os.replace(temporary, target)
        os.replace(meta_temporary, sidecar)
    except BaseException:
        csv_file.close()
        meta_file.close()
        Path(temporary).unlink(missing_ok=True)
        Path(meta_temporary).unlink(missing_ok=True)
        raise
    meta = export.metadata
    generalised = max((g["rows"] for g in meta["generalised"]), default=0)
    print(f"Wrote {export.rows} de-identified assessment{'s' if export.rows != 1 else ''} to {target} "
          f"(k={meta['k']}: {generalised} generalised, {meta['rows_suppressed']} suppressed; "
          f"what and why in {sidecar}).")
    return 0
