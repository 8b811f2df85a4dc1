"""The plan page of an assessment: the clinician's decisions on the engine's proposal.

Read through rootmap.web.access like every assessment page (caseload / organisation;
404 otherwise); every view is audited and the one write goes through plan_services. The
form works without JavaScript: one post saves the whole plan, or nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from rootmap.web.access import assessment_for
from rootmap.web.assessments.errors import AssessmentConflict, AssessmentLocked, DraftInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.plan_selectors import plan_context
from rootmap.web.assessments.plan_services import assessment_plan_save
from rootmap.web.assessments.view_models.plan import plan_page
from rootmap.web.audit.services import audit_record

NOT_FIELDS = {"csrfmiddlewaretoken", "revision", "action"}


def _page(request: HttpRequest, assessment: Assessment, *, values: dict[str, str] | None = None,
          errors: dict[str, str] | None = None, problem: str = "", status: int = 200,
          revision: int | None = None) -> HttpResponse:
    ctx = plan_context(assessment)
    return render(request, "assessments/plan.html", {
        "assessment": assessment, "client": assessment.client, "page": plan_page(ctx, values=values, errors=errors),
        "problem": problem, "revision": assessment.revision if revision is None else revision,
        "back_url": reverse("assessment-results" if assessment.status == Assessment.Status.FINAL
                            else "assessment-edit", args=[assessment.pk]),
        "nav": "clients",
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_plan(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=assessment, detail={"page": "plan"})
        return _page(request, assessment)
    values = {k: v for k, v in request.POST.items() if k not in NOT_FIELDS}
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = None
    try:
        assessment = assessment_plan_save(assessment=assessment, user=request.user, values=values,
                                          revision=revision, request=request)
    except DraftInvalid as error:
        return _page(request, assessment, values=values, errors=error.errors, status=422, revision=revision)
    except AssessmentConflict as error:
        return _page(request, assessment, values=values, problem=str(error), status=409, revision=revision)
    except AssessmentLocked as error:
        messages.error(request, str(error))
        return redirect("assessment-plan", pk=assessment.pk)
    if request.POST.get("action") == "finalise":
        return redirect("assessment-finalise", pk=assessment.pk)
    messages.success(request, f"Plan saved at {timezone.localtime():%H:%M}.")
    return redirect(reverse("assessment-plan", args=[assessment.pk]) + "#plan-form")
