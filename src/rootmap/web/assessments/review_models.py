"""Supervisor review of a signed assessment: requests, comments and co-signatures.

A finalised assessment's row never changes (a database trigger refuses it), so what
happens after signing is kept in rows of its own, each written once and never updated:
a review request by the clinician, the supervisors' comments on it, and at most one
co-signature. A request's state is read from them (rootmap.web.assessments.review_selectors):
waiting, co-signed, or superseded once the assessment is amended.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rootmap.web.assessments.models import Assessment


class ReviewRequest(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="review_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"Review of {self.assessment.reference} requested {self.requested_at:%Y-%m-%d}"


class ReviewComment(models.Model):
    review = models.ForeignKey(ReviewRequest, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # As the author was called when writing: later renames do not rewrite what was said.
    author_name = models.CharField(max_length=300)
    author_role = models.CharField(max_length=40)
    text = models.TextField()
    asks_amendment = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class CoSignature(models.Model):
    """The supervisor's signature beside the clinician's; one per review request."""

    review = models.OneToOneField(ReviewRequest, on_delete=models.PROTECT, related_name="cosignature")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Names, role and organisation as they were at signing: printed on every report.
    signer_name = models.CharField(max_length=300)
    signer_role = models.CharField(max_length=40)
    organisation_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    result_sha256 = models.CharField(max_length=64)
