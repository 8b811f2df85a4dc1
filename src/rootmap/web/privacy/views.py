"""The de-identified research export for an organisation's administrators: a ZIP of the
CSV and its metadata (k, what was generalised and suppressed)."""

from __future__ import annotations

import io
import json
import zipfile

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from rootmap.web.access import can_administer
from rootmap.web.assessments.models import Assessment
from rootmap.web.privacy.services import default_k, research_export_write


@login_required
@require_http_methods(["GET", "POST"])
def research_export(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    organisation_id = request.user.organisation_id
    if request.method == "POST":
        buffer = io.StringIO()
        export = research_export_write(stream=buffer, request=request, organisation_id=organisation_id)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(f"rootmap-research-{stamp}.csv", buffer.getvalue())
            bundle.writestr(f"rootmap-research-{stamp}.metadata.json",
                            json.dumps(export.metadata, indent=2, sort_keys=True) + "\n")
        response = HttpResponse(archive.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="rootmap-research-{stamp}.zip"'
        response["Cache-Control"] = "no-store"
        return response
    count = Assessment.objects.filter(status=Assessment.Status.FINAL,
                                      client__organisation_id=organisation_id).count()
    return render(request, "privacy/export.html", {"count": count, "k": default_k(), "nav": "audit"})
