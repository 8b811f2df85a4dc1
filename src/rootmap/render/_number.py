"""The display rule for numbers until `rootmap.core.display` lands on main (issue 11).

Every printed score goes through `number`, every printed change through `signed_change`;
this module is the only place render computes either, and it is replaced by an import of
`rootmap.core.display` (same names, same behaviour) as soon as core ships it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_TENTH = Decimal("0.1")


def _tenths(value: float) -> Decimal:
    # repr() is the shortest text that reads back as the same float, so 81.25 rounds as
    # the 81.25 a person sees, not as the binary 81.2499999... (half-up on what is shown).
    return Decimal(repr(float(value))).quantize(_TENTH, rounding=ROUND_HALF_UP)


def number(value: float) -> str:
    """Half-up, one decimal: 81.25 -> '81.3', -12.35 -> '-12.4', 75 -> '75.0'."""
    tenths = _tenths(value)
    return str(tenths if tenths != 0 else Decimal("0.0"))


def signed_change(before: float, after: float) -> str:
    """The difference of the displayed values, signed: '+31.2', '−3.0', '0.0'."""
    difference = _tenths(after) - _tenths(before)
    if difference == 0:
        return "0.0"
    return f"{difference:+}".replace("-", "−")
