"""Clients (the children and youth assessed) and who carries them on their caseload."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper

from rootmap.web.accounts.models import Organisation

# Written only by the services that change a client's current finalised assessments.
STORED_BY_SERVICES = ("next_follow_up_due", "latest_phase")
# Client.latest_phase of a client with no current finalised assessment (the phase filter's
# "Not yet assessed").
UNASSESSED = "unassessed"


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
    # When the next follow-up falls due (core.schedule.follow_up_status over the client's
    # current finalised assessments), stored by the services that finalise or import
    # assessments (clients.follow_up.store_next_follow_up), so the dashboard counts and
    # filters overdue / due-soon clients in SQL instead of scoring every schedule per
    # request (decision 0027). None: no full assessment yet, nothing scheduled.
    next_follow_up_due = models.DateField(null=True, blank=True, editable=False)
    # The phase of the latest current finalised assessment (by date, then id; one that no
    # finalised amendment supersedes): its result's "phase", or "unassessed" when the
    # client has none (NULL only if that result names no phase). Stored in the
    # transaction of every write that changes which assessments are current and
    # finalised (clients.latest_phase.store_latest_phase), so the dashboard's and the
    # API's phase filter reads a column and an index instead of a subquery per client
    # (decision 0033).
    latest_phase = models.CharField(max_length=20, null=True, blank=True, editable=False,
                                    default=UNASSESSED)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "reference"], name="client_reference_unique")
        ]
        ordering = ["display_name", "id"]
        indexes = [
            # Caseload dashboard (clients.selectors.caseload_dashboard) of a supervisor or
            # admin: the organisation's clients by name, one keyset page at a time; also the
            # household page's client search (caregiving.selectors.client_matches).
            models.Index(fields=["organisation", "display_name", "id"], name="client_org_name_idx"),
            # Dashboard summary counts and the ?follow_up=overdue / due_soon filters.
            models.Index(fields=["organisation", "next_follow_up_due"], name="client_org_follow_up_idx"),
            # Dashboard / client list and API v1 client list filtered by phase
            # (`?phase=reason`, `?phase=unassessed`; clients.selectors.caseload_dashboard) of
            # a supervisor or admin: WHERE organisation = X AND latest_phase = P ORDER BY
            # display_name, id, one keyset page at a time, and its bounded count.
            models.Index(fields=["organisation", "latest_phase", "display_name", "id"],
                         name="client_org_phase_name_idx"),
            # The audit log's client filter (`?client=C-0102`, audit.selectors._clients_named):
            # the organisation's client whose reference is that, in any case (`iexact`).
            models.Index(F("organisation"), Upper("reference"), name="client_org_reference_upper_idx"),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A full save of a client read earlier (its details edited) must not write back a
        # due date or phase that a finalise stored meanwhile: only clients.follow_up and
        # clients.latest_phase write them.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name not in STORED_BY_SERVICES]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.reference})"
