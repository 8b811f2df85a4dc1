"""The finalise page: what is still unrated, per domain, so the clinician sees gaps before signing."""

from __future__ import annotations

from dataclasses import dataclass

from rootmap.core.ages import age_in_months
from rootmap.core.carried import unconfirmed_problems
from rootmap.core.case import CaseFileError
from rootmap.core.coverage import DomainCoverage, domain_coverage, relational_coverage
from rootmap.instruments import load_instrument
from rootmap.render._labels import undetermined_text
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import score_client_assessment
from rootmap.web.assessments.validation import CARRIED, rating_label
from rootmap.web.assessments.view_models.common import html_id


@dataclass
class FinaliseSummary:
    domains: tuple[DomainCoverage, ...]   # the core's coverage: expected, rated, unrated, insufficient
    relational_rated: int
    relational_total: int
    relational_insufficient: bool
    age: int
    undetermined: str   # the warning that nobody could say where to start ("" when known)
    # Follow-up ratings carried from the previous assessment and not confirmed yet: signing
    # waits until each is confirmed, changed or cleared (rootmap.core.carried).
    unconfirmed: tuple[CarriedRow, ...] = ()


@dataclass(frozen=True)
class CarriedRow:
    field_id: str   # the entry page's anchor, f-<id>
    label: str
    value: int


def finalise_summary(assessment: Assessment) -> FinaliseSummary:
    """What is still unrated, per domain, so the clinician sees gaps before signing."""
    instrument = load_instrument(assessment.instrument_version)
    age = age_in_months(assessment.client.birth_date, assessment.date)
    inputs = assessment.inputs or {}
    relational = relational_coverage(instrument, inputs.get("relational") or {})
    return FinaliseSummary(
        domains=domain_coverage(instrument, age, inputs.get("functioning") or {}),
        relational_rated=relational.rated, relational_total=relational.total,
        relational_insufficient=relational.insufficient,
        age=age,
        undetermined=would_be_undetermined(assessment),
        unconfirmed=tuple(CarriedRow(html_id(p.path), rating_label(assessment, p.path), p.value)
                          for p in unconfirmed_problems(inputs.get(CARRIED) or [], "", inputs)),
    )


def would_be_undetermined(assessment: Assessment) -> str:
    """What the finalise page warns about: the core's word that nobody could say where to
    start, as a sentence naming the short domains ("" when the start is known, or when the
    draft does not validate yet; finalising then lists its problems).

    Scores the draft (through the selector): the one builder here that reads the database.
    """
    try:
        result = score_client_assessment(assessment)
    except (CaseFileError, ValueError, KeyError):
        return ""
    if result.phase != "undetermined":
        return ""
    return undetermined_text(load_instrument(result.instrument_version), result)
