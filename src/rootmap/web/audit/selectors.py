"""Reading the audit log: an administrator sees their own organisation's entries only; a
supervisor the entries about the clients of the teams they oversee, nothing else."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from rootmap.web.access import team_clients_of
from rootmap.web.accounts.models import User
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client


def audit_entries_for(*, viewer: User, actor: str = "", action: str = "", client: str = "",
                      date_from: date | None = None, date_to: date | None = None,
                      ) -> QuerySet[AuditEntry]:
    if viewer.role == User.Role.ADMIN and viewer.organisation_id is not None:
        org_clients = Client.objects.filter(organisation_id=viewer.organisation_id)
        entries = AuditEntry.objects.filter(
            Q(organisation_id=viewer.organisation_id) | Q(client_id__in=org_clients.values("pk"))
        )
    elif viewer.role == User.Role.SUPERVISOR and viewer.organisation_id is not None:
        org_clients = team_clients_of(viewer)
        entries = AuditEntry.objects.filter(client_id__in=org_clients.values("pk"))
    else:
        return AuditEntry.objects.none()
    if actor:
        entries = entries.filter(Q(actor_name__iexact=actor) | Q(detail__username=actor))
    if action:
        entries = entries.filter(action=action)
    if client:
        matching = org_clients.filter(reference__iexact=client)
        if client.isdigit():
            matching = org_clients.filter(Q(reference__iexact=client) | Q(pk=int(client)))
        entries = entries.filter(client_id__in=matching.values("pk"))
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        entries = entries.filter(
            at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    return entries.order_by("-id")
