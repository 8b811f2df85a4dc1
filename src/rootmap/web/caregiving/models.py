"""Caregiving households and their dated challenge estimates."""

from django.conf import settings
from django.db import models

from rootmap.web.accounts.models import Organisation


class Household(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="households")
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    # The household as it stands now, being edited: caregivers, internal and external
    # resources, children (the household file's fields; a child who is a client is named
    # by its reference and its age follows its birth date). Estimates are dated copies.
    inputs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="household_reference_unique")
        ]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Estimate(models.Model):
    """One dated estimate: the household file's inputs and the estimator's result."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="estimates")
    date = models.DateField()
    inputs = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    instrument_version = models.CharField(max_length=10, default="1")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.household} on {self.date}"
