"""Ratings a follow-up starts from: carried from the previous assessment until confirmed.

A follow-up may start from the previous assessment's current-functioning and relational
ratings instead of blank ones. Each such value is *carried*: it is stored (so the draft
scores and the page shows it), but marked, and the mark goes only when the clinician
confirms the value, changes it or clears it. Signing an assessment that still holds a
carried, unconfirmed value is refused (decision 0026): no rating is signed that the
clinician did not see. History is not part of this: a follow-up's history periods carry
by the model's own rule (`rootmap.core.scoring.carry_forward`, an unrated period keeps the
earlier ratings), which needs no confirmation.

Paths are the case file's, inside one assessment (`functioning.<item>`, `relational.<item>`).
The marks are draft state: a signed assessment holds none, so the case-file format has no
field for them.

>>> from rootmap.instruments import load_instrument
>>> instrument = load_instrument("1")
>>> start = carried_start(instrument, 120, {"functioning": {"sleep": 2}, "relational": {"home_stability": 1}})
>>> start.carried
('functioning.sleep', 'relational.home_stability')
>>> [p.path for p in unconfirmed_problems(start.carried, "assessments[1]", start.inputs_values())]
['assessments[1].functioning.sleep', 'assessments[1].relational.home_stability']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rootmap.core.coverage import items_expected
from rootmap.core.problems import Problem
from rootmap.instruments.model import Instrument

SECTIONS = ("functioning", "relational")


@dataclass(frozen=True)
class CarriedStart:
    """What a follow-up starts with: the ratings taken over and the paths marked carried."""

    functioning: dict[str, int]
    relational: dict[str, int]
    carried: tuple[str, ...]

    def inputs_values(self) -> dict[str, dict[str, int]]:
        return {"functioning": dict(self.functioning), "relational": dict(self.relational)}


def carried_start(instrument: Instrument, age_months: int, previous: Mapping[str, Any]) -> CarriedStart:
    """The ratings of `previous` (an assessment's inputs) a follow-up at `age_months` starts from.

    Only what the instrument still offers: items expected at the new age, relational items
    it knows, values on its scales (a previous assessment on another version may differ).
    """
    # In the instrument's order (the page's), whatever order the stored JSON keeps its keys in.
    before = previous.get("functioning") or {}
    top = max(instrument.functioning_scale)
    functioning = {item.id: before[item.id] for item in items_expected(instrument, age_months)
                   if isinstance(before.get(item.id), int) and 0 <= before[item.id] <= top}
    before = previous.get("relational") or {}
    rel_top = max(instrument.relational.scale)
    relational = {item.id: before[item.id] for item in instrument.relational_items
                  if isinstance(before.get(item.id), int) and 0 <= before[item.id] <= rel_top}
    carried = tuple([f"functioning.{k}" for k in functioning] + [f"relational.{k}" for k in relational])
    return CarriedStart(functioning, relational, carried)


def still_carried(carried: Iterable[str], inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The marks that still stand: a mark whose rating is gone (cleared) carries nothing."""
    kept = []
    for path in carried:
        section, _, item = path.partition(".")
        if section in SECTIONS and (inputs.get(section) or {}).get(item) is not None:
            kept.append(path)
    return tuple(kept)


def unconfirmed_problems(carried: Iterable[str], here: str, inputs: Mapping[str, Any]) -> list[Problem]:
    """Why an assessment with these marks cannot be signed: one problem per carried value,
    at its case-file path under `here` (e.g. "assessments[1]"; "" for the path in the assessment)."""
    problems = []
    for path in still_carried(carried, inputs):
        section, _, item = path.partition(".")
        value = inputs[section][item]
        problems.append(Problem(
            f"{here}.{path}" if here else path,
            f"{value} is carried from the previous assessment and not confirmed; confirm it "
            "(press its number again or choose Confirm), change it or clear it before signing",
            value))
    return problems
