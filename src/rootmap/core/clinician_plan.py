"""The clinician's plan beside the engine's proposal, and where the two part ways.

The plan engine (`rootmap.core.plan`) proposes; the clinician decides. For each proposed
activity the clinician accepts it, edits it (dose, setting, who delivers) or declines it,
and may add activities from the catalogue or of their own, with goals per activity and
overall and a date to review the plan. The case file keeps the decisions as an
assessment's optional `clinician_plan`; the proposal stays in the scored result, so both
are kept and the signed record holds both.

`review_plan(proposal, plan)` is the one rule saying where the clinician's plan departs
from the proposal (pages, reports and the finalise check all call it):

- an accepted activity does not depart;
- an edited one departs in the fields it changes (`dose`, `setting`, `delivered_by`);
- a declined one departs (it is not in the plan);
- an added one departs (the proposal did not recommend it; if the proposal deferred it,
  the engine's reason is kept beside the clinician's);
- a proposed activity with no decision is "not reviewed", not a departure;
- a decision on an activity the proposal no longer recommends (the ratings changed after
  it was made) is `stale`: the draft's page names it and signing is refused until it is
  resolved, so a signed "accepted" always means accepted from what was proposed.

>>> from rootmap.core.results import Plan, PlanPhase, Recommendation
>>> proposal = Plan(phases=(PlanPhase("regulate", "brief", (Recommendation("music", 6.0, ()),), ()),))
>>> plan = ClinicianPlan(decisions={"music": ActivityDecision(decision="decline", reason="No access")})
>>> [(a.id, a.status, a.departs) for a in review_plan(proposal, plan).activities]
[('music', 'declined', True)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from rootmap.core.limits import text_problem
from rootmap.core.problems import Problem, show
from rootmap.core.results import Deferral, Phase, Plan, Recommendation
from rootmap.instruments.catalogue import Catalogue

__all__ = [
    "DELIVERERS",
    "MAX_ADDED",
    "MAX_DECISIONS",
    "PERIODS",
    "SETTINGS",
    "ActivityDecision",
    "AddedActivity",
    "ClinicianPlan",
    "Dose",
    "PlanReview",
    "PlannedActivity",
    "dose_text",
    "plan_problems",
    "review_plan",
]

# The catalogue's own vocabularies (rootmap.instruments.catalogue): a clinician chooses
# among the same settings and deliverers the catalogue describes its activities with.
SETTINGS: Final = ("home", "school", "clinic", "community")
DELIVERERS: Final = ("caregiver", "teacher", "clinician", "specialist")
PERIODS: Final = ("day", "week", "month")
DECISIONS: Final = ("accept", "edit", "decline")
MAX_DECISIONS = 60  # far above the ~20 activities a full plan can propose
MAX_ADDED = 20
MAX_MINUTES = 240   # one session; a longer one is a day programme, not a dose
MAX_TIMES = 50      # sessions per day, week or month (several a day for a month is ~90; 50 a week is plenty)
# How far ahead a review may be set: plans are reviewed at the follow-ups (6 and 12 months).
MAX_REVIEW_DAYS = 3 * 366


def _plain(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


_PlainText = AfterValidator(_plain)
Reason = Annotated[str, StringConstraints(max_length=2000), _PlainText]
Goal = Annotated[str, StringConstraints(max_length=1000), _PlainText]
Name = Annotated[str, StringConstraints(max_length=120), _PlainText]
EntryId = Annotated[str, StringConstraints(min_length=1, max_length=64), _PlainText]
SettingId = Literal["home", "school", "clinic", "community"]
DelivererId = Literal["caregiver", "teacher", "clinician", "specialist"]
DecisionId = Literal["accept", "edit", "decline"]
PeriodId = Literal["day", "week", "month"]


class _Strict(BaseModel):
    # defer_build: the schema is built once, for the outermost model on its first use, not per class
    # at import (decision 0029, third pass: ~30 ms of `rootmap score`).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Dose(_Strict):
    """How often and how long: `times` sessions a `per`, each of `minutes` (optional)."""

    times: Annotated[int, Field(ge=1, le=MAX_TIMES, strict=True)]
    per: PeriodId
    minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES, strict=True)] | None = None


class ActivityDecision(_Strict):
    """The clinician's decision on one proposed activity (keyed by its catalogue id)."""

    decision: DecisionId
    reason: Reason = ""
    # Set only when editing: what the clinician changed from the catalogue's proposal.
    dose: Dose | None = None
    setting: SettingId | None = None
    delivered_by: DelivererId | None = None
    goal: Goal = ""


class AddedActivity(_Strict):
    """An activity the clinician adds: from the catalogue (`catalogue_id`) or their own (`name`)."""

    catalogue_id: EntryId | None = None
    name: Name = ""
    delivered_by: DelivererId | None = None
    setting: SettingId | None = None
    dose: Dose | None = None
    goal: Goal = ""
    reason: Reason = ""


class ClinicianPlan(_Strict):
    """An assessment's `clinician_plan` in the case file: decisions, additions, goals, review."""

    decisions: dict[EntryId, ActivityDecision] = Field(default_factory=dict, max_length=MAX_DECISIONS)
    added: list[AddedActivity] = Field(default_factory=list, max_length=MAX_ADDED)
    goals: Reason = ""
    review_date: dt.date | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.decisions or self.added or self.goals.strip() or self.review_date)


# ---------------------------------------------------------------------------------------
# Rules that need the catalogue and the assessment's date (paths relative to `here`)


def _decision_problems(here: str, entry_id: str, d: ActivityDecision) -> list[Problem]:
    at = f"{here}.decisions.{entry_id}"
    problems: list[Problem] = []
    changes = [name for name in ("dose", "setting", "delivered_by") if getattr(d, name) is not None]
    if d.decision in ("edit", "decline") and not d.reason.strip():
        verb = "an edited" if d.decision == "edit" else "a declined"
        problems.append(Problem(f"{at}.reason", f"is required for {verb} activity: say why"))
    if d.decision == "edit" and not changes:
        problems.append(Problem(f"{at}.decision", "'edit' changes nothing; set the dose, the setting or who "
                                                  "delivers it, or choose 'accept'", "edit"))
    if d.decision != "edit":
        for name in changes:
            problems.append(Problem(f"{at}.{name}", f"is only for an edited activity; choose 'edit' to change "
                                                    f"it, or leave it empty ({d.decision!r} keeps or drops "
                                                    "the proposal as it is)"))
    return problems


def _added_problems(here: str, n: int, a: AddedActivity, catalogue: Catalogue,
                    proposed: frozenset[str], seen: set[str]) -> list[Problem]:
    at = f"{here}.added[{n}]"
    problems: list[Problem] = []
    if a.catalogue_id is not None:
        if a.catalogue_id not in catalogue.entries_by_id:
            problems.append(Problem(f"{at}.catalogue_id", f"{show(a.catalogue_id)} is not an activity of the "
                                                          f"catalogue (version {catalogue.version})",
                                    a.catalogue_id))
        elif a.catalogue_id in proposed:
            problems.append(Problem(f"{at}.catalogue_id", f"{show(a.catalogue_id)} is already proposed; accept "
                                                          "or edit it there instead of adding it",
                                    a.catalogue_id))
        elif a.catalogue_id in seen:
            problems.append(Problem(f"{at}.catalogue_id", f"{show(a.catalogue_id)} is added twice",
                                    a.catalogue_id))
        seen.add(a.catalogue_id)
        return problems
    # The clinician's own activity carries everything the catalogue would otherwise say.
    if not a.name.strip():
        problems.append(Problem(f"{at}.name", "is required for an activity of your own (or choose one "
                                              "from the catalogue)"))
    for name, what in (("delivered_by", "who delivers it"), ("setting", "where it happens"),
                       ("dose", "how often")):
        if getattr(a, name) is None:
            problems.append(Problem(f"{at}.{name}", f"is required for an activity of your own: say {what}"))
    return problems


def plan_problems(here: str, plan: ClinicianPlan, catalogue: Catalogue, *,
                  assessment_date: dt.date, proposed: frozenset[str] = frozenset()) -> list[Problem]:
    """Every rule of a clinician's plan that the shape alone cannot check, with its path.

    `proposed` holds the activity ids the proposal recommends now, when known (the web
    page knows it; a case file alone does not, and then added duplicates are not judged).
    """
    problems: list[Problem] = []
    for entry_id, decision in plan.decisions.items():
        if entry_id not in catalogue.entries_by_id:
            problems.append(Problem(f"{here}.decisions.{entry_id}", f"{show(entry_id)} is not an activity of the "
                                                                    f"catalogue (version {catalogue.version})",
                                    entry_id))
            continue
        problems.extend(_decision_problems(here, entry_id, decision))
    seen: set[str] = set()
    for n, added in enumerate(plan.added):
        problems.extend(_added_problems(here, n, added, catalogue, proposed, seen))
    if plan.review_date is not None:
        when = plan.review_date.isoformat()
        if plan.review_date < assessment_date:
            problems.append(Problem(f"{here}.review_date", f"{when} is before the assessment's date "
                                                          f"{assessment_date}; a review comes after it", when))
        elif (plan.review_date - assessment_date).days > MAX_REVIEW_DAYS:
            problems.append(Problem(f"{here}.review_date", f"{when} is more than 3 years after the "
                                                          "assessment; review the plan sooner", when))
    return problems


# ---------------------------------------------------------------------------------------
# The comparison

Status = Literal["accepted", "edited", "declined", "added", "not_reviewed"]
Change = Literal["dose", "setting", "delivered_by"]


@dataclass(frozen=True, slots=True)
class PlannedActivity:
    """One activity as the clinician's plan holds it, beside what the proposal said."""

    id: str                         # a catalogue id, or "own-<n>" for the clinician's own
    status: Status
    catalogue_id: str | None        # None: the clinician's own activity
    name: str                       # the clinician's name for their own activity ("" otherwise)
    phase: Phase | None             # the proposal's phase (None for an addition)
    proposal: Recommendation | None
    dose: Dose | None               # the clinician's dose (None: the catalogue's guidance)
    setting: str | None
    delivered_by: str | None
    goal: str
    reason: str
    changes: tuple[Change, ...] = ()
    deferred_reason: str | None = None  # an addition the proposal had deferred, and why

    @property
    def departs(self) -> bool:
        return self.status in ("edited", "declined", "added")

    @property
    def in_plan(self) -> bool:
        return self.status != "declined"


@dataclass(frozen=True, slots=True)
class PlanReview:
    activities: tuple[PlannedActivity, ...]  # proposal order (phase by phase), then additions
    stale: tuple[str, ...]                   # decisions on activities no longer proposed
    reviewed: bool                           # the clinician has decided or added anything
    goals: str
    review_date: dt.date | None

    @property
    def in_plan(self) -> tuple[PlannedActivity, ...]:
        return tuple(a for a in self.activities if a.in_plan)

    @property
    def departures(self) -> tuple[PlannedActivity, ...]:
        return tuple(a for a in self.activities if a.departs)

    @property
    def not_reviewed(self) -> tuple[PlannedActivity, ...]:
        return tuple(a for a in self.activities if a.status == "not_reviewed")


_STATUS: Final[dict[str, Status]] = {"accept": "accepted", "edit": "edited", "decline": "declined"}


def review_plan(proposal: Plan, plan: ClinicianPlan | None) -> PlanReview:
    """The clinician's plan beside `proposal`: each activity's status and what it changes.

    With no plan (or an empty one) every proposed activity is `not_reviewed` and
    `reviewed` is False: a report then prints the proposal, saying it is not yet reviewed.
    """
    plan = plan or ClinicianPlan()
    activities: list[PlannedActivity] = []
    proposed: set[str] = set()
    deferred: dict[str, Deferral] = {}
    for phase in proposal.phases:
        for d in phase.deferred:
            deferred.setdefault(d.id, d)
        for rec in phase.recommendations:
            proposed.add(rec.id)
            decision = plan.decisions.get(rec.id)
            if decision is None:
                activities.append(PlannedActivity(
                    id=rec.id, status="not_reviewed", catalogue_id=rec.id, name="", phase=phase.phase,
                    proposal=rec, dose=None, setting=None, delivered_by=None, goal="", reason=""))
                continue
            edited = decision.decision == "edit"
            changes: tuple[Change, ...] = tuple(
                c for c in ("dose", "setting", "delivered_by") if edited and getattr(decision, c) is not None)
            activities.append(PlannedActivity(
                id=rec.id, status=_STATUS[decision.decision], catalogue_id=rec.id, name="",
                phase=phase.phase, proposal=rec,
                dose=decision.dose if edited else None,
                setting=decision.setting if edited else None,
                delivered_by=decision.delivered_by if edited else None,
                goal=decision.goal, reason=decision.reason, changes=changes))
    for n, added in enumerate(plan.added):
        ident = added.catalogue_id or f"own-{n + 1}"
        held_back = deferred.get(added.catalogue_id) if added.catalogue_id else None
        activities.append(PlannedActivity(
            id=ident, status="added", catalogue_id=added.catalogue_id, name=added.name, phase=None,
            proposal=None, dose=added.dose, setting=added.setting, delivered_by=added.delivered_by,
            goal=added.goal, reason=added.reason,
            deferred_reason=held_back.reason if held_back else None))
    stale = tuple(entry_id for entry_id in plan.decisions if entry_id not in proposed)
    return PlanReview(activities=tuple(activities), stale=stale, reviewed=not plan.is_empty,
                      goals=plan.goals, review_date=plan.review_date)


def dose_text(dose: Dose) -> str:
    """'15 minutes, 3 times a week'; 'once a day'; 'twice a month'.

    >>> dose_text(Dose(times=3, per="week", minutes=15))
    '15 minutes, 3 times a week'
    """
    times = {1: "once", 2: "twice"}.get(dose.times, f"{dose.times} times")
    often = f"{times} a {dose.per}"
    if dose.minutes is None:
        return often
    unit = "minute" if dose.minutes == 1 else "minutes"
    return f"{dose.minutes} {unit}, {often}"
