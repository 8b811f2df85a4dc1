"""Reads of assessments: the queries behind the pages, and scoring a draft in context.

Each selector takes what a view already loaded and runs a fixed number of queries,
however much data a client has. Nothing here writes.

>>> case = case_file_for_client(client)                       # finalised assessments only
>>> result = score_client_assessment(draft)                   # scores a draft in context
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from rootmap.core.ages import age_in_months
from rootmap.core.case import parse_case
from rootmap.core.results import AssessmentResult, result_from_json
from rootmap.core.scoring import score_case
from rootmap.instruments import Instrument, load_instrument
from rootmap.web.assessments.case_files import case_dict, signed_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client


def instrument_of(assessment: Assessment) -> Instrument:
    return load_instrument(assessment.instrument_version)


def assessment_age_months(assessment: Assessment, on: dt.date | None = None) -> int:
    return age_in_months(assessment.client.birth_date, on or assessment.date)


def current_assessments(client: Client) -> list[Assessment]:
    """The client's finalised assessments that no finalised amendment replaces, oldest first.

    One query, whatever the number of assessments.
    """
    return list(
        Assessment.objects.filter(client=client, status=Assessment.Status.FINAL)
        .exclude(amendments__status=Assessment.Status.FINAL)
        .order_by("date", "id")
    )


def earlier_assessments(assessment: Assessment) -> list[Assessment]:
    """The current finalised assessments on or before `assessment`'s date, oldest first,
    leaving out `assessment` itself and what it amends (what a draft is entered beside)."""
    return [a for a in current_assessments(assessment.client)
            if a.pk != assessment.amends_id and a.pk != assessment.pk and a.date <= assessment.date]


def case_file_for_client(
    client: Client,
    *,
    extra_assessment: Assessment | None = None,
    assessments: Iterable[Assessment] | None = None,
) -> dict[str, Any]:
    """The client's case file: the client, its current finalised assessments oldest first,
    and optionally one more (a draft being validated or scored) in its place by date.

    `assessments` lets a caller that already holds `current_assessments(client)` avoid a query.
    """
    current = current_assessments(client) if assessments is None else assessments
    return case_dict(client, current, extra_assessment)


def score_client_assessment(assessment: Assessment) -> AssessmentResult:
    """Score one assessment (draft or final) in the context of the client's case file.

    Raises rootmap.core.case.CaseFileError when the inputs are not valid.
    """
    case = parse_case(case_file_for_client(assessment.client, extra_assessment=assessment))
    return score_case(case, assessment_id=assessment.reference)


# --- Results ------------------------------------------------------------------------------

@dataclass
class ResultsContext:
    instrument: Instrument
    result: AssessmentResult
    history: list[AssessmentResult]          # this and earlier current assessments, oldest first
    previous: AssessmentResult | None
    superseded_by: Assessment | None
    assessments: list[Assessment]            # the stored assessments behind `history`
    # The case file the pages read: the snapshot signed with the assessment, or (for one
    # finalised before snapshots were kept) the client's live case file.
    case: dict[str, Any] = field(default_factory=dict)

    @property
    def client_name(self) -> str:
        client = self.case.get("client") or {}
        return str(client.get("display_name") or client.get("id") or "")

    @property
    def case_assessment(self) -> dict[str, Any]:
        """This assessment as the case file holds it (informants, documents, reason...)."""
        return next((a for a in self.case.get("assessments", []) if a.get("id") == self.result.assessment_id), {})


def results_context(assessment: Assessment) -> ResultsContext:
    """The stored result of `assessment` and of the client's earlier assessments (one query).

    A signed assessment reads what it was signed with: its snapshot names the earlier
    assessments it was scored beside (finalised rows never change), so a later amendment,
    event or name change elsewhere cannot alter its pages and reports.
    """
    instrument = load_instrument(assessment.instrument_version)
    snapshot = signed_case(assessment)
    history = []
    behind = []
    superseded_by = None
    if snapshot is not None:
        earlier = [a["id"] for a in snapshot["assessments"] if a["id"] != assessment.reference]
        # One query for the earlier rows it was signed beside and for a finalised amendment
        # that has since taken its place (only one amendment may exist).
        found = Assessment.objects.filter(
            Q(reference__in=earlier) | Q(amends=assessment, status=Assessment.Status.FINAL),
            client_id=assessment.client_id,
        )
        rows = {}
        for row in found:
            if row.amends_id == assessment.pk:
                superseded_by = row
            else:
                rows[row.reference] = row
        for reference in earlier:
            other = rows.get(reference)
            if other is not None and other.result:
                history.append(result_from_json(other.result))
                behind.append(other)
    else:
        current = current_assessments(assessment.client)
        for other in current:
            if other.pk == assessment.pk:
                break
            if other.result and other.date <= assessment.date:
                history.append(result_from_json(other.result))
                behind.append(other)
        if all(a.pk != assessment.pk for a in current):
            superseded_by = Assessment.objects.filter(amends=assessment).first()
    result = result_from_json(assessment.result or {})
    previous = history[-1] if history else None
    history.append(result)
    behind.append(assessment)
    case = snapshot if snapshot is not None else case_file_for_client(assessment.client, assessments=behind)
    return ResultsContext(instrument, result, history, previous, superseded_by, behind, case=case)
