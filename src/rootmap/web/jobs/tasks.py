"""Celery tasks: one job attempt, the reminders, and expired job files.

Tasks carry ids only; what a job is and how it went live in its row (rootmap.web.jobs.models).
"""

from __future__ import annotations

from typing import Any

from rootmap.web.jobs.queue import app


@app.task(bind=True, name="rootmap.jobs.run", max_retries=None)
def run_job(self: Any, job_id: str) -> str:
    from rootmap.web.jobs.services import job_attempt

    result = job_attempt(job_id=job_id)
    if result.retry_in is not None:
        # Celery re-queues the task with the wait (on the embedded default: at once, in-process).
        raise self.retry(countdown=result.retry_in)
    return result.status


@app.task(bind=True, name="rootmap.mail.send", max_retries=None)
def send_queued_mail(self: Any, mail_id: str) -> str:
    from rootmap.web.jobs.mail import mail_attempt

    result = mail_attempt(mail_id=mail_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.status


@app.task(name="rootmap.reminders.send")
def send_reminders() -> int:
    import datetime as dt

    from django.utils import timezone

    from rootmap.web.jobs.reminders import reminders_send

    today: dt.date = timezone.localdate()
    return len(reminders_send(today=today).sent)


@app.task(name="rootmap.jobs.sweep")
def sweep_abandoned() -> int:
    from rootmap.web.jobs.sweep import job_sweep_abandoned

    return job_sweep_abandoned()


@app.task(name="rootmap.jobs.purge")
def purge_expired() -> int:
    from rootmap.web.jobs.services import job_purge_expired

    return job_purge_expired()
