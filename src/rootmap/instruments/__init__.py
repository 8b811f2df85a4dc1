"""Versioned instrument data: periods, items with anchors, weights and cut-offs.

>>> instrument = load_instrument("1")
>>> instrument.periods[0].id
'perinatal'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
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


@cache
def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """Load and validate one instrument version (cached: instruments never change at run time)."""
    if version not in available_versions():
        raise KeyError(f"unknown instrument version {version!r}")
    data = dict(_read_yaml(version, "parameters.yaml"))
    data["functioning_items"] = _read_yaml(version, "functioning_items.yaml")["items"]
    data["relational_items"] = _read_yaml(version, "relational_items.yaml")["items"]
    caregiver = _read_yaml(version, "caregiver_items.yaml")
    data["internal_items"] = caregiver["internal"]
    data["external_items"] = caregiver["external"]
    data["challenge_items"] = caregiver["challenge"]
    return Instrument.model_validate(data)
