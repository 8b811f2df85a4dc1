"""A job a person asked for, and the reminders sent (one row per person and period)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", "Report (PDF)"
        HOUSEHOLD_REPORT = "household_report", "Household report (PDF)"
        RESEARCH_EXPORT = "research_export", "De-identified research export"
        IMPORT = "import", "Import of case files"
        BACKUP = "backup", "Whole-database backup"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Failed once, will try again"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    # A random id: a job's address reveals nothing and cannot be guessed.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: the audit log names the owner; a leaver is deactivated, not deleted.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)  # ids and choices, never clinical text
    client_id = models.BigIntegerField(null=True, blank=True)  # the client a report is about
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=200, blank=True)  # what it is doing now, for the page
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)  # said to the user
    summary = models.JSONField(default=list, blank=True)  # lines for the page, e.g. per file imported
    result_file = models.CharField(max_length=200, blank=True)  # a name inside the job folder
    result_name = models.CharField(max_length=200, blank=True)  # the name the download gets
    result_type = models.CharField(max_length=100, blank=True)
    result_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched by every progress call while it runs: a running job whose heartbeat is older than
    # ROOTMAP_JOB_STALE_SECONDS lost its process (rootmap.web.jobs.sweep).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Who runs it: "web:<host>:<pid>" (the embedded default, in the web process) or
    # "worker:<host>:<pid>" (`rootmap worker`).
    runner = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # the file is removed then

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),  # the jobs list: a person's newest 50
            # The sweep run by every jobs list (jobs.sweep.job_sweep_abandoned) and the worker's
            # queue read only unfinished jobs: a partial index keeps them off the finished history.
            models.Index(fields=["status", "created_at"], name="job_unfinished_idx",
                         condition=models.Q(status__in=["queued", "running", "retrying"])),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ReminderPreference(models.Model):
    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Once a week (Mondays)"
        NONE = "none", "Never"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="reminder_preference")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)

    def __str__(self) -> str:
        return f"{self.user} {self.frequency}"


class ReminderSent(models.Model):
    """One digest to one person for one period: the unique pair makes sending idempotent."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # "2026-12-02" for a daily digest, "2026-W49" for a weekly one.
    period = models.CharField(max_length=12)
    digest = models.CharField(max_length=10)  # "daily" (own caseload) or "weekly" (teams)
    due_soon = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["user", "period"], name="one_reminder_per_user_period")]

    def __str__(self) -> str:
        return f"{self.user} {self.period}"

    @property
    def period_label(self) -> str:
        """"20 Mar 2026" for a day, "the week of 16 Mar 2026" for an ISO week."""
        import datetime as dt

        if "-W" in self.period:
            year, week = self.period.split("-W")
            return f"the week of {dt.date.fromisocalendar(int(year), int(week), 1):%-d %b %Y}"
        return f"{dt.date.fromisoformat(self.period):%-d %b %Y}"


class OutgoingMail(models.Model):
    """One email handed to the queue: invitations, set-up links, password resets.

    The body holds a live link (a credential), so it is kept only until the mail is sent or
    given up: then it is blanked and the row says what became of it. Celery carries the id.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        PASSWORD_RESET = "password_reset", "Password reset"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        RETRYING = "retrying", "Not sent yet, will try again"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    organisation_id = models.BigIntegerField(null=True, blank=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)  # blanked once sent or given up
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)  # said to the organisation's administrator
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} to user {self.recipient_id} ({self.status})"
