"""Reads of supervisor reviews: the state of an assessment's review, the queue, signatures.

A review is *waiting* until a supervisor co-signs it, *co-signed* after, and *superseded*
once the assessment is amended (the amendment is a new record: it is signed, and may be
reviewed, on its own). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from rootmap.render.signatures import Signature
from rootmap.web.access import assessments_visible_to, sees_whole_organisation
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_models import CoSignature, ReviewComment, ReviewRequest

WAITING, COSIGNED, SUPERSEDED = "waiting", "co-signed", "superseded"


def can_review(user: Any) -> bool:
    """Supervisors and administrators review the assessments of their own organisation."""
    return bool(getattr(user, "is_authenticated", False)) and user.organisation_id is not None \
        and sees_whole_organisation(user)


def is_superseded(assessment: Assessment) -> bool:
    return Assessment.objects.filter(amends=assessment).exists()


@dataclass
class ReviewState:
    request: ReviewRequest | None
    status: str                     # "", waiting, co-signed, superseded
    comments: list[ReviewComment] = field(default_factory=list)
    cosignature: CoSignature | None = None
    earlier: list[ReviewRequest] = field(default_factory=list)


def review_state(assessment: Assessment) -> ReviewState:
    """The latest review request of `assessment`, its comments and co-signature."""
    requests = list(ReviewRequest.objects.filter(assessment=assessment)
                    .select_related("requested_by").order_by("requested_at", "id"))
    if not requests:
        return ReviewState(request=None, status="")
    latest = requests[-1]
    cosignature = CoSignature.objects.filter(review=latest).first()
    comments = list(ReviewComment.objects.filter(review__assessment=assessment).order_by("created_at", "id"))
    if cosignature is not None:
        status = COSIGNED
    elif is_superseded(assessment):
        status = SUPERSEDED
    else:
        status = WAITING
    return ReviewState(request=latest, status=status, comments=comments, cosignature=cosignature,
                       earlier=requests[:-1])


def review_queue(user: Any) -> QuerySet[ReviewRequest]:
    """Requests waiting for a co-signature in the user's organisation, oldest first.

    A supervisor's own assessments are left out: someone else must co-sign them.
    """
    if not can_review(user):
        return ReviewRequest.objects.none()
    cosigned = CoSignature.objects.filter(review=OuterRef("pk"))
    amended = Assessment.objects.filter(amends=OuterRef("assessment"))
    return (ReviewRequest.objects
            .filter(assessment__in=assessments_visible_to(user))
            .exclude(assessment__finalised_by=user)
            .exclude(Exists(cosigned)).exclude(Exists(amended))
            .select_related("assessment", "assessment__client", "requested_by")
            .order_by("requested_at", "id"))


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%d %B %Y, %H:%M %Z}".lstrip("0")


def signatures_of(assessment: Assessment) -> list[Signature]:
    """The signature and any co-signature of a finalised assessment, for its reports."""
    if assessment.status != Assessment.Status.FINAL or assessment.finalised_by is None:
        return []
    signer = assessment.finalised_by
    organisation = assessment.client.organisation.name if assessment.client.organisation_id else ""
    out = [Signature(what="Signed", name=str(signer), role=signer.get_role_display(),
                     organisation=organisation, signed_at=_when(assessment.finalised_at))]
    cosignature = (CoSignature.objects.filter(review__assessment=assessment)
                   .order_by("signed_at", "id").first())
    if cosignature is not None:
        out.append(Signature(what="Co-signed (supervisor review)", name=cosignature.signer_name,
                             role=cosignature.signer_role, organisation=cosignature.organisation_name,
                             signed_at=_when(cosignature.signed_at)))
    return out
