"""Colours of Rootmap's maps and charts.

The four functioning bands use a sequential, colour-blind-safe palette (ColorBrewer
YlGnBu, four classes): lightness alone orders the bands, so they stay distinguishable
in greyscale and for every common colour-vision deficiency. Every coloured mark also
carries text, so colour is never the only carrier of meaning. Lines that must be told
apart (domains over time) use the Okabe-Ito palette plus distinct markers and dashes.
"""

from __future__ import annotations

# typical -> severe: light to dark.
BAND_FILL: dict[str, str] = {
    "typical": "#ffffcc",
    "mild": "#a1dab4",
    "moderate": "#41b6c4",
    "severe": "#225ea8",
}
# Text colour on each fill, chosen for a contrast ratio of at least 4.5:1.
BAND_INK: dict[str, str] = {
    "typical": "#1a1a1a",
    "mild": "#1a1a1a",
    "moderate": "#1a1a1a",
    "severe": "#ffffff",
}
UNKNOWN_FILL = "#c8c8c8"
UNKNOWN_INK = "#1a1a1a"
HATCH_BACK = "#ffffff"
HATCH_LINE = "#9a9a9a"
OUTLINE = "#333333"
INK = "#1a1a1a"
MUTED = "#555555"

# Developmental-risk bands, low -> very high: the same sequential ramp.
RISK_FILL: dict[str, str] = {
    "low": "#ffffcc",
    "moderate": "#a1dab4",
    "high": "#41b6c4",
    "very_high": "#225ea8",
}

# Okabe-Ito colours with a marker and a dash pattern per domain (bottom-up order).
SERIES: tuple[tuple[str, str, str], ...] = (
    ("#E69F00", "circle", ""),
    ("#0072B2", "square", "6 3"),
    ("#009E73", "triangle", "2 3"),
    ("#CC79A7", "diamond", "10 3 2 3"),
)
ADVERSITY_COLOUR = "#D55E00"
RELATIONAL_COLOUR = "#0072B2"

# Greys that shade the index bands behind the lines (lighter = better).
BAND_SHADE: dict[str, str] = {
    "typical": "#ffffff",
    "mild": "#f2f2f2",
    "moderate": "#e4e4e4",
    "severe": "#d4d4d4",
}
RISK_SHADE: dict[str, str] = {
    "low": "#ffffff",
    "moderate": "#f2f2f2",
    "high": "#e4e4e4",
    "very_high": "#d4d4d4",
}

FONT_STACK = "'DejaVu Sans', 'Liberation Sans', Verdana, Arial, sans-serif"
RESERVE_SHADE: dict[str, str] = {
    "strong": "#ffffff",
    "adequate": "#f2f2f2",
    "strained": "#e4e4e4",
    "depleted": "#d4d4d4",
}
