"""Asking for a job, running one attempt of it, and handing its file over.

A job is a row (rootmap.web.jobs.models.Job) that says who asked for what and how far it
got; Celery only carries its id. `job_submit` writes the row and its audit entry in one
transaction and queues the id once that has committed. `job_attempt` runs one attempt in a
worker (or, on the embedded default, in the web process): a refusal (the record is no
longer the owner's to see, say) fails at once; any other error is tried again after a
wait that doubles, ROOTMAP_JOB_RETRIES times, and then the job is marked failed with a
sentence for the owner. Nothing fails silently: every outcome ends in the row.

>>> job = job_submit(owner=user, kind="report", params={"assessment": 7, "audience": "clinician"})
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rootmap.web.audit.services import audit_record
from rootmap.web.jobs import storage
from rootmap.web.jobs.kinds import HANDLERS, JobAbandoned, JobRefused, Outcome, Progress, still_allowed
from rootmap.web.jobs.models import Job
from rootmap.web.jobs.sweep import runner_id

log = logging.getLogger("rootmap.jobs")

# A queued job nobody picked up for this long is said to be waiting for a worker.
STALE_AFTER = dt.timedelta(minutes=10)


class QueueUnavailable(Exception):
    """The job queue (Redis) could not be reached; the job is marked failed."""


def _enqueue(job_id: str) -> None:
    from rootmap.web.jobs.tasks import run_job

    try:
        run_job.delay(job_id)
    except Exception as error:  # the broker is down or refuses: said on the job's page
        log.exception("job %s could not be queued", job_id)
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=f"The job queue could not be reached ({type(error).__name__}). Try again; if it "
                  "keeps failing, tell your administrator that Redis or the worker is down.")


def job_submit(*, owner: Any, kind: str, params: dict[str, Any], client_id: int | None = None,
               inputs: list[bytes] | None = None, request: Any = None) -> Job:
    """Record the job and its audit entry, then queue it once they have committed.
    `inputs` are files the job reads (an import's case files), kept in the job folder."""
    if kind not in HANDLERS:
        raise ValueError(f"no such kind of job: {kind!r}")
    job_purge_expired()
    with transaction.atomic():
        job = Job.objects.create(owner=owner, organisation_id=owner.organisation_id, kind=kind,
                                 params={**params, "inputs": len(inputs or [])}, client_id=client_id)
        for number, content in enumerate(inputs or []):
            storage.write_file(input_name(job, number), content)
        audit_record(action="create", request=request, user=owner, obj=job, client_id=client_id,
                     detail={"job": kind, **{k: v for k, v in params.items() if k != "names"}})
        transaction.on_commit(lambda: _enqueue(str(job.pk)))
    return job


def input_name(job: Job, number: int) -> str:
    return f"{job.pk}.input-{number}"


@dataclass(frozen=True)
class AttemptResult:
    status: str
    retry_in: int | None = None  # seconds until the next attempt, when there is one


def _retry_delay(attempt: int) -> int:
    return int(getattr(settings, "ROOTMAP_JOB_RETRY_SECONDS", 30)) * 2 ** (attempt - 1)


def _max_attempts() -> int:
    return 1 + max(0, int(getattr(settings, "ROOTMAP_JOB_RETRIES", 3)))


def _user_message(error: BaseException) -> str:
    """What the owner is told about an unexpected error: its kind, never a traceback."""
    if isinstance(error, OSError):
        return f"the file could not be written ({error.strerror or type(error).__name__})"
    return f"an unexpected error ({type(error).__name__})"


def job_attempt(*, job_id: str) -> AttemptResult:
    """Run one attempt of a job; returns what became of it."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.finished:
        return AttemptResult("gone" if job is None else job.status)
    job.attempts += 1
    job.status, job.started_at, job.progress = Job.Status.RUNNING, timezone.now(), 0
    job.step, job.heartbeat_at, job.runner = "Started", job.started_at, runner_id()
    job.save(update_fields=["attempts", "status", "started_at", "progress", "step", "heartbeat_at",
                            "runner"])
    progress = Progress(job)
    try:
        if not job.owner.is_active:
            raise JobRefused("the account that asked for it was deactivated")
        outcome = HANDLERS[job.kind](job, progress)
        return _finish_done(job, outcome)  # storing the file can fail too, and is retried
    except JobAbandoned:
        # The sweep failed it while it ran (no heartbeat for too long): its sentence stands.
        return AttemptResult(Job.Status.FAILED)
    except JobRefused as refusal:
        return _finish_failed(job, f"Refused: {refusal}.")
    except Exception as error:
        log.exception("job %s (%s), attempt %s of %s failed", job.pk, job.kind, job.attempts,
                      _max_attempts())
        if job.attempts < _max_attempts():
            delay = _retry_delay(job.attempts)
            error_text = (f"Attempt {job.attempts} of {_max_attempts()} failed: {_user_message(error)}. "
                          f"Trying again in {delay} seconds.")
            if not _update_running(job, status=Job.Status.RETRYING, error=error_text,
                                   heartbeat_at=timezone.now()):
                return AttemptResult(Job.Status.FAILED)
            return AttemptResult(Job.Status.RETRYING, retry_in=delay)
        return _finish_failed(job, f"Failed after {job.attempts} attempts: {_user_message(error)}. "
                                   "Try again later; if it keeps failing, tell your administrator "
                                   "(the worker's log has the details).")


def _update_running(job: Job, **fields: Any) -> bool:
    """Write the outcome only if the job is still running: the sweep may have failed it
    (its process looked dead), and then its sentence to the owner stands."""
    if not Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**fields):
        return False
    for name, value in fields.items():
        setattr(job, name, value)
    return True


def _finish_done(job: Job, outcome: Outcome) -> AttemptResult:
    now = timezone.now()
    stored = None
    if outcome.content is not None:
        stored = storage.write_file(f"{job.pk}.result", outcome.content)
    elif outcome.stored:
        stored = storage.path_of(outcome.stored)
    fields: dict[str, Any] = {}
    if stored is not None:
        fields.update(result_file=stored.name, result_size=stored.stat().st_size,
                      result_name=outcome.name, result_type=outcome.content_type,
                      expires_at=now + dt.timedelta(hours=int(getattr(settings, "ROOTMAP_JOB_HOURS", 24))))
    if not _update_running(job, status=Job.Status.DONE, progress=100, step="Finished", error="",
                           summary=outcome.summary, finished_at=now, heartbeat_at=now, **fields):
        if stored is not None:
            storage.remove(stored.name)  # nobody will be offered it
        return AttemptResult(Job.Status.FAILED)
    remove_inputs(job)
    return AttemptResult(job.status)


def _finish_failed(job: Job, message: str) -> AttemptResult:
    _update_running(job, status=Job.Status.FAILED, error=message[:500], finished_at=timezone.now())
    remove_inputs(job)
    return AttemptResult(Job.Status.FAILED)


def remove_inputs(job: Job) -> None:
    for number in range(int((job.params or {}).get("inputs") or 0)):
        storage.remove(input_name(job, number))


def job_waiting_too_long(job: Job, now: dt.datetime | None = None) -> bool:
    """Queued and nobody picked it up for STALE_AFTER: no worker is running, probably."""
    return job.status == Job.Status.QUEUED and (now or timezone.now()) - job.created_at > STALE_AFTER


def job_result_open(*, job: Job, request: Any) -> Any:
    """The job's file, opened for its owner, with the download in the audit log; None when
    there is no file (not finished, expired or removed). Raises JobRefused when the owner
    may no longer see what it holds (kinds.still_allowed)."""
    if job.status != Job.Status.DONE or not job.result_file:
        return None
    if job.expires_at is not None and job.expires_at <= timezone.now():
        return None
    still_allowed(job)
    path = storage.path_of(job.result_file)
    if path is None:
        return None
    handle = path.open("rb")
    audit_record(action="download", request=request, obj=job, client_id=job.client_id,
                 detail={"job": job.kind, "file": job.result_name})
    return handle


def job_purge_expired(now: dt.datetime | None = None) -> int:
    """Remove the files of jobs past their expiry; the rows stay (they say it expired)."""
    now = now or timezone.now()
    expired = Job.objects.filter(expires_at__lte=now).exclude(result_file="")
    count = 0
    for job in expired:
        storage.remove(job.result_file)
        Job.objects.filter(pk=job.pk).update(result_file="")
        count += 1
    return count
