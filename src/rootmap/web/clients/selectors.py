"""Reads for the caseload dashboard and the client pages.

Every selector starts from `rootmap.web.access.clients_visible_to`, so a clinician sees
their caseload, a supervisor or admin their organisation, and nobody another
organisation. Each runs a fixed number of queries, whatever the number of clients:
phases come from stored results (annotated in SQL), never from scoring again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from rootmap.core.schedule import follow_up_status
from rootmap.web.access import clients_visible_to
from rootmap.web.accounts.models import User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import UNASSESSED, Client
from rootmap.web.keyset import COUNT_LIMIT, KeysetPage, count_up_to, keyset_page
from rootmap.web.search import any_holds

PAGE_SIZE = 25
# The longest search worth running: a client's name holds at most 120 characters and a
# reference 40, so a longer text matches nothing (and SQLite refuses a LIKE pattern over
# 50,000 bytes with an error, the page a 500). The clinician filter and the household
# page's client search keep the same first 120 characters.
SEARCH_MAX = 120
DUE_SOON_DAYS = 30
FOLLOW_UP_FILTERS = {
    "overdue": "Overdue",
    "due_soon": f"Due within {DUE_SOON_DAYS} days",
    "none": "No follow-up scheduled",
}
PHASES = {
    "regulate": "Regulate",
    "relate": "Relate",
    "reason": "Reason",
    "maintain": "Maintain",
    "undetermined": "Undetermined (too little rated)",
}


def clinician_filter_value(value: str) -> bool:
    """A value the caseload's clinician filter takes: a user's id, "unassigned", or "" (anyone)."""
    return value in ("", "unassigned") or (value.isascii() and value.isdigit() and len(value) < 19)


def current_final_assessments() -> QuerySet[Assessment]:
    """Finalised assessments that no finalised amendment supersedes.

    A correlated NOT EXISTS (one index probe on amends_id per row), not
    `NOT (id IN (SELECT amends_id ...))`, which PostgreSQL re-scans for every row.
    """
    superseded = Assessment.objects.filter(amends=OuterRef("pk"), status=Assessment.Status.FINAL)
    return Assessment.objects.filter(status=Assessment.Status.FINAL).filter(~Exists(superseded))


@dataclass(frozen=True)
class FollowUp:
    next_due: dt.date | None
    overdue: bool
    due_soon: bool

    @property
    def key(self) -> str:
        if self.next_due is None:
            return "none"
        if self.overdue:
            return "overdue"
        return "due_soon" if self.due_soon else "scheduled"


def follow_up_for(schedule: list[tuple[str, dt.date]], today: dt.date) -> FollowUp:
    status = follow_up_status(schedule, today)
    return follow_up_on(status.next_due, today)


def follow_up_on(next_due: dt.date | None, today: dt.date) -> FollowUp:
    """Overdue / due soon on `today` for a stored due date (overdue: past it, as core.schedule)."""
    overdue = next_due is not None and today > next_due
    due_soon = bool(next_due is not None and not overdue and next_due <= today + dt.timedelta(days=DUE_SOON_DAYS))
    return FollowUp(next_due=next_due, overdue=overdue, due_soon=due_soon)


@dataclass
class DashboardRow:
    client: Client
    latest_kind: str | None
    latest_date: dt.date | None
    latest_id: int | None
    phase: str | None
    follow_up: FollowUp
    clinicians: list[User] = field(default_factory=list)

    @property
    def latest_kind_label(self) -> str:
        return Assessment.Kind(self.latest_kind).label if self.latest_kind else ""

    @property
    def phase_label(self) -> str:
        return PHASES.get(self.phase or "", "")


@dataclass
class Dashboard:
    page: KeysetPage | Page[Any]  # a Django Page only for the API's numbered pages
    rows: list[DashboardRow]
    total_visible: int          # the filtered list's count, counted no further than COUNT_LIMIT
    total_more: bool            # more than COUNT_LIMIT match
    overdue_count: int          # counted no further than COUNT_LIMIT + 1: more means "more than"
    due_soon_count: int
    filters: dict[str, str]
    count_limit: int = COUNT_LIMIT


def _with_latest(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Annotate each client with its latest current finalised assessment (one SQL query).

    Its phase is not annotated: it is stored on the client (`Client.latest_phase`, the
    same rule: clients.latest_phase), which the phase filter reads too."""
    latest = current_final_assessments().filter(client=OuterRef("pk")).order_by("-date", "-id")
    return clients.annotate(
        latest_id=Subquery(latest.values("id")[:1]),
        latest_kind=Subquery(latest.values("kind")[:1]),
        latest_date=Subquery(latest.values("date")[:1]),
    )


def phase_shown(client: Client) -> str | None:
    """The phase a row shows: the stored latest phase, None for a client not yet assessed."""
    return None if client.latest_phase == UNASSESSED else client.latest_phase


def _schedules(client_ids: QuerySet[Any] | list[int]) -> dict[int, list[tuple[str, dt.date]]]:
    """(kind, date) of every current finalised assessment per client: one query."""
    schedules: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    rows = (
        current_final_assessments()
        .filter(client_id__in=client_ids)
        .order_by("client_id", "date", "id")
        .values_list("client_id", "kind", "date")
    )
    for client_id, kind, date in rows:
        schedules[client_id].append((kind, date))
    return schedules


def follow_up_counts(visible: QuerySet[Client], today: dt.date,
                     limit: int | None = COUNT_LIMIT) -> tuple[int, int]:
    """(overdue, due within DUE_SOON_DAYS) among `visible`, from the stored due dates.

    Each is counted no further than `limit` (None: exactly), so the dashboard's summary
    costs the same for 50 clients and for 50,000: "more than 1,000" is what a supervisor
    needs to read there; the filtered list shows them. Two small queries, on the index
    client_org_follow_up_idx, never reading an assessment.
    """
    overdue = _follow_up_filter(visible, "overdue", today)
    due_soon = _follow_up_filter(visible, "due_soon", today)
    if limit is None:
        return overdue.count(), due_soon.count()
    return count_up_to(overdue, limit + 1)[0], count_up_to(due_soon, limit + 1)[0]


def _follow_up_filter(clients: QuerySet[Client], follow_up: str, today: dt.date) -> QuerySet[Client]:
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    if follow_up == "overdue":
        return clients.filter(next_follow_up_due__lt=today)
    if follow_up == "due_soon":
        return clients.filter(next_follow_up_due__gte=today, next_follow_up_due__lte=horizon)
    if follow_up == "none":
        return clients.filter(next_follow_up_due__isnull=True)
    return clients


def caseload_dashboard(
    *,
    user: User,
    today: dt.date,
    search: str = "",
    phase: str = "",
    follow_up: str = "",
    clinician: str = "",
    after: object = None,
    before: object = None,
    page_number: object = None,
) -> Dashboard:
    """The caseload: visible clients with latest assessment, phase and follow-up status.

    Queries: follow-up counts (2), bounded count (1), cursor row (1, on later pages), page
    (1), clinicians of the page (1), whatever the number of clients and whichever page:
    follow-ups are the stored due dates, pages are keyset pages (rootmap.web.keyset).

    `page_number` is the REST API v1's numbered page (its contract has page, pages and
    exact counts): an OFFSET page with exact counts, which the web pages never use. Its
    OFFSET walks only the ids (one narrow query on client_org_name_idx), then the page's
    rows are read by id: page 1,000 costs about what page 1 does (issue 15).
    """
    visible = clients_visible_to(user)
    filters = {"q": search.strip()[:SEARCH_MAX], "phase": phase, "follow_up": follow_up, "clinician": clinician}
    numbered = page_number is not None
    overdue_count, due_soon_count = follow_up_counts(visible, today, limit=None if numbered else COUNT_LIMIT)

    clients = visible
    if filters["q"]:
        # Case and accents ignored the same on both databases (decision 0034).
        clients = clients.filter(any_holds(("display_name", "reference"), filters["q"]))
    # The phase filter reads the stored latest phase (on client_org_phase_name_idx for an
    # organisation, decision 0033); the count and page below add the row's columns only to
    # the rows they return (a count never evaluates them).
    if phase in PHASES or phase == UNASSESSED:
        clients = clients.filter(latest_phase=phase)
    if clinician == "unassigned":
        clients = clients.filter(clinicians__isnull=True)
    elif clinician and clinician_filter_value(clinician):
        clients = clients.filter(clinicians__id=int(clinician))
    clients = _follow_up_filter(clients, follow_up, today)

    listed = _with_latest(clients).prefetch_related(
        Prefetch("clinicians", queryset=User.objects.order_by("username")))
    page: Any
    if numbered:
        # The OFFSET walks only ids, on client_org_name_idx (an index-only scan), then the
        # page's 25 rows are read with their columns: a deep page costs a walk of the index,
        # not 50,000 rows' subqueries. The count is exact (the API's contract) on the
        # filtered clients, without the row columns.
        ids_page = Paginator(clients.order_by("display_name", "id").values_list("pk", flat=True),
                             PAGE_SIZE).get_page(page_number)
        ids = list(ids_page.object_list)
        found = {c.pk: c for c in listed.filter(pk__in=ids)} if ids else {}
        page = Page([found[pk] for pk in ids if pk in found], ids_page.number, ids_page.paginator)
        total, more = page.paginator.count, False
    else:
        total, more = count_up_to(clients)
        page = keyset_page(listed, order=("display_name", "id"), size=PAGE_SIZE, after=after, before=before,
                           cursor_from=visible)
    rows = [
        DashboardRow(
            client=c,
            latest_kind=c.latest_kind,
            latest_date=c.latest_date,
            latest_id=c.latest_id,
            phase=phase_shown(c),
            follow_up=follow_up_on(c.next_follow_up_due, today),
            clinicians=list(c.clinicians.all()),
        )
        for c in page.object_list
    ]
    return Dashboard(
        page=page,
        rows=rows,
        total_visible=total,
        total_more=more,
        overdue_count=overdue_count,
        due_soon_count=due_soon_count,
        filters=filters,
    )


def clinicians_of(organisation_id: int | None) -> QuerySet[User]:
    """Who carries a caseload in an organisation: its active clinicians (assignment, filters)."""
    return User.objects.filter(
        organisation_id=organisation_id, is_active=True, role=User.Role.CLINICIAN
    ).order_by("username")


CLINICIAN_MATCHES = 20


@dataclass(frozen=True)
class ClinicianFilter:
    """The dashboard's clinician filter for a supervisor or admin: what the URL asked for
    (`clinician`: an id or "unassigned"; `clinician_q`: a name to look for) and the few
    clinicians to offer, never the whole organisation's staff."""

    chosen: str                 # what the caseload is filtered by: "", an id, or "unassigned"
    query: str                  # the name typed, as shown back in the field
    choices: list[User]         # the chosen clinician, then at most CLINICIAN_MATCHES matches
    matches: int                # how many of `choices` match `query` (0 when nothing was typed)
    more: bool                  # more than `limit` match
    limit: int = CLINICIAN_MATCHES


def clinician_filter(*, organisation_id: int | None, clinician: str = "", query: str = "",
                     seen: str = "", limit: int = CLINICIAN_MATCHES) -> ClinicianFilter:
    """Offer the chosen clinician and the active clinicians whose name or user name holds
    `query`, by name, at most `limit`: a query for the chosen one and one for the matches
    (none when nothing was chosen or typed; the matches on the index user_org_name_idx),
    whatever the size of the organisation.

    A name typed anew (`query` is not `seen`, the name whose matches the page showed)
    replaces the clinician chosen before: exactly one match is chosen at once, so the
    filter works in one step without JavaScript (type, press Filter); several leave
    "Anyone" chosen and are offered. Otherwise the chosen clinician stands. An id outside
    the organisation's active clinicians is offered nothing and still filters by that
    id, which matches no visible client (the list is access-checked).
    """
    query = query.strip()[:120]
    new_search = bool(query) and query != seen.strip()[:120]
    by_id = clinician.isascii() and clinician.isdigit() and len(clinician) < 19
    chosen = clinician if by_id or clinician == "unassigned" else ""
    if new_search:
        chosen = ""
    if not query and not chosen.isdigit():
        return ClinicianFilter(chosen=chosen, query=query, choices=[], matches=0, more=False)
    clinicians = clinicians_of(organisation_id).order_by("last_name", "first_name", "username", "id")
    selected = list(clinicians.filter(pk=int(chosen))) if chosen.isdigit() else []
    matching = list(clinicians.filter(
        any_holds(("first_name", "last_name", "username"), query)
    )[:limit + 1]) if query else []
    more = len(matching) > limit
    matching = matching[:limit]
    if new_search and len(matching) == 1:
        chosen = str(matching[0].pk)
    choices = selected + [u for u in matching if u not in selected]
    return ClinicianFilter(chosen=chosen, query=query, choices=choices, matches=len(matching), more=more,
                           limit=limit)


def client_assessments(client: Client) -> list[Assessment]:
    """Every assessment of a client (drafts and superseded ones too), newest first."""
    return list(
        Assessment.objects.filter(client=client)
        .select_related("created_by", "finalised_by", "amends")
        .prefetch_related("amendments")
        .order_by("-date", "-id")
    )


@dataclass(frozen=True)
class CaseloadExportRow:
    client: Client
    clinicians: list[str]
    assessments: int
    latest_date: dt.date | None
    latest_kind: str | None
    phase: str | None
    follow_up: FollowUp


def caseload_export_ids(*, user: User) -> list[int]:
    """The ids of every client the user may see, in the caseload CSV's order: one narrow query
    (the export is audited with them before a row is read)."""
    return list(clients_visible_to(user).order_by("reference", "id").values_list("pk", flat=True))


def caseload_export_rows(*, user: User, ids: Sequence[int], today: dt.date) -> list[CaseloadExportRow]:
    """The caseload CSV's rows of the clients `ids` (a chunk of `caseload_export_ids`), in that
    order: three queries (clients, their clinicians, their schedules), whatever the chunk.

    Read again through `clients_visible_to`: a client unassigned since the export began is
    left out, never shown.
    """
    chunk = clients_visible_to(user).filter(pk__in=list(ids)).order_by().only(
        "pk", "reference", "display_name", "birth_date", "interests", "next_follow_up_due", "latest_phase")
    by_id = {c.pk: c for c in _with_latest(chunk)}
    found = [pk for pk in ids if pk in by_id]
    schedules = _schedules(found) if found else {}
    usernames: dict[int, list[str]] = defaultdict(list)
    if found:  # user names only, not a User per client and clinician
        for client_id, username in (Client.clinicians.through.objects.filter(client_id__in=found)
                                    .order_by("user__username").values_list("client_id", "user__username")):
            usernames[client_id].append(username)
    return [
        CaseloadExportRow(
            client=c, clinicians=usernames.get(c.pk, []),
            assessments=len(schedules.get(c.pk, [])), latest_date=c.latest_date, latest_kind=c.latest_kind,
            phase=phase_shown(c),
            follow_up=follow_up_on(c.next_follow_up_due, today),
        )
        for c in (by_id[pk] for pk in ids if pk in by_id)
    ]


def results_export(*, user: User) -> QuerySet[Assessment]:
    """The current finalised assessments of every client the user may see, by client then date."""
    return (current_final_assessments().filter(client__in=clients_visible_to(user))
            .order_by("client__reference", "client_id", "date", "id"))


def results_export_ids(*, user: User) -> list[tuple[int, int]]:
    """(assessment id, client id) of every row of the results CSV, in its order: one narrow query."""
    return list(results_export(user=user).values_list("pk", "client_id"))


def results_export_rows(*, user: User, ids: Sequence[int]) -> list[Assessment]:
    """The assessments `ids` (a chunk of `results_export_ids`) with their clients, in that order:
    one query, read again through the same access-checked selector."""
    chunk = (results_export(user=user).filter(pk__in=list(ids)).order_by().select_related("client")
             .only("pk", "reference", "result", "client__reference"))  # not the ratings, not the client's record
    found = {a.pk: a for a in chunk}
    return [found[pk] for pk in ids if pk in found]
