"""Sources on the entry page: informant and document rows added and removed in place, a
document's file attached, removed and downloaded.

Each view reads the assessment through rootmap.web.access (404 outside the user's
caseload or organisation). With JavaScript (static/rootmap/sources.js) the row and file
actions answer the section's HTML; without it the same URLs take the entry form's post
(every field saved first, as Save draft does) and go back to the entry page.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from rootmap.web.access import assessment_for
from rootmap.web.assessments.errors import AssessmentError, AssessmentLocked, DraftInvalid
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_row_add, assessment_save_draft
from rootmap.web.assessments.validation import ROW_FIELDS
from rootmap.web.assessments.view_models.entry import entry_page
from rootmap.web.assessments.views import NOT_FIELDS
from rootmap.web.audit.services import audit_record
from rootmap.web.sources import storage
from rootmap.web.sources.content import MEDIA_TYPES
from rootmap.web.sources.selectors import file_of
from rootmap.web.sources.services import (
    document_file_attach,
    document_file_remove,
    max_bytes,
    source_row_remove,
    too_big_message,
)
from rootmap.web.sources.uploads import cap_uploads

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _in_place(request: HttpRequest) -> bool:
    return request.headers.get("X-Rootmap-In-Place") == "1"


def _revision(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return -1


def _entry_url(assessment: Assessment, section: str) -> str:
    return reverse("assessment-edit", args=[assessment.pk]) + f"#{section}"


def section_context(assessment: Assessment, section: str) -> dict[str, Any]:
    page = entry_page(assessment)
    return {"assessment": assessment, "page": page, "section": section, "rows": page.rows[section],
            "noun": "informant" if section == "informants" else "document",
            "revision": assessment.revision, "max_mb": max_bytes() // 1_048_576,
            "field_url": reverse("assessment-field", args=[assessment.pk])}


def _answer(request: HttpRequest, assessment: Assessment, section: str, *, error: str = "",
            status: int = 200, done: str = "") -> HttpResponse:
    """The section's fragment (in place), or back to the entry page with a message."""
    if _in_place(request):
        ctx = section_context(assessment, section)
        ctx.update(error=error, done=done)
        return render(request, "sources/_section.html", ctx, status=status)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect(_entry_url(assessment, section))


def _save_typed(request: HttpRequest, assessment: Assessment) -> Assessment:
    """Without JavaScript the entry form posts every field here: save them first, as Save draft."""
    values = {k: v for k, v in request.POST.items() if k not in NOT_FIELDS}
    if not values or _in_place(request):
        return assessment
    return assessment_save_draft(assessment=assessment, user=request.user, values=values,
                                 revision=_revision(request), request=request)


@login_required
@require_POST
def source_rows(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Add a row (action `add`) or remove row i (action `remove:i`) of informants or documents."""
    assessment = assessment_for(request.user, pk)
    if section not in ROW_FIELDS:
        raise Http404("No such rows")
    action = request.POST.get("action", "")
    if action.startswith("add:"):
        action = "add"
    elif action.startswith(f"remove:{section}:"):
        action = "remove:" + action.rsplit(":", 1)[-1]
    try:
        assessment = _save_typed(request, assessment)
        revision = assessment.revision if not _in_place(request) else _revision(request)
        if action == "add":
            assessment = assessment_row_add(assessment=assessment, user=request.user, section=section,
                                            revision=revision, request=request)
            done = f"{section[:-1].capitalize()} {len(assessment.inputs[section])} added."
        elif action.startswith("remove:") and action[7:].isascii() and action[7:].isdigit():
            index = int(action[7:])
            assessment = source_row_remove(assessment=assessment, user=request.user, section=section,
                                           index=index, revision=revision, request=request)
            done = f"{section[:-1].capitalize()} {index + 1} removed."
        else:
            return _answer(request, assessment, section, error="Which row? Add a row or remove one.", status=400)
    except AssessmentLocked as error:
        messages.error(request, str(error))
        return redirect("assessment-results", pk=assessment.pk)
    except DraftInvalid as error:
        return _answer(request, assessment, section, error="Not saved: " + str(error), status=422)
    except AssessmentError as error:
        return _answer(request, assessment, section, error=str(error),
                       status=409 if "changed elsewhere" in str(error) else 422)
    return _answer(request, assessment, section, done=done)


def _index(request: HttpRequest, index: int | None) -> int:
    if index is not None:
        return index
    try:
        return int(request.POST.get("document", ""))
    except ValueError:
        return -1


@csrf_exempt  # the upload cap must be in place before the body is read; CSRF is checked inside
@login_required
@require_POST
def document_file_upload(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    cap = cap_uploads(request, max_bytes())
    return _upload(request, pk, index, cap)


@csrf_protect
def _upload(request: HttpRequest, pk: int, index: int, cap: Any) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    upload = request.FILES.get("upload")
    try:
        if cap.refused:
            return _answer(request, assessment, "documents",
                           error=too_big_message(cap.refused[0][0]), status=413)
        if upload is None:
            return _answer(request, assessment, "documents", status=422,
                           error=f"Document {index + 1}: choose a file (PDF, PNG or JPEG) to attach")
        assessment = _save_typed(request, assessment)
        revision = assessment.revision if not _in_place(request) else _revision(request)
        content = upload.read()
        assessment = document_file_attach(assessment=assessment, user=request.user, index=index,
                                          name=upload.name or "", content=content, revision=revision,
                                          request=request)
    except AssessmentLocked as error:
        messages.error(request, str(error))
        return redirect("assessment-results", pk=assessment.pk)
    except DraftInvalid as error:
        return _answer(request, assessment, "documents", error="Not saved: " + str(error), status=422)
    except AssessmentError as error:
        return _answer(request, assessment, "documents", error=str(error),
                       status=409 if "changed elsewhere" in str(error) else 422)
    return _answer(request, assessment, "documents", done=f"File attached to document {index + 1}.")


@login_required
@require_POST
def document_file_remove_view(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    assessment = assessment_for(request.user, pk)
    try:
        assessment = _save_typed(request, assessment)
        revision = assessment.revision if not _in_place(request) else _revision(request)
        assessment = document_file_remove(assessment=assessment, user=request.user, index=index,
                                          revision=revision, request=request)
    except AssessmentLocked as error:
        messages.error(request, str(error))
        return redirect("assessment-results", pk=assessment.pk)
    except DraftInvalid as error:
        return _answer(request, assessment, "documents", error="Not saved: " + str(error), status=422)
    except AssessmentError as error:
        return _answer(request, assessment, "documents", error=str(error),
                       status=409 if "changed elsewhere" in str(error) else 422)
    return _answer(request, assessment, "documents", done=f"File removed from document {index + 1}.")


@login_required
@require_GET  # any other method is 405, before the view audits anything
def document_file_download(request: HttpRequest, pk: int, sha256: str) -> HttpResponse:
    """The file a document row of this assessment names, to whoever may see the assessment."""
    assessment = assessment_for(request.user, pk)
    found = file_of(assessment, sha256) if _SHA256.fullmatch(sha256) else None
    path = storage.path_of(found[1].stored_name) if found else None
    if found is None or path is None:
        raise Http404("No such file")
    row, stored = found
    audit_record(action="download", request=request, obj=assessment,
                 detail={"document_file": sha256, "title": str(row.get("title") or "")[:80]})
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", str((row.get("file") or {}).get("name") or "document"))[:100]
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[stored.media_type]
    if not name.lower().endswith(extension if extension != ".jpg" else (".jpg", ".jpeg")):
        name += extension
    # Read whole (files are at most ROOTMAP_DOCUMENT_MAX_MB): no open file left to whoever reads the response.
    response = HttpResponse(path.read_bytes(), content_type=stored.media_type if stored.media_type in MEDIA_TYPES
                            else "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
