"""Audit verification at scale: seed N entries into a scratch PostgreSQL database, then verify.

    python -m benchmarks.audit_bench [N] [--verify-only]   (default 1,000,000; `make bench-audit`)

The scratch database (ROOTMAP_BENCH_AUDIT_DB, default rootmap_perf_audit_bench on
127.0.0.1:5432, or ROOTMAP_BENCH_PG for the server's URL without a database) is dropped
and created, migrated, and seeded through audit.services.audit_bulk_append (the seed's
fast path: bulk inserts, one HMAC per entry), spread over 20 organisation chains and the
no-organisation chain. Then `audit_verify` walks every chain as `rootmap audit verify`
does. Target: 1 million entries verified in under a minute. Not part of `make bench`
(seeding a million rows takes a while and needs PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import tracemalloc
from typing import Any

SERVER = os.environ.get("ROOTMAP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("ROOTMAP_BENCH_AUDIT_DB", "rootmap_perf_audit_bench")


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _setup() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["ROOTMAP_AUDIT_CHECKPOINT_FILE"] = "off"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rootmap.web.test_settings")  # no secrets needed
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _entries(n: int) -> Any:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(n):
        organisation = None if i % 50 == 0 else i % 20 + 1
        yield {"action": "view", "at": start + dt.timedelta(seconds=i),
               "actor_name": f"clinician{i % 400}", "organisation_id": organisation,
               "ip_address": "10.0.0.7", "object_type": "client", "object_id": str(i % 50_000),
               "client_id": i % 50_000 + 1, "detail": {"page": "client", "section": i % 7}}


def run(n: int = 1_000_000, *, seed: bool = True) -> dict[str, str]:
    """`seed=False` (`--verify-only`) verifies the scratch database a previous run seeded."""
    if seed:
        _fresh_database()
    _setup()
    from rootmap.web.audit.services import audit_bulk_append, audit_verify

    started = time.perf_counter()
    if seed:
        audit_bulk_append(_entries(n))
    seeded = time.perf_counter() - started

    started, started_cpu = time.perf_counter(), time.process_time()
    report = audit_verify(against_checkpoints=False,
                          progress=lambda c: print(f"\r   verified {c:,}", end="", file=sys.stderr))
    verified, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(file=sys.stderr)
    assert report.ok and report.checked == n, report.problem
    peak = ""
    if n <= 100_000:  # tracemalloc slows Python several times: only on small runs
        tracemalloc.start()
        audit_verify(against_checkpoints=False)
        peak = f"; peak Python memory of verify {tracemalloc.get_traced_memory()[1] / 2**20:.1f} MiB"
        tracemalloc.stop()
    return {
        "entries": f"{n:,} in {len(report.chains)} chains",
        "seed (audit_bulk_append)": f"{seeded:.1f} s ({n / seeded:,.0f} entries/s)" if seed else "skipped",
        "verify": f"{verified:.1f} s wall, {cpu:.1f} s CPU of this process ({n / verified:,.0f} "
                  f"entries/s; target < 60 s){peak}",
        "load average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--verify-only"]
    count = int(arguments[0].replace(",", "").replace("_", "")) if arguments else 1_000_000
    for key, value in run(count, seed="--verify-only" not in sys.argv).items():
        print(f"   {key}: {value}")
