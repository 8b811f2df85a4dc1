"""The words families read, as data (``v1/family_words.yaml``), validated when loaded.

The file is checked against its instrument and catalogue: every phase has its texts and a
dose for every age band, every catalogue activity has a rhythm, every activity that can
land in a phase whose rhythm differs from its own has a sentence saying why, every item
and region has a plain name, placeholders are known, and no sentence uses a clinical word
or an ISO date. `rootmap.core.family` chooses among them.

>>> words = load_family_words("1")
>>> words.age_band(30).child
'your little one'
"""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator

from rootmap.instruments import InstrumentError, load_instrument, version_folder
from rootmap.instruments import _read_yaml as read_instrument_yaml
from rootmap.instruments.catalogue import Catalogue, load_catalogue
from rootmap.instruments.problems import model_problems

__all__ = ["CLINICAL_WORDS", "FamilyWords", "PhaseWords", "Rhythm", "load_family_words"]

Rhythm = Literal["several_daily", "daily", "weekly", "weekly_and_daily"]
AgeBandId = Literal["baby", "child", "young_person"]
_REQUIRED_KEYS: dict[str, set[str]] = {
    "phases": {"regulate", "relate", "reason", "maintain", "undetermined"},
    "progress": {"first", "improved", "worse", "unchanged", "others_same", "moved_on",
                 "moved_within", "moved_back"},
    "regions": {"brainstem", "diencephalon", "limbic", "cortex"},
    "regions_short": {"brainstem", "diencephalon", "limbic", "cortex"},
    "bands": {"typical", "mild", "moderate", "severe"},
    "delivered_by": {"caregiver", "teacher", "clinician", "specialist"},
}

# Words a family should never have to decode; the tests hold every family view to them too.
CLINICAL_WORDS = ("index", "domain", "brainstem", "diencephalon", "limbic", "cortex",
                  "cerebellum", "phase", "sensory integration", "self-regulation", "cognitive")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_PLACEHOLDERS = frozenset({"child", "name", "areas", "date", "item", "area", "connection",
                           "interests", "activities", "count", "often", "minutes", "goal"})
_PHASE_REGIONS: dict[str, tuple[str, ...]] = {
    "regulate": ("brainstem", "diencephalon"), "relate": ("limbic",), "reason": ("cortex",),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgeBand(_Frozen):
    id: AgeBandId
    below_months: int | None
    child: str


class PhaseWords(_Frozen):
    title: str
    now: str
    later: str
    dose: dict[AgeBandId, str]
    rhythms: tuple[Rhythm, ...]


class PresentationSentences(_Frozen):
    intro: str
    order: str
    strengths: str
    typical: str
    no_strengths: str
    no_needs: str
    more_needs: str
    close: str
    close_summary: str


class Sentences(_Frozen):
    intro: str
    undetermined_more: str
    undetermined_then: str
    undetermined_week: str
    maintain_week: str
    stabilisation: str
    no_strengths: str
    strength: str
    on_track: str
    good_connection: str
    interests: str
    relational_why: str
    later_steps: str
    map: str
    good_to_know: tuple[str, ...]
    presentation: PresentationSentences


class PlanWords(_Frozen):
    """How the clinician's plan is told to a family (rootmap.core.family_plan).

    Defaults are the built-in version's words, so a version folder written before the
    clinician's plan existed still loads; v1/family_words.yaml states them as data.
    """

    not_reviewed: str = ("These are first suggestions. Your clinician will go through them with you, "
                         "and you will agree the plan together.")
    partly_reviewed: str = ("Some of these are still first suggestions. Your clinician will go through "
                            "them with you before they are part of the plan.")
    heading: str = "The plan we agreed"
    own_activity: str = "An activity your clinician chose for this plan."
    goal: str = "What we hope for: {goal}"
    goals: str = "What we hope for overall: {goal}"
    review: str = "We will look at this plan again together on {date}."
    no_review: str = "We will look at this plan again together at the next visit."
    often: dict[str, str] = {"1": "once", "2": "twice", "more": "{count} times"}
    per: dict[str, str] = {"day": "a day", "week": "a week", "month": "a month"}
    dose: str = "{minutes} minutes, {often}"
    settings: dict[str, str] = {"home": "at home", "school": "at school", "clinic": "at the clinic",
                                "community": "out and about"}


def _texts(value: object) -> list[str]:
    """Every string inside a parsed value (dicts, lists, models)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        return _texts(value.model_dump())
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return []


class FamilyWords(_Frozen):
    version: str
    age_bands: tuple[AgeBand, ...]
    # Keyed by plain strings (the required keys are checked below), so that code can look
    # up a result's phase or band without casts.
    phases: dict[str, PhaseWords]
    activity_rhythms: dict[str, Rhythm]
    rhythm_differs: dict[str, dict[str, str]]
    progress: dict[str, str]
    regions: dict[str, str]
    regions_short: dict[str, str]
    bands: dict[str, str]
    delivered_by: dict[str, str]
    items: dict[str, str]
    sentences: Sentences
    plan: PlanWords = PlanWords()

    @model_validator(mode="after")
    def _complete_and_plain(self, info: ValidationInfo) -> FamilyWords:
        problems: list[str] = []
        for name, required in _REQUIRED_KEYS.items():
            keys = set(getattr(self, name))
            if keys != required:
                problems.append(f"{name}: expected the keys {', '.join(sorted(required))}, "
                                f"got {', '.join(sorted(keys))}")
        if not set(self.rhythm_differs) <= set(_PHASE_REGIONS):
            problems.append(f"rhythm_differs: only {', '.join(_PHASE_REGIONS)} have activities")
        if [b.below_months for b in self.age_bands][-1:] != [None]:
            problems.append("age_bands: the last band must have below_months: null")
        for text in _texts(self):
            fields = {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None}
            if fields - _PLACEHOLDERS:
                problems.append(f"unknown placeholder {sorted(fields - _PLACEHOLDERS)} in {text!r}")
            lowered = text.lower()
            for word in CLINICAL_WORDS:
                if re.search(rf"\b{re.escape(word)}\b", lowered):
                    problems.append(f"clinical word {word!r} in {text!r}")
            if _ISO_DATE.search(text):
                problems.append(f"ISO date in {text!r}")
        context = info.context or {}
        catalogue: Catalogue | None = context.get("catalogue")
        if catalogue is not None and not problems:  # needs every phase present
            problems += self._activity_problems(catalogue)
        instrument = context.get("instrument")
        if instrument is not None:
            missing_items = [i.id for i in instrument.functioning_items if i.id not in self.items]
            if missing_items:
                problems.append(f"items: no plain name for {', '.join(missing_items)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _activity_problems(self, catalogue: Catalogue) -> list[str]:
        problems = []
        for entry in catalogue.entries:
            rhythm = self.activity_rhythms.get(entry.id)
            if rhythm is None:
                problems.append(f"activity_rhythms: no rhythm for {entry.id}")
                continue
            for phase, regions in _PHASE_REGIONS.items():
                lands_here = any(r in regions for r in entry.regions)
                fits = rhythm in self.phases[phase].rhythms
                if lands_here and not fits and rhythm not in self.rhythm_differs.get(phase, {}):
                    problems.append(f"rhythm_differs.{phase}.{rhythm}: needed for {entry.id}")
        return problems

    def age_band(self, age_months: int) -> AgeBand:
        return next(b for b in self.age_bands if b.below_months is None or age_months < b.below_months)


def load_family_words(version: str) -> FamilyWords:
    """Load and validate one version's family words against its instrument and catalogue."""
    return _load(version, str(version_folder(version)))


@cache
def _load(version: str, where: str) -> FamilyWords:
    data = read_instrument_yaml(version, "family_words.yaml")
    try:
        return FamilyWords.model_validate(
            data, context={"instrument": load_instrument(version), "catalogue": load_catalogue(version)})
    except ValidationError as error:
        raise InstrumentError([f"{where}: {line}" for line in model_problems("family_words.yaml", error)]) from None
