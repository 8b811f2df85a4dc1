"""`rootmap worker`: a Celery worker for the job queue on ROOTMAP_REDIS_URL, with the
scheduler (reminders, expired files) unless --no-beat."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--concurrency", type=int, default=2, help="jobs run at once (default 2)")
    parser.add_argument("--no-beat", action="store_true",
                        help="no scheduler in this worker (run one worker with it)")
    parser.add_argument("--loglevel", default="INFO", help="INFO (default), WARNING, DEBUG")


def run(args: argparse.Namespace) -> int:
    from rootmap.cli._web import setup_django

    problem = setup_django()
    if problem:
        print(f"rootmap worker: {problem}", file=sys.stderr)
        return 2
    from django.conf import settings

    if not settings.ROOTMAP_REDIS_URL:
        print("rootmap worker: ROOTMAP_REDIS_URL is not set: without Redis, jobs run inside the web "
              "process and no worker is needed", file=sys.stderr)
        return 2
    if args.concurrency < 1:
        print("rootmap worker: --concurrency must be at least 1", file=sys.stderr)
        return 2
    from rootmap.web.jobs import storage
    from rootmap.web.jobs.queue import app
    from rootmap.web.jobs.sweep import job_sweep_abandoned

    swept = job_sweep_abandoned(at_startup=True)  # jobs a stopped process was running
    if swept:
        print(f"rootmap worker: {swept} job(s) left running by a stopped process were marked failed",
              flush=True)

    argv = ["worker", f"--loglevel={args.loglevel}", f"--concurrency={args.concurrency}",
            "--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip", "--without-mingle"]
    if not args.no_beat:
        folder = storage.job_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        argv += ["--beat", "--schedule", str(folder / ".beat-schedule")]
    app.worker_main(argv)
    return 0
