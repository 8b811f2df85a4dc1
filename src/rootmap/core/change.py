"""Change labels between two assessments (clinical model, section 8).

"A domain or headline change of 10 points or more is `improved` (or `declined`); less is
`stable`." The threshold is the instrument's `change.threshold` (10 in version 1) and a
change of exactly 10 counts. Developmental risk is the one score where lower is better,
so its labels are inverted.

The label is worked out on the unrounded values (the model rounds only for display).
A difference within 1e-9 of the threshold counts as reaching it, so that binary noise
cannot move a change across the boundary: 70.1 - 60.1 is 9.999999999999993 in floating
point, and it is a change of 10.

>>> from rootmap.instruments import load_instrument
>>> instrument = load_instrument("1")
>>> change_label(instrument, 60.1, 70.1), change_label(instrument, 50.0, 59.9)
('improved', 'stable')
>>> change_label(instrument, 40.0, 30.0, higher_is_better=False)
'improved'
>>> change_label(instrument, None, 30.0) is None
True
"""

from __future__ import annotations

from rootmap.core.results import ChangeLabel, Delta
from rootmap.instruments.model import Instrument

__all__ = ["HEADLINES", "change_label", "delta", "higher_is_better"]

# Headline scores and whether a rise is an improvement.
HEADLINES: dict[str, bool] = {
    "developmental_risk": False,
    "functioning_index": True,
    "relational_health": True,
    "resilience": True,
}

# Far below any difference two sets of ratings can make, far above floating-point noise
# on scores of -200..200.
_NOISE = 1e-9


def higher_is_better(score: str) -> bool:
    """Whether a rise of this headline score (or any domain index) is an improvement."""
    return HEADLINES.get(score, True)


def change_label(
    instrument: Instrument, before: float | None, after: float | None, higher_is_better: bool = True
) -> ChangeLabel | None:
    """`improved`, `declined` or `stable`; None when either side is unknown."""
    if before is None or after is None:
        return None
    difference = after - before
    if abs(difference) < instrument.change.threshold - _NOISE:
        return "stable"
    return "improved" if (difference > 0) == higher_is_better else "declined"


def delta(instrument: Instrument, before: float | None, after: float | None,
          higher_is_better: bool = True) -> Delta:
    """One score compared with an earlier one: later minus earlier, with its label."""
    if before is None or after is None:
        return Delta(before, after, None, None)
    return Delta(before, after, after - before, change_label(instrument, before, after, higher_is_better))
