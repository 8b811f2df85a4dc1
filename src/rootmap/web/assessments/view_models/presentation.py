"""The presentation to a family: one screen at a time, in a family's words.

Each screen is its own dataclass; the template picks what to show by `step.kind`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import ClassVar

from rootmap.core.clinician_plan import review_plan
from rootmap.core.family import FamilyActivity, FamilyView, family_view
from rootmap.core.family_plan import FamilyPlan, family_plan, with_clinician_plan
from rootmap.core.sources import about_hours, family_role_words
from rootmap.instruments.family_words import PresentationSentences, load_family_words
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.plan_selectors import stored_plan
from rootmap.web.assessments.reports import result_svgs
from rootmap.web.assessments.selectors import ResultsContext
from rootmap.web.assessments.view_models.results import (
    LabelledItem,
    PhaseView,
    family_region,
    labelled_items,
    plan_view,
)

# A family hears the few needs that matter most per level, not a list of twenty.
FAMILY_NEEDS_SHOWN = 4


@dataclass
class IntroStep:
    kind: ClassVar[str] = "intro"
    title: str
    name: str
    informants: list[str]  # roles in the family's words, never names (core.sources.family_role_words)
    hours: str        # "about 4 hours" (core.sources.about_hours), or "" when none were recorded
    documents: int
    date: dt.date
    lead: str         # the family words' opening sentence
    order: str        # bottom-up, in family words


@dataclass
class MapRegion:
    label: str
    id: str


@dataclass
class MapStep:
    kind: ClassVar[str] = "map"
    title: str
    svg: str
    list_html: str    # the same map as a list, readable on a phone
    regions: list[MapRegion]
    text: str         # what the colours and the order mean, in family words


@dataclass
class StrengthsStep:
    kind: ClassVar[str] = "strengths"
    title: str
    items: list[LabelledItem]
    typical: list[LabelledItem]
    words: PresentationSentences


@dataclass
class NeedGroup:
    label: str
    items: list[LabelledItem]
    more: int         # how many more needs of this level are not shown
    more_text: str    # "and 3 more we will talk about" ("" when none)


@dataclass
class NeedsStep:
    kind: ClassVar[str] = "needs"
    title: str
    groups: list[NeedGroup]
    words: PresentationSentences


@dataclass
class StartStep:
    kind: ClassVar[str] = "start"
    title: str
    phase: str
    phase_label: str  # the phase in plain words ("Calm body first")
    text: str         # where we start (core.family: the phase's own words)
    stabilisation: str
    dose: str         # how often, in general ("" when there is nothing to do yet)
    week: str         # what to do when there are no activities (undetermined, maintain)


@dataclass
class PhaseStep:
    kind: ClassVar[str] = "phase"
    title: str
    phase: PhaseView
    lead: str         # the phase's `now` words if the child is in it, else its `later` words
    activities: list[FamilyActivity]   # the first phase to act on: what the family summary lists
    dose: str         # how often, in general, for the first phase ("" for later ones)


@dataclass
class ChangeStep:
    kind: ClassVar[str] = "change"
    title: str
    since: str        # a long date
    lines: list[str]  # core.family's progress sentences


@dataclass
class CloseStep:
    kind: ClassVar[str] = "close"
    title: str
    lead: str
    summary: str


@dataclass
class PlanStep:
    """The clinician's plan in the family's words (core.family_plan), never its clinical reasons."""

    kind: ClassVar[str] = "plan"
    title: str
    plan: FamilyPlan
    activities: list[FamilyActivity]


Step = (IntroStep | MapStep | StrengthsStep | NeedsStep | StartStep | PhaseStep | ChangeStep | PlanStep
        | CloseStep)


def presentation_steps(assessment: Assessment, ctx: ResultsContext) -> list[Step]:
    instrument, result = ctx.instrument, ctx.result
    name = ctx.client_name
    inputs = ctx.case_assessment or assessment.inputs or {}
    steps: list[Step] = []
    said = load_family_words(instrument.version).sentences.presentation
    informants = [i for i in inputs.get("informants") or [] if i.get("role") or i.get("name")]
    hours = sum(float(i.get("hours") or 0) for i in informants)
    steps.append(IntroStep(title=f"Getting to know {name}", name=name,
                           informants=family_role_words(instrument, (str(i.get("role") or "other")
                                                                     for i in informants)),
                           hours=about_hours(hours) if hours else "",
                           documents=len([d for d in inputs.get("documents") or [] if d.get("title")]),
                           date=assessment.date, lead=said.intro.format(name=name), order=said.order))
    clinician_plan = stored_plan(assessment)
    family: FamilyView = with_clinician_plan(family_view(result=result, name=name, instrument=instrument),
                                             result=result, plan=clinician_plan, instrument=instrument)
    review = review_plan(result.plan, clinician_plan)
    kept = {a.id for a in review.in_plan}
    family_svgs = result_svgs(ctx, family=True)
    steps.append(MapStep(title=f"{name}'s brain map",
                         svg=family_svgs["brain_map"], list_html=family_svgs["brain_map_list"],
                         regions=[MapRegion(label=family_region(instrument, r.id), id=r.id)
                                  for r in reversed(instrument.regions)],
                         text=family.map_text))
    steps.append(StrengthsStep(title=f"What {name} does well",
                               items=labelled_items(instrument, result.strengths, result.ratings, family=True),
                               typical=labelled_items(
                                   instrument, [i for i, r in result.ratings.items() if r == 4][:12], result.ratings,
                                   family=True), words=said))
    needs = labelled_items(instrument, result.needs, result.ratings, family=True)
    steps.append(NeedsStep(title="What is hard right now",
                           groups=[NeedGroup(label=family_region(instrument, r.id),
                                             items=[n for n in needs if n.region == r.id][:FAMILY_NEEDS_SHOWN],
                                             more=(more := max(0, sum(1 for n in needs if n.region == r.id)
                                                               - FAMILY_NEEDS_SHOWN)),
                                             more_text=said.more_needs.format(count=more) if more else "")
                                   for r in instrument.regions if any(n.region == r.id for n in needs)],
                           words=said))
    # Every sentence below comes from core.family, the same view the family summary prints.
    steps.append(StartStep(title="Where we start", phase=result.phase, phase_label=family.title,
                           text=family.lead, stabilisation=family.stabilisation, dose=family.dose,
                           week=family.week))
    words = load_family_words(instrument.version)
    for phase in plan_view(instrument, result, family=True):
        if review.reviewed:  # what the clinician declined is not put to the family
            phase = replace(phase, recommendations=[r for r in phase.recommendations if r.id in kept])
        first = phase.phase == family.activities_phase
        # The phase the child is in speaks in its `now` words; a later one never claims
        # that the earlier step is done.
        lead = family.lead if phase.phase == result.phase else words.phases[phase.phase].later
        steps.append(PhaseStep(title=f"{phase.label}: what can help", phase=phase, lead=lead,
                               activities=list(family.activities) if first else [],
                               dose=family.dose if first else ""))
    if family.change is not None:
        steps.append(ChangeStep(title="What has changed since last time", since=family.change.since,
                                lines=list(family.change.lines)))
    if result.phase != "undetermined":
        agreed = family_plan(result=result, plan=clinician_plan)
        steps.append(PlanStep(title=agreed.heading, plan=agreed,
                              activities=list(family.activities) if agreed.reviewed else []))
    steps.append(CloseStep(title="Next steps", lead=said.close, summary=said.close_summary))
    return steps

