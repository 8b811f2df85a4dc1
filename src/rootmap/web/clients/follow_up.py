"""The stored next follow-up due date of a client (decision 0027).

The rule is core.schedule.follow_up_status; this module only feeds it the client's
current finalised assessments and stores its answer on `Client.next_follow_up_due`, so
the dashboard counts and filters follow-ups in SQL. Every write that changes which
assessments are current and finalised calls `store_next_follow_up` inside its own
transaction: finalising (which is also how an amendment replaces its original) and the
case-file imports. A row written any other way (a test, a seed) calls it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from rootmap.core.schedule import follow_up_status
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client

# Only the due date is stored: whether it is overdue depends on the day it is read.
_ANY_DAY = dt.date(2000, 1, 1)


def _current_final_of(client_ids: Iterable[int]) -> list[tuple[int, str, dt.date]]:
    superseded = Assessment.objects.filter(amends=OuterRef("pk"), status=Assessment.Status.FINAL)
    return list(
        Assessment.objects.filter(client_id__in=list(client_ids), status=Assessment.Status.FINAL)
        .filter(~Exists(superseded))
        .order_by("client_id", "date", "id")
        .values_list("client_id", "kind", "date")
    )


def next_follow_up_due(schedule: Iterable[tuple[str, dt.date]]) -> dt.date | None:
    """The due date the core rule gives for (kind, date) pairs of current finalised assessments."""
    return follow_up_status(schedule, _ANY_DAY).next_due


def store_next_follow_up(client: Client | int) -> dt.date | None:
    """Recompute and store one client's next follow-up due date (two queries). Call it
    inside the transaction that finalised or imported the assessments."""
    client_id = client if isinstance(client, int) else client.pk
    due = next_follow_up_due((kind, date) for _cid, kind, date in _current_final_of([client_id]))
    Client.objects.filter(pk=client_id).update(next_follow_up_due=due)
    if isinstance(client, Client):
        client.next_follow_up_due = due
    return due
