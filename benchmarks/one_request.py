"""One request at a time against a seeded database: first byte, total, queries, peak RSS.

Not part of `python -m benchmarks` (it needs a database seeded with `rootmap demo --clients N`):

    ROOTMAP_DEMO=1 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/NAME PYTHONPATH=src \\
        python -m benchmarks.one_request admin /clients/export/results.csv /api/v1/clients?page=1000

Signs `USERNAME` in with Django's test client (an `/api/` path gets a read token made for the
run), reads one warm-up page, then each path in turn; `POST=1` posts instead of getting.
Peak RSS is the process's high-water mark (VmHWM), so run one export per process to read
each one's own peak. `OUT=folder` keeps each answer's bytes there (to compare two versions).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(username: str, paths: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rootmap.web.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from rootmap.web.accounts.models import User
    from rootmap.web.api.tokens import token_create

    user = User.objects.get(username=username)
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(user)
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer " + token_create(
        user=user, name=f"one_request {time.time():.0f}", scope="read", expires_days=1).secret)
    browser.get("/")  # a served process has loaded its code already
    out = os.environ.get("OUT")
    queries = [0]

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    for path in paths:
        cache.clear()  # the API's rate counts
        client = api if path.startswith("/api/") else browser
        before = _peak_mib()
        queries[0] = 0
        body = bytearray()
        with connection.execute_wrapper(counted):
            start = time.perf_counter()
            response = client.post(path) if os.environ.get("POST") else client.get(path)
            pieces = iter(response.streaming_content) if response.streaming else iter([response.content])
            body += next(pieces, b"")
            first = time.perf_counter() - start
            for piece in pieces:
                body += piece if out else b""
            total = time.perf_counter() - start
            response.close()
        if out:
            Path(out, path.strip("/").replace("/", "_").replace("?", "_")).write_bytes(bytes(body))
        print(f"{path} {response.status_code} streaming={response.streaming} first byte {first * 1000:.0f} ms, "
              f"total {total * 1000:.0f} ms, {queries[0]} queries, peak RSS {_peak_mib():.0f} MiB "
              f"(before {before:.0f} MiB)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
