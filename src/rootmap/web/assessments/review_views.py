"""Supervisor review pages: submit for review, the review queue, comment and co-sign.

Thin views like views.py: records are read through rootmap.web.access (404 outside the
user's scope), reviewers are the organisation's supervisors and administrators (404 for
anyone else, as if there were nothing to see), each write is one service call, and every
view of an assessment is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rootmap.web.access import assessment_for
from rootmap.web.accounts.passwords import locked_out
from rootmap.web.assessments.errors import FieldInvalid, PasswordRejected
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_selectors import WAITING, can_review, review_queue, review_state
from rootmap.web.assessments.review_services import (
    ReviewRefused,
    review_comment,
    review_cosign,
    review_submit,
)
from rootmap.web.assessments.selectors import ResultsContext, results_context
from rootmap.web.assessments.view_models.notes import results_notes
from rootmap.web.audit.services import audit_record


def review_results_context(user: Any, assessment: Assessment, ctx: ResultsContext) -> dict[str, Any]:
    """What the results page shows of the notes and the review (a hook for its view)."""
    state = review_state(assessment)
    superseded = ctx.superseded_by is not None or state.status == "superseded"
    return {
        "notes": results_notes(ctx.instrument, ctx.case_assessment),
        "review": state,
        "review_can_submit": state.status in ("", "superseded") and not superseded,
        "review_can_open": state.status == WAITING and can_review(user),
    }


@login_required
@require_POST
def assessment_review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    try:
        review_submit(assessment=assessment, user=request.user, message=request.POST.get("message", ""),
                      request=request)
    except (ReviewRefused, FieldInvalid) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{assessment.reference} is submitted for review: a supervisor of "
                                  "your organisation will comment or co-sign it.")
    return redirect("assessment-results", pk=assessment.pk)


def _reviewable(request: HttpRequest, pk: int) -> Assessment:
    """The assessment, for a supervisor or administrator of its organisation (else 404)."""
    if not can_review(request.user):
        raise Http404("No such review")
    assessment = assessment_for(request.user, pk)
    if assessment.status != Assessment.Status.FINAL:
        raise Http404("No such review")
    return assessment


@login_required
@require_http_methods(["GET", "POST"])
def assessment_review(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _reviewable(request, pk)
    state = review_state(assessment)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=assessment, detail={"page": "review"})
    errors: dict[str, str] = {}
    comment_text = request.POST.get("comment", "")
    asks = request.POST.get("asks_amendment") == "yes"
    if request.method == "POST":
        if state.request is None:
            messages.error(request, f"{assessment.reference} has not been submitted for review.")
            return redirect("assessment-results", pk=assessment.pk)
        action = request.POST.get("action", "")
        try:
            if action == "comment":
                review_comment(review=state.request, user=request.user, text=comment_text,
                               asks_amendment=asks, request=request)
                messages.success(request, "Comment saved: the clinician sees it on the results page.")
                return redirect("assessment-review", pk=assessment.pk)
            if action == "cosign":
                review_cosign(review=state.request, user=request.user,
                              password=request.POST.get("password", ""), request=request)
                messages.success(request, f"{assessment.reference} is co-signed. Both signatures are "
                                          "printed on its reports.")
                return redirect("assessment-results", pk=assessment.pk)
            errors["action"] = "Choose to comment or to co-sign."
        except FieldInvalid as error:
            errors[error.field] = error.message
        except PasswordRejected as error:
            if locked_out(request):
                auth_logout(request)
                return HttpResponse(status=429)
            errors["password"] = str(error)
        except ReviewRefused as error:
            errors["review"] = str(error)
    ctx = results_context(assessment)
    return render(request, "assessments/review.html", {
        "assessment": assessment, "client": assessment.client, "client_name": ctx.client_name,
        "result": ctx.result, "review": state, "notes": results_notes(ctx.instrument, ctx.case_assessment),
        "own": assessment.finalised_by_id == request.user.pk,
        "errors": errors, "comment_text": comment_text, "asks_amendment": asks,
        "nav": "reviews",
    }, status=422 if errors else 200)


@login_required
@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    if not can_review(request.user):
        raise Http404("No such page")
    waiting = list(review_queue(request.user)[:200])
    # A list of clients' names: audited as a view, like the caseload.
    audit_record(action="view", request=request, detail={"page": "review queue", "count": len(waiting)})
    return render(request, "assessments/review_queue.html", {"waiting": waiting, "nav": "reviews"})
