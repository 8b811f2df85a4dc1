"""`rootmap manage ...`: Django's management commands on Rootmap's settings.

    rootmap manage migrate
    rootmap manage createsuperuser
    rootmap manage check --deploy
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arguments", nargs=argparse.REMAINDER,
                        help="a Django management command and its arguments (try: help)")


def run(args: argparse.Namespace) -> int:
    from rootmap.cli._web import setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap manage: {problem}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["rootmap manage", *(args.arguments or ["help"])])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0
