"""Caregiving households and their dated challenge estimates."""

from django.conf import settings
from django.db import models

from rootmap.instruments import current_version
from rootmap.web.accounts.models import Organisation


class Household(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="households")
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    # The household as it stands now, being edited: caregivers, internal and external
    # resources, children (the household file's fields). A child who is a client is linked
    # by the client's primary key (`client_pk`), never by its reference, which can be edited
    # and given to another client; its name and age follow the client record. A child's
    # `challenge_shared` is set by a supervisor (decision 0011). Estimates are dated copies.
    inputs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="household_reference_unique")
        ]
        ordering = ["name", "id"]
        indexes = [
            # The households list (caregiving.views.household_list): by name, keyset pages.
            models.Index(fields=["organisation", "name", "id"], name="household_org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Estimate(models.Model):
    """One dated estimate: the household file's inputs and the estimator's result."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="estimates")
    date = models.DateField()
    inputs = models.JSONField(default=dict)
    # The client primary key of each child of `inputs["children"]`, in order (None for a
    # child who is not a client). The file's `client_id` is the reference as it was that
    # day; who the child is, and who may see them, follows this link (decision 0011).
    child_clients = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    # The instrument version that scores it, for good (decision 0015); new rows start on the current one.
    instrument_version = models.CharField(max_length=10, default=current_version)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            # The households list's latest estimate per household (newest first) and the
            # household page's estimates.
            models.Index(fields=["household", "date", "id"], name="estimate_household_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household} on {self.date}"
