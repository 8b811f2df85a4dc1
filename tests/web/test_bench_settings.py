"""The measuring middleware of `make bench-web` exists only in its own settings (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

MEASURE = "rootmap.web.bench_middleware.MeasureMiddleware"


def test_the_normal_settings_do_not_measure():
    assert MEASURE not in settings.MIDDLEWARE


def test_the_bench_settings_refuse_to_load_outside_demo_mode():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOTMAP_", "DJANGO_"))}
    run = subprocess.run([sys.executable, "-c", "import rootmap.web.bench_settings"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "for `make bench-web`" in run.stderr


@pytest.mark.django_db
def test_the_middleware_counts_queries_and_measures_memory_when_asked(client, django_user_model):
    user = django_user_model.objects.create_user(username="bench-reader", password="a long password here")
    client.force_login(user)
    with override_settings(MIDDLEWARE=[MEASURE, *settings.MIDDLEWARE]):
        plain = client.get("/jobs/")
        measured = client.get("/jobs/", headers={"X-Rootmap-Measure-Memory": "1"})
    assert plain.status_code == 200 and int(plain["X-Rootmap-Queries"]) >= 2  # session and user at least
    assert "X-Rootmap-Peak-KiB" not in plain
    assert int(measured["X-Rootmap-Peak-KiB"]) > 0
