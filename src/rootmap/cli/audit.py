"""`rootmap audit verify`: check the audit log's HMAC chain and its signed head.

Exits 0 saying how many entries were checked, or 1 naming the first entry altered or
deleted. Needs the same ROOTMAP_AUDIT_KEY (or secret key) as the application.
"""

from __future__ import annotations

import argparse
import sys

from rootmap.cli._database import add_settings_argument, database_problem, setup_django


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check that no entry was altered or deleted")
    add_settings_argument(verify)


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    from rootmap.web.audit.services import audit_verify

    try:
        report = audit_verify()
    except DatabaseError as error:
        print(f"rootmap audit: {database_problem(error)}", file=sys.stderr)
        return 2
    if report.ok:
        print(f"Audit log intact: {report.checked} entr{'y' if report.checked == 1 else 'ies'} checked.")
        return 0
    print(f"Audit log damaged: {report.problem} "
          f"({report.checked} entries before it are intact).", file=sys.stderr)
    return 1
