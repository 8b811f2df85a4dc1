"""CSV pages under the caseload: import clients (checked first, then all or nothing), export CSVs.

Thin: the checks, writes, reads and audit entries are in clients.csv_services.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from rootmap.interop.csv_format import MAX_IMPORT_BYTES
from rootmap.interop.csv_schema import CLIENT_IMPORT
from rootmap.web.accounts.models import User
from rootmap.web.clients import csv_services

_MB = MAX_IMPORT_BYTES // 1024 // 1024
EXPORTS = {
    "caseload": "caseload",
    "results": "results",
    "estimates": "household-estimates",
}


def _upload(request: HttpRequest) -> tuple[bytes | None, str]:
    """The CSV: a new upload, or the checked file carried by the confirm form (base64, exact bytes)."""
    upload = request.FILES.get("csv_file")
    if upload is not None:
        if upload.size > MAX_IMPORT_BYTES:
            return None, f"The file is larger than {_MB} MB; split it and import each part."
        return upload.read(), ""
    carried = request.POST.get("checked_file", "")
    if carried:
        try:
            return base64.b64decode(carried.encode("ascii"), validate=True), ""
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return None, "The checked file did not come back intact; upload it again."
    return None, "Choose a CSV file to check."


@login_required
@require_http_methods(["GET", "POST"])
def clients_csv_import(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not csv_services.may_import_csv(user) or user.organisation is None:
        raise Http404("No such page")  # as the administrators' pages: nothing to see here
    context: dict[str, object] = {"nav": "caseload", "columns": CLIENT_IMPORT, "max_mb": _MB,
                                  "is_admin": user.role == User.Role.ADMIN}
    status = 200
    if request.method == "POST":
        raw, problem = _upload(request)
        if raw is None:
            context["upload_problem"] = problem
            status = 400
        else:
            confirm = request.POST.get("action") == "import"
            outcome = csv_services.clients_csv_import(organisation=user.organisation, user=user, raw=raw,
                                                      dry_run=not confirm, request=request)
            if outcome.saved:
                count = len(outcome.references)
                messages.success(request, f"{count} client{'s' if count != 1 else ''} imported from the CSV file. "
                                          "The audit log records it.")
                return redirect("home")
            context["outcome"] = outcome
            if outcome.problems:
                status = 422
            else:
                context["checked_file"] = base64.b64encode(raw).decode("ascii")
    return render(request, "clients/clients_csv_import.html", context, status=status)


@login_required
@require_GET
def csv_export(request: HttpRequest, what: str) -> StreamingHttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if what not in EXPORTS:
        raise Http404("No such export")
    today = timezone.localdate()
    # Recorded in the audit log (committed) here, before the response's first byte; the rows
    # are read and written CHUNK_ROWS at a time as the response is sent.
    if what == "caseload":
        export = csv_services.caseload_csv_export(user=user, today=today, request=request)
    elif what == "results":
        export = csv_services.results_csv_export(user=user, request=request)
    else:
        export = csv_services.estimates_csv_export(user=user, request=request)
    response = StreamingHttpResponse(_with_byte_order_mark(export.pieces), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{EXPORTS[what]}-{today.isoformat()}.csv"'
    return response


def _with_byte_order_mark(pieces: Iterator[str]) -> Iterator[str]:
    # The byte-order mark makes spreadsheets read the file as UTF-8 (names with accents).
    yield "\ufeff" + next(pieces, "")
    yield from pieces
