"""Checking an instrument version folder an organisation brings, before Rootmap uses it.

`check_folder(path)` reads every file of a version folder (like ``v1/``) and validates it
the way the loader will: the instrument, its catalogue and its family words, each against
the others, and against the case-file format. It returns one line per problem naming the
file, the path inside it and what was expected; `rootmap instrument check` prints them, and
start-up refuses a configured folder that has any (`configured_problems`).

A version may change any number, cut-off, band, label, anchor, catalogue entry or family
wording. It keeps the ids of the case-file format (``rootmap-case/1``) — periods, items,
event categories, triggers, informant roles, caregiver items, regions and domains — because case files,
forms and stored ratings name them; a version that renames one is a new file format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rootmap.instruments import (
    CURRENT_VERSION,
    VERSION_FILES,
    Instrument,
    InstrumentError,
    _sources,
    instrument_from_files,
    load_instrument,
    version_id_problem,
)
from rootmap.instruments.catalogue import Catalogue
from rootmap.instruments.family_words import FamilyWords
from rootmap.instruments.problems import instrument_problems, model_problems

__all__ = ["CheckResult", "check_folder", "configured_problems", "format_problems"]


@dataclass(frozen=True)
class CheckResult:
    folder: Path
    problems: tuple[str, ...]
    instrument: Instrument | None = None
    catalogue: Catalogue | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.instrument is None or self.catalogue is None:
            return f"{self.folder}: {len(self.problems)} problem(s)"
        i = self.instrument
        return (f"{self.folder}: instrument version {i.version} ({i.name}) is valid: {len(i.periods)} periods, "
                f"{len(i.functioning_items)} functioning items, {len(i.relational_items)} relational items, "
                f"{len(self.catalogue.entries)} catalogue entries")


def _read_files(folder: Path, problems: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in VERSION_FILES:
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: is missing; expected a file like rootmap/instruments/v1/{name}")
            continue
        try:
            value = yaml.safe_load(path.read_text("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"{name}: is not UTF-8 text; expected a YAML file in UTF-8")
            continue
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "somewhere"
            problems.append(f"{name}: {where}: is not valid YAML ({getattr(error, 'problem', None) or error})")
            continue
        if not isinstance(value, dict):
            problems.append(f"{name}: is {type(value).__name__}; expected a mapping of keys to values")
            continue
        data[name] = value
    return data


def _item_file_problems(data: dict[str, Any]) -> list[str]:
    """The keys the loader joins from the item files must be there before it can join them."""
    wanted = {"functioning_items.yaml": ("items",), "relational_items.yaml": ("items",),
              "caregiver_items.yaml": ("internal", "external", "challenge")}
    return [f"{name}: {key}: is missing; expected a list of items"
            for name, keys in wanted.items() if name in data
            for key in keys if not isinstance(data[name].get(key), list)]


def _format_problems(instrument: Instrument, reference: Instrument) -> list[str]:
    """Ids the case-file format names must be those of the built-in version."""
    checks = [
        ("parameters.yaml", "periods", [p.id for p in instrument.periods], [p.id for p in reference.periods]),
        ("parameters.yaml", "regions", [r.domain for r in instrument.regions], [r.domain for r in reference.regions]),
        ("parameters.yaml", "event_categories", list(instrument.event_categories), list(reference.event_categories)),
        ("parameters.yaml", "triggers", list(instrument.triggers), list(reference.triggers)),
        ("parameters.yaml", "informant_roles", list(instrument.informant_role_ids),
         list(reference.informant_role_ids)),
        ("functioning_items.yaml", "items", list(instrument.item_ids), list(reference.item_ids)),
        ("relational_items.yaml", "items", list(instrument.relational_item_ids), list(reference.relational_item_ids)),
        ("caregiver_items.yaml", "internal", [i.id for i in instrument.internal_items],
         [i.id for i in reference.internal_items]),
        ("caregiver_items.yaml", "external", [i.id for i in instrument.external_items],
         [i.id for i in reference.external_items]),
        ("caregiver_items.yaml", "challenge", [i.id for i in instrument.challenge_items],
         [i.id for i in reference.challenge_items]),
    ]
    problems = []
    for file, path, got, wanted in checks:
        if got != wanted:
            missing = [i for i in wanted if i not in got]
            extra = [i for i in got if i not in wanted]
            detail = ", ".join(part for part in (f"missing {missing}" if missing else "",
                                                 f"unknown {extra}" if extra else "") if part) or "in another order"
            problems.append(f"{file}: {path}: ids {detail}; expected the ids of the case-file format "
                            f"(version {reference.version}), in its order")
    if instrument.supported_age_months != reference.supported_age_months:
        problems.append(f"parameters.yaml: supported_age_months: expected {reference.supported_age_months.min} "
                        f"to {reference.supported_age_months.max}, the ages of the case-file format")
    return problems


def check_folder(folder: Path) -> CheckResult:
    """Validate a version folder; every problem found, each `file: path: what was expected`."""
    if not folder.is_dir():
        return CheckResult(folder, (f"{folder}: is not a folder; expected a folder like rootmap/instruments/v1",))
    problems: list[str] = []
    data = _read_files(folder, problems)
    if "parameters.yaml" in data:
        id_problem = version_id_problem(data["parameters.yaml"].get("version"))
        if id_problem:
            problems.append(f"parameters.yaml: version: {id_problem}")
    problems += _item_file_problems(data)
    if problems:
        return CheckResult(folder, tuple(problems))
    try:
        instrument = instrument_from_files(lambda name: data[name])
    except ValidationError as error:
        return CheckResult(folder, tuple(instrument_problems(error)))
    problems += _format_problems(instrument, load_instrument(CURRENT_VERSION))
    try:
        catalogue = Catalogue.model_validate(data["catalogue.yaml"], context={"instrument": instrument})
    except ValidationError as error:
        return CheckResult(folder, tuple(problems + model_problems("catalogue.yaml", error)), instrument)
    try:
        FamilyWords.model_validate(data["family_words.yaml"],
                                   context={"instrument": instrument, "catalogue": catalogue})
    except ValidationError as error:
        problems += model_problems("family_words.yaml", error)
    return CheckResult(folder, tuple(problems), instrument, catalogue)


def configured_problems() -> list[str]:
    """Every problem of the versions ROOTMAP_INSTRUMENTS_DIR adds, each naming its folder.

    Start-up calls this and refuses to run with any, so that a bad folder is reported once,
    in words, rather than as an error on the first page that scores with it.
    """
    try:
        sources = _sources()
    except InstrumentError as error:
        return list(error.problems)
    problems = []
    for source in sources.values():
        if not source.builtin:
            result = check_folder(Path(str(source.folder)))
            problems += [f"{source.folder}/{line}" for line in result.problems]
    return problems


def format_problems(problems: list[str]) -> str:
    return "the instrument versions in ROOTMAP_INSTRUMENTS_DIR cannot be used:\n  " + "\n  ".join(problems)
