"""Writes of supervisor review: submit for review, comment, co-sign (decision 0022).

Each write is one transaction with its audit entry. The finalised assessment itself is
never touched (its row is immutable); every step is a new row of review_models.

>>> review = review_submit(assessment=final, user=clinician)
>>> review_comment(review=review, user=supervisor, text="Please rate sleep again", asks_amendment=True)
>>> review_cosign(review=review, user=supervisor, password="...")
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.web.accounts.passwords import password_matches
from rootmap.web.assessments.errors import AssessmentError, FieldInvalid, PasswordRejected
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_models import CoSignature, ReviewComment, ReviewRequest
from rootmap.web.assessments.review_selectors import (
    COSIGNED,
    WAITING,
    can_review,
    is_superseded,
    review_state,
)
from rootmap.web.assessments.stored_results import canonical_sha256
from rootmap.web.assessments.validation import MAX_REASON, refuse_control_characters
from rootmap.web.audit.services import audit_record

MAX_COMMENT = 5000


class ReviewRefused(AssessmentError):
    """A review step that is not possible now; the message says why."""


def _text(raw: str, label: str, field: str, limit: int, *, required: bool) -> str:
    text = (raw or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise FieldInvalid(field, f"{label}: write the comment the clinician should read")
    if len(text) > limit:
        raise FieldInvalid(field, f"{label}: {len(text):,} characters is above the maximum {limit:,}")
    refuse_control_characters(text, label, field)
    return text


def review_submit(*, assessment: Assessment, user: Any, message: str = "",
                  request: HttpRequest | None = None) -> ReviewRequest:
    """Ask the organisation's supervisors to review a finalised assessment."""
    message = _text(message, "Message to the supervisor", "message", MAX_REASON, required=False)
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != Assessment.Status.FINAL:
            raise ReviewRefused(f"{locked.reference} is a draft: finalise it before asking for review.")
        if is_superseded(locked):
            raise ReviewRefused(f"{locked.reference} was amended: ask for review of the amendment instead.")
        state = review_state(locked)
        if state.status == WAITING:
            raise ReviewRefused(f"{locked.reference} is already waiting for review.")
        if state.status == COSIGNED:
            raise ReviewRefused(f"{locked.reference} is already co-signed.")
        review = ReviewRequest.objects.create(assessment=locked, requested_by=user, message=message)
        audit_record(action="review_request", request=request, user=user, obj=locked,
                     detail={"reference": locked.reference, "review": review.pk})
    return review


def _check_reviewer(review: ReviewRequest, user: Any) -> None:
    if not can_review(user) or review.assessment.client.organisation_id != user.organisation_id:
        raise ReviewRefused("Only a supervisor or administrator of the organisation reviews assessments.")


def _check_waiting(review: ReviewRequest) -> None:
    state = review_state(review.assessment)
    if state.request is None or state.request.pk != review.pk or state.status != WAITING:
        what = {"co-signed": "is already co-signed",
                "superseded": "was amended: the amendment supersedes this review"}.get(state.status,
                                                                                       "is not waiting")
        raise ReviewRefused(f"This review of {review.assessment.reference} {what}.")


def _locked_review(review: ReviewRequest) -> ReviewRequest:
    return (ReviewRequest.objects.select_for_update().select_related("assessment__client__organisation")
            .get(pk=review.pk))


def review_comment(*, review: ReviewRequest, user: Any, text: str, asks_amendment: bool = False,
                   request: HttpRequest | None = None) -> ReviewComment:
    """A supervisor's comment, shown to the clinician on the results page."""
    text = _text(text, "Comment", "comment", MAX_COMMENT, required=True)
    with transaction.atomic():
        locked = _locked_review(review)
        _check_reviewer(locked, user)
        _check_waiting(locked)
        comment = ReviewComment.objects.create(
            review=locked, author=user, author_name=str(user), author_role=user.get_role_display(),
            text=text, asks_amendment=bool(asks_amendment))
        audit_record(action="review_comment", request=request, user=user, obj=locked.assessment,
                     detail={"review": locked.pk, "asks_amendment": bool(asks_amendment)})
    return comment


def _password_ok(user: Any, password: str, request: HttpRequest | None) -> bool:
    """As finalising asks it: through django-axes' lockout when there is a request."""
    if request is None:
        return bool(password) and user.check_password(password)
    return password_matches(request=request, user=user, password=password, step="co-sign")


def review_cosign(*, review: ReviewRequest, user: Any, password: str,
                  request: HttpRequest | None = None) -> CoSignature:
    """The supervisor's signature, with their password again. Never on their own assessment."""
    _check_reviewer(review, user)
    if review.assessment.finalised_by_id == user.pk:
        raise ReviewRefused("You signed this assessment yourself: another supervisor must co-sign it.")
    if not _password_ok(user, password, request):
        audit_record(action="cosign_refused", request=request, user=user, obj=review.assessment,
                     detail={"reason": "password", "review": review.pk})
        raise PasswordRejected("That password is not right. Co-signing is your signature: "
                               "enter the password you sign in with.")
    with transaction.atomic():
        locked = _locked_review(review)
        _check_waiting(locked)
        assessment = locked.assessment
        organisation = assessment.client.organisation
        signature = CoSignature.objects.create(
            review=locked, signer=user, signer_name=str(user), signer_role=user.get_role_display(),
            organisation_name=organisation.name, signed_at=timezone.now(),
            result_sha256=canonical_sha256(assessment.result))
        audit_record(action="cosign", request=request, user=user, obj=assessment,
                     detail={"reference": assessment.reference, "review": locked.pk,
                             "result_sha256": signature.result_sha256})
    return signature
