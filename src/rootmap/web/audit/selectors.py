"""Reading the audit log: an administrator sees their own organisation's entries only; a
supervisor the entries about the clients of the teams they oversee, nothing else."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from itertools import islice

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from rootmap.web.access import clients_visible_to, team_clients_of
from rootmap.web.accounts.models import User
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients.models import Client


class NewestEntries:
    """The entries of a few disjoint querysets ("branches"), newest first, as the audit log's
    paginator reads them: a bounded `count()` and a slice.

    Each branch is one indexed query, where `organisation_id = X OR client_id IN (...)` had
    PostgreSQL read the organisation's whole log to count it or to reach a page (decision
    0031). A branch is ordered newest first and read to the slice's end only: its count
    stops at count_limit + 1, its page at `stop`. A `rare` branch (the entries with no
    organisation about the organisation's clients: a handful) is counted without an order
    and, when it holds no more than count_limit entries, its ids are read whole and sorted
    here, so that no misestimate of its size can make PostgreSQL sort or walk the log for
    it. A slice merges the branches' ids and reads the slice's rows; with one branch that
    has entries (the usual case) the slice is that branch's own query.
    """

    def __init__(self, *branches: QuerySet[AuditEntry], count_limit: int,
                 rare: tuple[QuerySet[AuditEntry], ...] = ()) -> None:
        self.branches = list(branches)  # each ordered newest first (by id, descending)
        self.rare = list(rare)
        self.count_limit = count_limit

    @cached_property
    def _counts(self) -> list[int]:
        """Each branch's entries (then each rare one's), counted no further than count_limit + 1."""
        limit = self.count_limit + 1
        return ([int(b[:limit].count()) for b in self.branches]
                + [int(b.order_by()[:limit].count()) for b in self.rare])

    def count(self) -> int:
        """The number of entries, no further than count_limit + 1 (more: "more than")."""
        return min(self.count_limit + 1, sum(self._counts))

    def __getitem__(self, item: slice) -> list[AuditEntry]:
        if not isinstance(item, slice) or item.step is not None or item.stop is None:
            raise TypeError("NewestEntries takes a slice with an end, [start:stop]")
        start, stop = item.start or 0, item.stop
        counts = self._counts
        live = [b for b, n in zip(self.branches + self.rare, counts, strict=True) if n]
        if not live:
            return []
        if len(live) == 1 and live[0] in self.branches:
            return list(live[0][start:stop])
        ids: list[list[int]] = []
        for branch, n in zip(self.branches + self.rare, counts, strict=True):
            if not n:
                continue
            if branch in self.rare and n <= self.count_limit:
                ids.append(sorted(branch.order_by().values_list("id", flat=True), reverse=True)[:stop])
            else:
                ids.append(list(branch.values_list("id", flat=True)[:stop]))
        wanted = list(islice(heapq.merge(*ids, reverse=True), start, stop))
        rows = AuditEntry.objects.in_bulk(wanted)
        return [rows[pk] for pk in wanted]


def audit_entries_for(*, viewer: User, actor: str = "", action: str = "", client: str = "",
                      date_from: date | None = None, date_to: date | None = None,
                      up_to: int | None = None, count_limit: int = 10_000) -> NewestEntries:
    """What `viewer` may read of the audit log, filtered, newest first; with `up_to`, only
    the entries up to that id (the newest one its first page showed: the pages do not shift
    as entries are written between two readings).

    An administrator: the entries of her organisation (`organisation_id`, the column of
    the organisation's chain) and the entries with no organisation about its clients (a
    command-line action, a person with no organisation): two disjoint branches, each on
    its own index (audit_entry_org_newest; audit_entry_no_org_client, partial). A
    supervisor: the entries about her teams' clients.
    """
    if viewer.role == User.Role.ADMIN and viewer.organisation_id is not None:
        org_clients = Client.objects.filter(organisation_id=viewer.organisation_id)
        # `BETWEEN X AND X ORDER BY organisation_id, id DESC`, not `= X ORDER BY id DESC`:
        # with the equality PostgreSQL may walk the primary key backwards and filter, which
        # reads every newer entry of the other organisations first (1.4 s at 100,000
        # clients when they wrote last); only audit_entry_org_newest gives this order.
        org = viewer.organisation_id
        branches = [
            AuditEntry.objects.filter(organisation_id__range=(org, org)).order_by("organisation_id", "-id"),
        ]
        rare = [
            AuditEntry.objects.filter(organisation_id__isnull=True, client_id__isnull=False,
                                      client_id__in=org_clients.values("pk")).order_by("-id"),
        ]
    elif viewer.role == User.Role.SUPERVISOR and viewer.organisation_id is not None:
        org_clients = team_clients_of(viewer)
        branches = [AuditEntry.objects.filter(client_id__in=org_clients.values("pk")).order_by("-id")]
        rare = []
    else:
        return NewestEntries(count_limit=count_limit)

    # The clients a client filter names, read first (a reference, any case, or an id; on
    # client_org_reference_upper_idx): as literal ids each branch reads just their entries
    # on a client_id index, where `client_id IN (subquery)` had PostgreSQL misjudge the
    # match and walk the organisation's whole log for a page (decision 0033).
    client_ids = _clients_named(org_clients, client) if client else None

    def narrowed(entries: QuerySet[AuditEntry]) -> list[QuerySet[AuditEntry]]:
        entries = entries if up_to is None else entries.filter(id__lte=up_to)
        return _filtered(entries, actor=actor, action=action, client_ids=client_ids,
                         date_from=date_from, date_to=date_to)

    return NewestEntries(*(arm for b in branches for arm in narrowed(b)),
                         rare=tuple(arm for b in rare for arm in narrowed(b)), count_limit=count_limit)


def client_references(*, viewer: User, client_ids: Iterable[int | None]) -> dict[int, str]:
    """The references of the clients of a page's entries that `viewer` may see (her caseload,
    teams or organisation: rootmap.web.access), by id: what the log's Client column shows,
    the name clinicians know a client by rather than its internal id. One query for the
    page's ids (none when no entry names a client); a client she may not see, or one no
    longer on record, is left out and the column shows its id."""
    ids = sorted({pk for pk in client_ids if pk is not None})
    if not ids:
        return {}
    return dict(clients_visible_to(viewer).filter(pk__in=ids).values_list("pk", "reference"))


def _clients_named(org_clients: QuerySet[Client], client: str) -> list[int]:
    """The ids of the clients of `org_clients` whose reference is `client` (any case) or,
    for digits, whose id it is: a few at most (a reference is unique in an organisation)."""
    named = Q(reference__iexact=client)
    if client.isascii() and client.isdigit() and len(client) < 19:
        named |= Q(pk=int(client))
    return sorted(org_clients.filter(named).values_list("pk", flat=True))


def _filtered(entries: QuerySet[AuditEntry], *, actor: str, action: str, client_ids: list[int] | None,
              date_from: date | None, date_to: date | None) -> list[QuerySet[AuditEntry]]:
    """`entries` narrowed by the filters, as disjoint querysets ("arms") whose union is the
    answer, each ordered as `entries` is and served by one index newest first: one arm per
    client named (`client_id = K`: PostgreSQL knows how few entries one client has),
    and for a user name the entries by that person (actor_name) and, apart, the entries
    naming that person (`detail.username`: sign-ins tried, changes to the account) that are
    not by them. An OR of the two had PostgreSQL read the organisation's log (decision 0033)."""
    if action:
        entries = entries.filter(action=action)
    tz = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to and date_to < date.max:  # up to 9999-12-31 is no end (its next day overflows)
        entries = entries.filter(
            at__lt=datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz))
    arms = [entries]
    if client_ids is not None:
        arms = [arm.filter(client_id=pk) for arm in arms for pk in client_ids]
    if actor:
        arms = [part for arm in arms for part in (
            arm.filter(actor_name__iexact=actor),
            # has_key: the partial index audit_entry_username_org holds only these rows
            arm.filter(detail__has_key="username", detail__username=actor).exclude(actor_name__iexact=actor),
        )]
    return arms
