"""What a synthetic client's case holds: names, events, ratings over time. No database here.

Everything is drawn from one random.Random, so a seed gives the same data every time. The
ratings follow a child's own level of difficulty, improve a little at each follow-up, and
leave unrated what the instrument does not expect at the child's age (rootmap.core.coverage).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from rootmap.core.ages import age_in_months
from rootmap.core.coverage import item_expected, period_reached
from rootmap.instruments import Instrument

FIRST_NAMES = (
    "Ada", "Ari", "Bea", "Cai", "Cleo", "Dani", "Eli", "Ema", "Finn", "Gia", "Hal", "Ida", "Isa", "Jae",
    "Jo", "Kai", "Kit", "Lea", "Leo", "Liv", "Luca", "Mae", "Mia", "Milo", "Nia", "Noa", "Oli", "Pia",
    "Quin", "Remy", "Rio", "Rose", "Sam", "Sol", "Tai", "Tess", "Uma", "Vic", "Wren", "Xan", "Yara", "Zac",
)
INTERESTS = ("drawing", "football", "music", "dogs", "lego", "dancing", "swimming", "cooking", "reading",
             "gaming", "horses", "climbing", "singing", "bikes", "puzzles")
INFORMANTS = (("caregiver", "Foster carer"), ("caregiver", "Kinship carer"), ("teacher", "Class teacher"),
              ("caseworker", "Child welfare caseworker"), ("therapist", "Occupational therapist"))
AMENDMENT_REASONS = ("Caregiver corrected the sleep history after the session",
                     "Teacher's report arrived after signing", "Rating entered on the wrong item")


@dataclass
class AssessmentPlan:
    reference: str
    kind: str
    date: dt.date
    inputs: dict[str, Any]
    final: bool
    amends: str | None = None  # reference of the assessment this one corrects
    reason: str = ""


@dataclass
class ClientPlan:
    reference: str
    display_name: str
    birth_date: dt.date
    interests: list[str]
    events: list[dict[str, Any]]
    assessments: list[AssessmentPlan] = field(default_factory=list)
    views: list[dt.date] = field(default_factory=list)  # days the client's pages were read


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _events(rng: random.Random, instrument: Instrument, age: int) -> list[dict[str, Any]]:
    categories = list(instrument.event_categories)
    events = []
    for _ in range(rng.randint(1, 4)):
        onset = rng.randint(-9, max(-9, age - 1))
        end = None if rng.random() < 0.3 else min(age + 1, onset + rng.randint(0, 36))
        events.append({"category": rng.choice(categories), "onset_months": onset, "end_months": end,
                       "severity": rng.randint(1, 4), "note": "", "source": "child welfare record"})
    return events


def _inputs(rng: random.Random, instrument: Instrument, kind: str, age: int, level: float,
            rated_share: float = 1.0) -> dict[str, Any]:
    """Ratings of one assessment; `level` 0 (age-typical) to 1 (profound difficulty)."""
    functioning = {item.id: _clamp(4 - 3.5 * level + rng.gauss(0, 0.8), 0, 5)
                   for item in instrument.functioning_items
                   if item_expected(item, age) and rng.random() < rated_share}
    relational = {item_id: _clamp(3 - 2.5 * level + rng.gauss(0, 0.7), 0, 4)
                  for item_id in instrument.relational_item_ids if rng.random() < rated_share}
    informants = [{"role": role, "name": name, "hours": rng.choice((0.5, 1.0, 1.5, 2.0))}
                  for role, name in rng.sample(INFORMANTS, rng.randint(1, 3))]
    inputs: dict[str, Any] = {"functioning": functioning, "relational": relational,
                              "trigger": None, "informants": informants, "documents": []}
    if kind == "er":
        inputs["trigger"] = rng.choice(list(instrument.triggers))
    else:
        inputs["history"] = {
            period.id: {"adversity": _clamp(1 + 3 * level + rng.gauss(0, 0.8), 0, 4),
                        "relational_health": _clamp(3 - 2.5 * level + rng.gauss(0, 0.7), 0, 4)}
            for period in instrument.periods if period_reached(period, age)}
    return inputs


def client_plan(rng: random.Random, instrument: Instrument, number: int, as_of: dt.date) -> ClientPlan:
    """One client: about two years of work at most, ending on or before `as_of`."""
    age_now = rng.randint(30, 200)
    birth = as_of - dt.timedelta(days=int(age_now * 30.44))
    plan = ClientPlan(reference=f"S-{number:06d}",
                      display_name=f"{rng.choice(FIRST_NAMES)} {chr(65 + rng.randrange(26))}. {number}",
                      birth_date=birth, interests=rng.sample(INTERESTS, rng.randint(0, 4)),
                      events=_events(rng, instrument, age_now - 24))
    level = rng.betavariate(2, 2)
    day = as_of - dt.timedelta(days=rng.randint(20, 700))
    n = 0

    def add(kind: str, on: dt.date, final: bool = True, share: float = 1.0) -> AssessmentPlan:
        nonlocal n
        n += 1
        age = age_in_months(birth, on)
        item = AssessmentPlan(f"A-{n}", kind, on, _inputs(rng, instrument, kind, age, level, share), final)
        plan.assessments.append(item)
        return item

    if rng.random() < 0.03:  # a new client: the first assessment is still a draft
        add("full", day, final=False, share=0.5)
        return plan
    add("full", day)
    while True:
        if rng.random() < 0.12:  # a crisis between sessions: a rapid (ER) snapshot
            crisis = day + dt.timedelta(days=rng.randint(10, 60))
            if crisis < as_of:
                add("er", crisis)
                day = crisis
        nxt = day + dt.timedelta(days=rng.randint(150, 200))
        if nxt >= as_of or rng.random() < 0.25:  # some follow-ups are overdue
            break
        level = max(0.0, level - rng.uniform(0.0, 0.12))
        add("follow_up", nxt)
        day = nxt
    if rng.random() < 0.04:  # the newest signed assessment was corrected
        last = plan.assessments[-1]
        plan.assessments.append(AssessmentPlan(
            f"{last.reference}.1", last.kind, last.date, {**last.inputs, "informants": list(last.inputs["informants"])},
            True, amends=last.reference, reason=rng.choice(AMENDMENT_REASONS)))
    if rng.random() < 0.12 and day < as_of:  # a follow-up begun and not yet signed
        add("follow_up", min(as_of, day + dt.timedelta(days=rng.randint(150, 200))), final=False, share=0.5)
    plan.views = sorted(day - dt.timedelta(days=rng.randint(0, 60)) for _ in range(rng.randint(2, 5)))
    return plan


def household_inputs(rng: random.Random, instrument: Instrument, children: list[int | None],
                     ages: list[int]) -> dict[str, Any]:
    """A household's resources and its children's challenge (client pk or None, with ages)."""
    return {
        "caregivers": [{"name": "Carer", "role": "foster carer"}, {"name": "Partner", "role": "foster carer"}][
            : rng.randint(1, 2)],
        "internal": {item.id: rng.randint(1, 4) for item in instrument.internal_items},
        "external": {item.id: rng.randint(1, 4) for item in instrument.external_items},
        "children": [{"client_pk": pk, "name": "" if pk else "Birth child", "age_months": None if pk else age,
                      "challenge": {item.id: rng.randint(0, 4) for item in instrument.challenge_items},
                      "challenge_shared": False}
                     for pk, age in zip(children, ages, strict=True)],
    }
