"""Every band of the clinical model, in one place (sections 3, 4, 5 and 7).

One function per scale, plus `band(instrument, scale, value)` for callers that hold the
scale as data (a chart, a badge). The cut-offs are instrument parameters; the rule of
reading them (risk: "below" bounds; index, relational, reserve: "at least" bounds; an
item: by its rating) is here. An unknown value has no band (None).

>>> from rootmap.instruments import load_instrument
>>> instrument = load_instrument("1")
>>> band(instrument, "risk", 25.0), band(instrument, "index", 87.5), band(instrument, "index", 87.49)
('moderate', 'typical', 'mild')
>>> relational_band(instrument, 50.0), reserve_band(instrument, -25.0), item_band(instrument, 5)
('adequate', 'strained', 'typical')
>>> band(instrument, "reserve", None) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rootmap.instruments.model import Instrument, LowerBand, UpperBand, band_at_least, band_below

__all__ = [
    "SCALES",
    "BandRange",
    "Scale",
    "band",
    "band_ranges",
    "band_word",
    "index_band",
    "item_band",
    "relational_band",
    "reserve_band",
    "risk_band",
]

Scale = Literal["risk", "index", "item", "relational", "reserve"]
SCALES: tuple[Scale, ...] = ("risk", "index", "item", "relational", "reserve")


def risk_band(instrument: Instrument, value: float | None) -> str | None:
    """Developmental risk: below 25 low, below 50 moderate, below 75 high, else very_high."""
    return None if value is None else band_below(value, instrument.risk_bands)


def index_band(instrument: Instrument, value: float | None) -> str | None:
    """A domain index or the functioning index: >= 87.5 typical, >= 62.5 mild, >= 37.5 moderate."""
    return None if value is None else band_at_least(value, instrument.index_bands)


def item_band(instrument: Instrument, rating: int | None) -> str | None:
    """One functioning rating: 4-5 typical, 3 mild, 2 moderate, 0-1 severe."""
    return None if rating is None else instrument.item_bands[rating]


def relational_band(instrument: Instrument, value: float | None) -> str | None:
    """Relational health: >= 75 strong, >= 50 adequate, >= 25 limited, else impoverished."""
    return None if value is None else band_at_least(value, instrument.relational.bands)


def reserve_band(instrument: Instrument, value: float | None) -> str | None:
    """A household's reserve: >= 25 strong, >= 0 adequate, >= -25 strained, else depleted."""
    return None if value is None else band_at_least(value, instrument.caregiver.reserve_bands)


def band(instrument: Instrument, scale: Scale, value: float | None) -> str | None:
    """The band of `value` on `scale` (one of SCALES)."""
    if scale == "item":
        return item_band(instrument, None if value is None else int(value))
    readers = {"risk": risk_band, "index": index_band, "relational": relational_band,
               "reserve": reserve_band}
    if scale not in readers:
        raise KeyError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    return readers[scale](instrument, value)


def band_word(band: str | None) -> str:
    """A band as people read it on every page, report and terminal table: 'very_high' ->
    'Very high'; no band (an unknown value, or a scale the model gives no bands) -> ''.

    >>> band_word("very_high"), band_word("typical"), band_word(None)
    ('Very high', 'Typical', '')
    """
    return (band or "").replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class BandRange:
    """One band as a range of values, for drawing it: low <= value < high (None = open)."""

    band: str
    low: float | None
    high: float | None


def band_ranges(instrument: Instrument, scale: Scale) -> tuple[BandRange, ...]:
    """The bands of a continuous scale from the lowest values to the highest.

    >>> from rootmap.instruments import load_instrument
    >>> [(r.band, r.low, r.high) for r in band_ranges(load_instrument("1"), "risk")]
    [('low', None, 25.0), ('moderate', 25.0, 50.0), ('high', 50.0, 75.0), ('very_high', 75.0, None)]
    >>> [(r.band, r.low) for r in band_ranges(load_instrument("1"), "index")][:2]
    [('severe', None), ('moderate', 37.5)]
    """
    if scale == "risk":
        return _upper_ranges(instrument.risk_bands)
    lower = {"index": instrument.index_bands, "relational": instrument.relational.bands,
             "reserve": instrument.caregiver.reserve_bands}
    if scale not in lower:
        raise KeyError(f"scale {scale!r} has no ranges; expected risk, index, relational or reserve")
    return _lower_ranges(lower[scale])


def _upper_ranges(bands: tuple[UpperBand, ...]) -> tuple[BandRange, ...]:
    out, low = [], None
    for b in bands:
        out.append(BandRange(b.band, low, b.below))
        low = b.below
    return tuple(out)


def _lower_ranges(bands: tuple[LowerBand, ...]) -> tuple[BandRange, ...]:
    out, high = [], None
    for b in bands:  # listed from the highest band down
        out.append(BandRange(b.band, b.at_least, high))
        high = b.at_least
    return tuple(reversed(out))
