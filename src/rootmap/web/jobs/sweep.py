"""Jobs whose process died: found, failed with a sentence for their owner, inputs removed.

On the embedded default a job runs inside the web process; if that process is killed
half-way (kill -9, a crash, a container stopped), nothing else would ever finish the row:
it said "running" forever and its uploaded files stayed on disk. So each running job
records a heartbeat (every progress call) and its runner ("web:<host>:<pid>" or
"worker:<host>:<pid>"), and a sweep fails

- any running job whose heartbeat is older than ROOTMAP_JOB_STALE_SECONDS (300), and
- at start-up of `rootmap serve` / `rootmap worker`: any running job whose runner was a
  process on this machine that is gone (or had this very process's id: a restarted
  container reuses its ids), without waiting for the timeout.

It runs at those start-ups, from the worker's scheduler, and whenever someone opens a job
page or the job list, so the embedded default needs no scheduler. Each job is failed by a
conditional update (two sweeps at once fail it once), with its audit entry in the same
transaction. An import keeps what it did file by file, so the sentence says how far it got.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rootmap.web.audit.services import audit_record
from rootmap.web.jobs.models import Job

log = logging.getLogger("rootmap.jobs")


def runner_id() -> str:
    """This process, as a job's runner: where it runs and which process it is."""
    place = "web" if settings.CELERY_TASK_ALWAYS_EAGER else "worker"
    return f"{place}:{socket.gethostname()}:{os.getpid()}"


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=max(1, int(getattr(settings, "ROOTMAP_JOB_STALE_SECONDS", 300))))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and not ours to judge
        return True
    return True


def _gone_from_this_machine(runner: str) -> bool:
    """A runner on this machine that no longer exists. A runner elsewhere is left to the
    heartbeat timeout: its process cannot be seen from here."""
    _place, _, rest = runner.partition(":")
    host, _, pid_text = rest.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    # At start-up this process runs nothing yet: a job naming its id is a predecessor's.
    return pid == os.getpid() or not _alive(pid)


# A job in these states has a process working on it. RETRYING counts on the embedded
# default only: there the next attempt follows at once, in the same process; a worker's
# retry waits in the queue (and the broker keeps it).
_ACTIVE = Q(status=Job.Status.RUNNING) | Q(status=Job.Status.RETRYING, runner__startswith="web:")


def abandoned_message(job: Job) -> tuple[str, list[str]]:
    """The sentence for the owner and, for an import, the lines of the files dealt with."""
    heard = job.heartbeat_at or job.started_at or job.created_at
    stopped = (f"The server stopped while this was running (last heard from at "
               f"{timezone.localtime(heard):%H:%M} {timezone.get_current_timezone_name()})")
    if job.kind != Job.Kind.IMPORT:
        return f"{stopped}: no file was made. Ask for it again.", list(job.summary or [])
    names: list[str] = list(job.params.get("names") or [])
    outcomes: dict[str, str] = dict(job.params.get("outcomes") or {})
    done = [outcomes[str(n)] for n in range(len(names)) if str(n) in outcomes]
    total = len(names)
    if len(done) >= total:
        return (f"{stopped}, after all {total} files had been dealt with (listed below). "
                "Nothing is left to import."), done
    current = len(done) + 1
    name = names[current - 1][:60]
    listed = f"files 1 to {len(done)} were dealt with (listed below); " if done else ""
    return (f"{stopped}: {listed}nothing after file {current} of {total} was imported, and "
            f"file {current} ({name}) may have been: look for it on your caseload. Start the "
            "import again with the files not imported (a file already imported is refused, "
            "not imported twice)."), done


def _remove_inputs(job: Job) -> None:
    from rootmap.web.jobs.services import remove_inputs

    remove_inputs(job)


def _fail(job: Job, now: dt.datetime, why: str) -> bool:
    message, summary = abandoned_message(job)
    with transaction.atomic():
        # Only if nobody touched it since we read it: a sweep elsewhere, or the job itself
        # (alive after all) moving on, wins.
        failed = Job.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
            status=Job.Status.FAILED, error=message[:500], summary=summary, finished_at=now)
        if not failed:
            return False
        audit_record(action="fail", obj=job, client_id=job.client_id, organisation_id=job.organisation_id,
                     detail={"job": job.kind, "reason": why, "runner": job.runner,
                             "last_heartbeat": (job.heartbeat_at or job.started_at or job.created_at).isoformat(),
                             "step": job.step})
    _remove_inputs(job)
    log.warning("job %s (%s) failed: %s (runner %s)", job.pk, job.kind, why, job.runner)
    return True


def job_sweep_abandoned(*, at_startup: bool = False, now: dt.datetime | None = None) -> int:
    """Fail the jobs whose process is gone; returns how many."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    count = 0
    for job in Job.objects.filter(_ACTIVE):
        heard = job.heartbeat_at or job.started_at
        if heard is None:
            continue  # running without ever starting: not a state job_attempt leaves
        if heard < cutoff:
            why = f"no sign of life for over {int(stale_after().total_seconds())} seconds"
        elif at_startup and _gone_from_this_machine(job.runner):
            why = "the process running it was gone when Rootmap started again"
        else:
            continue
        count += _fail(job, now, why)
    return count
