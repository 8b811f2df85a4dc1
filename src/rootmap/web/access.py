"""Who may see what. Every view reads records through these selectors.

A clinician sees the clients on their own caseload; a supervisor and an admin see their
whole organisation; nobody sees anything of another organisation. A record outside
what a user may see is reported as "not found" (404), so guessed ids reveal nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from rootmap.web.accounts.models import User
from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.models import Client

# The largest primary key a 64-bit column holds; a larger "id" cannot name a record, and
# SQLite raises OverflowError rather than finding nothing.
MAX_PK = 2**63 - 1


def as_pk(value: object) -> int | None:
    """A record id from a URL or a form, or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) <= 19:
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_PK else None


def sees_whole_organisation(user: User) -> bool:
    return user.role in (User.Role.ADMIN, User.Role.SUPERVISOR)


def clients_visible_to(user: User) -> QuerySet[Client]:
    if not user.is_authenticated or user.organisation_id is None:
        return Client.objects.none()
    clients = Client.objects.filter(organisation_id=user.organisation_id)
    if not sees_whole_organisation(user):
        clients = clients.filter(clinicians=user)
    return clients


def _one_visible(records: QuerySet[Any], record_id: object, what: str) -> Any:
    """The record with this id among those visible, else 404 (whether or not it exists)."""
    pk = as_pk(record_id)
    found = records.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise Http404(f"No such {what}")
    return found


def client_for(user: User, client_id: object) -> Client:
    return _one_visible(clients_visible_to(user), client_id, "client")


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(client__in=clients_visible_to(user))


def assessment_for(user: User, assessment_id: object) -> Assessment:
    visible = assessments_visible_to(user).select_related("client")
    return _one_visible(visible, assessment_id, "assessment")


def households_visible_to(user: User) -> QuerySet[Household]:
    """Households belong to the organisation: every member may weigh placements."""
    if not user.is_authenticated or user.organisation_id is None:
        return Household.objects.none()
    return Household.objects.filter(organisation_id=user.organisation_id)


def household_for(user: User, household_id: object) -> Household:
    return _one_visible(households_visible_to(user), household_id, "household")


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.ADMIN and user.organisation_id is not None


def team_clients_of(supervisor: User) -> QuerySet[Client]:
    """The clients carried by the clinicians of the teams a supervisor oversees."""
    if not supervisor.is_authenticated or supervisor.organisation_id is None:
        return Client.objects.none()
    return Client.objects.filter(
        organisation_id=supervisor.organisation_id,
        clinicians__teams__supervisors=supervisor,
    ).distinct()


def can_read_audit_log(user: User) -> bool:
    """Administrators read their organisation's log; supervisors their teams' clients' entries."""
    return (user.is_authenticated and user.organisation_id is not None
            and user.role in (User.Role.ADMIN, User.Role.SUPERVISOR))
