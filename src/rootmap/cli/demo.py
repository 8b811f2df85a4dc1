"""`rootmap demo`: a database with demo data, served on http://127.0.0.1:8000.

Migrates the database named by DATABASE_URL (default: rootmap.sqlite3 in the working
folder), loads an organisation, users admin, supervisor, clinician (and clinician2), the
example clients with finalised assessments and a household, then serves. Demo mode is
shown on every page.
"""

from __future__ import annotations

import argparse
import os
import sys

from rootmap.cli._web import DEFAULT_HOST, DEFAULT_PORT, port_number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password", metavar="PW",
                        help="password of the demo users (default: a random one, printed)")
    parser.add_argument("--no-serve", action="store_true", help="load the demo data and stop")
    parser.add_argument("--clients", type=int, metavar="N", default=0,
                        help="also load N synthetic clients in several organisations (benchmarks; docs/performance.md)")
    parser.add_argument("--seed", type=int, default=15, help="random seed of the synthetic clients (default 15)")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to serve on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port to serve on (default {DEFAULT_PORT})")


def run(args: argparse.Namespace) -> int:
    os.environ["ROOTMAP_DEMO"] = "1"  # read by the settings: demo banner, no two-factor
    from rootmap.cli._web import database_label, migrate, serve, setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap demo: {problem}", file=sys.stderr)
        return 2
    if args.password is not None and not args.password.strip():
        print("rootmap demo: --password must not be empty", file=sys.stderr)
        return 2
    from rootmap.cli.demo_scale import clients_problem, load_scale, seed_problem

    # A refused --clients is refused before the demo users' passwords are set anew.
    problem = clients_problem(args.clients)
    if problem:
        print(f"rootmap demo: {problem}", file=sys.stderr)
        return 2

    from django.db import DatabaseError

    from rootmap.web.audit.services import command_line_actor
    from rootmap.web.demo import demo_load

    try:
        migrate()
        problem = seed_problem(args.clients, args.seed)
        if problem:
            print(f"rootmap demo: {problem}", file=sys.stderr)
            return 2
        summary = demo_load(password=args.password, command_line=command_line_actor())
        if args.clients and not load_scale(args.clients, args.seed):
            return 2
    except DatabaseError as error:
        print(f"rootmap demo: the database cannot be used: {error}", file=sys.stderr)
        return 2
    print(f"Demo data ready in the {database_label()}.")
    print(f"Organisation: {summary.organisation.name}")
    if summary.clients_added:
        print(f"Clients added: {', '.join(summary.clients_added)}")
    print("Users: " + ", ".join(summary.usernames) + " (clinician2 carries one client alone)")
    if summary.password_generated:
        print(f"Password of every demo user (shown once): {summary.password}")
    else:
        print("Password of every demo user: the one given with --password")
    if args.no_serve:
        return 0
    return serve(args.host, args.port)
