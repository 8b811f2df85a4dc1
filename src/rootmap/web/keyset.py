"""Keyset pagination: page N of a long list costs what page 1 costs (decision 0027).

An OFFSET page makes the database walk and throw away every row before it (page 2,000 of
the dashboard sorted 50,000 clients). A keyset page starts from the last row shown
instead: `WHERE (name, id) > (:name, :id) ORDER BY name, id LIMIT 26`, which an index on
the list's filter and order answers by reading 26 index entries. The links carry only the
id of the row to start after (or before), never a client's name, so no name reaches a
URL or an access log; the name is read back through the same (access-checked) queryset.

Counts are bounded: `count_up_to` stops at a limit and the page says "more than".

>>> page = keyset_page(clients, order=("display_name", "id"), after=request.GET.get("after"))
>>> page.object_list, page.next_after, page.previous_before
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from rootmap.web.access import as_pk

COUNT_LIMIT = 1000


@dataclass
class KeysetPage:
    object_list: list[Any]
    next_after: int | None = None        # id to start the next page after
    previous_before: int | None = None   # id to end the previous page before
    first_page: bool = True
    rows: list[Any] = field(default_factory=list)  # view rows built from object_list (optional)

    @property
    def has_next(self) -> bool:
        return self.next_after is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_before is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _beyond(order: tuple[str, ...], values: tuple[Any, ...], *, forward: bool) -> Q:
    """Rows after (forward) or before the row with `values` in the order `order`.

    (a, b) > (x, y) is a > x OR (a = x AND b > y); a field named "-f" runs descending. The
    redundant a >= x in front lets the index on (filter, a, b) start its range at x
    (the OR alone is only a filter, and the scan would start at the list's first row).
    """
    def op(n: int, strict: bool) -> str:
        past_is_greater = order[n].startswith("-") != forward  # values grow beyond the cursor
        return ("gt" if strict else "gte") if past_is_greater else ("lt" if strict else "lte")

    condition = Q()
    for n in range(len(order) - 1, -1, -1):
        name = order[n].lstrip("-")
        step = Q(**{f"{name}__{op(n, True)}": values[n]})
        condition = step if n == len(order) - 1 else step | (Q(**{name: values[n]}) & condition)
    first = order[0].lstrip("-")
    return Q(**{f"{first}__{op(0, False)}": values[0]}) & condition


def keyset_page(queryset: QuerySet[Any], *, order: tuple[str, ...], size: int,
                after: object = None, before: object = None,
                cursor_from: QuerySet[Any] | None = None) -> KeysetPage:
    """One page of `queryset` in `order` (which must end in a unique field, e.g. "id").

    Queries: one for the cursor row's values (only when a cursor is given), one for the
    page. A cursor that names no row of `cursor_from` (default: the queryset) starts from
    the first page, and so does one with no row beyond it any more (every row after it
    left the list since the link was made): never an empty page without a way back. A
    filtered list passes its unfiltered, access-checked rows as `cursor_from`: a cursor
    row that has left the filter since the page was shown (an overdue follow-up signed
    meanwhile) still marks where the next page goes on.
    """
    fields = tuple(name.lstrip("-") for name in order)
    cursor_pk, forward = (as_pk(before), False) if before not in (None, "") else (as_pk(after), True)
    values = None
    if cursor_pk is not None:
        source = queryset if cursor_from is None else cursor_from
        values = source.filter(pk=cursor_pk).values_list(*fields).first()
    if values is not None:
        page = _page_beyond(queryset, order, values, size, forward=forward)
        if page.object_list:
            return page
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, next_after=rows[-1].pk if more else None, previous_before=None, first_page=True)


def _page_beyond(queryset: QuerySet[Any], order: tuple[str, ...], values: tuple[Any, ...], size: int,
                 *, forward: bool) -> KeysetPage:
    """The page after (forward) or before the row with `values`; empty when none is left."""
    if forward:
        rows = list(queryset.filter(_beyond(order, values, forward=True)).order_by(*order)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return KeysetPage(rows, next_after=rows[-1].pk if more and rows else None,
                          previous_before=rows[0].pk if rows else None, first_page=False)
    reverse = tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)
    rows = list(queryset.filter(_beyond(order, values, forward=False)).order_by(*reverse)[: size + 1])
    more = len(rows) > size
    rows = rows[:size][::-1]
    return KeysetPage(rows, next_after=rows[-1].pk if rows else None,
                      previous_before=rows[0].pk if more and rows else None, first_page=not more)


def count_up_to(queryset: QuerySet[Any], limit: int = COUNT_LIMIT) -> tuple[int, bool]:
    """How many rows, counting no further than `limit`: (count, more_than_limit)."""
    found = queryset.order_by()[: limit + 1].count()
    return min(found, limit), found > limit
