"""The clinician's plan as a family reads it: what was agreed, in the family's words.

A family is told what the clinician's plan holds (accepted, edited and added activities,
the goals and when the plan will be looked at again), never why a suggestion was changed
or declined: those reasons are clinical notes between professionals (decision 0023). A
plan the clinician has not reviewed is shown as the engine's suggestions, said to be
first suggestions still to be agreed.

`with_clinician_plan(view, ...)` returns the family view with its activities replaced by
the clinician's plan, so the family summary and the presentation read one list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from rootmap.core.clinician_plan import ClinicianPlan, Dose, PlannedActivity, review_plan
from rootmap.core.family import FamilyActivity, FamilyView, activity_dose, item_name, join_words, long_date
from rootmap.core.results import AssessmentResult
from rootmap.instruments.catalogue import load_catalogue
from rootmap.instruments.family_words import FamilyWords, PlanWords, load_family_words
from rootmap.instruments.model import Instrument

__all__ = ["FamilyPlan", "family_dose", "family_plan", "with_clinician_plan"]


@dataclass(frozen=True, slots=True)
class FamilyPlan:
    reviewed: bool
    heading: str
    # What is still to be agreed: every suggestion while nothing is reviewed, some of them
    # while the clinician has decided on only part of the proposal; "" when all is decided.
    not_reviewed: str
    goals: str                   # the overall goals sentence ("" when none)
    review: str                  # when the plan is looked at again


def family_dose(words: PlanWords, dose: Dose) -> str:
    """'15 minutes, 3 times a week' in the family's words.

    >>> family_dose(PlanWords(), Dose(times=2, per="day", minutes=10))
    '10 minutes, twice a day'
    """
    count = str(dose.times)
    often = words.often.get(count, words.often["more"]).format(count=dose.times)
    often = f"{often} {words.per[dose.per]}"
    return words.dose.format(minutes=dose.minutes, often=often) if dose.minutes else often


def _who(words: FamilyWords, delivered_by: tuple[str, ...], setting: str | None) -> str:
    who = join_words([words.delivered_by[d] for d in delivered_by])
    where = words.plan.settings[setting] if setting else ""
    # A deliverer's words may name the place already ("you, at home"): never "at home, at home".
    return f"{who}, {where}" if where and not who.endswith(where) else who


def _activity(words: FamilyWords, instrument: Instrument, result: AssessmentResult,
              a: PlannedActivity, phase: str) -> FamilyActivity:
    catalogue = load_catalogue(result.instrument_version)
    goal = words.plan.goal.format(goal=a.goal.strip()) if a.goal.strip() else ""
    entry = catalogue.entries_by_id.get(a.catalogue_id) if a.catalogue_id else None
    if entry is None:  # the clinician's own activity: everything it says is theirs
        assert a.dose is not None and a.delivered_by is not None  # plan_problems requires them
        return FamilyActivity(id=a.id, name=a.name, description=words.plan.own_activity,
                              dose=family_dose(words.plan, a.dose), dose_note="",
                              who=_who(words, (a.delivered_by,), a.setting), helps=(), why="", goal=goal)
    dose, note = (activity_dose(result.instrument_version, phase, entry.id)
                  if phase in words.phases and phase in ("regulate", "relate", "reason") else (entry.dose, ""))
    if a.dose is not None:
        dose, note = family_dose(words.plan, a.dose), ""
    delivered = (a.delivered_by,) if a.delivered_by else entry.delivered_by
    drivers = a.proposal.drivers if a.proposal else ()
    return FamilyActivity(id=a.id, name=entry.name, description=entry.description, dose=dose, dose_note=note,
                          who=_who(words, delivered, a.setting),
                          helps=tuple(item_name(words, instrument, i).lower() for i in drivers), why="", goal=goal)


def family_plan(*, result: AssessmentResult, plan: ClinicianPlan | None) -> FamilyPlan:
    words = load_family_words(result.instrument_version).plan
    review = review_plan(result.plan, plan)
    goals = words.goals.format(goal=review.goals.strip()) if review.goals.strip() else ""
    when = (words.review.format(date=long_date(review.review_date)) if review.review_date
            else words.no_review)
    still_open = (words.not_reviewed if not review.reviewed
                  else words.partly_reviewed if review.not_reviewed else "")
    return FamilyPlan(reviewed=review.reviewed, heading=words.heading, not_reviewed=still_open,
                      goals=goals, review=when)


def with_clinician_plan(view: FamilyView, *, result: AssessmentResult, plan: ClinicianPlan | None,
                        instrument: Instrument) -> FamilyView:
    """The family view with the clinician's plan in place of the engine's suggestions.

    Unreviewed, the view is returned as it is (the suggestions, which the page then says
    are first suggestions). Reviewed: the activities to do now are the kept activities of
    the first phase with any, then every addition; later steps name only kept activities.
    """
    review = review_plan(result.plan, plan)
    if not review.reviewed:
        return view
    words = load_family_words(result.instrument_version)
    catalogue = load_catalogue(result.instrument_version)
    kept = [a for a in review.in_plan if a.phase is not None]
    first: str = next((a.phase for a in kept if a.phase), view.activities_phase or result.phase)
    now = [_activity(words, instrument, result, a, first) for a in kept if a.phase == first]
    now += [_activity(words, instrument, result, a, first) for a in review.in_plan if a.phase is None]
    later_phases: Mapping[str, tuple[str, ...]] = {
        p.phase: tuple(catalogue.entries_by_id[a.id].name for a in kept if a.phase == p.phase)
        for p in result.plan.phases if p.phase != first}
    later = tuple((phase, words.phases[phase].later, names) for phase, names in later_phases.items() if names)
    return dataclasses.replace(view, activities=tuple(now), activities_phase=first if now else None,
                               later=later, week=view.week if now else words.sentences.maintain_week)


