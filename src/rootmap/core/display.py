"""The one way a number is shown: half-up to one decimal, the same everywhere.

Scores are kept unrounded (clinical-model.md, "round only for display"); this module is
the only place that rounds them for people. The brain map, tables, PDFs, the command
line and charts all call `number`, so one value always prints as one string, and
`signed_change` works from the printed values, so a change printed beside two numbers
is always their printed difference (43.75 -> 75.0 prints 43.8, 75.0 and +31.2).

Conventions (decision 0014):
- half-up, away from zero: 43.75 -> "43.8", -12.25 -> "−12.3" (never banker's rounding,
  which Python's `round` and `format` use on exact halves such as 0.25 steps);
- binary noise is removed first: a sum of quarters can come out as 81.24999999999999
  where the arithmetic means 81.25, so values are first rounded to 9 decimal places;
- a negative number carries a real minus sign, U+2212 ("−"), which screen readers say
  as "minus" and which does not break a line; zero never prints as "−0.0";
- an unknown value (None) prints as `PLACEHOLDER`, an en dash, as the web pages and
  reports already showed.

>>> number(43.75), number(81.24999999999999), number(2.25), number(None)
('43.8', '81.3', '2.3', '–')
>>> number(-12.25), number(-0.04)
('−12.3', '0.0')
>>> signed_change(43.75, 75.0)
'+31.2'
>>> signed_change(56.0, 52.96), signed_change(50.0, 50.04), signed_change(None, 3.0)
('−3.0', '0.0', '–')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MINUS", "PLACEHOLDER", "displayed", "number", "signed_change"]

PLACEHOLDER = "–"  # en dash: not known, not rated, or not applicable
MINUS = "\u2212"

_NOISE = Decimal("0.000000001")
_ONE_DECIMAL = Decimal("0.1")


def displayed(value: float) -> Decimal:
    """The value as it is shown, as an exact decimal with one digit after the point.

    >>> displayed(0.05), displayed(-0.05), displayed(87.45)
    (Decimal('0.1'), Decimal('-0.1'), Decimal('87.5'))
    """
    # Decimal(float) is the float's exact binary value; quantising to 9 places first turns
    # 81.24999999999999 (the float nearest a computed 81.25) back into 81.25.
    exact = Decimal(value).quantize(_NOISE, rounding=ROUND_HALF_UP)
    shown = exact.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return shown if shown != 0 else Decimal("0.0")  # no "-0.0"


def _text(shown: Decimal) -> str:
    return f"{MINUS}{-shown}" if shown < 0 else str(shown)


def number(value: float | None) -> str:
    """A score, index, reserve or plan score for display: half-up, one decimal."""
    if value is None:
        return PLACEHOLDER
    return _text(displayed(value))


def signed_change(before: float | None, after: float | None) -> str:
    """`after - before` of the DISPLAYED values, always signed: "+31.2", "−3.0", "0.0"."""
    if before is None or after is None:
        return PLACEHOLDER
    difference = displayed(after) - displayed(before)
    if difference > 0:
        return f"+{difference}"
    return _text(difference) if difference < 0 else "0.0"
