"""The Celery application: configured from Django's settings (the CELERY_* names).

A worker runs it with `rootmap worker` (or `celery -A rootmap.web.jobs.queue worker`);
Celery's Django fix-up sets Django up in each worker process before a task runs.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rootmap.web.settings")

app = Celery("rootmap")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The tasks module is imported by the app's AppConfig.ready(), in the web process and in
# each worker alike, so nothing is discovered by name here.
