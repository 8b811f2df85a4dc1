"""`rootmap backup FILE`: the whole database in one verified, compressed file.

The file holds every client's data and the sign-in secrets: keep it encrypted and
access-controlled. It is signed with the backup key (ROOTMAP_BACKUP_KEY, else derived
from the secret key): keep that key, a restore refuses a file it did not sign. Documents'
files stay in ROOTMAP_DOCUMENT_DIR: back that folder up with it. The backup is recorded
in the audit log as an export, with the operating-system user and host.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rootmap.cli._database import add_settings_argument, database_problem, setup_django
from rootmap.cli._output import output_problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="where to write the backup (e.g. rootmap.backup.json.gz)")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> int:
    problem = output_problem(Path(args.file), "FILE", "rootmap.backup.json.gz")
    if problem:
        print(f"rootmap backup: {problem}", file=sys.stderr)
        return 2
    setup_django(args)
    from django.db import DatabaseError

    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.backups import BackupError, backup_write

    try:
        manifest = backup_write(path=Path(args.file), command_line=command_line_actor())
    except BackupError as error:
        print(f"rootmap backup: {error}", file=sys.stderr)
        return 1
    except DatabaseError as error:
        print(f"rootmap backup: {database_problem(error)}", file=sys.stderr)
        return 2
    print(f"Backed up {manifest['rows']} rows of {sum(1 for v in manifest['counts'].values() if v)} "
          f"tables to {args.file} (signed with the backup key, SHA-256 {manifest['sha256'][:16]}..., "
          "verified).")
    files = manifest["counts"].get("sources.documentfile", 0)
    if files:
        from rootmap.web.sources.storage import document_dir

        print(f"The {files} documents' files are not in it: back up {document_dir()} "
              "(ROOTMAP_DOCUMENT_DIR) with it.")
    return 0
