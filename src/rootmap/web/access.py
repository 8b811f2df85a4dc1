"""Who may see what. Every view reads records through these selectors.

A clinician sees the clients on their own caseload; a supervisor and an admin see their
whole organisation; nobody sees anything of another organisation. A record outside
what a user may see is reported as "not found" (404), so guessed ids reveal nothing.
"""

from __future__ import annotations

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
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
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


def client_for(user: User, client_id: object) -> Client:
    pk = as_pk(client_id)
    try:
        if pk is None:
            raise Client.DoesNotExist
        return clients_visible_to(user).get(pk=pk)
    except Client.DoesNotExist:
        raise Http404("No such client") from None


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    return Assessment.objects.filter(client__in=clients_visible_to(user))


def assessment_for(user: User, assessment_id: object) -> Assessment:
    pk = as_pk(assessment_id)
    try:
        if pk is None:
            raise Assessment.DoesNotExist
        return assessments_visible_to(user).select_related("client").get(pk=pk)
    except Assessment.DoesNotExist:
        raise Http404("No such assessment") from None


def households_visible_to(user: User) -> QuerySet[Household]:
    """Households belong to the organisation: every member may weigh placements."""
    if not user.is_authenticated or user.organisation_id is None:
        return Household.objects.none()
    return Household.objects.filter(organisation_id=user.organisation_id)


def household_for(user: User, household_id: object) -> Household:
    pk = as_pk(household_id)
    try:
        if pk is None:
            raise Household.DoesNotExist
        return households_visible_to(user).get(pk=pk)
    except Household.DoesNotExist:
        raise Http404("No such household") from None


def can_administer(user: User) -> bool:
    return user.is_authenticated and user.role == User.Role.ADMIN and user.organisation_id is not None
