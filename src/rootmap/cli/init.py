"""`rootmap init --organisation NAME --admin-email EMAIL [--username U] [--base-url URL]`

Sets up an organisation on a database (migrating it first if needed; SQLite or
PostgreSQL from DATABASE_URL) with its first administrator, and prints a one-time set-up
link through which they choose a password and enrol an authenticator. Run it again with
another name for another organisation in the same database; a name in use is refused.
"""

from __future__ import annotations

import argparse
import sys

from rootmap.cli._database import add_settings_argument, database_problem, setup_django

# The option that carries each field the set-up checks.
OPTIONS = {"organisation": "--organisation", "email": "--admin-email", "username": "--username"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisation", required=True, metavar="NAME", help="the organisation's name")
    parser.add_argument("--admin-email", required=True, metavar="EMAIL",
                        help="the first administrator's email address")
    parser.add_argument("--username", default="", metavar="U",
                        help="the administrator's user name (default: the email address)")
    parser.add_argument("--base-url", default="", metavar="URL",
                        help="the address people open Rootmap at (default: ROOTMAP_BASE_URL)")
    add_settings_argument(parser)


def base_url_or_exit(command: str, given: str) -> str:
    from django.conf import settings

    base = (given or getattr(settings, "ROOTMAP_BASE_URL", "")).strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        print(f"rootmap {command}: the link needs the address people open Rootmap at: set ROOTMAP_BASE_URL "
              "or give --base-url https://rootmap.example.org", file=sys.stderr)
        raise SystemExit(2)
    return base


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    base = base_url_or_exit("init", args.base_url)
    try:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        return _init(args, base)
    except DatabaseError as error:
        print(f"rootmap init: {database_problem(error)}", file=sys.stderr)
        return 2


def _init(args: argparse.Namespace, base: str) -> int:
    from rootmap.web.accounts.people import Actor, PeopleRefused, organisation_set_up
    from rootmap.web.accounts.tokens import SET_UP_DAYS, set_up_link
    from rootmap.web.audit.services import command_line_actor

    try:
        organisation, admin = organisation_set_up(
            name=args.organisation, admin_email=args.admin_email, username=args.username,
            actor=Actor(command_line=command_line_actor()))
    except PeopleRefused as refused:
        for field, message in refused.problems:  # every problem, one line each, naming the option
            print(f"rootmap init: {OPTIONS.get(field, field)}: {message}", file=sys.stderr)
        return 2
    print(f"Organisation {organisation.name!r} is set up; its first administrator is {admin.username}.")
    print(f"Give them this link (it works once, for {SET_UP_DAYS} days): they choose a password and "
          "set up an authenticator app through it.")
    print(set_up_link(admin, base_url=base))
    return 0
