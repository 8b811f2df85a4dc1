"""Versioned instrument data: periods, items with anchors, weights and cut-offs.

Version 1 ships inside the package (``v1/``). An organisation adds its own versions as
data: ``ROOTMAP_INSTRUMENTS_DIR`` names one or more folders (``os.pathsep``-separated),
each a version folder like ``v1/`` or a folder of such folders. Every stored assessment
names the version that scored it; `load_instrument(version)` gives that version back and
`current()` the version new work starts on.

>>> instrument = load_instrument("1")
>>> instrument.periods[0].id
'perinatal'
>>> current().version == current_version()
True
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rootmap.instruments.model import FunctioningItem, Instrument, Period, RatedItem, Region
from rootmap.instruments.problems import instrument_problems

__all__ = [
    "CURRENT_VERSION",
    "ENV_VAR",
    "VERSION_FILES",
    "FunctioningItem",
    "Instrument",
    "InstrumentError",
    "Period",
    "RatedItem",
    "Region",
    "available_versions",
    "current",
    "current_version",
    "is_available",
    "load_instrument",
    "load_instrument_from",
    "version_folder",
    "version_id_problem",
]

# The newest version that ships with Rootmap: what a new assessment starts on unless the
# clinician chooses another.
CURRENT_VERSION = "1"
ENV_VAR = "ROOTMAP_INSTRUMENTS_DIR"
# The files of one version folder, in the order `rootmap instrument check` reads them.
VERSION_FILES = ("parameters.yaml", "functioning_items.yaml", "relational_items.yaml",
                 "caregiver_items.yaml", "catalogue.yaml", "family_words.yaml")
# A version id is stored in every assessment (10 characters in the database) and shown in
# reports; it never names a path, so letters, digits, dots and hyphens are enough.
_VERSION_ID = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z.-]{0,8}[0-9A-Za-z])?")

try:  # LibYAML's loader is several times faster; fall back to pure Python where absent.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class InstrumentError(Exception):
    """An instrument folder or version that cannot be used; `problems` holds one line each."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class _Source:
    version: str
    folder: Traversable
    builtin: bool


def version_id_problem(version: object) -> str | None:
    """Why `version` cannot be a version id, or None when it can."""
    if not isinstance(version, str):
        return f"{version!r} is not text; expected a version id such as \"1\""
    if not _VERSION_ID.fullmatch(version) or ".." in version:
        return (f"{version!r} is not a version id: expected 1 to 10 letters, digits, dots or "
                "hyphens, starting and ending with a letter or digit")
    return None


def current_version() -> str:
    """The version id new assessments and households start on."""
    return CURRENT_VERSION


def current() -> Instrument:
    """The instrument new assessments and households start on."""
    return load_instrument(CURRENT_VERSION)


def available_versions() -> tuple[str, ...]:
    """Every version that can score: the built-in ones, then those ROOTMAP_INSTRUMENTS_DIR adds."""
    return tuple(_sources())


def is_available(version: str) -> bool:
    return version in _sources()


def version_folder(version: str) -> Traversable:
    """Where a version's files are; KeyError for a version that is not available."""
    sources = _sources()
    if version not in sources:
        raise KeyError(f"unknown instrument version {version!r}; available: {', '.join(sources)}")
    return sources[version].folder


def _sources() -> dict[str, _Source]:
    # Keyed on the variable's value, so that a changed environment (a test, a reloaded
    # server) sees its own versions while an unchanged one scans the folders once.
    return _sources_for(os.environ.get(ENV_VAR, ""))


@cache
def _sources_for(setting: str) -> dict[str, _Source]:
    sources: dict[str, _Source] = {}
    package = resources.files("rootmap.instruments")
    for child in sorted(package.iterdir(), key=lambda c: c.name):
        if child.is_dir() and child.name.startswith("v") and child.joinpath("parameters.yaml").is_file():
            sources[child.name[1:]] = _Source(child.name[1:], child, builtin=True)
    problems: list[str] = []
    for folder in _configured_folders(setting, problems):
        version = _declared_version(folder, problems)
        if version is None:
            continue
        if version in sources:
            where = "built in" if sources[version].builtin else f"in {sources[version].folder}"
            problems.append(f"{folder / 'parameters.yaml'}: version: {version!r} is already {where}; "
                            "expected a version id of its own")
            continue
        sources[version] = _Source(version, folder, builtin=False)
    if problems:
        raise InstrumentError([f"{ENV_VAR}: {p}" for p in problems])
    return sources


def _configured_folders(setting: str, problems: list[str]) -> list[Path]:
    """The version folders named by the setting: each entry is one, or a folder of them."""
    folders: list[Path] = []
    for entry in (e for e in setting.split(os.pathsep) if e.strip()):
        path = Path(entry).expanduser()
        if not path.is_dir():
            problems.append(f"{entry}: is not a folder; expected a version folder or a folder of them")
        elif (path / "parameters.yaml").is_file():
            folders.append(path)
        else:
            found = sorted(c for c in path.iterdir() if (c / "parameters.yaml").is_file())
            if not found:
                problems.append(f"{entry}: holds no parameters.yaml, nor folders that do; "
                                "expected a version folder like rootmap/instruments/v1")
            folders.extend(found)
    return folders


def _declared_version(folder: Path, problems: list[str]) -> str | None:
    """The version id a folder's parameters.yaml declares (checked to be a safe id)."""
    where = folder / "parameters.yaml"
    try:
        data = yaml.load(where.read_text("utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(f"{where}: cannot be read as YAML ({_one_line(error)})")
        return None
    version = data.get("version") if isinstance(data, dict) else None
    problem = version_id_problem(version)
    if problem:
        problems.append(f"{where}: version: {problem}")
        return None
    return str(version)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _read_yaml(version: str, name: str) -> Any:
    text = version_folder(version).joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=_Loader)


def read_folder_yaml(folder: Traversable, name: str) -> Any:
    return yaml.load(folder.joinpath(name).read_text("utf-8"), Loader=_Loader)


def instrument_from_files(read: Callable[[str], Any]) -> Instrument:
    """Build and validate an instrument from its YAML files, read by name through `read`."""
    data = dict(read("parameters.yaml"))
    data["functioning_items"] = read("functioning_items.yaml")["items"]
    data["relational_items"] = read("relational_items.yaml")["items"]
    caregiver = read("caregiver_items.yaml")
    data["internal_items"] = caregiver["internal"]
    data["external_items"] = caregiver["external"]
    data["challenge_items"] = caregiver["challenge"]
    return Instrument.model_validate(data)


def load_instrument_from(folder: Path) -> Instrument:
    """An instrument from a folder of YAML files (for trying out changed parameters)."""
    return instrument_from_files(lambda name: read_folder_yaml(folder, name))


def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """Load and validate one instrument version (cached: instruments never change at run time).

    KeyError for a version that is not available; InstrumentError, one line per problem,
    for an added version whose files do not validate (`rootmap instrument check` says the same).
    """
    folder = version_folder(version)
    return _load_instrument(version, str(folder))


@cache
def _load_instrument(version: str, where: str) -> Instrument:
    # Cached on the version and its folder, so that load_instrument() and
    # load_instrument("1") share one, and a version added from elsewhere is its own.
    try:
        instrument = instrument_from_files(lambda name: _read_yaml(version, name))
    except ValidationError as error:
        raise InstrumentError([f"{where}: {line}" for line in instrument_problems(error)]) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise InstrumentError([f"{where}: cannot be read ({_one_line(error)}); "
                               "run `rootmap instrument check` on it"]) from None
    return instrument
