"""Hand-built results for render tests: the shared factories of tests/factories.py."""

from tests.factories import RATINGS_A1, make_change, make_household, make_result

__all__ = ["RATINGS_A1", "make_change", "make_household", "make_result"]
