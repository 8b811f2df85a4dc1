"""`rootmap restore FILE`: load a backup into an empty, migrated database and verify it.

Refuses a database that already holds data unless --force (which replaces everything).
Refuses a file not signed with this installation's backup key (edited, or made with
another key). All or nothing: if the restored rows do not match the backup's manifest, or
the audit log it restored does not verify, nothing stays. The restore is recorded in the
audit log with the operating-system user and host, and says when it wound the log back
behind its latest checkpoint, and when documents' files the restored record names are not
in ROOTMAP_DOCUMENT_DIR (a backup holds the database only).
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

    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.backups import BackupError, backup_restore

    try:
        manifest = backup_restore(path=Path(args.file), force=args.force,
                                  command_line=command_line_actor())
    except BackupError as error:
        print(f"rootmap restore: {error}", file=sys.stderr)
        return 1
    except DatabaseError as error:
        print(f"rootmap restore: {database_problem(error)}", file=sys.stderr)
        return 2
    print(f"Restored {manifest['rows']} rows from {args.file} (backup of {manifest['created_at']}); "
          "signature, row counts, SHA-256 and audit log verified.")
    missing = manifest["restore"]["document_files_missing"]
    if missing:
        from rootmap.web.sources.storage import document_dir

        files = manifest["counts"].get("sources.documentfile", len(missing))
        print(f"Warning: {len(missing)} of the {files} documents' files the restored record names "
              f"are not in {document_dir()} (or their bytes are not the ones reviewed): a backup "
              "holds the database, not the documents folder; copy that folder from where the "
              "backup was made (ROOTMAP_DOCUMENT_DIR).", file=sys.stderr)
    before = manifest["restore"]["log_entries_before"]
    if before is not None:
        print(f"Warning: the audit checkpoints recorded {before} entries, the backup held "
              f"{manifest['restore']['audit_entries'] - 1}: the entries made after this backup "
              "are gone. This restore is recorded in the audit log and its checkpoints.",
              file=sys.stderr)
    return 0
