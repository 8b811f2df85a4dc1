"""Versioned instrument data: periods, items with anchors, weights and cut-offs.

>>> instrument = load_instrument("1")
>>> instrument.periods[0].id
'perinatal'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rootmap.instruments.model import FunctioningItem, Instrument, Period, RatedItem, Region

__all__ = [
    "CURRENT_VERSION",
    "FunctioningItem",
    "Instrument",
    "Period",
    "RatedItem",
    "Region",
    "available_versions",
    "load_instrument",
    "load_instrument_from",
]

CURRENT_VERSION = "1"

try:  # LibYAML's loader is several times faster; fall back to pure Python where absent.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def available_versions() -> tuple[str, ...]:
    return (CURRENT_VERSION,)


def _read_yaml(version: str, name: str) -> Any:
    text = resources.files("rootmap.instruments").joinpath(f"v{version}", name).read_text("utf-8")
    return yaml.load(text, Loader=_Loader)


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
    return instrument_from_files(lambda name: yaml.load((folder / name).read_text("utf-8"), Loader=_Loader))


def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """Load and validate one instrument version (cached: instruments never change at run time)."""
    return _load_instrument(version)


@cache
def _load_instrument(version: str) -> Instrument:
    # Cached on the version alone, so that load_instrument() and load_instrument("1") share one.
    if version not in available_versions():
        raise KeyError(f"unknown instrument version {version!r}")
    return instrument_from_files(lambda name: _read_yaml(version, name))
