"""The `rootmap` command.

Each subcommand lives in its own module, imported only when it runs, so that
`rootmap score` never pays for Django or WeasyPrint.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Pydantic looks for plugins through every installed package's entry points on its first
# model (importlib.metadata: a sizeable share of `rootmap score`'s start-up, issue 15).
# Rootmap uses none; set PYDANTIC_DISABLE_PLUGINS to anything else (even "") to allow them.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from rootmap.instruments import ENV_VAR, InstrumentError

# name -> (module under rootmap.cli, one-line help). Each module has
# `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "score": ("score", "score case files or household files and print the results"),
    "schema": ("schema", "print the JSON Schema of the case file (or the household file)"),
    "report": ("report", "write a clinician report, family summary or household report (PDF or HTML)"),
    "audit": ("audit", "verify the audit log (report the first altered or deleted entry) or checkpoint its head"),
    "export": ("export", "write the de-identified research export (CSV) of finalised assessments"),
    "backup": ("backup", "write the whole database to a verified, compressed backup file"),
    "restore": ("restore", "restore a backup file into an empty database and verify it"),
    "demo": ("demo", "load demo data into the database (DATABASE_URL) and serve it on 127.0.0.1:8000"),
    "serve": ("serve", "serve the web application on an existing database (--workers N: gunicorn processes)"),
    "worker": ("worker", "run a background worker for the job queue (ROOTMAP_REDIS_URL) and its scheduler"),
    "reminders": ("reminders", "email the follow-up reminders due today, once per person and period"),
    "token": ("token", "make a personal API token for a user (printed alone on standard output)"),
    "manage": ("manage", "run a Django management command (migrate, createsuperuser, ...)"),
    "init": ("init", "set up an organisation and its first administrator (prints a one-time set-up link)"),
    "user": ("user", "invite people, set roles, switch accounts off, reset authenticators"),
    "fhir": ("fhir", "FHIR R4: print the Questionnaire, export a case file as a Bundle, import a Bundle"),
    "import": ("bulk_import", "import many case files into an organisation, one transaction per file"),
    "instrument": ("instrument", "check an instrument version folder, or list the available versions"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rootmap",
        description="Rootmap: developmental assessment, brain map and sequenced plans.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Parse the command name first, then let only that command's module add its arguments.
    if argv and argv[0] in COMMANDS:
        try:
            # Importing a command can load instruments (the case file's models are built from
            # version 1), so a bad ROOTMAP_INSTRUMENTS_DIR can surface here as well as in run.
            module = importlib.import_module(f"rootmap.cli.{COMMANDS[argv[0]][0]}")
            command_parser = argparse.ArgumentParser(
                prog=f"rootmap {argv[0]}", description=COMMANDS[argv[0]][1]
            )
            module.add_arguments(command_parser)
            args = command_parser.parse_args(argv[1:])
            return int(module.run(args))
        except InstrumentError as error:
            # An instrument version that cannot be used: one line per problem, no traceback.
            for problem in error.problems:
                shown = problem if problem.startswith(ENV_VAR) else f"{ENV_VAR}: {problem}"
                print(f"rootmap {argv[0]}: {shown}", file=sys.stderr)
            return 2
        except BrokenPipeError:
            # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
    parser.parse_args(argv)  # prints usage or help and exits
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
