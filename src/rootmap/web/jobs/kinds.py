"""What each kind of job does, given its row: each handler returns an Outcome (the file to
offer and lines for the page) and reports its progress as it goes.

Handlers read records as the owner would (rootmap.web.access): a report of a client who
left the owner's caseload since the job was asked for is refused, not rendered.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.http import Http404
from django.utils import timezone

from rootmap.web.jobs import storage
from rootmap.web.jobs.models import Job


class JobRefused(Exception):
    """The job cannot be done and trying again will not help; the message says why."""


class JobAbandoned(Exception):
    """The sweep failed this job while it ran (its heartbeat was too old): stop, write nothing."""


@dataclass(frozen=True)
class Outcome:
    content: bytes | None = None
    stored: str = ""  # or: the name of a file the handler already wrote into the job folder
    name: str = ""
    content_type: str = "application/octet-stream"
    summary: list[str] = field(default_factory=list)


class Progress:
    """Writes how far a job got into its row, for the page that polls it, and the job's
    heartbeat (rootmap.web.jobs.sweep). A job the sweep failed meanwhile stops here."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def __call__(self, percent: int, step: str) -> None:
        self.job.progress, self.job.step = max(0, min(100, int(percent))), step[:200]
        self.job.heartbeat_at = timezone.now()
        if not Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
                progress=self.job.progress, step=self.job.step, heartbeat_at=self.job.heartbeat_at):
            raise JobAbandoned(str(self.job.pk))


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def report(job: Job, progress: Progress) -> Outcome:
    from rootmap.web.access import assessment_for
    from rootmap.web.assessments import reports
    from rootmap.web.assessments.models import Assessment

    params = job.params
    audience = params.get("audience")
    if audience not in ("clinician", "family"):
        raise JobRefused(f"there is no {audience!r} report")
    try:
        assessment = assessment_for(job.owner, params.get("assessment"))
    except Http404:
        raise JobRefused("the assessment is not on your caseload any more") from None
    if assessment.status != Assessment.Status.FINAL or not assessment.result:
        raise JobRefused(f"{assessment.reference} is not finalised")
    progress(10, "Rendering the report")
    try:
        content = reports.report(assessment, audience=audience, fmt="pdf")
    except reports.ReportUnavailable as error:
        raise JobRefused(str(error)) from None
    progress(90, "Storing the file")
    signed = (assessment.snapshot or {}).get("client") or {}
    reference = signed.get("id") or assessment.client.reference
    name = _safe(f"rootmap-{reference}-{assessment.reference}") + f"-{audience}.pdf"
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return Outcome(content=data, name=name, content_type="application/pdf")


def household_report(job: Job, progress: Progress) -> Outcome:
    """The caregiver estimator report of one saved estimate, as the owner may see it now."""
    from rootmap.web.access import household_for
    from rootmap.web.caregiving import services

    try:
        household = household_for(job.owner, job.params.get("household"))
    except Http404:
        raise JobRefused("the household is not yours to see any more") from None
    estimate = household.estimates.filter(pk=job.params.get("estimate")).first()
    if estimate is None:
        raise JobRefused("the estimate was removed")
    progress(10, "Rendering the report")
    pdf = services.household_report_download(household=household, estimate=estimate, user=job.owner)
    progress(90, "Storing the file")
    return Outcome(content=pdf, name=_safe(f"household-{household.reference}-{estimate.date}") + ".pdf",
                   content_type="application/pdf")


def research_export(job: Job, progress: Progress) -> Outcome:
    from rootmap.web.access import can_administer
    from rootmap.web.privacy.services import research_export_write

    if not can_administer(job.owner):
        raise JobRefused("only an administrator may export")
    progress(10, "Making the de-identified rows")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    # The CSV goes into the archive as its rows are made, and the archive straight into the
    # job folder: neither the rows nor the file are ever held in memory whole.
    folder = storage.ensure_dir()
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-")
    try:
        with os.fdopen(fd, "w+b") as handle:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                with bundle.open(f"rootmap-research-{stamp}.csv", "w", force_zip64=True) as raw, \
                        io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                    export = research_export_write(stream=text, user=job.owner,
                                                   organisation_id=job.owner.organisation_id,
                                                   via="job")
                progress(80, "Packing the file")
                bundle.writestr(f"rootmap-research-{stamp}.metadata.json",
                                json.dumps(export.metadata, indent=2, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        path = folder / f"{job.pk}.result"
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Outcome(stored=path.name, name=f"rootmap-research-{stamp}.zip",
                   content_type="application/zip",
                   summary=[f"{export.rows} rows; {export.metadata['rows_suppressed']} suppressed for "
                            f"k = {export.metadata['k']}"])


def case_file_import(job: Job, progress: Progress) -> Outcome:
    """Each file is imported on its own (one refused file does not stop the others) and
    only once: a retry after a failure half-way skips the files already done."""
    from rootmap.web.clients.services import ClientInputError
    from rootmap.web.clients.services import case_file_import as import_one
    from rootmap.web.jobs.services import input_name

    names: list[str] = list(job.params.get("names") or [])
    outcomes: dict[str, str] = dict(job.params.get("outcomes") or {})
    total = len(names)
    for number, name in enumerate(names):
        key = str(number)
        if key in outcomes:
            continue
        progress(int(100 * number / max(total, 1)), f"File {number + 1} of {total}: {name}")
        path = storage.path_of(input_name(job, number))
        if path is None:
            outcomes[key] = f"{name}: the uploaded file was not kept; upload it again"
        else:
            try:
                data = json.loads(path.read_bytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                outcomes[key] = f"{name}: not UTF-8 JSON ({error})"
            else:
                try:
                    client = import_one(organisation=job.owner.organisation, user=job.owner, data=data,
                                        detail={"via": "import job", "file": name})
                except ClientInputError as error:
                    problems = "; ".join(str(p) for p in error.problems[:5])
                    outcomes[key] = f"{name}: not imported: {problems}"
                else:
                    outcomes[key] = f"{name}: imported as {client.reference}"
        # Kept as it goes: a retry carries on from here.
        job.params = {**job.params, "outcomes": outcomes}
        Job.objects.filter(pk=job.pk).update(params=job.params)
    return Outcome(summary=[outcomes[str(n)] for n in range(total)])


def backup(job: Job, progress: Progress) -> Outcome:
    """The whole database: for an installation's administrator with no organisation (an
    organisation's administrator must not take away other organisations' records)."""
    from rootmap.web.backups import BackupError, backup_write

    if not job.owner.is_superuser:
        raise JobRefused("only the installation's administrator may back up the whole database")
    progress(10, "Writing the backup")
    # Written straight into the job folder (a database can be large): no copy in memory.
    path = storage.ensure_dir() / f"{job.pk}.result"
    try:
        manifest = backup_write(path=path, user=job.owner)
    except BackupError as error:
        raise JobRefused(str(error)) from None
    os.chmod(path, 0o600)
    rows = sum(int(n) for n in (manifest.get("counts") or {}).values())
    return Outcome(stored=path.name, name=f"rootmap-{timezone.now():%Y%m%d-%H%M%S}.backup.json.gz",
                   content_type="application/gzip", summary=[f"{rows} records"])


def still_allowed(job: Job) -> None:
    """Raise JobRefused when the owner may no longer see what the job's file holds (the
    client left their caseload, they are no longer an administrator): the file was made
    while they could, but is handed over only while they still can, as the record's page is."""
    from rootmap.web.access import assessment_for, can_administer, household_for

    params = job.params or {}
    if job.kind == Job.Kind.REPORT:
        try:
            assessment_for(job.owner, params.get("assessment"))
        except Http404:
            raise JobRefused("the assessment is not on your caseload any more") from None
    elif job.kind == Job.Kind.HOUSEHOLD_REPORT:
        try:
            household_for(job.owner, params.get("household"))
        except Http404:
            raise JobRefused("the household is not yours to see any more") from None
    elif job.kind == Job.Kind.RESEARCH_EXPORT and not can_administer(job.owner):
        raise JobRefused("only an administrator may export")
    elif job.kind == Job.Kind.BACKUP and not job.owner.is_superuser:
        raise JobRefused("only the installation's administrator may back up the whole database")


HANDLERS: dict[str, Callable[[Job, Progress], Outcome]] = {
    Job.Kind.REPORT: report,
    Job.Kind.HOUSEHOLD_REPORT: household_report,
    Job.Kind.RESEARCH_EXPORT: research_export,
    Job.Kind.IMPORT: case_file_import,
    Job.Kind.BACKUP: backup,
}

__all__ = ["HANDLERS", "JobAbandoned", "JobRefused", "Outcome", "Progress", "still_allowed"]


