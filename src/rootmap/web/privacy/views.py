"""The de-identified research export for an organisation's administrators."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from rootmap.web.access import can_administer
from rootmap.web.assessments.models import Assessment
from rootmap.web.privacy.services import research_export_write


@login_required
@require_http_methods(["GET", "POST"])
def research_export(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    organisation_id = request.user.organisation_id
    if request.method == "POST":
        buffer = io.StringIO()
        research_export_write(stream=buffer, request=request, organisation_id=organisation_id)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="rootmap-research-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response
    count = Assessment.objects.filter(status=Assessment.Status.FINAL,
                                      client__organisation_id=organisation_id).count()
    return render(request, "privacy/export.html", {"count": count, "nav": "audit"})
