"""`rootmap restore FILE`: load a backup into an empty, migrated database and verify it.

Refuses a database that already holds data unless --force (which replaces everything).
All or nothing: if the restored rows do not match the backup's manifest, nothing stays.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rootmap.cli._database import add_settings_argument, database_problem, setup_django


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a file written by `rootmap backup`")
    parser.add_argument("--force", action="store_true",
                        help="replace everything in a database that is not empty")
    add_settings_argument(parser)


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    from rootmap.web.backups import BackupError, backup_restore

    try:
        manifest = backup_restore(path=Path(args.file), force=args.force)
    except BackupError as error:
        print(f"rootmap restore: {error}", file=sys.stderr)
        return 1
    except DatabaseError as error:
        print(f"rootmap restore: {database_problem(error)}", file=sys.stderr)
        return 2
    print(f"Restored {manifest['rows']} rows from {args.file} (backup of {manifest['created_at']}); "
          "row counts and SHA-256 verified.")
    return 0
