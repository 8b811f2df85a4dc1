"""The append-only, hash-chained audit log and the signed head of its chain."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Upper


class AuditEntry(models.Model):
    at = models.DateTimeField()
    # PROTECT: an entry never changes, so a user with a history is deactivated, not deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)  # kept if the user is removed
    # No single-column index: audit_entry_org_newest (organisation_id, -id) serves every
    # lookup by organisation, and with both PostgreSQL chose the single one and sorted a
    # whole organisation's log for the audit page (decision 0031).
    organisation_id = models.BigIntegerField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=40, db_index=True)  # view, change, finalise, amend, ...
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # Which chain the entry belongs to: "organisation-<id>" or "no-organisation"
    # (services.chain_for). Empty/NULL: the single legacy chain written before chains were
    # split (decision 0029), whose head is AuditHead.
    chain = models.CharField(max_length=40, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # Verification of one chain, and the audit log page's filters, newest first.
            models.Index(fields=["chain", "id"], name="audit_entry_chain_id"),
            models.Index(fields=["organisation_id", "-id"], name="audit_entry_org_newest"),
            models.Index(fields=["client_id", "-id"], name="audit_entry_client_newest"),
            models.Index(fields=["action", "-id"], name="audit_entry_action_newest"),
            # The administrator's audit log (audit.selectors.audit_entries_for), its second
            # branch: the few entries with no organisation about a client (command line, a
            # person with no organisation), newest first. Partial, so it holds only those:
            # walking it backwards never reads the other entries with no organisation
            # (sign-ins of unknown names), which the primary key's walk would.
            models.Index(fields=["-id"], name="audit_entry_no_org_client",
                         condition=models.Q(organisation_id__isnull=True, client_id__isnull=False)),
            # The audit log filtered by user name (`?actor=`, audit.selectors._filtered): the
            # entries by that person, `UPPER(actor_name) = UPPER(:name) AND organisation_id
            # BETWEEN X AND X ORDER BY organisation_id, id DESC` for an admin. The equality
            # leads, so the scan is that person's entries of the organisation only, in the
            # page's order (led by the organisation's range, it would scan all its entries).
            models.Index(Upper("actor_name"), "organisation_id", F("id").desc(), name="audit_entry_actor_org"),
            # ... and, apart, the entries naming that person in `detail.username` (sign-ins
            # tried with the name, changes to the account): partial, only entries that name one.
            models.Index(KeyTransform("username", "detail"), "organisation_id", F("id").desc(),
                         name="audit_entry_username_org", condition=models.Q(detail__has_key="username")),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type} {self.object_id}"


class AuditHead(models.Model):
    """The legacy single chain's newest entry and length, signed with the audit key.

    Since decision 0029 no entry is appended to it: it is kept, frozen, so that the
    entries written before chains were split still verify. AuditChainHead holds the heads
    of today's chains.

    Deleting the newest entries leaves an intact but shorter chain; the head, moved
    forward in the same transaction as every append, shows what is missing. Its signature
    stops anyone without the audit key from winding it back.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    length = models.PositiveBigIntegerField(default=0)
    last_entry_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain of {self.length} entries ending at {self.last_entry_id}"


class AuditChainHead(models.Model):
    """The newest entry and length of one chain (one per organisation, one for actions
    with no organisation), signed with the audit key. Its row is the chain's lock:
    appenders to one chain wait for each other, never for another chain's."""

    chain = models.CharField(max_length=40, primary_key=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    length = models.PositiveBigIntegerField(default=0)
    last_entry_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain {self.chain} of {self.length} entries ending at {self.last_entry_id}"
