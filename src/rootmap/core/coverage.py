"""What is asked at a client's age and whether enough of it is rated (clinical model 2-5).

The age rules ("a period is reached at or after its start", "an item whose min_age_months
is above the client's age is not expected yet"), the insufficient-domain rule ("fewer
than half of its expected items rated") and the relational minimum ("null if fewer than
4 rated") live here and only here. Scoring, case-file validation, the entry and
finalise pages, reports and the brain map call these functions.

>>> from rootmap.instruments import load_instrument
>>> instrument = load_instrument("1")
>>> [p.id for p in periods_reached(instrument, 12)]
['perinatal', 'infancy', 'early_childhood']
>>> len(items_expected(instrument, 0)), len(items_expected(instrument, 84))
(21, 32)
>>> cover = domain_coverage(instrument, 240, {"sleep": 2, "fine_motor": 4})
>>> [(c.domain, c.expected, c.rated, c.insufficient) for c in cover[:2]]
[('sensory_integration', 8, 1, True), ('self_regulation', 8, 1, True)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rootmap.instruments.model import FunctioningItem, Instrument, Period

__all__ = [
    "DomainCoverage",
    "RelationalCoverage",
    "domain_coverage",
    "domain_is_insufficient",
    "item_expected",
    "items_expected",
    "items_not_expected",
    "period_reached",
    "periods_not_reached",
    "periods_reached",
    "relational_coverage",
    "relational_is_insufficient",
]


def period_reached(period: Period, age_months: int) -> bool:
    """A period is reached when the client's age is at or above its start (section 2)."""
    return age_months >= period.start


def item_expected(item: FunctioningItem, age_months: int) -> bool:
    """An item is expected from its min_age_months on (section 4)."""
    return age_months >= item.min_age_months


# The lists below inline the two predicates above: scoring calls them on every assessment.

def periods_reached(instrument: Instrument, age_months: int) -> tuple[Period, ...]:
    return tuple([p for p in instrument.periods if age_months >= p.start])


def periods_not_reached(instrument: Instrument, age_months: int) -> tuple[Period, ...]:
    return tuple([p for p in instrument.periods if age_months < p.start])


def items_expected(instrument: Instrument, age_months: int) -> tuple[FunctioningItem, ...]:
    """The functioning items rated at this age, in the instrument's (bottom-up) order."""
    return tuple([i for i in instrument.functioning_items if age_months >= i.min_age_months])


def items_not_expected(instrument: Instrument, age_months: int) -> tuple[FunctioningItem, ...]:
    return tuple([i for i in instrument.functioning_items if age_months < i.min_age_months])


def domain_is_insufficient(instrument: Instrument, expected: int, rated: int) -> bool:
    """Fewer than half (the instrument's share) of a domain's expected items are rated.

    A domain with no expected item is `not_expected`, never insufficient.

    >>> from rootmap.instruments import load_instrument
    >>> instrument = load_instrument("1")
    >>> domain_is_insufficient(instrument, 8, 3), domain_is_insufficient(instrument, 8, 4)
    (True, False)
    >>> domain_is_insufficient(instrument, 5, 2), domain_is_insufficient(instrument, 0, 0)
    (True, False)
    """
    return expected > 0 and rated < instrument.domain_min_rated_share * expected


def relational_is_insufficient(instrument: Instrument, rated: int) -> bool:
    """Relational health is null when fewer than the minimum (4) of its items are rated."""
    return rated < instrument.relational.min_rated


@dataclass(frozen=True, slots=True)
class DomainCoverage:
    """How much of one domain is rated at the client's age."""

    domain: str
    label: str                    # the domain's label, e.g. "Sensory integration"
    region: str
    expected: int                 # items expected at this age
    rated: int                    # of those, rated (not null)
    unrated: tuple[str, ...]      # labels of the expected items not rated, in item order
    insufficient: bool            # fewer than half of the expected items rated

    @property
    def not_expected(self) -> bool:
        return self.expected == 0


def domain_coverage(
    instrument: Instrument, age_months: int, functioning_ratings: Mapping[str, int | None]
) -> tuple[DomainCoverage, ...]:
    """Per domain, bottom-up: expected, rated and unrated items and the insufficient rule.

    Ratings of items not expected at this age are ignored (validation refuses them).
    """
    out = []
    for region in instrument.regions:
        expected = [i for i in items_expected(instrument, age_months) if i.domain == region.domain]
        unrated = tuple(i.label for i in expected if functioning_ratings.get(i.id) is None)
        rated = len(expected) - len(unrated)
        out.append(DomainCoverage(
            domain=region.domain, label=region.domain_label, region=region.id,
            expected=len(expected), rated=rated, unrated=unrated,
            insufficient=domain_is_insufficient(instrument, len(expected), rated),
        ))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RelationalCoverage:
    rated: int
    total: int
    minimum: int
    insufficient: bool


def relational_coverage(instrument: Instrument, ratings: Mapping[str, int | None]) -> RelationalCoverage:
    """How many relational items are rated, and whether relational health can be scored."""
    rated = sum(1 for i in instrument.relational_item_ids if ratings.get(i) is not None)
    return RelationalCoverage(rated=rated, total=len(instrument.relational_item_ids),
                              minimum=instrument.relational.min_rated,
                              insufficient=relational_is_insufficient(instrument, rated))
