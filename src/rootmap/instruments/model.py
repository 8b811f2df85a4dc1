"""The shape of an instrument version, validated when its YAML files are loaded.

Everything numeric in the clinical model is a field here, so that changing a weight in
the data changes the score without touching code.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

REGION_IDS = ("brainstem", "diencephalon", "limbic", "cortex")
FUNCTIONING_LEVELS = (0, 1, 2, 3, 4, 5)
FOUR_POINT_LEVELS = (0, 1, 2, 3, 4)


class _Frozen(BaseModel):
    # defer_build: the schema is built once, for the outermost model on its first use, not per class
    # at import (decision 0029, third pass: ~30 ms of `rootmap score`).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Period(_Frozen):
    id: str
    label: str
    start: int
    end: int
    weight: float = Field(gt=0)
    adversity_share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError(f"period {self.id}: end {self.end} must be after start {self.start}")
        return self


class UpperBand(_Frozen):
    """A band that holds values below `below` (the last band has no bound)."""

    band: str
    below: float | None


class LowerBand(_Frozen):
    """A band that holds values at or above `at_least` (the last band has no bound)."""

    band: str
    at_least: float | None


class Region(_Frozen):
    id: Literal["brainstem", "diencephalon", "limbic", "cortex"]
    label: str
    domain: str
    domain_label: str
    phase: Literal["regulate", "relate", "reason"]


class RatedItem(_Frozen):
    id: str
    label: str
    description: str
    anchors: dict[int, str]


class FunctioningItem(RatedItem):
    region: str
    domain: str
    min_age_months: int = Field(ge=0)


class EventDerivation(_Frozen):
    category_bonus_at: int = Field(ge=1)
    category_bonus: int = Field(ge=0)
    cap: int


class Compromised(_Frozen):
    index_below: float
    any_item_at_most: int


class RelationalParameters(_Frozen):
    scale: dict[int, str]
    min_rated: int = Field(ge=1)
    bands: tuple[LowerBand, ...]


class Resilience(_Frozen):
    current_weight: float
    historical_weight: float


class ChangeParameters(_Frozen):
    threshold: float = Field(gt=0)


class FollowUpSchedule(_Frozen):
    first_due_months: tuple[int, ...]
    then_every_months: int = Field(gt=0)


class AgeFactor(_Frozen):
    below: int | None
    factor: float = Field(gt=0)


class CaregiverParameters(_Frozen):
    scale: dict[int, str]
    challenge_scale: dict[int, str]
    min_rated: int = Field(ge=1)
    age_factors: tuple[AgeFactor, ...]
    challenge_cap: float
    demand_share: float
    reserve_bands: tuple[LowerBand, ...]


class InformantRole(_Frozen):
    """Who an informant is to the client; `words` are free-text roles read as this one."""

    id: str
    label: str
    words: tuple[str, ...] = ()


class AgeRange(_Frozen):
    min: int
    max: int


class Instrument(_Frozen):
    """One version of Rootmap's instrument: parameters plus item texts."""

    version: str
    name: str
    periods: tuple[Period, ...]
    supported_age_months: AgeRange
    history_scales: dict[Literal["adversity", "relational_health"], dict[int, str]]
    event_derivation: EventDerivation
    event_categories: dict[str, str]
    ace_categories: tuple[str, ...]
    risk_bands: tuple[UpperBand, ...]
    regions: tuple[Region, ...]
    functioning_scale: dict[int, str]
    functioning_max_counted: int
    item_bands: dict[int, str]
    index_bands: tuple[LowerBand, ...]
    domain_min_rated_share: float = Field(gt=0, le=1)
    strength_rating: int
    need_max_rating: int
    compromised: Compromised
    phases: tuple[Literal["regulate", "relate", "reason"], ...]
    relational: RelationalParameters
    resilience: Resilience
    triggers: dict[str, str]
    informant_roles: tuple[InformantRole, ...] = Field(min_length=1)
    change: ChangeParameters
    follow_up: FollowUpSchedule
    caregiver: CaregiverParameters
    functioning_items: tuple[FunctioningItem, ...]
    relational_items: tuple[RatedItem, ...]
    internal_items: tuple[RatedItem, ...]
    external_items: tuple[RatedItem, ...]
    challenge_items: tuple[RatedItem, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        problems: list[str] = []
        if tuple(r.id for r in self.regions) != REGION_IDS:
            problems.append(f"regions must be {REGION_IDS} bottom-up")
        for earlier, later in zip(self.periods, self.periods[1:], strict=False):
            if later.start != earlier.end:
                problems.append(f"period {later.id} must start where {earlier.id} ends")
        domain_of = {r.id: r.domain for r in self.regions}
        region_rank = {r: i for i, r in enumerate(REGION_IDS)}
        last_rank = 0
        for item in self.functioning_items:
            if item.region not in domain_of:
                problems.append(f"item {item.id}: unknown region {item.region}")
                continue
            if domain_of[item.region] != item.domain:
                problems.append(f"item {item.id}: domain {item.domain} is not {item.region}'s")
            if region_rank[item.region] < last_rank:
                problems.append(f"item {item.id}: items must be listed bottom-up by region")
            last_rank = region_rank[item.region]
            if tuple(sorted(item.anchors)) != FUNCTIONING_LEVELS:
                problems.append(f"item {item.id}: needs an anchor for every level 0-5")
        groups = {
            "relational": self.relational_items,
            "internal": self.internal_items,
            "external": self.external_items,
            "challenge": self.challenge_items,
        }
        for group, items in groups.items():
            for rated in items:
                if tuple(sorted(rated.anchors)) != FOUR_POINT_LEVELS:
                    problems.append(f"{group} item {rated.id}: needs an anchor for every level 0-4")
        all_ids = [i.id for i in self.functioning_items] + [i.id for i in self.relational_items]
        if len(set(all_ids)) != len(all_ids):
            problems.append("item ids must be unique")
        unknown_ace = set(self.ace_categories) - set(self.event_categories)
        if unknown_ace:
            problems.append(f"ACE categories not among event categories: {sorted(unknown_ace)}")
        if "other" not in [r.id for r in self.informant_roles]:
            problems.append("informant_roles: needs a role with id 'other' (free text that names no role)")
        words = [w.strip().lower() for r in self.informant_roles for w in (r.id, r.label, *r.words)]
        clashes = sorted({w for w in words if words.count(w) > 1
                          and len({r.id for r in self.informant_roles
                                   if w in {x.strip().lower() for x in (r.id, r.label, *r.words)}}) > 1})
        if clashes:
            problems.append(f"informant_roles: words name more than one role: {clashes}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Lookups the engine uses on every assessment, computed once per instrument.
    @cached_property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.functioning_items)

    @cached_property
    def items_by_id(self) -> dict[str, FunctioningItem]:
        return {i.id: i for i in self.functioning_items}

    @cached_property
    def period_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.periods)

    @cached_property
    def region_of_domain(self) -> dict[str, str]:
        return {r.domain: r.id for r in self.regions}

    @cached_property
    def domain_of_region(self) -> dict[str, str]:
        return {r.id: r.domain for r in self.regions}

    @cached_property
    def domain_ids(self) -> tuple[str, ...]:
        return tuple(r.domain for r in self.regions)

    @cached_property
    def items_by_domain(self) -> dict[str, tuple[str, ...]]:
        return {
            r.domain: tuple(i.id for i in self.functioning_items if i.domain == r.domain)
            for r in self.regions
        }

    @cached_property
    def informant_role_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.informant_roles)

    @cached_property
    def relational_item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.relational_items)

    @cached_property
    def needs_order(self) -> dict[str, tuple[int, int]]:
        """Per item (its region's bottom-up rank, its own rank): how needs are listed."""
        region_rank: dict[str, int] = {r.id: n for n, r in enumerate(self.regions)}
        return {i.id: (region_rank[i.region], n) for n, i in enumerate(self.functioning_items)}

    @cached_property
    def _expected_by_age(self) -> dict[int, tuple[str, ...]]:
        return {}

    def expected_item_ids(self, age_months: int) -> tuple[str, ...]:
        """The ids of the items rated at this age, in (bottom-up) item order.

        Computed once per age: every assessment scored needs it, and ages repeat.
        """
        cache = self._expected_by_age
        ids = cache.get(age_months)
        if ids is None:
            ids = cache[age_months] = tuple(
                i.id for i in self.functioning_items if age_months >= i.min_age_months)
        return ids


def band_below(value: float, bands: tuple[UpperBand, ...]) -> str:
    """The first band whose upper bound `value` is below."""
    for band in bands:
        if band.below is None or value < band.below:
            return band.band
    raise ValueError(f"no band for {value}")  # the loader guarantees an open last band


def band_at_least(value: float, bands: tuple[LowerBand, ...]) -> str:
    """The first band whose lower bound `value` reaches."""
    for band in bands:
        if band.at_least is None or value >= band.at_least:
            return band.band
    raise ValueError(f"no band for {value}")
