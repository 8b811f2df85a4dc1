"""The results page of a finalised assessment: headline scores, domains, items, plan, change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rootmap.core.family import activity_dose, item_name
from rootmap.core.results import AssessmentResult, Comparison, Delta
from rootmap.instruments import Instrument
from rootmap.instruments.catalogue import load_catalogue
from rootmap.instruments.family_words import load_family_words
from rootmap.render._labels import PHASE_LABEL
from rootmap.web.assessments.models import Assessment


@dataclass
class LabelledItem:
    id: str
    label: str
    rating: int | None
    word: str         # the scale's word for the rating ("" when unrated)
    region: str


@dataclass
class RecommendationView:
    id: str
    name: str
    description: str
    dose: str         # the activity's own dose: the clinician and the family read the same
    dose_note: str    # why it differs from its phase's rhythm ("" when it fits)
    score: float
    reason: str | None
    drivers: list[LabelledItem]


@dataclass
class DeferredView:
    id: str
    name: str
    reason: str


@dataclass
class PhaseView:
    phase: str
    label: str
    dose: str         # the phase's dose guidance (clinical words)
    recommendations: list[RecommendationView]
    deferred: list[DeferredView]


@dataclass
class HeadlineRow:
    key: str
    label: str
    value: float | None
    band: str | None
    note: str


@dataclass
class DeltaRow:
    name: str
    before: float | None
    after: float | None
    delta: float | None
    change_label: str | None


@dataclass
class ChangeTable:
    assessment_id: str
    date: str
    headline: list[DeltaRow]
    domains: list[DeltaRow]
    phase_progress: str
    entry_before: str | None
    entry_after: str | None


@dataclass
class DomainRow:
    region: Any
    label: str
    index: float | None
    band: str | None
    status: str       # "ok", "insufficient" or "not_expected"


def labelled_items(instrument: Instrument, ids: list[str] | tuple[str, ...], ratings: dict[str, Any],
                   *, family: bool = False) -> list[LabelledItem]:
    out = []
    for item_id in ids:
        item = instrument.items_by_id.get(item_id)
        label = (item_name(load_family_words(instrument.version), instrument, item_id) if family
                 else item.label if item else item_id)
        rating = ratings.get(item_id)
        out.append(LabelledItem(
            id=item_id, label=label, rating=rating,
            word=instrument.functioning_scale.get(rating, "") if rating is not None else "",
            region=item.region if item else "",
        ))
    return out


def plan_view(instrument: Instrument, result: AssessmentResult, *, family: bool = False) -> list[PhaseView]:
    """The plan's phases with catalogue names, descriptions, each activity's dose (and why
    it differs from its phase's rhythm) and driver labels."""
    catalogue = load_catalogue(instrument.version)
    entries = catalogue.entries_by_id
    phases = []
    for phase in result.plan.phases:
        recs = []
        for rec in phase.recommendations:
            entry = entries.get(rec.id)
            dose, note = activity_dose(instrument.version, phase.phase, rec.id) if entry else ("", "")
            recs.append(RecommendationView(
                id=rec.id, name=entry.name if entry else rec.id,
                description=entry.description if entry else "",
                dose=dose, dose_note=note,
                score=rec.score, reason=rec.reason,
                drivers=labelled_items(instrument, rec.drivers, result.ratings, family=family),
            ))
        deferred = [DeferredView(id=d.id, name=entries[d.id].name if d.id in entries else d.id, reason=d.reason)
                    for d in phase.deferred]
        phases.append(PhaseView(
            phase=phase.phase, label=PHASE_LABEL.get(phase.phase, phase.phase),
            dose=phase.dose,
            recommendations=recs, deferred=deferred,
        ))
    return phases


def headline(instrument: Instrument, result: AssessmentResult) -> list[HeadlineRow]:
    rows = []
    if result.kind != Assessment.Kind.ER:
        rows.append(HeadlineRow(key="developmental_risk", label="Developmental risk",
                                value=result.developmental_risk, band=result.risk_band,
                                note=f"ACE-style count {result.ace_count}" if result.ace_count is not None else ""))
    rows.append(HeadlineRow(key="functioning_index", label="Current functioning",
                            value=result.functioning_index, band=result.functioning_band, note=""))
    rows.append(HeadlineRow(key="relational_health", label="Relational health",
                            value=result.relational_health, band=result.relational_band, note=""))
    # The scale note already says a full assessment's resilience weighs current against
    # historical relational health; only a snapshot, which has no history, needs a word more.
    rows.append(HeadlineRow(key="resilience", label="Resilience", value=result.resilience, band=None,
                            note="current relational health (a snapshot has no history)"
                            if result.kind == Assessment.Kind.ER else ""))
    return rows



def _delta_row(name: str, delta: Delta) -> DeltaRow:
    return DeltaRow(name=name, before=delta.before, after=delta.after, delta=delta.delta,
                    change_label=delta.label)


def change_rows(instrument: Instrument, comparison: Comparison) -> ChangeTable:
    labels = {"developmental_risk": "Developmental risk", "functioning_index": "Current functioning",
              "relational_health": "Relational health", "resilience": "Resilience"}
    domain_labels = {r.domain: r.domain_label for r in instrument.regions}
    return ChangeTable(
        assessment_id=comparison.assessment_id,
        date=comparison.date,
        headline=[_delta_row(labels.get(k, k), d) for k, d in comparison.headline.items()],
        domains=[_delta_row(domain_labels.get(k, k), d) for k, d in comparison.domains.items()],
        phase_progress=comparison.phase_progress,
        entry_before=comparison.entry_region_before,
        entry_after=comparison.entry_region_after,
    )


def family_region(instrument: Instrument, region_id: str) -> str:
    """A region's plain name, as the family words write it."""
    return load_family_words(instrument.version).regions.get(region_id, region_id)


def domain_rows(instrument: Instrument, result: AssessmentResult) -> list[DomainRow]:
    rows = []
    for region in instrument.regions:
        domain = result.domains.get(region.domain)
        rows.append(DomainRow(
            region=region, label=region.domain_label,
            index=domain.index if domain else None,
            band=domain.band if domain else None,
            status=domain.status if domain else "not_expected",
        ))
    return rows
