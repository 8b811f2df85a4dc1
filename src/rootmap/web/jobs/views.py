"""Job pages: ask for a report, an export, an import of many files or a backup; watch its
progress (htmx polls the status fragment); download the file. And the reminders page.

A job is the owner's alone: anyone else gets 404 for its page, its status and its file.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rootmap.web.access import as_pk, assessment_for, can_administer, household_for
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.services import audit_record
from rootmap.web.jobs import reminders
from rootmap.web.jobs.kinds import JobRefused
from rootmap.web.jobs.models import Job, ReminderPreference
from rootmap.web.jobs.services import job_result_open, job_submit, job_waiting_too_long
from rootmap.web.jobs.sweep import job_sweep_abandoned

MAX_IMPORT_FILES = 50
MAX_FILE_BYTES = 5 * 1024 * 1024  # the case file limit (docs/decisions/0010)


def _job_for(request: HttpRequest, pk: Any) -> Job:
    # A job whose process died is failed here at the latest (the embedded default has no
    # scheduler): the page then says so instead of "running" forever.
    job_sweep_abandoned()
    job = Job.objects.filter(pk=pk, owner=request.user).first()
    if job is None:
        raise Http404("No such job")
    return job


def _context(job: Job) -> dict[str, Any]:
    return {"job": job, "stale": job_waiting_too_long(job),
            "downloadable": job.status == Job.Status.DONE and bool(job.result_file)}


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    job_sweep_abandoned()
    jobs = list(Job.objects.filter(owner=request.user)[:50])
    return render(request, "jobs/list.html", {"jobs": jobs, "nav": "jobs",
                                              "can_back_up": request.user.is_superuser})


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "jobs/detail.html", {**_context(job), "nav": "jobs"})


@login_required
@require_GET
def job_status(request: HttpRequest, pk: Any) -> HttpResponse:
    """The status fragment the job page polls; it stops polling once the job has finished."""
    job = _job_for(request, pk)
    return render(request, "jobs/_status.html", _context(job))


@login_required
@require_GET
def job_download(request: HttpRequest, pk: Any) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        handle = job_result_open(job=job, request=request)
    except JobRefused as refusal:
        messages.error(request, f"This file is no longer yours to download: {refusal}.")
        return redirect("job-detail", pk=job.pk)
    if handle is None:
        messages.info(request, "This job has no file to download: it is not finished, or its file "
                               "expired. Ask for it again.")
        return redirect("job-detail", pk=job.pk)
    response = FileResponse(handle, as_attachment=True, filename=job.result_name,
                            content_type=job.result_type or "application/octet-stream")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def job_report(request: HttpRequest, pk: int, audience: str) -> HttpResponse:
    """The PDF report of a finalised assessment, rendered as a job."""
    assessment = assessment_for(request.user, pk)
    if audience not in ("clinician", "family"):
        raise Http404("No such report")
    if assessment.status != Assessment.Status.FINAL or not assessment.result:
        messages.info(request, f"{assessment.reference} is a draft: finalise it to make its report.")
        return redirect("assessment-edit", pk=assessment.pk)
    if request.method == "POST":
        job = job_submit(owner=request.user, kind=Job.Kind.REPORT, client_id=assessment.client_id,
                         params={"assessment": assessment.pk, "audience": audience}, request=request)
        return redirect("job-detail", pk=job.pk)
    audit_record(action="view", request=request, obj=assessment, detail={"page": f"{audience} report job"})
    recent = [j for j in Job.objects.filter(owner=request.user, kind=Job.Kind.REPORT,
                                            client_id=assessment.client_id)[:20]
              if j.params.get("assessment") == assessment.pk and j.params.get("audience") == audience]
    return render(request, "jobs/report.html", {
        "assessment": assessment, "client": assessment.client, "audience": audience,
        "recent": recent[:5], "nav": "clients"})


@login_required
@require_http_methods(["GET", "POST"])
def job_household_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The caregiver estimator report (PDF) of the latest saved estimate, or of ?estimate=ID,
    rendered as a job."""
    household = household_for(request.user, pk)
    estimates = household.estimates.order_by("-date", "-id")
    wanted = request.POST.get("estimate") if request.method == "POST" else request.GET.get("estimate")
    estimate = estimates.filter(pk=as_pk(wanted)).first() if wanted else estimates.first()
    if estimate is None:
        raise Http404("No saved estimate")
    if request.method == "POST":
        job = job_submit(owner=request.user, kind=Job.Kind.HOUSEHOLD_REPORT,
                         params={"household": household.pk, "estimate": estimate.pk}, request=request)
        return redirect("job-detail", pk=job.pk)
    audit_record(action="view", request=request, obj=household, detail={"page": "household report job"})
    recent = [j for j in Job.objects.filter(owner=request.user, kind=Job.Kind.HOUSEHOLD_REPORT)[:20]
              if j.params.get("household") == household.pk and j.params.get("estimate") == estimate.pk]
    return render(request, "jobs/household_report.html", {
        "household": household, "estimate": estimate, "recent": recent[:5], "nav": "households"})


@login_required
@require_POST
def job_research_export(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    job = job_submit(owner=request.user, kind=Job.Kind.RESEARCH_EXPORT, params={}, request=request)
    return redirect("job-detail", pk=job.pk)


@login_required
@require_POST
def job_backup(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise Http404("No such page")
    job = job_submit(owner=request.user, kind=Job.Kind.BACKUP, params={}, request=request)
    return redirect("job-detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def job_import(request: HttpRequest) -> HttpResponse:
    """Several case files at once: each is imported on its own, in a job."""
    error = ""
    if request.method == "POST":
        files = request.FILES.getlist("files")
        too_large = [f.name for f in files if (f.size or 0) > MAX_FILE_BYTES]
        if not files:
            error = "Case files: choose at least one JSON case file."
        elif len(files) > MAX_IMPORT_FILES:
            error = f"Case files: at most {MAX_IMPORT_FILES} files at once, got {len(files)}."
        elif too_large:
            error = f"Case files: each file must be at most 5 MB; too large: {', '.join(too_large)}."
        elif request.user.organisation_id is None:
            raise Http404("No organisation")
        else:
            names = [str(f.name or f"file {n + 1}")[:200] for n, f in enumerate(files)]
            job = job_submit(owner=request.user, kind=Job.Kind.IMPORT, params={"names": names,
                                                                                "files": len(names)},
                             inputs=[f.read() for f in files], request=request)
            return redirect("job-detail", pk=job.pk)
    return render(request, "jobs/import.html", {"error": error, "max_files": MAX_IMPORT_FILES,
                                                "nav": "caseload"}, status=422 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    if request.method == "POST":
        choice = request.POST.get("frequency", "")
        if choice not in ReminderPreference.Frequency.values:
            error = ("How often: choose one of "
                     + ", ".join(label.lower() for label in ReminderPreference.Frequency.labels) + ".")
        else:
            from django.db import transaction

            with transaction.atomic():
                preference, _ = ReminderPreference.objects.update_or_create(user=user,
                                                                             defaults={"frequency": choice})
                audit_record(action="change", request=request, obj=preference,
                             detail={"reminders": choice})
            messages.success(request, "Your reminder setting is saved.")
            return redirect(reverse("reminder-settings"))
    return render(request, "jobs/reminders.html", {
        "frequency": reminders.frequency_of(user), "choices": ReminderPreference.Frequency.choices,
        "sent": reminders.reminders_sent_to(user), "error": error, "nav": "caseload",
    }, status=422 if error else 200)
