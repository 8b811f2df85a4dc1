"""The intervention catalogue of an instrument version, validated when it is loaded.

The catalogue is data (``v1/catalogue.yaml``): the activities a plan can recommend, the
rule numbers the plan engine uses, and the plain-language texts it fills in. It is checked
against its instrument, so a target item, a region or a domain that the instrument does not
know fails at load time rather than silently scoring nothing.

>>> catalogue = load_catalogue("1")
>>> catalogue.entries_by_id["tf_cbt"].prerequisites[1].min_age_months
84
"""

from __future__ import annotations

import string
from collections.abc import Container
from functools import cache, cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from rootmap.instruments import CURRENT_VERSION, Instrument, InstrumentError, load_instrument, version_folder
from rootmap.instruments import _read_yaml as read_instrument_yaml
from rootmap.instruments.model import REGION_IDS
from rootmap.instruments.problems import model_problems

__all__ = [
    "AgeMonths",
    "Catalogue",
    "Entry",
    "Messages",
    "MinRating",
    "Prerequisite",
    "RelationalHealthRule",
    "Rules",
    "load_catalogue",
]

PhaseId = Literal["regulate", "relate", "reason"]
RegionId = Literal["brainstem", "diencephalon", "limbic", "cortex"]
Setting = Literal["home", "school", "clinic", "community"]
Deliverer = Literal["caregiver", "teacher", "clinician", "specialist"]
EvidenceLevel = Literal["limited", "emerging", "moderate", "strong"]

# The placeholders each sentence template may use; checked on load so that a typo in the
# data fails when the catalogue is read, not when a clinician opens a plan.
TEMPLATE_FIELDS: dict[str, frozenset[str]] = {
    "age_below": frozenset({"min_age", "age"}),
    "rating_below": frozenset({"item", "rating", "rating_word", "value", "value_word"}),
    "rating_unknown": frozenset({"item"}),
    "index_below": frozenset({"domain", "index", "threshold"}),
    "index_unknown": frozenset({"domain", "status"}),
    "stabilisation": frozenset({"items", "hint"}),
    "stabilisation_none": frozenset(),
    "progress_up_phase": frozenset({"before", "after", "phase"}),
    "progress_up_region": frozenset({"before", "after", "phase"}),
    "progress_down": frozenset({"before", "after", "phase"}),
    "progress_same": frozenset({"before", "after", "phase"}),
    "progress_undetermined_now": frozenset({"before", "domains"}),
    "progress_undetermined_before": frozenset({"after", "phase"}),
}


class _Frozen(BaseModel):
    # defer_build: the schema is built once, for the outermost model on its first use, not per class
    # at import (decision 0029, third pass: ~30 ms of `rootmap score`).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class AgeMonths(_Frozen):
    """Ages (completed months, both ends inclusive) at which an entry is considered at all."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> AgeMonths:
        if self.max < self.min:
            raise ValueError(f"age range max {self.max} is below min {self.min}")
        return self


class MinRating(_Frozen):
    item: str
    value: int = Field(ge=0, le=5)


class Prerequisite(_Frozen):
    """One readiness condition; when it fails the entry is deferred, with `reason` shown."""

    min_age_months: int | None = Field(default=None, ge=0)
    min_rating: MinRating | None = None
    min_domain_index: dict[str, float] | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Prerequisite:
        conditions = [self.min_age_months, self.min_rating, self.min_domain_index]
        if sum(c is not None for c in conditions) != 1:
            raise ValueError("a prerequisite holds exactly one of min_age_months, min_rating, min_domain_index")
        if self.min_domain_index is not None:
            if not self.min_domain_index:
                raise ValueError("min_domain_index needs at least one domain")
            for domain, threshold in self.min_domain_index.items():
                if not 0 <= threshold <= 100:
                    raise ValueError(f"min_domain_index {domain}: {threshold} is not in 0..100")
        return self


class Entry(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)  # for a caregiver: plain words, no jargon
    regions: tuple[RegionId, ...] = Field(min_length=1)  # primary regions, main one first
    target_items: tuple[str, ...] = Field(min_length=1)
    age_months: AgeMonths
    settings: tuple[Setting, ...] = Field(min_length=1)
    delivered_by: tuple[Deliverer, ...] = Field(min_length=1)
    interest_tags: tuple[str, ...] = ()
    dose: str = Field(min_length=1)
    prerequisites: tuple[Prerequisite, ...] = ()
    evidence_level: EvidenceLevel
    evidence: str = Field(min_length=1)
    cautions: str = Field(min_length=1)


class RelationalHealthRule(_Frozen):
    below: float = Field(ge=0, le=100)
    entries: tuple[str, ...] = Field(min_length=1)
    reason: str = Field(min_length=1)


class Rules(_Frozen):
    top_n: int = Field(ge=1)
    drivers: int = Field(ge=0)
    interest_bonus: float = Field(ge=1)  # a bonus never lowers a score
    er_limit: int = Field(ge=1)
    stabilisation_items: int = Field(ge=1)
    relational_health: RelationalHealthRule


class Messages(_Frozen):
    phases: dict[Literal["regulate", "relate", "reason", "maintain", "undetermined"], str]
    regions: dict[Literal["brainstem", "diencephalon", "limbic", "cortex", "none"], str]
    domains: dict[str, str]
    status: dict[Literal["insufficient", "not_expected"], str]
    age_below: str
    rating_below: str
    rating_unknown: str
    index_below: str
    index_unknown: str
    stabilisation: str
    stabilisation_none: str
    stabilisation_hints: dict[RegionId, str]
    progress_up_phase: str
    progress_up_region: str
    progress_down: str
    progress_same: str
    # Follow-up progress when one side had too little rated to say where to start.
    progress_undetermined_now: str
    progress_undetermined_before: str


def _template_problems(messages: Messages) -> list[str]:
    problems = []
    for name, allowed in TEMPLATE_FIELDS.items():
        template: str = getattr(messages, name)
        try:
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as error:
            problems.append(f"message {name}: {error}")
            continue
        unknown = used - allowed
        if unknown:
            problems.append(f"message {name}: unknown placeholders {sorted(unknown)}")
    return problems


def _missing_keys(what: str, got: Container[str], wanted: tuple[str, ...]) -> list[str]:
    missing = [k for k in wanted if k not in got]
    return [f"{what}: missing {missing}"] if missing else []


class Catalogue(_Frozen):
    """One version's intervention catalogue. Validate it with its instrument as context:
    ``Catalogue.model_validate(data, context={"instrument": instrument})``."""

    version: str
    rules: Rules
    doses: dict[PhaseId, str]
    messages: Messages
    interest_tags: dict[str, str]
    entries: tuple[Entry, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Catalogue:
        problems: list[str] = []
        ids = [e.id for e in self.entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"entry ids must be unique: {duplicates}")
        for rule_entry in self.rules.relational_health.entries:
            if rule_entry not in ids:
                problems.append(f"rules.relational_health: unknown entry {rule_entry}")
        problems += _missing_keys("doses", self.doses, ("regulate", "relate", "reason"))
        problems += _missing_keys("messages.phases", self.messages.phases, ("regulate", "relate", "reason", "maintain",
                                                                             "undetermined"))
        problems += _missing_keys("messages.regions", self.messages.regions, (*REGION_IDS, "none"))
        problems += _missing_keys("messages.status", self.messages.status, ("insufficient", "not_expected"))
        problems += _missing_keys("messages.stabilisation_hints", self.messages.stabilisation_hints, REGION_IDS)
        problems += _template_problems(self.messages)
        for entry in self.entries:
            unknown_tags = sorted(set(entry.interest_tags) - set(self.interest_tags))
            if unknown_tags:
                problems.append(f"entry {entry.id}: interest tags not in interest_tags: {unknown_tags}")
            if len(set(entry.regions)) != len(entry.regions):
                problems.append(f"entry {entry.id}: regions repeat")
            if len(set(entry.target_items)) != len(entry.target_items):
                problems.append(f"entry {entry.id}: target items repeat")
        instrument = (info.context or {}).get("instrument")
        if not isinstance(instrument, Instrument):
            problems.append("validate a catalogue with its instrument: context={'instrument': ...}")
        else:
            problems += self._instrument_problems(instrument)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _instrument_problems(self, instrument: Instrument) -> list[str]:
        problems: list[str] = []
        if instrument.version != self.version:
            problems.append(f"catalogue version {self.version} != instrument {instrument.version}")
        items = set(instrument.item_ids)
        domains = set(instrument.domain_ids)
        problems += _missing_keys("messages.domains", self.messages.domains, instrument.domain_ids)
        if tuple(instrument.phases) != ("regulate", "relate", "reason"):
            problems.append("the instrument's phases must be regulate, relate, reason")
        top_age = instrument.supported_age_months.max
        for entry in self.entries:
            unknown_items = [i for i in entry.target_items if i not in items]
            if unknown_items:
                problems.append(f"entry {entry.id}: unknown target items {unknown_items}")
            if entry.age_months.min > top_age:
                problems.append(f"entry {entry.id}: age range starts above the supported ages")
            for prerequisite in entry.prerequisites:
                rating = prerequisite.min_rating
                if rating is not None and rating.item not in items:
                    problems.append(f"entry {entry.id}: prerequisite on unknown item {rating.item}")
                for domain in prerequisite.min_domain_index or {}:
                    if domain not in domains:
                        problems.append(f"entry {entry.id}: prerequisite on unknown domain {domain}")
        return problems

    @cached_property
    def entries_by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    @cached_property
    def entry_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)


def load_catalogue(version: str = CURRENT_VERSION) -> Catalogue:
    """Load and validate one version's catalogue against its instrument (cached).

    The catalogue belongs to its instrument version (the loader refuses one whose
    `version` differs), so an assessment's stored instrument version names its catalogue too.
    """
    return _load_catalogue(version, str(version_folder(version)))


# Cached apart from the public function so that `load_catalogue()` and `load_catalogue("1")`
# share one object (functools.cache keys on how it was called); keyed on the folder too, so
# that a version added from elsewhere is its own.
@cache
def _load_catalogue(version: str, where: str) -> Catalogue:
    data = read_instrument_yaml(version, "catalogue.yaml")
    try:
        return Catalogue.model_validate(data, context={"instrument": load_instrument(version)})
    except ValidationError as error:
        raise InstrumentError([f"{where}: {line}" for line in model_problems("catalogue.yaml", error)]) from None
