"""The audit log, for an organisation's administrators (and, for their teams' clients, its
supervisors)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rootmap.web.access import as_pk, can_administer, can_read_audit_log
from rootmap.web.audit.forms import AuditFilterForm
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.selectors import NewestEntries, audit_entries_for, client_references
from rootmap.web.audit.services import audit_record

PAGE_SIZE = 50
COUNT_LIMIT = 10_000  # beyond this the page says "more than", and the filters narrow it


class BoundedPaginator(Paginator):
    """Counts at most COUNT_LIMIT + 1 rows (selectors.NewestEntries: a COUNT over a LIMITed
    subquery per branch), so that a log of millions of entries is not counted on every
    view; `bounded` says it stopped."""

    @property
    def bounded(self) -> bool:
        return self.count > COUNT_LIMIT


def _page_asked(raw: str | None, paginator: Paginator) -> int:
    """Page 0, -1 or "x" is the first page (Django's get_page shows the last for the first
    two); any number past the end is the last, however many digits it has."""
    number = as_pk(raw)
    if number is None and raw and raw.isascii() and raw.isdigit() and raw.strip("0"):
        return paginator.num_pages  # a number beyond any id
    return number or 1


@login_required
@require_GET  # any other method is 405, before the view audits anything
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can_read_audit_log(request.user):
        raise Http404("No such page")  # as for any record outside one's scope
    form = AuditFilterForm(request.GET or None)
    # A filter the form refuses (a client id of 41 characters, a misspelt action, a date
    # that is not one) shows no entries, only the message naming it: the whole log under
    # "Client: C-0042 ... 4,463 entries" read as that client's history.
    refused = form.is_bound and not form.is_valid()
    filters = form.cleaned_data if form.is_bound and not refused else {}
    # The pages count from the newest entry when the log was first read (`up_to`, which the
    # links carry), not from the newest now: this reading and everyone's work meanwhile
    # are entries too, and would shift every page (rows shown twice going older, skipped
    # going newer). Filter or Clear starts again from the newest.
    narrowed = {k: v for k, v in filters.items() if v}
    up_to = as_pk(request.GET.get("up_to"))
    if up_to is None:  # the log's newest id (the # column shows ids already), on the primary key
        up_to = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    entries = (NewestEntries(count_limit=COUNT_LIMIT) if refused else
               audit_entries_for(viewer=request.user, count_limit=COUNT_LIMIT, up_to=up_to, **narrowed))
    paginator = BoundedPaginator(entries, PAGE_SIZE)
    page = paginator.get_page(_page_asked(request.GET.get("page"), paginator))
    page.object_list = list(page.object_list)  # read before this reading is itself recorded
    references = client_references(viewer=request.user, client_ids=(e.client_id for e in page.object_list))
    for entry in page.object_list:
        entry.client_reference = references.get(entry.client_id)  # type: ignore[attr-defined]
    audit_record(action="view", request=request,
                 detail={"page": "audit log", "filters": {k: str(v) for k, v in filters.items() if v},
                         "page_number": page.number})
    query = urlencode({**{k: v for k, v in request.GET.items() if k not in ("page", "up_to")},
                       **({"up_to": up_to} if up_to is not None else {})})
    return render(request, "audit/log.html", {
        "form": form, "page": page, "query": query, "nav": "audit",
        "team_scope": not can_administer(request.user), "count_limit": f"{COUNT_LIMIT:,}",
        "count_shown": f"{page.paginator.count:,}", "refused": refused,
    })
