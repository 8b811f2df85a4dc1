"""Time the organisation-wide pages of a seeded demo database (decision 0031).

    ROOTMAP_DEMO=1 DJANGO_SETTINGS_MODULE=rootmap.web.bench_settings \
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rootmap_orgpages_100000 \
    .venv/bin/python benchmarks/org_pages.py [reads]

Each page is read through Django's test client (no HTTP server) as the demo's `admin` and
`supervisor`, signed in once: one read for the SQL query count (X-Rootmap-Queries) and
peak Python allocation (X-Rootmap-Peak-KiB, tracemalloc), then `reads` more (10) timed;
prints the median and the slowest. Every read writes its page-view audit entry, as in
use. A quick comparison between two versions of the code on one database, not the
measurement of record (`make bench-web`, decision 0028).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import django


def main() -> None:
    django.setup()
    from django.test import Client as Browser

    from rootmap.web.accounts.models import User
    from rootmap.web.clients.models import Client

    reads = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    demo = User.objects.get(username="admin").organisation_id
    names = Client.objects.filter(organisation_id=demo).order_by("display_name", "id")
    deep = names.values_list("id", flat=True)[int(names.count() * 0.9)]
    reference = names.values_list("reference", flat=True)[int(names.count() * 0.5)]
    someone = User.objects.filter(organisation_id=demo, role="clinician").order_by("id").values_list("id", flat=True)[3]
    pages = [("dashboard", "/"), ("dashboard overdue", "/?follow_up=overdue"),
             ("dashboard 90% down", f"/?after={deep}"), ("client list", "/clients/"),
             ("client list, one clinician", f"/clients/?clinician={someone}"),
             ("client list, clinician by name", "/clients/?clinician_q=clinician"),
             ("audit log", "/audit/"), ("audit log page 150", "/audit/?page=150"),
             ("people", "/people/"),
             # The narrow filters of decision 0033: the stored latest phase and the audit
             # log's user-name and client filters, each on its own index.
             ("dashboard, phase undetermined", "/?phase=undetermined"),
             ("dashboard, phase reason", "/?phase=reason"),
             ("client list, phase reason", "/clients/?phase=reason"),
             ("dashboard, unassigned", "/?clinician=unassigned"),
             ("audit log, one client", f"/audit/?client={reference}"),
             ("audit log, one user name", "/audit/?actor=clinician")]
    print(f"{os.environ['DATABASE_URL'].rsplit('/', 1)[1]}: {names.count()} clients in the demo organisation, "
          f"median / max of {reads} reads")
    print("| page | role | queries | peak KiB | median ms | max ms |")
    print("|---|---|---|---|---|---|")
    for role in ("admin", "supervisor"):
        browser = Browser(HTTP_HOST="localhost")
        browser.force_login(User.objects.get(username=role))
        browser.get("/")  # templates compiled and caches filled before anything is measured
        for label, url in pages:
            if role == "supervisor" and url.startswith("/people/"):
                continue
            first = browser.get(url, headers={"X-Rootmap-Measure-Memory": "1"})
            assert first.status_code == 200, (url, first.status_code)
            times = []
            for _ in range(reads):
                started = time.perf_counter()
                response = browser.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(f"| {label} | {role} | {first['X-Rootmap-Queries']} | {first['X-Rootmap-Peak-KiB']} | "
                  f"{statistics.median(times):.0f} | {max(times):.0f} |", flush=True)


if __name__ == "__main__":
    main()
