from __future__ import annotations

import pytest

from rootmap.instruments import Instrument, load_instrument


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument("1")
