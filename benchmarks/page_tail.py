"""Where a page's slowest reads spend their time: the SQL statement behind each slow request.

`make bench-web` gives each page's p95; when the p95 at 100,000 clients is far above the p50,
this says whether the tail is the page's own queries or something else. It reads pages in
one process with Django's test client under the bench settings, DEBUG on so that
`connection.queries` times every statement, and prints per page p50/p95/max and, for the
slowest requests, their total time, their SQL time and their slowest statement.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rootmap_bench_100000 \\
    ROOTMAP_DEMO=1 ROOTMAP_AUDIT_CHECKPOINT_FILE=off \\
    DJANGO_SETTINGS_MODULE=rootmap.web.bench_settings \\
    python -m benchmarks.page_tail [username] [reads]

Each read is a real page view, so each appends an audit entry, as in production.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Read:
    seconds: float
    status: int
    sql_seconds: float
    slowest_sql: str


def _pages() -> list[str]:
    from django.db import connection

    from benchmarks.web_load import pages  # the same client and household the bench reads

    settings = connection.settings_dict

    class _Db:  # the fields of web_load.Database that pages() uses
        url = (f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}")

    wanted = {"client page", "assessment results", "household page", "audit log"}
    return [path for name, path in pages(_Db()) if name in wanted]  # type: ignore[arg-type]


def run(username: str = "admin", reads: int = 300) -> dict[str, str]:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    from rootmap.web.accounts.models import User

    settings.DEBUG = True  # connection.queries times each statement (bench database only)
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(User.objects.get(username=username))
    results: dict[str, str] = {}
    for path in _pages():
        done: list[Read] = []
        for _ in range(reads):
            reset_queries()
            start = time.perf_counter()
            status = browser.get(path).status_code
            seconds = time.perf_counter() - start
            timed = [(float(q["time"]), q["sql"][:48]) for q in connection.queries]
            slowest = max(timed, default=(0.0, ""))
            done.append(Read(seconds, status, sum(t for t, _ in timed), slowest[1]))
        ordered = sorted(r.seconds for r in done)
        tail = sorted(done, key=lambda r: -r.seconds)[:5]
        results[path] = (
            f"status {done[0].status}; p50 {ordered[len(ordered) // 2] * 1000:.0f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
            "slowest (total / SQL ms, slowest statement): "
            + "; ".join(f"{r.seconds * 1000:.0f} / {r.sql_seconds * 1000:.0f} {r.slowest_sql!r}" for r in tail)
        )
    return results


if __name__ == "__main__":  # pragma: no cover
    arguments = sys.argv[1:]
    user = arguments[0] if arguments else "admin"
    count = int(arguments[1]) if len(arguments) > 1 else 300
    for page, line in run(user, count).items():
        print(f"{page}: {line}")
