"""The test instrument "2-test" and a way to add version folders for one test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

TEST_VERSIONS = Path(__file__).resolve().parents[1] / "data" / "instruments"
TWO_TEST = TEST_VERSIONS / "2-test"


@pytest.fixture
def with_2_test(monkeypatch: pytest.MonkeyPatch) -> Path:
    """ROOTMAP_INSTRUMENTS_DIR names tests/data/instruments (which holds 2-test) for this test."""
    monkeypatch.setenv("ROOTMAP_INSTRUMENTS_DIR", str(TEST_VERSIONS))
    return TWO_TEST


@pytest.fixture
def version_copy(tmp_path: Path) -> Callable[[str], Path]:
    """A fresh copy of 2-test under `tmp_path/name`, to break one thing in."""
    def make(name: str = "copy") -> Path:
        folder = tmp_path / name
        shutil.copytree(TWO_TEST, folder)
        return folder
    return make
