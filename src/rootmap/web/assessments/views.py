"""Assessment pages: new, entry (with autosave), finalise, amend, results, presentation, reports.

Thin views: read through rootmap.web.access (404 outside the user's scope), call one
service, render. Every view of client data is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rootmap.instruments import available_versions, current_version, load_instrument
from rootmap.render._labels import undetermined_text
from rootmap.web.access import assessment_for, client_for
from rootmap.web.accounts.passwords import locked_out
from rootmap.web.accounts.signed_out import answers_401_when_signed_out
from rootmap.web.assessments.errors import (
    AssessmentConflict,
    AssessmentError,
    AssessmentLocked,
    DraftInvalid,
    FieldInvalid,
    FinaliseRefused,
    PasswordRejected,
    UndeterminedUnconfirmed,
)
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.plan_selectors import plan_context
from rootmap.web.assessments.reports import ReportUnavailable, report, result_svgs
from rootmap.web.assessments.review_views import review_results_context
from rootmap.web.assessments.selectors import results_context
from rootmap.web.assessments.services import (
    assessment_amend,
    assessment_confirm_carried,
    assessment_create,
    assessment_finalise,
    assessment_row_add,
    assessment_row_remove,
    assessment_save_draft,
    assessment_save_field,
)
from rootmap.web.assessments.templatetags.rootmap_assessments import in_sentence
from rootmap.web.assessments.view_models import results as results_vm
from rootmap.web.assessments.view_models.common import html_id
from rootmap.web.assessments.view_models.entry import entry_page, event_rows
from rootmap.web.assessments.view_models.finalise import finalise_summary
from rootmap.web.assessments.view_models.plan import plan_card
from rootmap.web.assessments.view_models.presentation import presentation_steps
from rootmap.web.audit.services import audit_record

NOT_FIELDS = {"csrfmiddlewaretoken", "revision", "action", "_field", "upload", "document"}


def _client_url(client: Any) -> str:
    return reverse("client-detail", args=[client.pk])


def _events_url(client: Any) -> str:
    return reverse("client-events", args=[client.pk])


def _revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


# --- New ----------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def assessment_new(request: HttpRequest, client_id: int, kind: str) -> HttpResponse:
    client = client_for(request.user, client_id)
    if kind not in Assessment.Kind.values:
        raise Http404("No such kind of assessment")
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": f"new {kind} assessment"})
    versions = [(v, load_instrument(v).name) for v in available_versions()]
    version = request.POST.get("instrument_version", current_version())
    instrument = load_instrument(version if version in dict(versions) else current_version())
    errors: dict[str, str] = {}
    date_text = request.POST.get("date", timezone.localdate().isoformat())
    trigger = request.POST.get("trigger", "")
    # A follow-up starts from the previous ratings unless the clinician unticks it.
    start_from_previous = request.method == "GET" or request.POST.get("start_from_previous") == "yes"
    if request.method == "POST":
        try:
            date = dt.date.fromisoformat(date_text.strip())
        except ValueError:
            errors["date"] = f"Assessment date: expected a date as YYYY-MM-DD, got {date_text!r}"
        if kind == Assessment.Kind.ER and trigger not in instrument.triggers:
            errors["trigger"] = ("Trigger: choose the change in circumstances that led to this snapshot "
                                 f"({', '.join(instrument.triggers.values())})")
        if not errors:
            try:
                assessment = assessment_create(client=client, kind=kind, date=date, user=request.user,
                                               request=request, instrument_version=version,
                                               start_from_previous=start_from_previous)
                if kind == Assessment.Kind.ER:
                    assessment = assessment_save_field(assessment=assessment, user=request.user,
                                                       field="trigger", value=trigger,
                                                       revision=assessment.revision, request=request)
            except FieldInvalid as error:
                errors[error.field] = error.message
            else:
                return redirect("assessment-edit", pk=assessment.pk)
    return render(request, "assessments/new.html", {
        "client": client, "kind": kind, "kind_label": in_sentence(Assessment.Kind(kind).label),
        "date": date_text, "trigger": trigger, "triggers": instrument.triggers.items(),
        "versions": versions, "version": version, "start_from_previous": start_from_previous,
        "errors": errors, "client_url": _client_url(client), "nav": "clients",
    }, status=422 if errors else 200)


# --- Entry --------------------------------------------------------------------------------

def _entry_response(request: HttpRequest, assessment: Assessment, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, problems: list[str] | None = None,
                    status: int = 200, revision: int | None = None) -> HttpResponse:
    page = entry_page(assessment, values=values, errors=errors)
    return render(request, "assessments/entry.html", {
        "assessment": assessment, "client": assessment.client, "page": page,
        "revision": assessment.revision if revision is None else revision,
        "errors": errors or {}, "problems": problems or [], "values": values or {},
        "interests": values["interests"] if values and "interests" in values
        else ", ".join(assessment.client.interests or []),
        # A refused save shows the date as typed, like every other field.
        "date_value": values["date"] if values and "date" in values else assessment.date.isoformat(),
        "events": event_rows(assessment.client, page.instrument, assessment.date),
        "events_url": _events_url(assessment.client), "client_url": _client_url(assessment.client),
        "field_url": reverse("assessment-field", args=[assessment.pk]),
        "nav": "clients",
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if assessment.status == Assessment.Status.FINAL:
        return redirect("assessment-results", pk=assessment.pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=assessment)
        return _entry_response(request, assessment)

    # Without JavaScript: the whole form at once, then an optional row action.
    values = {k: v for k, v in request.POST.items() if k not in NOT_FIELDS}
    revision = _revision(request)
    action = request.POST.get("action", "save")
    try:
        if values:
            assessment = assessment_save_draft(assessment=assessment, user=request.user, values=values,
                                               revision=revision if revision is not None else -1,
                                               request=request)
        if action.startswith("add:"):
            section = action[4:]
            assessment = assessment_row_add(assessment=assessment, user=request.user, section=section,
                                            revision=assessment.revision, request=request)
            return redirect(reverse("assessment-edit", args=[assessment.pk]) + f"#{section}")
        if action.startswith("remove:"):
            _verb, section, index = action.split(":", 2)
            assessment = assessment_row_remove(assessment=assessment, user=request.user, section=section,
                                               index=int(index), revision=assessment.revision,
                                               request=request)
            return redirect(reverse("assessment-edit", args=[assessment.pk]) + f"#{section}")
        if action.startswith(("confirm:", "confirm-section:")):
            # Without JavaScript: confirm one carried rating, or every one of a section.
            verb, target = action.split(":", 1)
            fields = [target] if verb == "confirm" else [f.name for f in entry_page(assessment).fields(target)]
            assessment = assessment_confirm_carried(assessment=assessment, user=request.user, fields=fields,
                                                    revision=assessment.revision, request=request)
            anchor = f"f-{html_id(target)}" if verb == "confirm" else target
            return redirect(reverse("assessment-edit", args=[assessment.pk]) + f"#{anchor}")
    except DraftInvalid as error:
        return _entry_response(request, assessment, values=values, errors=error.errors,
                               problems=list(error.errors.values()), status=422, revision=revision)
    except AssessmentConflict as error:
        return _entry_response(request, assessment, values=values, problems=[str(error)], status=409,
                               revision=revision)
    except (FieldInvalid, ValueError) as error:
        return _entry_response(request, assessment, values=values, problems=[str(error)], status=422,
                               revision=revision)
    except AssessmentLocked as error:
        messages.error(request, str(error))
        return redirect("assessment-results", pk=assessment.pk)
    if action == "finalise":
        return redirect("assessment-finalise", pk=assessment.pk)
    messages.success(request, f"Draft saved at {timezone.localtime():%H:%M}.")
    return redirect("assessment-edit", pk=assessment.pk)


@answers_401_when_signed_out
@require_POST
def assessment_field(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave one field (htmx). Answers with the field's status and the new revision.

    The status code says what happened (200 saved, 422 refused, 409 conflict, 401 signed
    out): autosave.js shows the fragments of 409 and 422 too, and never takes a failure
    for a save.
    """
    assessment = assessment_for(request.user, pk)
    field = request.POST.get("_field") or request.headers.get("HX-Trigger-Name") or ""
    if not field or field in NOT_FIELDS:
        return HttpResponseBadRequest("Which field? Send its name as _field.")
    value = request.POST.get(field, "")
    revision = _revision(request)
    status, message, new_revision = "ok", "", None
    try:
        saved = assessment_save_field(assessment=assessment, user=request.user, field=field, value=value,
                                      revision=revision if revision is not None else -1, request=request)
        new_revision = saved.revision
        message = f"Saved {timezone.localtime():%H:%M:%S}"
    except FieldInvalid as error:
        status, message = "error", error.message
    except (AssessmentConflict, AssessmentLocked) as error:
        status, message = "conflict", str(error)
    code = {"ok": 200, "conflict": 409, "error": 422}[status]
    return render(request, "assessments/_field_status.html", {
        "field_id": html_id(field), "status": status, "message": message,
        "revision": new_revision,
    }, status=code)


# --- Finalise and amend -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def assessment_finalise_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if assessment.status == Assessment.Status.FINAL:
        messages.info(request, f"{assessment.reference} is already finalised.")
        return redirect("assessment-results", pk=assessment.pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=assessment, detail={"page": "finalise"})
    errors: dict[str, str] = {}
    problems: list[str] = []
    password_error = ""
    # Signing an assessment that cannot say where to start needs a tick and a reason.
    confirm = {"checked": request.POST.get("confirm_undetermined") == "yes",
               "reason": request.POST.get("undetermined_reason", ""), "field": "", "error": ""}
    if request.method == "POST":
        try:
            assessment = assessment_finalise(assessment=assessment, user=request.user,
                                             password=request.POST.get("password", ""), request=request,
                                             confirm_undetermined=confirm["checked"],
                                             undetermined_reason=confirm["reason"])
        except UndeterminedUnconfirmed as error:
            confirm.update(field=error.field, error=error.message)
        except PasswordRejected as error:
            if locked_out(request):
                # Too many wrong passwords: the person at this session has not shown they
                # know it. Signed out; django-axes' middleware answers with the lockout page.
                auth_logout(request)
                return HttpResponse(status=429)
            password_error = str(error)
        except FinaliseRefused as error:
            errors, problems = error.errors, error.problems
        except AssessmentLocked as error:
            messages.error(request, str(error))
            return redirect("assessment-results", pk=assessment.pk)
        else:
            messages.success(request, f"{assessment.get_kind_display()} {assessment.reference} is finalised "
                                      "and locked.")
            return redirect("assessment-results", pk=assessment.pk)
    summary = finalise_summary(assessment)
    return render(request, "assessments/finalise.html", {
        "assessment": assessment, "client": assessment.client, "summary": summary,
        "errors": errors, "problems": problems, "password_error": password_error,
        "error_links": [(html_id(f), m) for f, m in errors.items()],
        "confirm": confirm,
        "nav": "clients",
    }, status=422 if (errors or problems or password_error or confirm["error"]) else 200)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_amend_view(request: HttpRequest, pk: int) -> HttpResponse:
    original = assessment_for(request.user, pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=original, detail={"page": "amend"})
    error_text = ""
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        try:
            amendment = assessment_amend(original=original, user=request.user, reason=reason, request=request)
        except FieldInvalid as error:
            error_text = error.message
        except AssessmentError as error:
            messages.error(request, str(error))
            return redirect("assessment-results", pk=original.pk)
        else:
            messages.success(request, f"Amendment {amendment.reference} started: correct what is needed "
                                      "and finalise it. The original is kept unchanged.")
            return redirect("assessment-edit", pk=amendment.pk)
    return render(request, "assessments/amend.html", {
        "assessment": original, "client": original.client, "reason": reason, "error": error_text,
        "nav": "clients",
    }, status=422 if error_text else 200)


# --- Results, presentation and reports ------------------------------------------------------

def _final_or_redirect(request: HttpRequest, assessment: Assessment) -> HttpResponse | None:
    if assessment.status != Assessment.Status.FINAL or not assessment.result:
        messages.info(request, f"{assessment.reference} is a draft: finalise it to see its results.")
        return redirect("assessment-edit", pk=assessment.pk)
    return None


@login_required
@require_GET  # any other method is 405, before the view audits anything
def assessment_results(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if (response := _final_or_redirect(request, assessment)) is not None:
        return response
    ctx = results_context(assessment)
    result, instrument = ctx.result, ctx.instrument
    audit_record(action="view", request=request, obj=assessment, detail={"page": "results"})
    domains = results_vm.domain_rows(instrument, result)
    change = None
    if result.change is not None:
        change = {"previous": results_vm.change_rows(instrument, result.change.previous),
                  "baseline": results_vm.change_rows(instrument, result.change.baseline)}
    return render(request, "assessments/results.html", {
        "assessment": assessment, "client": assessment.client, "result": result,
        # As signed: the name in the snapshot, not today's (the page never changes after signing).
        "client_name": ctx.client_name,
        "undetermined_text": undetermined_text(instrument, result)
        if result.phase == "undetermined" else "",
        "headline": results_vm.headline(instrument, result),
        "domains": domains,
        "missing_labels": [d.label for d in domains if d.status == "insufficient"],
        "strengths": results_vm.labelled_items(instrument, result.strengths, result.ratings),
        "needs": results_vm.labelled_items(instrument, result.needs, result.ratings),
        "plan": results_vm.plan_view(instrument, result),
        "clinician_plan": plan_card(plan_context(assessment)),
        "change": change,
        "svg": result_svgs(ctx),
        "superseded_by": ctx.superseded_by,
        "client_url": _client_url(assessment.client),
        "entry_label": next((r.label for r in instrument.regions if r.id == result.entry_region), ""),
        "trigger_label": instrument.triggers.get((assessment.inputs or {}).get("trigger") or "", ""),
        "nav": "clients",
        **review_results_context(request.user, assessment, ctx),  # notes and review (0022)
    })


@login_required
@require_GET  # any other method is 405, before the view audits anything
def assessment_present(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if (response := _final_or_redirect(request, assessment)) is not None:
        return response
    ctx = results_context(assessment)
    steps = presentation_steps(assessment, ctx)
    try:
        step = min(max(int(request.GET.get("step", "1")), 1), len(steps))
    except ValueError:
        step = 1
    if step == 1:
        audit_record(action="view", request=request, obj=assessment, detail={"page": "presentation"})
    return render(request, "assessments/present.html", {
        "assessment": assessment, "client": assessment.client, "client_name": ctx.client_name,
        "steps": steps, "step": steps[step - 1],
        "number": step, "total": len(steps),
        "previous_step": step - 1 if step > 1 else None, "next_step": step + 1 if step < len(steps) else None,
    })


@login_required
@require_GET  # any other method is 405, before the view audits anything
def assessment_report(request: HttpRequest, pk: int, audience: str, fmt: str) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if audience not in ("clinician", "family") or fmt not in ("pdf", "html"):
        raise Http404("No such report")
    if (response := _final_or_redirect(request, assessment)) is not None:
        return response
    if fmt == "pdf":
        # PDFs are made in the background (rootmap.web.jobs): the page that asks for one.
        return redirect("job-report", pk=assessment.pk, audience=audience)
    try:
        content = report(assessment, audience=audience, fmt=fmt)
    except ReportUnavailable as error:
        return render(request, "assessments/report_unavailable.html",
                      {"assessment": assessment, "client": assessment.client, "message": str(error)},
                      status=503)
    audit_record(action="download", request=request, obj=assessment,
                 detail={"report": audience, "format": fmt})
    # Only safe characters in the header's file name, whatever an organisation's ids contain.
    signed = (assessment.snapshot or {}).get("client") or {}
    reference = signed.get("id") or assessment.client.reference
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"rootmap-{reference}-{assessment.reference}")
    name = f"{stem}-{audience}.{fmt}"
    response = HttpResponse(content, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
