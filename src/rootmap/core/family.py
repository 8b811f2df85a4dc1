"""What a family is told about one assessment, chosen from the words written once as data.

`family_view` reads a scored result and picks sentences from the instrument version's
family words (`rootmap.instruments.family_words`): by the phase the child is in, by the
progress since the last assessment, and by age band. The family summary PDF and the
presentation screens both show this view, so they cannot tell a family two stories.

Rules it keeps (a test walks every example and phase to hold it to them):
- the phase the child is in is introduced with its `now` words; later phases only with
  their `later` words, so nothing says "the body is calmer now" while calm comes first;
- "ready for the next step" is said only when the starting point moved up into another
  phase; a move inside the same phase says so;
- each activity shows its own dose from the catalogue, and where its rhythm differs from
  the phase's, the sentence that says why;
- dates are long dates ("12 March 2026"); area names are plain words, never domain ids.

Text a person typed (the name, interests) is wrapped in Unicode isolates (U+2068 ... U+2069)
so right-to-left text cannot reorder the sentence; HTML output turns them into `<bdi>`.
Django-free and without I/O beyond the cached, validated word data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rootmap.core.results import AssessmentResult, Comparison
from rootmap.instruments.catalogue import Catalogue, load_catalogue
from rootmap.instruments.family_words import FamilyWords, load_family_words
from rootmap.instruments.model import Instrument

__all__ = [
    "FamilyActivity",
    "FamilyChange",
    "FamilyView",
    "Progress",
    "activity_dose",
    "family_view",
    "isolate",
    "long_date",
    "progress_of",
]

Progress = Literal["first", "improved", "worse", "mixed", "unchanged"]

ISOLATE_START, ISOLATE_END = "\u2068", "\u2069"


def isolate(text: str) -> str:
    """Typed text, isolated for bidirectional display (stray isolates inside removed)."""
    return ISOLATE_START + text.replace(ISOLATE_START, "").replace(ISOLATE_END, "") + ISOLATE_END


def long_date(iso: str | dt.date) -> str:
    """'2026-03-12' -> '12 March 2026' (the text itself when it does not parse).

    >>> long_date("2026-03-12")
    '12 March 2026'
    """
    try:
        day = iso if isinstance(iso, dt.date) else dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def join_words(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True, slots=True)
class FamilyActivity:
    id: str
    name: str
    description: str
    dose: str          # the activity's own dose, as the clinician report shows it
    dose_note: str     # why it differs from the phase's rhythm ("" when it fits)
    who: str
    helps: tuple[str, ...]  # plain item names it helps with
    why: str           # for an activity added for relational health, why
    goal: str = ""     # the clinician's goal for it, in the family's words (core.family_plan)


@dataclass(frozen=True, slots=True)
class FamilyChange:
    since: str                      # long date of the previous assessment
    better: tuple[str, ...]         # plain area names
    harder: tuple[str, ...]
    lines: tuple[str, ...]          # the sentences, in order


@dataclass(frozen=True, slots=True)
class FamilyView:
    phase: str
    progress: Progress
    age_band: str
    title: str                      # the phase in plain words ("Calm body first")
    lead: str                       # where we start
    dose: str                       # the phase's dose for this age band ("" when no plan)
    stabilisation: str
    activities: tuple[FamilyActivity, ...]   # the first phase with recommendations
    activities_phase: str | None
    week: str                       # what to do this week when there are no activities
    later: tuple[tuple[str, str, tuple[str, ...]], ...]  # (phase, later words, activity names)
    change: FamilyChange | None
    going_well: tuple[str, ...]
    intro: str
    map_text: str
    good_to_know: tuple[str, ...]


def progress_of(comparison: Comparison | None) -> Progress:
    """First assessment, better, worse, mixed or about the same since the previous one.

    The starting point moving up counts as better and moving down as worse, whatever the
    areas did; otherwise the areas' change labels (ten points or more) decide.
    """
    if comparison is None:
        return "first"
    if comparison.phase_progress == "progressed":
        return "improved"
    if comparison.phase_progress == "regressed":
        return "worse"
    labels = {d.label for d in comparison.domains.values()}
    if "improved" in labels and "declined" in labels:
        return "mixed"
    if "improved" in labels:
        return "improved"
    if "declined" in labels:
        return "worse"
    return "unchanged"


def undetermined_lead(words: FamilyWords, instrument: Instrument, result: AssessmentResult) -> str:
    short = [r.id for r in instrument.regions
             if (d := result.domains.get(r.domain)) is not None and d.status == "insufficient"]
    areas = [words.regions_short[r] for r in short]
    more = (" " + words.sentences.undetermined_more.format(areas="; ".join(areas))) if areas else ""
    return f"{words.phases['undetermined'].now}{more} {words.sentences.undetermined_then}"


def _change(words: FamilyWords, instrument: Instrument, result: AssessmentResult,
            name: str) -> FamilyChange | None:
    if result.change is None:
        return None
    prev = result.change.previous
    since = long_date(prev.date)
    better = tuple(words.regions[r.id] for r in instrument.regions
                   if (d := prev.domains.get(r.domain)) is not None and d.label == "improved")
    harder = tuple(words.regions[r.id] for r in instrument.regions
                   if (d := prev.domains.get(r.domain)) is not None and d.label == "declined")
    p = words.progress
    lines: list[str] = []
    short = {words.regions[r.id]: words.regions_short[r.id] for r in instrument.regions}
    if better:
        lines.append(p["improved"].format(date=since, areas="; ".join(short[a] for a in better)))
    if harder:
        lines.append(p["worse"].format(date=since, areas="; ".join(short[a] for a in harder)))
    if not better and not harder:
        lines.append(p["unchanged"].format(date=since))
    elif len(better) + len(harder) < len(prev.domains):
        lines.append(p["others_same"])
    if prev.phase_progress == "progressed":
        # A stored comparison may lack its phases (older records): the entry regions' phases
        # say the same. No entry region after a move up means nothing is compromised now.
        phase_of: dict[str | None, str] = {r.id: r.phase for r in instrument.regions}
        before = prev.phase_before or phase_of.get(prev.entry_region_before)
        after = prev.phase_after or phase_of.get(prev.entry_region_after, result.phase)
        moved_phase = before not in (after, None, "undetermined")
        lines.append(p["moved_on"].format(name=name) if moved_phase else p["moved_within"])
    elif prev.phase_progress == "regressed":
        lines.append(p["moved_back"])
    return FamilyChange(since=since, better=better, harder=harder, lines=tuple(lines))


def activity_dose(version: str, phase: str, entry_id: str) -> tuple[str, str]:
    """(the activity's own dose, why it differs from the phase's rhythm or "").

    The clinician report and the family views both print this pair, so the clinician sees
    the same per-activity dose as the family.
    """
    words = load_family_words(version)
    entry = load_catalogue(version).entries_by_id[entry_id]
    rhythm = words.activity_rhythms[entry_id]
    fits = rhythm in words.phases[phase].rhythms
    return entry.dose, "" if fits else words.rhythm_differs[phase][rhythm]


def _activities(words: FamilyWords, catalogue: Catalogue, instrument: Instrument,
                result: AssessmentResult, phase: str, name: str) -> tuple[FamilyActivity, ...]:
    plan_phase = next(p for p in result.plan.phases if p.phase == phase)
    out = []
    for rec in plan_phase.recommendations:
        entry = catalogue.entries_by_id[rec.id]
        dose, note = activity_dose(result.instrument_version, phase, rec.id)
        who = join_words([words.delivered_by[d] for d in entry.delivered_by])
        helps = tuple(item_name(words, instrument, i).lower() for i in rec.drivers)
        why = words.sentences.relational_why.format(name=name) if (rec.reason and not rec.drivers) else ""
        out.append(FamilyActivity(id=rec.id, name=entry.name, description=entry.description,
                                  dose=dose, dose_note=note, who=who, helps=helps, why=why))
    return tuple(out)


def item_name(words: FamilyWords, instrument: Instrument, item_id: str) -> str:
    """An item's plain name (its label where the words have none)."""
    if item_id in words.items:
        return words.items[item_id]
    item = instrument.items_by_id.get(item_id)
    return item.label if item is not None else item_id.replace("_", " ").capitalize()


def _going_well(words: FamilyWords, instrument: Instrument, result: AssessmentResult, name: str,
                relational: Mapping[str, int | None], interests: Sequence[str]) -> tuple[str, ...]:
    s = words.sentences
    points = [s.strength.format(item=item_name(words, instrument, i)) for i in result.strengths]
    for region in instrument.regions:
        domain = result.domains.get(region.domain)
        if domain is not None and domain.band == "typical":
            points.append(s.on_track.format(area=words.regions[region.id]))
    for connection in instrument.relational_items:
        if (relational.get(connection.id) or 0) >= 3:
            points.append(s.good_connection.format(connection=connection.label))
    if interests:
        points.append(s.interests.format(name=name, interests=join_words([isolate(i) for i in interests])))
    return tuple(points) or (s.no_strengths,)


def family_view(
    *,
    result: AssessmentResult,
    name: str,
    relational: Mapping[str, int | None] | None = None,
    interests: Sequence[str] = (),
    instrument: Instrument | None = None,
) -> FamilyView:
    """Everything a family is told about `result`, in the words of its instrument version.

    `name` is the child's name as the family knows it (isolated here); `relational` the
    current relational ratings (0-4) and `interests` the case file's interests.
    """
    from rootmap.instruments import load_instrument

    version = result.instrument_version
    inst = instrument or load_instrument(version)
    words = load_family_words(version)
    catalogue = load_catalogue(version)
    shown = isolate(name)
    band = words.age_band(result.age_months)
    phase_words = words.phases[result.phase]
    first = next((p for p in result.plan.phases if p.recommendations), None)
    if result.phase == "undetermined":
        lead, dose, week = undetermined_lead(words, inst, result), "", words.sentences.undetermined_week
    else:
        lead = phase_words.now
        dose = phase_words.dose[band.id].format(child=band.child) if first is not None else ""
        week = "" if first is not None else words.sentences.maintain_week
    activities = _activities(words, catalogue, inst, result, first.phase, shown) if first else ()
    if first is not None and first.phase != result.phase:
        # The plan's first phase with something to do is later than where the child is:
        # say so with that phase's own words, not the entry phase's dose.
        dose = words.phases[first.phase].dose[band.id].format(child=band.child)
    later = tuple(
        (p.phase, words.phases[p.phase].later,
         tuple(catalogue.entries_by_id[r.id].name for r in p.recommendations))
        for p in result.plan.phases if p is not first and p.recommendations
    )
    return FamilyView(
        phase=result.phase,
        progress=progress_of(result.change.previous if result.change else None),
        age_band=band.id,
        title=phase_words.title,
        lead=lead,
        dose=dose,
        stabilisation=words.sentences.stabilisation if result.plan.stabilisation else "",
        activities=activities,
        activities_phase=first.phase if first else None,
        week=week,
        later=later,
        change=_change(words, inst, result, shown),
        going_well=_going_well(words, inst, result, shown, relational or {}, interests),
        intro=words.sentences.intro.format(date=long_date(result.date)),
        map_text=words.sentences.map,
        good_to_know=words.sentences.good_to_know,
    )
