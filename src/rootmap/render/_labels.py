"""Words for people: plain item names for families, phase and period wording."""

from __future__ import annotations

from rootmap.core.results import AssessmentResult
from rootmap.instruments.model import Instrument
from rootmap.render._format import humanise

# Plain names for items whose clinical label is jargon; the rest keep their label.
FAMILY_ITEM: dict[str, str] = {
    "autonomic_regulation": "Body stress signals (heart, breath, tummy)",
    "temperature_metabolic": "Body temperature, energy and toileting",
    "sensory_tolerance": "Coping with noise, touch and busy places",
    "arousal_baseline": "Feeling calm at rest",
    "startle_response": "Startling at sudden noises",
    "orienting_attention": "Noticing and tuning in",
    "gross_motor_coordination": "Running, climbing, balance",
    "body_awareness": "Knowing their own body",
    "state_transitions": "Moving from one thing to the next",
    "dissociation": "Staying present",
    "rhythm_timing": "Rhythm and timing",
    "self_soothing": "Calming down after upset",
    "attachment_security": "Feeling safe with carers",
    "attunement_empathy": "Understanding how others feel",
    "affect_regulation": "Handling big feelings",
    "reward_pleasure": "Enjoying things",
    "social_cues": "Reading faces and voices",
    "relational_trust": "Trusting people",
    "emotional_expression": "Showing feelings",
    "receptive_language": "Understanding words",
    "expressive_language": "Using words",
    "concrete_reasoning": "Solving everyday problems",
    "impulse_control": "Stopping before acting",
    "executive_function": "Planning and organising",
    "abstract_reasoning": "Thinking about ideas",
    "self_reflection": "Thinking about their own feelings",
    "academic_skills": "School learning",
}

PHASE_LABEL = {"regulate": "Regulate", "relate": "Relate", "reason": "Reason", "maintain": "Maintain",
               "undetermined": "Undetermined"}
PHASE_CLINICIAN = {
    "regulate": "regulate (brainstem and diencephalon first)",
    "relate": "relate (limbic)",
    "reason": "reason (cortex)",
    "maintain": "maintain (no region compromised)",
    "undetermined": "undetermined (too little rated to say where to start)",
}
PHASE_FAMILY = {
    "regulate": "First, help the body feel calm and safe. Calm comes before everything else.",
    "relate": "The body is calmer now. Next, we build safe and warm connections.",
    "reason": "Calm and connection are in place. Now we can build thinking and learning.",
    "maintain": "Things are going well. Keep doing what works.",
    "undetermined": "We do not know enough yet to say where to start.",
}
DOSE_FAMILY = {
    "regulate": "Short and often: 5 to 15 minutes, a few times a day, in the same way each time.",
    "relate": "Every day or every week, with a calm adult your child trusts.",
    "reason": "Once a week, on days when your child feels calm.",
    "maintain": "Keep the good routines going.",
}


# Plain names of the four areas for families (also the brain map's family band labels).
FAMILY_REGION = {
    "brainstem": "Body basics: sleep, eating, calm",
    "diencephalon": "Movement and settling",
    "limbic": "Feelings and relationships",
    "cortex": "Thinking, language and learning",
}

UNDETERMINED_LEAD = "Not enough has been rated yet to say where to start."
UNDETERMINED_LEAD_FAMILY = "We do not know enough yet to say where to start."


def short_domains(instrument: Instrument, result: AssessmentResult) -> list[str]:
    """Domain ids too sparsely rated to judge, bottom-up (what an undetermined start lacks)."""
    return [r.domain for r in instrument.regions
            if (d := result.domains.get(r.domain)) is not None and d.status == "insufficient"]


def undetermined_text(instrument: Instrument, result: AssessmentResult, *, family: bool = False) -> str:
    """The plain sentence every page, report and export shows for an undetermined start."""
    short = short_domains(instrument, result)
    if family:
        regions = {r.domain: r.id for r in instrument.regions}
        areas = "; ".join(FAMILY_REGION[regions[d]].split(":")[0].lower() for d in short)
        more = f" We need to learn more about: {areas}." if areas else ""
        return f"{UNDETERMINED_LEAD_FAMILY}{more} Then we can plan the first steps together."
    names = ", ".join(domain_label(instrument, d) for d in short)
    more = f" Too few items are rated in: {names}." if names else ""
    return f"{UNDETERMINED_LEAD}{more} Rate at least half of each domain's items to get an entry region and a plan."


def item_label(instrument: Instrument, item_id: str, *, family: bool = False) -> str:
    if family and item_id in FAMILY_ITEM:
        return FAMILY_ITEM[item_id]
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
