"""The users of `make bench-web` (run by benchmarks/web_load.py through locust's command line).

Each user takes the signed-in session BENCH_COOKIES (JSON) and reads BENCH_PAGES (JSON: [[name, path], ...])
one after another without pause, for as long as locust runs. A request is named by its page,
so locust's statistics come per page.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, constant, task

PAGES = json.loads(os.environ.get("BENCH_PAGES", "[]"))
COOKIES = json.loads(os.environ.get("BENCH_COOKIES", "{}"))


class Reader(HttpUser):
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        # The session web_load.py signed in once (argon2 sign-in is not what is measured).
        for name, value in COOKIES.items():
            self.client.cookies.set(name, value)

    @task
    def read_every_page(self) -> None:
        # Each user starts at its own page, so that under 20 users a slow page does not
        # leave the pages after it unmeasured.
        start = random.randrange(len(PAGES)) if PAGES else 0
        for name, path in PAGES[start:] + PAGES[:start]:
            self.client.get(path, name=name)
