"""Clients (the children and youth assessed) and who carries them on their caseload."""

from django.conf import settings
from django.db import models

from rootmap.web.accounts.models import Organisation


class Client(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="clients")
    reference = models.CharField(max_length=40, help_text="The organisation's own client id")
    display_name = models.CharField(max_length=120)
    birth_date = models.DateField()
    interests = models.JSONField(default=list, blank=True)
    # Adverse events belong to the client, not to one assessment (case-file format).
    events = models.JSONField(default=list, blank=True)
    # Sex, gender, placements, legal status, school, culture, contacts: validated by
    # rootmap.core.context, stored as its case-file JSON (only what was recorded).
    context = models.JSONField(default=dict, blank=True)
    # Raised by every context save: an autosave from a page showing an older one is a conflict.
    context_revision = models.PositiveIntegerField(default=0)
    clinicians = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="caseload", blank=True,
        help_text="Clinicians who carry this client on their caseload",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="client_reference_unique")
        ]
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.reference})"
