"""The plan page's form, read into a clinician's plan and checked, each error on its field.

The form's field names are the case file's paths inside `clinician_plan`
(`decisions.music.reason`, `added[0].dose.times`, `review_date`), so a problem the core
reports by path lands beside the field that caused it. The rules are the core's
(`rootmap.core.clinician_plan`); this module only reads text into values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from rootmap.core.clinician_plan import MAX_ADDED, ClinicianPlan, plan_problems, review_plan
from rootmap.core.limits import text_problem
from rootmap.core.problems import problems_from_validation_error
from rootmap.core.results import AssessmentResult
from rootmap.instruments.catalogue import Catalogue

DECISION_FIELDS = ("decision", "reason", "setting", "delivered_by", "goal")
ADDED_FIELDS = ("catalogue_id", "name", "setting", "delivered_by", "goal", "reason")
DOSE_FIELDS = ("times", "per", "minutes")
OWN = "own"  # the catalogue choice meaning "an activity of my own"
_DECISION = re.compile(r"^decisions\.([^.\[\]]{1,64})\.decision$")
_ADDED = re.compile(r"^added\[(\d{1,3})\]\.")
LABELS = {"decision": "decision", "reason": "reason", "setting": "setting", "delivered_by": "who delivers it",
          "goal": "goal", "catalogue_id": "activity", "name": "name", "dose.times": "how many times",
          "dose.per": "per", "dose.minutes": "minutes", "dose": "dose"}


def _text(values: Mapping[str, str], name: str) -> str:
    return str(values.get(name, "") or "").replace("\r\n", "\n")


def _optional(values: Mapping[str, str], name: str) -> str | None:
    text = _text(values, name).strip()
    return text or None


def _dose(values: Mapping[str, str], prefix: str, errors: dict[str, str]) -> dict[str, Any] | None:
    raw = {f: _text(values, f"{prefix}.dose.{f}").strip() for f in DOSE_FIELDS}
    if not any(raw.values()):
        return None
    dose: dict[str, Any] = {}
    for name in ("times", "minutes"):
        if raw[name]:
            if not re.fullmatch(r"\d{1,6}", raw[name]):
                errors[f"{prefix}.dose.{name}"] = f"expected a whole number, got {raw[name][:20]!r}"
            else:
                dose[name] = int(raw[name])
    if not raw["times"]:
        errors[f"{prefix}.dose.times"] = "is required for a dose: how many times"
    if not raw["per"]:
        errors[f"{prefix}.dose.per"] = "is required for a dose: a day, a week or a month"
    dose["per"] = raw["per"]
    return dose


def read_plan_form(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    """(the plan as the case file holds it, errors by field, the form row of each addition).

    Decisions are read for every `decisions.<id>.decision` the form sends, whatever the
    id: an id the catalogue does not know is the core's to refuse, by name. An addition's
    row left empty (the blank "add an activity" row) or ticked for removal is left out.
    """
    errors: dict[str, str] = {}
    decisions: dict[str, Any] = {}
    for name in values:
        match = _DECISION.match(name)
        if not match:
            continue
        entry_id, prefix = match.group(1), f"decisions.{match.group(1)}"
        decision = _text(values, name).strip()
        if not decision:
            continue  # "not decided yet"
        row: dict[str, Any] = {"decision": decision, "reason": _text(values, f"{prefix}.reason").strip(),
                               "goal": _text(values, f"{prefix}.goal").strip()}
        for field in ("setting", "delivered_by"):
            if (chosen := _optional(values, f"{prefix}.{field}")) is not None:
                row[field] = chosen
        if (dose := _dose(values, prefix, errors)) is not None:
            row["dose"] = dose
        decisions[entry_id] = row
    rows = sorted({int(m.group(1)) for name in values if (m := _ADDED.match(name))})
    added: list[dict[str, Any]] = []
    origin: list[int] = []
    for n in rows[: MAX_ADDED + 1]:
        prefix = f"added[{n}]"
        if _text(values, f"{prefix}.remove") == "yes":
            continue
        texts = {f: _text(values, f"{prefix}.{f}").strip() for f in ADDED_FIELDS}
        dose_given = any(_text(values, f"{prefix}.dose.{f}").strip() for f in DOSE_FIELDS)
        if not any(texts.values()) and not dose_given:
            continue
        item: dict[str, Any] = {"name": texts["name"], "goal": texts["goal"], "reason": texts["reason"]}
        if texts["catalogue_id"] and texts["catalogue_id"] != OWN:
            item["catalogue_id"] = texts["catalogue_id"]
        for field in ("setting", "delivered_by"):
            if texts[field]:
                item[field] = texts[field]
        if (dose := _dose(values, prefix, errors)) is not None:
            item["dose"] = dose
        added.append(item)
        origin.append(n)
    plan: dict[str, Any] = {"decisions": decisions, "added": added, "goals": _text(values, "goals").strip()}
    review = _text(values, "review_date").strip()
    if review:
        try:
            plan["review_date"] = dt.date.fromisoformat(review).isoformat()
        except ValueError:
            errors["review_date"] = f"expected a date as YYYY-MM-DD, got {review[:20]!r}"
    return plan, errors, origin


def _field(path: str, origin: list[int]) -> str:
    """A core path inside the plan as the form field that holds it (additions by form row)."""
    match = re.match(r"^added\[(\d+)\](.*)$", path)
    if match and int(match.group(1)) < len(origin):
        return f"added[{origin[int(match.group(1))]}]{match.group(2)}"
    return path


def checked_plan(values: Mapping[str, str], *, catalogue: Catalogue, assessment_date: dt.date,
                 proposed: frozenset[str]) -> tuple[ClinicianPlan | None, dict[str, str]]:
    """The form's plan when every field is right, else None and the errors by field name."""
    for name, raw in values.items():
        problem = text_problem(str(raw))
        if problem:
            return None, {name: problem}
    data, errors, origin = read_plan_form(values)
    if errors:
        return None, errors
    try:
        plan = ClinicianPlan.model_validate(data)
    except ValidationError as error:
        for problem in problems_from_validation_error(error):
            errors.setdefault(_field(problem.path, origin), problem.message)
        return None, errors
    for problem in plan_problems("", plan, catalogue, assessment_date=assessment_date, proposed=proposed):
        errors.setdefault(_field(problem.path.lstrip("."), origin), problem.message)
    return (None, errors) if errors else (plan, {})


def stale_decisions_message(result: AssessmentResult, plan: ClinicianPlan | None,
                            catalogue: Catalogue) -> str | None:
    """Why a draft cannot be signed with this plan: decisions on activities no longer proposed."""
    stale = review_plan(result.plan, plan).stale
    if not stale:
        return None
    names = ", ".join(catalogue.entries_by_id[s].name if s in catalogue.entries_by_id else s for s in stale)
    return (f"Clinician's plan: the proposal no longer recommends {names}, which the plan has decisions on "
            "(the ratings changed after they were made). On the plan page, clear those decisions, or add "
            "the activity yourself with a reason.")
