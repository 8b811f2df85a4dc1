"""The presentation to a family: one screen at a time, in a family's words.

Each screen is its own dataclass; the template picks what to show by `step.kind`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from rootmap.render._labels import DOSE_FAMILY, PHASE_FAMILY, PHASE_LABEL, undetermined_text
from rootmap.web.assessments.models import Assessment
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
    informants: list[dict[str, Any]]
    hours: float
    documents: int
    date: dt.date


@dataclass
class MapRegion:
    label: str
    id: str


@dataclass
class MapStep:
    kind: ClassVar[str] = "map"
    title: str
    svg: str
    regions: list[MapRegion]


@dataclass
class StrengthsStep:
    kind: ClassVar[str] = "strengths"
    title: str
    items: list[LabelledItem]
    typical: list[LabelledItem]


@dataclass
class NeedGroup:
    label: str
    items: list[LabelledItem]
    more: int         # how many more needs of this level are not shown


@dataclass
class NeedsStep:
    kind: ClassVar[str] = "needs"
    title: str
    groups: list[NeedGroup]


@dataclass
class StartStep:
    kind: ClassVar[str] = "start"
    title: str
    phase: str
    phase_label: str
    text: str
    dose: str


@dataclass
class PhaseStep:
    kind: ClassVar[str] = "phase"
    title: str
    phase: PhaseView


@dataclass
class DomainChange:
    label: str
    label_change: str
    delta: float | None


@dataclass
class ChangeStep:
    kind: ClassVar[str] = "change"
    title: str
    since: str
    domains: list[DomainChange]
    progress: str


@dataclass
class CloseStep:
    kind: ClassVar[str] = "close"
    title: str


Step = IntroStep | MapStep | StrengthsStep | NeedsStep | StartStep | PhaseStep | ChangeStep | CloseStep


def presentation_steps(assessment: Assessment, ctx: ResultsContext) -> list[Step]:
    instrument, result = ctx.instrument, ctx.result
    name = ctx.client_name
    inputs = ctx.case_assessment or assessment.inputs or {}
    steps: list[Step] = []
    informants = [i for i in inputs.get("informants") or [] if i.get("role") or i.get("name")]
    hours = sum(float(i.get("hours") or 0) for i in informants)
    steps.append(IntroStep(title=f"Getting to know {name}", name=name,
                           informants=informants, hours=hours,
                           documents=len([d for d in inputs.get("documents") or [] if d.get("title")]),
                           date=assessment.date))
    steps.append(MapStep(title=f"{name}'s brain map",
                         svg=result_svgs(ctx, family=True)["brain_map"],
                         regions=[MapRegion(label=family_region(r.id), id=r.id) for r in reversed(instrument.regions)]))
    steps.append(StrengthsStep(title=f"What {name} does well",
                               items=labelled_items(instrument, result.strengths, result.ratings, family=True),
                               typical=labelled_items(
                                   instrument, [i for i, r in result.ratings.items() if r == 4][:12], result.ratings,
                                   family=True)))
    needs = labelled_items(instrument, result.needs, result.ratings, family=True)
    steps.append(NeedsStep(title="What is hard right now",
                           groups=[NeedGroup(label=family_region(r.id),
                                             items=[n for n in needs if n.region == r.id][:FAMILY_NEEDS_SHOWN],
                                             more=max(0, sum(1 for n in needs if n.region == r.id)
                                                      - FAMILY_NEEDS_SHOWN))
                                   for r in instrument.regions if any(n.region == r.id for n in needs)]))
    undetermined = result.phase == "undetermined"
    steps.append(StartStep(title="Where we start",
                           phase=result.phase,
                           phase_label="Not known yet" if undetermined else PHASE_LABEL.get(result.phase, result.phase),
                           # Family words: which areas we need to know more about before we can start.
                           text=undetermined_text(instrument, result, family=True) if undetermined
                           else PHASE_FAMILY.get(result.phase, ""),
                           dose="" if undetermined else DOSE_FAMILY.get(result.phase, "")))
    for phase in plan_view(instrument, result, family=True):
        steps.append(PhaseStep(title=f"{phase.label}: what can help", phase=phase))
    if result.change is not None:
        comparison = result.change.previous
        domain_labels = {r.domain: r.domain_label for r in instrument.regions}
        steps.append(ChangeStep(title="What has changed since last time",
                                since=comparison.date,
                                domains=[DomainChange(label=domain_labels.get(k, k), label_change=d.label,
                                                      delta=d.delta)
                                         for k, d in comparison.domains.items() if d.label is not None],
                                progress=comparison.phase_progress))
    steps.append(CloseStep(title="Next steps"))
    return steps
