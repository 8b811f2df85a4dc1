"""The de-identified research export for an organisation's administrators: a ZIP of the
CSV and its metadata (k, what was generalised and suppressed)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from rootmap.web.access import can_administer
from rootmap.web.assessments.models import Assessment
from rootmap.web.keyset import COUNT_LIMIT, count_up_to
from rootmap.web.privacy.services import default_k, research_export_write

SPOOL_BYTES = 8 * 1024 * 1024
COUNT_SHOWN = COUNT_LIMIT


@login_required
@require_http_methods(["GET", "POST"])
def research_export(request: HttpRequest) -> HttpResponse | FileResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    organisation_id = request.user.organisation_id
    if request.method == "POST":
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        # The CSV is written straight into the ZIP, and the ZIP into a file that stays in
        # memory while small and spills to an unnamed temporary file (deleted when closed)
        # beyond SPOOL_BYTES: never the text, the archive and the answer all in memory.
        archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
        try:
            with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
                with bundle.open(f"rootmap-research-{stamp}.csv", "w", force_zip64=True) as member, \
                        io.TextIOWrapper(member, encoding="utf-8", newline="") as text:
                    export = research_export_write(stream=text, request=request, organisation_id=organisation_id)
                bundle.writestr(f"rootmap-research-{stamp}.metadata.json",
                                json.dumps(export.metadata, indent=2, sort_keys=True) + "\n")
            size = archive.tell()
            archive.seek(0)
        except BaseException:
            archive.close()
            raise
        filename = f"rootmap-research-{stamp}.zip"
        response: HttpResponse | FileResponse
        if size <= SPOOL_BYTES:  # still in memory: answered from it, nothing left open
            with archive:
                response = HttpResponse(archive.read(), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        else:  # streamed from the temporary file, closed when the answer is
            response = FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")
        response["Cache-Control"] = "no-store"
        return response
    # Counted no further than COUNT_SHOWN (the page's words say "more than"): an exact count
    # read every finalised assessment of the organisation on each visit.
    count, count_more = count_up_to(Assessment.objects.filter(status=Assessment.Status.FINAL,
                                                              client__organisation_id=organisation_id), COUNT_SHOWN)
    return render(request, "privacy/export.html",
                  {"count": count, "count_more": count_more, "k": default_k(), "nav": "audit"})
