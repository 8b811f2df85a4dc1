"""Colours of Rootmap's maps and charts.

The four functioning bands use a sequential, colour-blind-safe palette (ColorBrewer
YlGnBu, four classes): lightness alone orders the bands, so they stay distinguishable
in greyscale and for every common colour-vision deficiency. Every coloured mark also
carries text, so colour is never the only carrier of meaning. Lines that must be told
apart (domains over time) use the Okabe-Ito palette plus distinct markers and dashes.
"""

from __future__ import annotations

# Band names, best first: each list of bands shares one ramp below.
FUNCTIONING_BANDS = ("typical", "mild", "moderate", "severe")
RISK_BANDS = ("low", "moderate", "high", "very_high")
RESERVE_BANDS = ("strong", "adequate", "strained", "depleted")

# Light to dark: the sequential ramp of the maps, and the greys that shade chart bands.
_RAMP = ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8")
_GREYS = ("#ffffff", "#f2f2f2", "#e4e4e4", "#d4d4d4")

BAND_FILL: dict[str, str] = dict(zip(FUNCTIONING_BANDS, _RAMP, strict=True))
RISK_FILL: dict[str, str] = dict(zip(RISK_BANDS, _RAMP, strict=True))
# Text colour on each fill, chosen for a contrast ratio of at least 4.5:1.
BAND_INK: dict[str, str] = dict(zip(FUNCTIONING_BANDS, ("#1a1a1a", "#1a1a1a", "#1a1a1a", "#ffffff"), strict=True))
UNKNOWN_FILL = "#c8c8c8"
UNKNOWN_INK = "#1a1a1a"
HATCH_BACK = "#ffffff"
HATCH_LINE = "#9a9a9a"
OUTLINE = "#333333"
INK = "#1a1a1a"
MUTED = "#555555"

# Okabe-Ito colours with a marker and a dash pattern per domain (bottom-up order).
SERIES: tuple[tuple[str, str, str], ...] = (
    ("#E69F00", "circle", ""),
    ("#0072B2", "square", "6 3"),
    ("#009E73", "triangle", "2 3"),
    ("#CC79A7", "diamond", "10 3 2 3"),
)
ADVERSITY_COLOUR = "#D55E00"
RELATIONAL_COLOUR = "#0072B2"

# Greys that shade the bands behind chart lines (lighter = better).
BAND_SHADE: dict[str, str] = dict(zip(FUNCTIONING_BANDS, _GREYS, strict=True))
RISK_SHADE: dict[str, str] = dict(zip(RISK_BANDS, _GREYS, strict=True))
RESERVE_SHADE: dict[str, str] = dict(zip(RESERVE_BANDS, _GREYS, strict=True))

FONT_STACK = "'DejaVu Sans', 'Liberation Sans', Verdana, Arial, sans-serif"
