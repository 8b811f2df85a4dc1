"""The stored phase of a client's latest current finalised assessment (decision 0033).

`Client.latest_phase` holds what the dashboard's per-client subquery computed: the
`phase` of the result of the client's latest (by date, then id) finalised assessment that
no finalised amendment supersedes, or "unassessed" when there is none (NULL only when that
result names no phase). The rule is one SQL expression (`latest_phase_value`), so the
services, the data migration's batches, a restore and the seeds all store the same
answer. Every write that changes which assessments are current and finalised calls
`store_latest_phase` inside its own transaction, beside `store_next_follow_up`:
finalising (which is also how an amendment replaces its original) and the case-file
imports. Finalised assessments are never updated or deleted (rootmap.web.integrity), and
a draft is never current, so nothing else moves it.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform

from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import UNASSESSED, Client

BATCH = 1000


def _current_final() -> QuerySet[Assessment]:
    superseded = Assessment.objects.filter(amends=OuterRef("pk"), status=Assessment.Status.FINAL)
    return Assessment.objects.filter(status=Assessment.Status.FINAL).filter(~Exists(superseded))


def latest_phase_value() -> Case:
    """The expression, correlated on a client row (OuterRef "pk"), of its latest phase."""
    current = _current_final().filter(client=OuterRef("pk"))
    latest = current.order_by("-date", "-id").annotate(p=KeyTextTransform("phase", "result")).values("p")[:1]
    return Case(When(Exists(current), then=Subquery(latest)), default=Value(UNASSESSED),
                output_field=CharField())


def store_latest_phase(client: Client | int) -> str | None:
    """Recompute and store one client's latest phase (an UPDATE and a read). Call it inside
    the transaction that finalised or imported the assessments."""
    client_id = client if isinstance(client, int) else client.pk
    Client.objects.filter(pk=client_id).update(latest_phase=latest_phase_value())
    phase = Client.objects.filter(pk=client_id).values_list("latest_phase", flat=True).first()
    if isinstance(client, Client):
        client.latest_phase = phase
    return phase


def store_latest_phases(clients: QuerySet[Client] | None = None, *, using: str = DEFAULT_DB_ALIAS,
                        batch: int = BATCH) -> int:
    """Recompute the stored phase of every client of `clients` (all when None), by primary
    key in batches of `batch` clients: one UPDATE per batch, whatever the number of
    clients (a seed, a restore). Returns the number of clients written."""
    chosen = clients if clients is not None else Client.objects.using(using).all()
    ids = chosen.order_by("pk").values_list("pk", flat=True)
    written, last = 0, None
    while True:
        chunk = list(ids.filter(Q() if last is None else Q(pk__gt=last))[:batch])
        if not chunk:
            return written
        written += Client.objects.using(chosen.db).filter(pk__in=chunk).update(latest_phase=latest_phase_value())
        last = chunk[-1]
