"""The plan page: the engine's proposal beside the clinician's decisions, as plain data.

A draft's page is a form (one fieldset per proposed activity, the activities added, the
goals and the review date); a signed assessment's page shows the plan as signed. Field
names are the case file's paths inside `clinician_plan` (plan_validation.py). A refused
save shows every value as typed, with its error beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rootmap.core.clinician_plan import DELIVERERS, MAX_ADDED, PERIODS, SETTINGS, ClinicianPlan
from rootmap.render._labels import PHASE_LABEL
from rootmap.render.clinician_plan import NOT_REVIEWED, PlanRow, plan_rows
from rootmap.web.assessments.plan_selectors import PlanContext
from rootmap.web.assessments.plan_validation import LABELS, OWN

DECISION_LABELS = (("", "Not decided yet"), ("accept", "Accept as proposed"),
                   ("edit", "Edit (dose, setting or who delivers)"), ("decline", "Decline"))
PERIOD_LABELS = {"day": "a day", "week": "a week", "month": "a month"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class Input:
    name: str        # the form field's name (a path inside the plan)
    id: str          # its HTML id
    value: str
    error: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class DecisionRow:
    id: str
    name: str
    phase_label: str
    proposed_who: str
    proposed_where: str
    proposed_dose: str
    drivers: str
    reason_for_rule: str
    decision: Input
    reason: Input
    goal: Input
    setting: Input
    delivered_by: Input
    times: Input
    per: Input
    minutes: Input
    stale: bool = False

    @property
    def has_error(self) -> bool:
        return any(i.error for i in (self.decision, self.reason, self.goal, self.setting, self.delivered_by,
                                     self.times, self.per, self.minutes))


@dataclass(frozen=True)
class AddedRow:
    index: int
    is_new: bool
    catalogue_id: Input
    name: Input
    setting: Input
    delivered_by: Input
    times: Input
    per: Input
    minutes: Input
    goal: Input
    reason: Input
    remove_name: str


@dataclass
class PlanPage:
    editable: bool
    reviewed: bool
    not_reviewed_text: str
    problems: list[str]                  # why the draft cannot be scored yet
    rows: list[DecisionRow]
    added: list[AddedRow]
    goals: Input
    review_date: Input
    summary: list[PlanRow]               # the plan as it stands (signed page, and above the form)
    stale: list[str]                     # names of activities with decisions no longer proposed
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message) for the summary
    can_add: bool = True
    saved_goals: str = ""
    saved_review: Any = None             # the stored review date (a date), for the summary


def field_id(name: str) -> str:
    """A form field's HTML id: 'added[0].dose.times' -> 'f-added-0-dose-times' (no CSS escapes needed)."""
    return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def _choices(options: tuple[tuple[str, str], ...], chosen: str) -> tuple[Choice, ...]:
    return tuple(Choice(value, label, value == chosen) for value, label in options)


def _none(label: str) -> tuple[str, str]:
    return ("", label)


class _Form:
    """Values of the form: as typed (a refused save) or from the stored plan."""

    def __init__(self, values: Mapping[str, str] | None, errors: Mapping[str, str]) -> None:
        self.values, self.errors = values, errors

    def input(self, name: str, stored: Any, options: tuple[tuple[str, str], ...] = ()) -> Input:
        value = (self.values.get(name, "") if self.values is not None
                 else "" if stored is None else str(stored))
        return Input(name=name, id=field_id(name), value=value, error=self.errors.get(name, ""),
                     choices=_choices(options, value) if options else ())


def _dose_inputs(form: _Form, prefix: str, dose: Any) -> tuple[Input, Input, Input]:
    return (form.input(f"{prefix}.dose.times", dose.times if dose else None),
            form.input(f"{prefix}.dose.per", dose.per if dose else None,
                       (_none("choose"), *((p, PERIOD_LABELS[p]) for p in PERIODS))),
            form.input(f"{prefix}.dose.minutes", dose.minutes if dose else None))


def _label(field_name: str, names: Mapping[str, str]) -> str:
    """'decisions.music.dose.times' -> 'Music, how many times' (for the error summary).

    The activity by its catalogue name (`names`, by id), an added one by its row as the page
    numbers it ('Added activity 1'), never by an internal id or a zero-based index."""
    parts = field_name.split(".")
    head = parts[1] if parts[0] == "decisions" and len(parts) > 1 else parts[0]
    rest = ".".join(parts[2:] if parts[0] == "decisions" else parts[1:])
    what = LABELS.get(rest, rest.replace("_", " "))
    added = re.fullmatch(r"added\[(\d{1,4})\]", head)
    if added:
        head = f"Added activity {int(added.group(1)) + 1}"
    elif parts[0] == "decisions" and head in names:
        head = names[head]
    else:
        head = head.replace("_", " ").capitalize()
    return f"{head}, {what}" if what else head


def plan_page(ctx: PlanContext, *, values: Mapping[str, str] | None = None,
              errors: Mapping[str, str] | None = None) -> PlanPage:
    errors = errors or {}
    form = _Form(values, errors)
    plan = ctx.plan or ClinicianPlan()
    catalogue = ctx.catalogue
    settings = (_none("as proposed"), *((s, s) for s in SETTINGS))
    deliverers = (_none("as proposed"), *((d, d) for d in DELIVERERS))
    rows: list[DecisionRow] = []
    result = ctx.result
    for phase in result.plan.phases if result is not None else ():
        for rec in phase.recommendations:
            entry = catalogue.entries_by_id[rec.id]
            d = plan.decisions.get(rec.id)
            prefix = f"decisions.{rec.id}"
            times, per, minutes = _dose_inputs(form, prefix, d.dose if d else None)
            rows.append(DecisionRow(
                id=rec.id, name=entry.name, phase_label=PHASE_LABEL.get(phase.phase, phase.phase),
                proposed_who=", ".join(entry.delivered_by), proposed_where=", ".join(entry.settings),
                proposed_dose=entry.dose,
                drivers=", ".join(ctx.instrument.items_by_id[i].label for i in rec.drivers
                                  if i in ctx.instrument.items_by_id),
                reason_for_rule=rec.reason or "",
                decision=form.input(f"{prefix}.decision", d.decision if d else None, DECISION_LABELS),
                reason=form.input(f"{prefix}.reason", d.reason if d else None),
                goal=form.input(f"{prefix}.goal", d.goal if d else None),
                setting=form.input(f"{prefix}.setting", d.setting if d else None, settings),
                delivered_by=form.input(f"{prefix}.delivered_by", d.delivered_by if d else None, deliverers),
                times=times, per=per, minutes=minutes))
    review = ctx.review
    stale_ids = list(review.stale) if review is not None else []
    for entry_id in stale_ids:  # kept on the form so the clinician sees and clears them
        d = plan.decisions[entry_id]
        entry = catalogue.entries_by_id.get(entry_id)
        prefix = f"decisions.{entry_id}"
        times, per, minutes = _dose_inputs(form, prefix, d.dose)
        rows.append(DecisionRow(
            id=entry_id, name=entry.name if entry else entry_id, phase_label="no longer proposed",
            proposed_who="", proposed_where="", proposed_dose="", drivers="", reason_for_rule="",
            decision=form.input(f"{prefix}.decision", d.decision, DECISION_LABELS),
            reason=form.input(f"{prefix}.reason", d.reason), goal=form.input(f"{prefix}.goal", d.goal),
            setting=form.input(f"{prefix}.setting", d.setting, settings),
            delivered_by=form.input(f"{prefix}.delivered_by", d.delivered_by, deliverers),
            times=times, per=per, minutes=minutes, stale=True))
    catalogue_options = (_none("choose an activity"), (OWN, "An activity of my own (name it below)"),
                         *((e.id, e.name) for e in catalogue.entries))
    added: list[AddedRow] = []
    count = len(plan.added)
    if values is not None:  # the rows as posted, so a refused save keeps every typed row
        indexes = sorted({int(k.split("]")[0][6:]) for k in values if k.startswith("added[") and "]" in k
                          and k.split("]")[0][6:].isascii() and k.split("]")[0][6:].isdigit()})
    else:
        indexes = list(range(count))
    new_index = (max(indexes) + 1) if indexes else 0
    for n in [*indexes, new_index][: MAX_ADDED + 1]:
        a = plan.added[n] if values is None and n < count else None
        prefix = f"added[{n}]"
        times, per, minutes = _dose_inputs(form, prefix, a.dose if a else None)
        stored_catalogue = (a.catalogue_id or OWN) if a else None
        added.append(AddedRow(
            index=n, is_new=n == new_index,
            catalogue_id=form.input(f"{prefix}.catalogue_id", stored_catalogue, catalogue_options),
            name=form.input(f"{prefix}.name", a.name if a else None),
            setting=form.input(f"{prefix}.setting", a.setting if a else None, (_none("choose"), *settings[1:])),
            delivered_by=form.input(f"{prefix}.delivered_by", a.delivered_by if a else None,
                                    (_none("choose"), *deliverers[1:])),
            times=times, per=per, minutes=minutes,
            goal=form.input(f"{prefix}.goal", a.goal if a else None),
            reason=form.input(f"{prefix}.reason", a.reason if a else None),
            remove_name=f"{prefix}.remove"))
    summary = plan_rows(review, catalogue) if review is not None else []
    names = {e.id: e.name for e in catalogue.entries}
    return PlanPage(
        editable=ctx.editable,
        reviewed=review.reviewed if review is not None else False,
        not_reviewed_text=NOT_REVIEWED,
        problems=list(ctx.problems),
        rows=rows, added=added,
        goals=form.input("goals", plan.goals or None),
        review_date=form.input("review_date", plan.review_date.isoformat() if plan.review_date else None),
        summary=summary,
        stale=[catalogue.entries_by_id[s].name if s in catalogue.entries_by_id else s for s in stale_ids],
        errors=[(field_id(name), f"{_label(name, names)}: {message}") for name, message in errors.items()],
        can_add=new_index < MAX_ADDED,
        saved_goals=review.goals if review is not None else "",
        saved_review=review.review_date if review is not None else None,
    )


# --- The plan on the results and presentation pages -------------------------------------


@dataclass(frozen=True)
class PlanCard:
    """The results page's card: the clinician's plan as signed, beside the proposal."""

    rows: list[PlanRow]
    reviewed: bool
    not_reviewed_text: str
    goals: str
    review_date: Any


def plan_card(ctx: PlanContext) -> PlanCard | None:
    if ctx.review is None or ctx.result is None or ctx.result.phase == "undetermined":
        return None
    return PlanCard(rows=plan_rows(ctx.review, ctx.catalogue), reviewed=ctx.review.reviewed,
                    not_reviewed_text=NOT_REVIEWED, goals=ctx.review.goals, review_date=ctx.review.review_date)
