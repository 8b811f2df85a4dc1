"""The client context page (its own page, linked from the client page): autosave per field
with the entry page's autosave.js (decision 0008), and a Save that posts every field
(without JavaScript). Access: `client_for` (caseload / organisation), 404 otherwise."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from rootmap.web.access import client_for
from rootmap.web.accounts.models import User
from rootmap.web.accounts.signed_out import answers_401_when_signed_out
from rootmap.web.audit.services import audit_record
from rootmap.web.clients.context_display import context_page
from rootmap.web.clients.context_forms import autosave_field, context_from_post, form_id, problem_text
from rootmap.web.clients.context_services import ContextConflict, client_context_save, client_context_save_field
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import ClientInputError


def _revision(request: HttpRequest) -> int:
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else -1


def _page(request: HttpRequest, client: Client, data: dict[str, Any], *, problems: list[str] | None = None,
          status: int = 200, revision: int | None = None) -> HttpResponse:
    return render(request, "clients/client_context.html", {
        "nav": "caseload", "client": client, "page": context_page(data), "problems": problems or [],
        "revision": client.context_revision if revision is None else revision,
        "field_url": reverse("client-context-field", args=[client.pk]),
        # A refused Save shows typed rows, which may not line up with the stored ones:
        # autosave is off on that page until it is saved.
        "autosave": not problems,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def client_context_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    if request.method == "GET":
        audit_record(action="view", request=request, obj=client, detail={"page": "context"})
        return _page(request, client, dict(client.context or {}))
    posted = context_from_post(request.POST)
    try:
        client_context_save(client=client, user=user, data=posted.data, revision=_revision(request),
                            request=request)
    except ContextConflict as error:
        # Typing is never lost: what was typed is shown again with the stored revision, so
        # a second Save keeps it over the other change (after reading the message).
        client.refresh_from_db()
        return _page(request, client, posted.data, status=409,
                     problems=[problem_text(p) + "." for p in error.problems]
                     + ["What you typed is below: Save again to keep it over that change, or open the page "
                        "again to see the stored context."])
    except ClientInputError as error:
        return _page(request, client, posted.data, status=422, revision=_revision(request),
                     problems=[problem_text(p, posted.row_numbers) for p in error.problems])
    messages.success(request, "The client's context was saved.")
    return redirect(reverse("client-detail", args=[client.pk]) + "#context")


@answers_401_when_signed_out
@require_POST
def client_context_field(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave one field (htmx): 200 saved, 422 refused, 409 conflict, 401 signed out."""
    user: User = request.user  # type: ignore[assignment]
    client = client_for(user, pk)
    name = request.POST.get("_field") or request.headers.get("HX-Trigger-Name") or ""
    change = autosave_field(request.POST, name)
    if change is None:
        return HttpResponseBadRequest("Which field? Send its name as _field.")
    status, message, new_revision = "ok", "", None
    if change.empty_row and _row_index(change.field) >= _stored_rows(client, change.field):
        message = "Nothing to save yet"  # the empty row for adding, still empty
    elif change.empty_row:
        status, message = "error", (f"{change.row_label} is now empty: tick its Remove box and press Save "
                                    "to remove it (nothing was changed)")
    else:
        try:
            saved = client_context_save_field(client=client, user=user, field=change.field, value=change.value,
                                              revision=_revision(request), request=request)
        except ContextConflict as error:
            status, message = "conflict", problem_text(error.problems[0]).split(": ", 1)[1]
        except ClientInputError as error:
            status, message = "error", "; ".join(problem_text(p) for p in error.problems)
        else:
            new_revision = saved.context_revision
            message = f"Saved {timezone.localtime():%H:%M:%S}"
    return render(request, "assessments/_field_status.html", {
        "field_id": form_id(name), "status": status, "message": message, "revision": new_revision,
    }, status={"ok": 200, "conflict": 409, "error": 422}[status])


def _row_index(field: str) -> int:
    """N of `placements[N]` / `contacts[N]`."""
    return int(field.rsplit("[", 1)[1].rstrip("]"))


def _stored_rows(client: Client, field: str) -> int:
    key = field.split("[", 1)[0]
    return len((client.context or {}).get(key) or [])
