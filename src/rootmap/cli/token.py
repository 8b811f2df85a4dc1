"""`rootmap token create --user USERNAME --scope read|write [--expires DAYS] [--name N]`.

Prints the new personal API token alone on standard output (so `TOKEN=$(rootmap token
create ...)` works); anything else goes to standard error. The token is shown only now:
the database keeps its SHA-256. The audit entry names the operating-system user and host
who made it, and the user it acts as.
"""

from __future__ import annotations

import argparse
import sys


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} days: a token must last at least 1 day")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="make a personal API token and print it")
    create.add_argument("--user", required=True, metavar="USERNAME", help="the user the token acts as")
    create.add_argument("--scope", required=True, choices=["read", "write"],
                        help="read: read and score; write: also change records")
    create.add_argument("--expires", type=_days, metavar="DAYS", help="days until it expires (default: never)")
    create.add_argument("--name", default="command line", metavar="N",
                        help="what it is for, as the audit log names it (default: 'command line')")


def run(args: argparse.Namespace) -> int:
    from rootmap.cli._web import setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap token: {problem}", file=sys.stderr)
        return 2
    from rootmap.web.accounts.models import User
    from rootmap.web.api import tokens
    from rootmap.web.audit.services import command_line_actor

    user = User.objects.filter(username=args.user).first()
    if user is None:
        print(f"rootmap token: --user: no user named {args.user!r}", file=sys.stderr)
        return 2
    try:
        issued = tokens.token_create(user=user, name=args.name, scope=args.scope, expires_days=args.expires,
                                     command_line=command_line_actor())
    except tokens.TokenInputError as error:
        for p in error.problems:
            print(f"rootmap token: --{p.path if p.path != 'expires' else 'expires'}: {p.message}", file=sys.stderr)
        return 2
    print(issued.secret)
    expiry = issued.token.expires_at.date().isoformat() if issued.token.expires_at else "never"
    print(f"Token {issued.token.name!r} ({args.scope}) for {user.username}, expires {expiry}. "
          "It is shown only now.", file=sys.stderr)
    return 0
