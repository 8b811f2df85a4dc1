"""Stored assessments in the case-file format (the portable JSON of `docs`/case-file.md).

The web layer never re-implements a formula: it builds the client's case file from the
database and hands it to `rootmap.core`. These functions only reshape rows already
loaded; the queries are in selectors.py.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.models import Client

CASE_FORMAT = "rootmap-case/1"
INPUT_KEYS = ("history", "functioning", "relational", "trigger", "informants", "documents", "hours",
              "presentation_date",
              "clinician_plan",  # the clinician's plan (decision 0023)
              "notes")  # the clinician's notes (decision 0022)


def assessment_case_dict(assessment: Assessment) -> dict[str, Any]:
    """One assessment in the case-file format (history is left out for `er`)."""
    inputs = assessment.inputs or {}
    data: dict[str, Any] = {
        "id": assessment.reference,
        "kind": assessment.kind,
        "date": assessment.date.isoformat(),
        "instrument_version": assessment.instrument_version,
    }
    for key in INPUT_KEYS:
        if key == "history" and assessment.kind == Assessment.Kind.ER:
            continue
        if key in ("informants", "documents"):
            # A row left completely empty carries nothing: leave it out of the file.
            data[key] = [row for row in inputs.get(key) or [] if any(v not in (None, "") for v in row.values())]
        elif key in inputs:
            data[key] = inputs[key]
    if assessment.kind != Assessment.Kind.ER:
        data.setdefault("history", {})
    if assessment.undetermined_reason:
        data["undetermined_reason"] = assessment.undetermined_reason
    return data


def ordered_with(
    assessments: Iterable[Assessment], extra: Assessment | None
) -> list[Assessment]:
    chosen = list(assessments)
    if extra is not None:
        # A draft amendment stands in for what it amends; a finalised one is already there.
        chosen = [a for a in chosen if a.pk != extra.pk and a.pk != extra.amends_id]
        chosen.append(extra)
    # Oldest first; on the same date, the order they were made in (a new draft last).
    return sorted(chosen, key=lambda a: (a.date, a.pk if a.pk is not None else float("inf")))


def case_dict(
    client: Client, assessments: Iterable[Assessment], extra_assessment: Assessment | None = None,
) -> dict[str, Any]:
    """The case file of `client` with `assessments` (and `extra_assessment` in its place by date)."""
    return {
        "format": CASE_FORMAT,
        "client": {
            "id": client.reference,
            "birth_date": client.birth_date.isoformat(),
            "display_name": client.display_name,
            # Only when something was recorded: a file without it reads as before.
            **({"context": client.context} if client.context else {}),
        },
        "interests": list(client.interests or []),
        "events": list(client.events or []),
        "assessments": [assessment_case_dict(a) for a in ordered_with(assessments, extra_assessment)],
    }


def frozen_case(case: dict[str, Any], reference: str) -> dict[str, Any]:
    """The case file as signed: `case` cut after the assessment `reference` (what scored it).

    A deep copy, so nothing that later edits the live dicts can reach the stored snapshot.
    """
    ids = [a["id"] for a in case["assessments"]]
    kept = case["assessments"][: ids.index(reference) + 1]
    return copy.deepcopy({**case, "assessments": kept})


def signed_case(assessment: Assessment) -> dict[str, Any] | None:
    """The case file a finalised assessment was signed with; None for a draft, and for
    assessments finalised before snapshots were kept (their pages read the live client)."""
    if assessment.status != Assessment.Status.FINAL or not assessment.snapshot:
        return None
    return assessment.snapshot
