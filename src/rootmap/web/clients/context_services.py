"""Writes of a client's context (sex, gender, placements, legal status, school, culture, contacts).

Every save locks the client row, checks the revision the page showed (a page showing an
older context is told so, nothing is saved: decision 0008's optimistic revision),
validates the whole context with the core's rules (rootmap.core.context) and commits with
its audit entry. The audit entry names the fields changed, never their words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from rootmap.core.context import ClientContext, context_json, parse_context
from rootmap.core.problems import CaseFileError, Problem
from rootmap.web.accounts.models import User
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError

ROW_LISTS = ("placements", "contacts")
_ROW = re.compile(r"^(placements|contacts)\[([0-9]{1,3})\]$")


class ContextConflict(ClientInputError):
    """The page showed an older context: someone (another tab, a colleague) saved since."""

    def __init__(self) -> None:
        super().__init__([Problem("revision", "the client's context was changed elsewhere (another tab or a "
                                              "colleague) since this page was opened; nothing was saved. "
                                              "Reload the page to see it")])


def _changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _store(*, client: Client, user: User, data: Mapping[str, Any], revision: int,
           request: HttpRequest | None, today: dt.date | None, locked: Client, how: str) -> Client:
    if revision != locked.context_revision:
        raise ContextConflict()
    try:
        context = parse_context(data, birth_date=locked.birth_date, today=today or timezone.localdate())
    except CaseFileError as error:
        raise ClientInputError(error.problems) from None
    stored = context_json(context)
    changed = _changed_fields(locked.context or {}, stored)
    locked.context = stored
    locked.context_revision += 1
    locked.save(update_fields=["context", "context_revision", "updated_at"])
    audit_record(action="change", request=request, user=user, obj=locked, detail={
        "what": "context", "how": how, "fields": changed, "revision": locked.context_revision,
    })
    client.context, client.context_revision = locked.context, locked.context_revision
    return client


def client_context_save(*, client: Client, user: User, data: Mapping[str, Any], revision: int,
                        request: HttpRequest | None = None, today: dt.date | None = None) -> Client:
    """Replace the whole context (the page's Save, without JavaScript). Raises
    ClientInputError naming every problem (`placements[N].end`), ContextConflict when the
    page's `revision` is not the stored one; nothing is saved then."""
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        return _store(client=client, user=user, data=data, revision=revision, request=request,
                      today=today, locked=locked, how="page")


def client_context_save_field(*, client: Client, user: User, field: str, value: Any, revision: int,
                              request: HttpRequest | None = None, today: dt.date | None = None) -> Client:
    """Change one field (autosave): a top-level key (`sex`, `school`, ...) or one row,
    `placements[N]` / `contacts[N]` with the whole row as `value`; N one past the last row
    adds a row. The rest of the context stays as stored."""
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if revision != locked.context_revision:
            raise ContextConflict()
        data = dict(locked.context or {})
        row = _ROW.match(field)
        if row:
            kind, n = row.group(1), int(row.group(2))
            rows = list(data.get(kind) or [])
            if n > len(rows):
                raise ContextConflict()  # a row this page has not seen saved: it is out of date
            if n == len(rows):
                rows.append(value)
            else:
                rows[n] = value
            data[kind] = rows
        elif field in ROW_LISTS or field not in ClientContext.model_fields:
            raise ClientInputError([Problem(field or "field", "is not a field of the client's context")])
        else:
            data[field] = value
        return _store(client=client, user=user, data=data, revision=revision, request=request,
                      today=today, locked=locked, how="autosave")

