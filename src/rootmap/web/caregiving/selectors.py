"""What a household shows to whom: the caseload rule applied to the children in care.

A household belongs to the organisation, so every member may weigh placements with it;
its children do not. A child who is a client is *seen* by a viewer who may see that
client (`rootmap.web.access.clients_visible_to`, the selector of the client pages):
named, with reference, exact age and challenge ratings. For anyone else the child is
"A child, age N" (whole years), and its challenge ratings are shown only when a
supervisor or admin has shared them (`challenge_shared`); hidden or not, they count in
the household's demand and reserve, so the estimate stays true (decision 0011).

>>> children = household_children(user=u, household=h, inputs=services.household_inputs(h))
>>> [c.label for c in children]
['Milo', 'A child, age 7', 'Toddler']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from rootmap.core.ages import age_in_months, age_in_words
from rootmap.core.problems import Problem
from rootmap.web.access import clients_visible_to, sees_whole_organisation
from rootmap.web.accounts.models import User
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.models import Client
from rootmap.web.clients.selectors import current_final_assessments
from rootmap.web.search import any_holds

# How a household view exposed a child, written into each audit entry.
NAMED = "named"
ANONYMOUS_WITH_RATINGS = "anonymous, ratings shared"
ANONYMOUS = "anonymous, ratings hidden"


@dataclass(frozen=True)
class HouseholdChild:
    """One child in care as one viewer may see it."""

    n: int                              # its place among the household's children
    client_pk: int | None               # the linked client (server side only: never rendered when unseen)
    client: Client | None               # the linked client, only when the viewer may see them
    seen: bool                          # the viewer may know who this child is
    shared: bool                        # a supervisor shared this child's challenge ratings
    age_months: int | None              # exact age: only when seen (None otherwise)
    label: str                          # what the page and the report call the child
    challenge: dict[str, Any] | None    # the ratings, or None when hidden from this viewer
    prefilled_from: str | None          # the assessment the ratings came from, only when seen

    @property
    def is_client(self) -> bool:
        return self.client_pk is not None

    @property
    def editable(self) -> bool:
        """Only someone who may see a client child may change or remove its row."""
        return self.seen

    @property
    def exposure(self) -> str:
        if self.seen:
            return NAMED
        return ANONYMOUS_WITH_RATINGS if self.challenge is not None else ANONYMOUS


def years_words(months: int | None) -> str:
    """An unseen child's age in whole years: enough to read its age factor, no more."""
    if months is None:
        return "age unknown"
    if months < 12:
        return "under 1"
    return f"age {months // 12}"


def age_text(months: int | None) -> str:
    return "age unknown" if months is None else age_in_words(months)


def anonymous_label(months: int | None) -> str:
    return f"A child, {years_words(months)}"


def _linked_clients(organisation_id: int, pks: Sequence[int]) -> dict[int, Client]:
    if not pks:
        return {}
    return {c.pk: c for c in Client.objects.filter(organisation_id=organisation_id, pk__in=pks)}


def _visible_pks(user: User, pks: Sequence[int]) -> set[int]:
    if not pks:
        return set()
    return set(clients_visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))


def household_children(
    *, user: User, household: Household, inputs: Mapping[str, Any], on: dt.date | None = None,
) -> list[HouseholdChild]:
    """The household's children (from `inputs`) as `user` may see them. Two queries."""
    on = on or timezone.localdate()
    entries = list(inputs.get("children", []))
    pks = [int(c["client_pk"]) for c in entries if c.get("client_pk") is not None]
    linked = _linked_clients(household.organisation_id, pks)
    visible = _visible_pks(user, pks)
    children = []
    for n, entry in enumerate(entries):
        pk = entry.get("client_pk")
        challenge = dict(entry.get("challenge") or {})
        shared = bool(entry.get("challenge_shared"))
        if pk is None:  # not a client: the household's own information
            children.append(HouseholdChild(
                n=n, client_pk=None, client=None, seen=True, shared=shared,
                age_months=entry.get("age_months"), label=entry.get("name") or "Child",
                challenge=challenge, prefilled_from=None))
            continue
        client = linked.get(int(pk))
        age = age_in_months(client.birth_date, on) if client is not None else None
        if client is not None and client.pk in visible:
            children.append(HouseholdChild(
                n=n, client_pk=client.pk, client=client, seen=True, shared=shared, age_months=age,
                label=client.display_name, challenge=challenge, prefilled_from=entry.get("prefilled_from")))
        else:
            children.append(HouseholdChild(
                n=n, client_pk=int(pk), client=None, seen=False, shared=shared, age_months=None,
                label=anonymous_label(age), challenge=challenge if shared else None, prefilled_from=None))
    return children


@dataclass(frozen=True)
class ReportChild:
    """One child of a stored estimate as one viewer may see it."""

    client_pk: int | None
    seen: bool
    label: str
    age: str                 # words: exact for a seen child, whole years for an unseen one
    ratings_shown: bool

    @property
    def exposure(self) -> str:
        if self.seen:
            return NAMED
        return ANONYMOUS_WITH_RATINGS if self.ratings_shown else ANONYMOUS


def estimate_children(*, user: User, household: Household, estimate: Estimate) -> list[ReportChild]:
    """The children of a stored estimate as `user` may see them (the estimate's own ages).

    Who each child was is the estimate's `child_clients` link, never the reference in the
    file. A client child without a link (an estimate older than the link whose reference
    no longer named a client) is shown as seen only to those who see the whole
    organisation. Ratings of an unseen child are shown when the household shares them now.
    """
    file_children = list((estimate.inputs or {}).get("children", []))
    links = list(estimate.child_clients or [])
    links += [None] * (len(file_children) - len(links))
    pks = [int(pk) for pk in links if pk is not None]
    linked = _linked_clients(household.organisation_id, pks)
    visible = _visible_pks(user, pks)
    shared_now = {int(c["client_pk"]) for c in (household.inputs or {}).get("children", [])
                  if c.get("client_pk") is not None and c.get("challenge_shared")}
    whole = sees_whole_organisation(user)
    rows = []
    for n, (child, pk) in enumerate(zip(file_children, links, strict=False), 1):
        age = child.get("age_months")
        if pk is None and not child.get("client_id"):
            rows.append(ReportChild(None, True, f"Child {n}", age_text(age), True))
        elif pk is None:
            if whole:
                rows.append(ReportChild(None, True, f"Child {n} ({child['client_id']})", age_text(age), True))
            else:
                rows.append(ReportChild(None, False, anonymous_label(age), years_words(age), False))
        elif int(pk) in visible and int(pk) in linked:
            client = linked[int(pk)]
            rows.append(ReportChild(client.pk, True, f"Child {n}: {client.display_name} ({client.reference})",
                                    age_text(age), True))
        else:
            rows.append(ReportChild(int(pk), False, anonymous_label(age), years_words(age),
                                    int(pk) in shared_now))
    return rows


def redacted_problems(problems: Sequence[Problem], children: Sequence[HouseholdChild]) -> list[Problem]:
    """Estimator problems, without the values or ratings of a child the viewer may not see."""
    hidden = {c.n: c for c in children if not c.seen}
    out = []
    for problem in problems:
        for n, child in hidden.items():
            if problem.path == f"children[{n}]" or problem.path.startswith(f"children[{n}]."):
                problem = Problem(f"children[{n}]", f"{child.label} (not on your caseload) cannot be "
                                                    "counted yet; their clinician or a supervisor can see why")
                break
        if problem not in out:
            out.append(problem)
    return out


def may_share(user: User) -> bool:
    """Sharing an unseen child's challenge ratings is a supervisor's or admin's decision."""
    return user.is_authenticated and sees_whole_organisation(user)


# The household page's client picker lists at most this many matches (decision 0027).
CLIENT_MATCHES = 20


def client_matches(*, user: User, query: str = "", exclude: Sequence[int] = (),
                   limit: int = CLIENT_MATCHES) -> list[Client]:
    """Clients the user may see (caseload or organisation) whose name or reference holds
    `query`, by name, at most `limit`: what the household page's "add a client" picker
    offers, instead of a drop-down of the whole organisation. Two queries.

    The order is the dashboard's, so the index on (organisation, display_name, id) serves
    it and the scan stops at `limit` matches. Each carries `assessed` (a current finalised
    assessment exists), read for the matches only in a second query: as an EXISTS in the
    same SELECT, PostgreSQL hashes every finalised assessment of every organisation first.
    """
    clients = clients_visible_to(user)
    query = query.strip()[:120]
    if query:
        clients = clients.filter(any_holds(("display_name", "reference"), query))  # decision 0034
    if exclude:
        clients = clients.exclude(pk__in=list(exclude))
    matches = list(clients.order_by("display_name", "id")[:limit])
    assessed = set(current_final_assessments().filter(client_id__in=[c.pk for c in matches])
                   .values_list("client_id", flat=True))
    for client in matches:
        client.assessed = client.pk in assessed  # type: ignore[attr-defined]
    return matches
