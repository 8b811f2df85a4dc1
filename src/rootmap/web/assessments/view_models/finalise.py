"""The finalise page: what is still unrated, per domain, so the clinician sees gaps before signing."""

from __future__ import annotations

from dataclasses import dataclass

from rootmap.core.ages import age_in_months
from rootmap.core.case import CaseFileError
from rootmap.instruments import load_instrument
from rootmap.render._labels import undetermined_text
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.selectors import score_client_assessment
from rootmap.web.assessments.validation import items_expected


@dataclass
class DomainCheck:
    label: str
    expected: int
    rated: int
    insufficient: bool
    unrated: list[str]


@dataclass
class FinaliseSummary:
    domains: list[DomainCheck]
    relational_rated: int
    relational_total: int
    relational_insufficient: bool
    age: int
    undetermined: str   # the warning that nobody could say where to start ("" when known)


def finalise_summary(assessment: Assessment) -> FinaliseSummary:
    """What is still unrated, per domain, so the clinician sees gaps before signing."""
    instrument = load_instrument(assessment.instrument_version)
    age = age_in_months(assessment.client.birth_date, assessment.date)
    functioning = (assessment.inputs or {}).get("functioning") or {}
    relational = (assessment.inputs or {}).get("relational") or {}
    domains = []
    for region in instrument.regions:
        expected = [i for i in items_expected(instrument, age) if i.region == region.id]
        rated = [i for i in expected if functioning.get(i.id) is not None]
        domains.append(DomainCheck(
            label=region.domain_label, expected=len(expected), rated=len(rated),
            insufficient=bool(expected) and len(rated) < instrument.domain_min_rated_share * len(expected),
            unrated=[i.label for i in expected if functioning.get(i.id) is None],
        ))
    rated_relational = sum(1 for r in instrument.relational_items if relational.get(r.id) is not None)
    return FinaliseSummary(
        domains=domains, relational_rated=rated_relational,
        relational_total=len(instrument.relational_items),
        relational_insufficient=rated_relational < instrument.relational.min_rated,
        age=age,
        undetermined=would_be_undetermined(assessment),
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
