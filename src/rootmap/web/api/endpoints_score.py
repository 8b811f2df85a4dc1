"""POST /api/v1/score: score a case file or household file and store nothing.

What `rootmap score --json` prints, for the same file: the same parsing, limits and
scoring functions (rootmap.core), so the API and the command line cannot disagree.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from rootmap.core.caregiving import score_household
from rootmap.core.case import CaseFile, parse_document
from rootmap.core.problems import CaseFileError, Problem
from rootmap.core.scoring import score_case
from rootmap.web.api.auth import read_token
from rootmap.web.api.endpoints_clients import InputRefused, document_body
from rootmap.web.api.schemas import body_of, responses

router = Router(tags=["score"])


class ScoreQuery(Schema):
    assessment: str | None = None


@router.post("/score", response=responses(dict[str, Any]), auth=read_token,
             openapi_extra=body_of("CaseFile", "HouseholdFile"),
             summary="Score a case file (its latest assessment, or ?assessment=ID) or a household file")
def score(request: HttpRequest, query: Query[ScoreQuery]) -> Any:
    data = document_body(request)
    try:
        document = parse_document(data)
    except CaseFileError as error:
        raise InputRefused(error.problems) from None
    if not isinstance(document, CaseFile):
        return score_household(document).to_dict()
    ids = [a.id for a in document.assessments]
    if not ids:
        raise InputRefused([Problem("assessments", "the file has no assessment to score", [])])
    if query.assessment is not None and query.assessment not in ids:
        raise InputRefused([Problem("assessment", f"{query.assessment!r} is not an assessment of this file "
                                                  f"(expected one of {', '.join(ids)})", query.assessment)])
    try:
        return score_case(document, query.assessment).to_dict()
    except CaseFileError as error:
        raise InputRefused(error.problems) from None
