"""The examples in the docstrings of rootmap.core and rootmap.instruments run as tests.

They are the documentation a reader trusts first; a wrong one would mislead silently.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import rootmap.core
import rootmap.instruments

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[str]:
    names = []
    for package in (rootmap.core, rootmap.instruments):
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_the_docstring_examples_hold(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples that read examples/*.json name them from the repository root
    module = importlib.import_module(name)
    outcome = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert outcome.failed == 0, f"{outcome.failed} of {outcome.attempted} examples in {name} failed"


def test_the_new_rule_modules_have_examples() -> None:
    # The display, coverage, band and change rules are documented by example; keep it so.
    for name in ("display", "coverage", "bands", "change", "fields"):
        module = importlib.import_module(f"rootmap.core.{name}")
        assert doctest.testmod(module).attempted >= 3, name
