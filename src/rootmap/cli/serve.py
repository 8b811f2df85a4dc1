"""`rootmap serve`: serve an existing database (run `rootmap manage migrate` first).

One process (waitress, threads) by default; `--workers N` runs gunicorn with N processes,
which share the database, its sessions, the job queue and (with ROOTMAP_REDIS_URL) the cache.
"""

from __future__ import annotations

import argparse
import sys

from rootmap.cli._web import DEFAULT_HOST, DEFAULT_PORT, port_number, worker_count


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to serve on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port to serve on (default {DEFAULT_PORT})")
    parser.add_argument("--workers", type=worker_count, default=None,
                        help="serve with gunicorn in N processes (production; default: one waitress process)")
    parser.add_argument("--threads", type=worker_count, default=4,
                        help="threads per gunicorn process (default 4)")


def run(args: argparse.Namespace) -> int:
    from rootmap.cli._web import serve, setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap serve: {problem}", file=sys.stderr)
        return 2
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        print(f"rootmap serve: the database cannot be used: {error}", file=sys.stderr)
        return 2
    if pending:
        print("rootmap serve: the database is not up to date; run `rootmap manage migrate` "
              "(or `rootmap demo` for a demo database)", file=sys.stderr)
        return 2
    from rootmap.web.jobs.sweep import job_sweep_abandoned

    swept = job_sweep_abandoned(at_startup=True)  # jobs the last server was running when it died
    if swept:
        print(f"rootmap serve: {swept} job(s) left running by a stopped server were marked failed",
              flush=True)
    if args.workers is not None:
        from rootmap.cli._web import serve_processes

        return serve_processes(args.host, args.port, workers=args.workers, threads=args.threads)
    return serve(args.host, args.port)
