"""Words for people: plain item names for families, phase and period wording."""

from __future__ import annotations

from rootmap.core.family import item_name as family_item_name
from rootmap.core.family import undetermined_lead
from rootmap.core.results import AssessmentResult
from rootmap.instruments.family_words import load_family_words
from rootmap.instruments.model import Instrument
from rootmap.render._format import humanise

# Family words live in instruments/v<version>/family_words.yaml (rootmap.core.family).
PHASE_LABEL = {"regulate": "Regulate", "relate": "Relate", "reason": "Reason", "maintain": "Maintain",
               "undetermined": "Undetermined"}
PHASE_CLINICIAN = {
    "regulate": "regulate (brainstem and diencephalon first)",
    "relate": "relate (limbic)",
    "reason": "reason (cortex)",
    "maintain": "maintain (no region compromised)",
    "undetermined": "undetermined (too little rated to say where to start)",
}

UNDETERMINED_LEAD = "Not enough has been rated yet to say where to start."


def short_domains(instrument: Instrument, result: AssessmentResult) -> list[str]:
    """Domain ids too sparsely rated to judge, bottom-up (what an undetermined start lacks)."""
    return [r.domain for r in instrument.regions
            if (d := result.domains.get(r.domain)) is not None and d.status == "insufficient"]


def undetermined_text(instrument: Instrument, result: AssessmentResult, *, family: bool = False) -> str:
    """The plain sentence every page, report and export shows for an undetermined start."""
    short = short_domains(instrument, result)
    if family:
        return undetermined_lead(load_family_words(instrument.version), instrument, result)
    names = ", ".join(domain_label(instrument, d) for d in short)
    more = f" Too few items are rated in: {names}." if names else ""
    return f"{UNDETERMINED_LEAD}{more} Rate at least half of each domain's items to get an entry region and a plan."


def item_label(instrument: Instrument, item_id: str, *, family: bool = False) -> str:
    if family:
        return family_item_name(load_family_words(instrument.version), instrument, item_id)
    item = instrument.items_by_id.get(item_id)
    if item is not None:
        return item.label
    for group in (instrument.relational_items, instrument.internal_items,
                  instrument.external_items, instrument.challenge_items):
        for rated in group:
            if rated.id == item_id:
                return rated.label
    return humanise(item_id)


def period_label(instrument: Instrument, period_id: str) -> str:
    for period in instrument.periods:
        if period.id == period_id:
            return period.label
    return humanise(period_id)


def region_label(instrument: Instrument, region_id: str | None) -> str:
    for region in instrument.regions:
        if region.id == region_id:
            return region.label
    return "–" if region_id is None else humanise(region_id)


def domain_label(instrument: Instrument, domain_id: str) -> str:
    for region in instrument.regions:
        if region.domain == domain_id:
            return region.domain_label
    return humanise(domain_id)
