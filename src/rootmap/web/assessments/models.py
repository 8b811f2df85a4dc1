"""Assessments: the clinician's inputs, and once finalised the scores beside the instrument version."""

from django.conf import settings
from django.db import models

from rootmap.instruments import current_version
from rootmap.web.clients.models import Client


class Assessment(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", "Full assessment"
        FOLLOW_UP = "follow_up", "Follow-up assessment"
        ER = "er", "Rapid (ER) snapshot"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Finalised"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="assessments")
    reference = models.CharField(max_length=40, help_text="Id within the client's case file")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The instrument version that scores it, for good (decision 0015); new rows start on the current one.
    instrument_version = models.CharField(max_length=10, default=current_version)
    # The assessment as in the case-file format: history, functioning, relational,
    # trigger, informants, documents (interests and events live on the client).
    inputs = models.JSONField(default=dict, blank=True)
    # The score output of the case-file format, stored when finalised.
    result = models.JSONField(null=True, blank=True)
    # Optimistic locking: every saved change bumps it; a stale save is a conflict.
    revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    # An amendment is a new finalised assessment that supersedes an earlier one.
    amends = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments"
    )
    amendment_reason = models.TextField(blank=True)
    # Signed although too little was rated to say where to start (phase `undetermined`):
    # the clinician's reason, required to finalise such an assessment.
    undetermined_reason = models.TextField(blank=True)
    # Set when finalised: the case file (rootmap-case/1) exactly as scored, up to and
    # including this assessment: client details, interests, events, informants, documents,
    # instrument version. A signed assessment's pages and reports read only this, so later
    # edits of the client never change what was signed.
    snapshot = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "reference"], name="assessment_reference_unique")
        ]
        indexes = [
            # A client's latest current finalised assessment (the dashboard's per-row
            # subquery, clients.selectors._with_latest, newest first), the client page's
            # list and the schedule read by clients.follow_up: by client, status, date.
            models.Index(fields=["client", "status", "date", "id"], name="assessment_client_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference} of {self.date}"


# Supervisor review rows (decision 0022), in their own module; imported so Django finds them.
from rootmap.web.assessments.review_models import CoSignature, ReviewComment, ReviewRequest  # noqa: E402

__all__ = ["Assessment", "CoSignature", "ReviewComment", "ReviewRequest"]
