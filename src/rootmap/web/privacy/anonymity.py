"""k-anonymity for the research export: generalise, then suppress, until every combination
of quasi-identifiers in the output is shared by at least k clients.

Quasi-identifiers are what someone who knows a child could match on: age, sex (when the
record holds one), the trigger of an ER snapshot, the adverse-event categories and their
count, and the organisation. A row starts exact; while its combination is shared by fewer
than k distinct clients it climbs one step of STEPS (wider age bands, events withheld, ...)
with the other rows of its group; rows still in a group smaller than k after the last step
are suppressed. Rows in groups of k or more are never touched, so the output keeps as much
detail as k allows (local recoding). Pure functions, no Django: the tests feed it directly.

>>> result = k_anonymise(facts, k=5)
>>> result.levels[0], quasi_values(facts[0], result.levels[0])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

WITHHELD = "*"  # a value generalised away (distinct from "", which means none recorded)
QUASI_COLUMNS = ("age_years", "age_months", "sex", "trigger", "event_count", "event_categories",
                 "organisation")
# Cumulative: a row at level n has had steps 1..n applied.
STEPS = (
    "age in 3-year bands (months dropped)",
    "event categories withheld, event count in bands",
    "age in 6-year bands",
    "event count withheld",
    "trigger withheld",
    "sex withheld",
    "organisation withheld",
    "age withheld",
)


@dataclass(frozen=True)
class Facts:
    """What the export shows of one assessment that could identify its client."""

    client: str  # the client's pseudonym: k counts distinct clients, not rows
    age_months: int
    sex: str
    trigger: str
    event_count: int
    event_categories: tuple[str, ...]
    organisation: str


@dataclass(frozen=True)
class Anonymised:
    levels: tuple[int | None, ...]  # per row: the steps applied, or None when suppressed
    k: int

    @property
    def suppressed(self) -> int:
        return sum(1 for level in self.levels if level is None)

    def rows_at_or_above(self, step: int) -> int:
        return sum(1 for level in self.levels if level is not None and level >= step)


def _band(years: int, width: int) -> str:
    if years >= 18:
        return "18+"
    low = (max(years, 0) // width) * width
    return f"{low}-{min(low + width - 1, 17)}"


def _count_band(count: int) -> str:
    if count == 0:
        return "0"
    if count <= 3:
        return "1-3"
    if count <= 6:
        return "4-6"
    return "7+"


def quasi_values(facts: Facts, level: int) -> dict[str, str]:
    """The quasi-identifier columns of a row after `level` steps."""
    years = max(facts.age_months, 0) // 12
    if level >= 8:
        age_years = WITHHELD
    elif level >= 3:
        age_years = _band(years, 6)
    elif level >= 1:
        age_years = _band(years, 3)
    else:
        age_years = str(years)
    # Months only under 3 years, where a year is too coarse to mean anything developmentally.
    age_months = str(facts.age_months) if level == 0 and facts.age_months < 36 else ""
    if level >= 4:
        event_count = WITHHELD
    elif level >= 2:
        event_count = _count_band(facts.event_count)
    else:
        event_count = str(facts.event_count)
    return {
        "age_years": age_years,
        "age_months": age_months,
        "sex": WITHHELD if level >= 6 and facts.sex else facts.sex,
        "trigger": WITHHELD if level >= 5 else facts.trigger,
        "event_count": event_count,
        "event_categories": WITHHELD if level >= 2 else ";".join(facts.event_categories),
        "organisation": WITHHELD if level >= 7 else facts.organisation,
    }


def _small_rows(facts: Sequence[Facts], levels: list[int | None], k: int) -> list[int]:
    clients: dict[tuple[str, ...], set[str]] = defaultdict(set)
    keys: list[tuple[str, ...] | None] = []
    for row, level in zip(facts, levels, strict=True):
        if level is None:
            keys.append(None)
            continue
        key = tuple(quasi_values(row, level).values())
        clients[key].add(row.client)
        keys.append(key)
    return [i for i, key in enumerate(keys) if key is not None and len(clients[key]) < k]


def k_anonymise(facts: Sequence[Facts], *, k: int) -> Anonymised:
    """The level of every row such that each output group holds at least k clients."""
    if k < 1:
        raise ValueError("k must be at least 1")
    levels: list[int | None] = [0] * len(facts)
    for step in range(1, len(STEPS) + 1):
        small = _small_rows(facts, levels, k)
        if not small:
            break
        for i in small:
            levels[i] = step
    for i in _small_rows(facts, levels, k):
        levels[i] = None
    return Anonymised(tuple(levels), k)
