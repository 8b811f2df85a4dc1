"""`rootmap audit verify` and `rootmap audit checkpoint`.

`verify` checks the audit log's HMAC chain, its signed head, that a database holding
records has a log at all, and the chain against the signed checkpoints kept outside the
database (ROOTMAP_AUDIT_CHECKPOINT_FILE). Exits 0 saying how many entries were checked,
or 1 naming the first entry altered or deleted, or the checkpoint the log no longer
matches. `checkpoint` verifies the log, then appends a signed checkpoint of its head to
the checkpoint file (run it from cron or a systemd timer). Both need the same
ROOTMAP_AUDIT_KEY (or secret key) as the application.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from rootmap.cli._database import add_settings_argument, database_problem, setup_django


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check that no entry was altered or deleted")
    add_settings_argument(verify)
    checkpoint = sub.add_parser(
        "checkpoint", help="verify the log, then append a signed checkpoint of its head to the "
                           "checkpoint file (ROOTMAP_AUDIT_CHECKPOINT_FILE)")
    add_settings_argument(checkpoint)


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _progress_printer() -> Callable[[int], None] | None:
    """On a terminal, how far verification has come (on stderr, overwritten in place);
    nothing when the output goes to a file or a pipe (cron mails stay clean)."""
    if not sys.stderr.isatty():
        return None
    from rootmap.web.audit.models import AuditEntry

    total = AuditEntry.objects.count()
    started = time.monotonic()

    def show(checked: int) -> None:
        share = f" of {total:,} ({100 * checked // total}%)" if total else ""
        end = "\n" if checked >= total else ""
        print(f"\rChecked {checked:,}{share} entries in {time.monotonic() - started:.0f} s",
              end=end, file=sys.stderr, flush=True)

    return show


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    from rootmap.web.audit.checkpoints import CheckpointError
    from rootmap.web.audit.services import audit_checkpoint, audit_verify

    try:
        if args.action == "checkpoint":
            report, path = audit_checkpoint()
        else:
            report, path = audit_verify(progress=_progress_printer()), None
    except DatabaseError as error:
        print(f"rootmap audit: {database_problem(error)}", file=sys.stderr)
        return 2
    except CheckpointError as error:
        print(f"rootmap audit: {error}", file=sys.stderr)
        return 2
    for note in report.notes:
        print(f"Note: {note}.")
    if not report.ok:
        nothing = " No checkpoint was written." if args.action == "checkpoint" else ""
        print(f"Audit log damaged: {report.problem} "
              f"({report.checked} entries before it are intact).{nothing}", file=sys.stderr)
        return 1
    if path is not None:
        print(f"Audit log intact: {_entries(report.checked)} checked; checkpoint of its head "
              f"(entry {report.last_entry_id}) appended to {path}.")
        return 0
    print(f"Audit log intact: {_entries(report.checked)} checked.")
    return 0
