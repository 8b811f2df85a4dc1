"""What each number on a page means: its scale, which way is better, and its bands.

Written from the instrument's own band boundaries, so a page never states a cut-off the
scoring does not use. The clinician report, the results page and the presentation all
print these sentences (the web reads them through its template tags).

>>> from rootmap.instruments import load_instrument
>>> scale_note(load_instrument("1"), "developmental_risk")
'0–100, lower is better (more risk is worse). Bands: low below 25, moderate below 50, high below 75, very high from 75.'
"""

from __future__ import annotations

from collections.abc import Sequence

from rootmap.instruments.catalogue import Catalogue
from rootmap.instruments.model import Instrument, LowerBand, UpperBand

# Cut-offs are parameters, printed as written (87.5, 25), not as rounded scores.
# Quantities where a higher number means more concern; every other 0-100 score is better high.
LOWER_IS_BETTER = frozenset({"developmental_risk"})


def _words(band: str) -> str:
    return band.replace("_", " ")


def _lower(bands: Sequence[LowerBand]) -> str:
    parts = []
    for n, b in enumerate(bands):
        if b.at_least is not None:
            parts.append(f"{_words(b.band)} from {b.at_least:g}")
        else:
            parts.append(f"{_words(b.band)} below {bands[n - 1].at_least or 0:g}")
    return ", ".join(parts)


def _upper(bands: Sequence[UpperBand]) -> str:
    parts = []
    for n, b in enumerate(bands):
        if b.below is not None:
            parts.append(f"{_words(b.band)} below {b.below:g}")
        else:
            parts.append(f"{_words(b.band)} from {bands[n - 1].below or 0:g}")
    return ", ".join(parts)


def direction(quantity: str) -> str:
    """'lower is better' for developmental risk, 'higher is better' for the rest."""
    return "lower is better" if quantity in LOWER_IS_BETTER else "higher is better"


def scale_note(instrument: Instrument, quantity: str) -> str:
    """The scale, direction and bands of a headline quantity or of a domain index."""
    if quantity == "developmental_risk":
        return (f"0–100, lower is better (more risk is worse). Bands: "
                f"{_upper(instrument.risk_bands)}.")
    if quantity in ("functioning_index", "domain_index"):
        return f"0–100, higher is better. Bands: {_lower(instrument.index_bands)}."
    if quantity == "relational_health":
        return f"0–100, higher is better. Bands: {_lower(instrument.relational.bands)}."
    if quantity == "resilience":
        return "0–100, higher is better. No bands: it weighs current against historical relational health."
    raise KeyError(quantity)


def score_note(catalogue: Catalogue, instrument: Instrument) -> str:
    """What the score of a plan recommendation means (clinical-model section 6)."""
    top = instrument.functioning_max_counted
    return (f"Score: how much of the child's need the activity targets, the sum of need "
            f"({top} minus the rating, for each rated item it targets), "
            f"× {catalogue.rules.interest_bonus:g} when it matches an interest. It orders the "
            "activities within a phase; it is not a measure of the child, and it has no upper limit.")


def change_note(instrument: Instrument) -> str:
    """How a change is labelled."""
    return (f"Change = now minus before, of the values shown. A change of "
            f"{instrument.change.threshold:g} points or more is improved or declined, less is stable; "
            "for developmental risk a fall is the improvement.")
