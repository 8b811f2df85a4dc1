"""Django set-up for the commands that work on the database (audit, export, backup, restore).

The settings come from the environment, as for the web application (DATABASE_URL,
ROOTMAP_SECRET_KEY, ...); `--settings` picks another settings module.
"""

from __future__ import annotations

import argparse
import os
import sys


def add_settings_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--settings", metavar="MODULE",
                        help="Django settings module (default: rootmap.web.settings)")


def setup_django(args: argparse.Namespace) -> None:
    """Set Django up; a settings problem ends the command with one line, not a traceback."""
    if getattr(args, "settings", None):
        os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rootmap.web.settings")
    import django

    try:
        django.setup()
    except (RuntimeError, ImportError) as error:
        print(f"rootmap: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def database_problem(error: Exception) -> str:
    first_line = (str(error).strip().splitlines() or [repr(error)])[0]
    return (f"the database cannot be used ({first_line}); "
            "check DATABASE_URL and run `rootmap manage migrate`")
