"""Rootmap's one semantic palette: the colours of bands, strengths and phases.

Every place that colours a band (brain map cells, report chips, chart bars, web badges)
reads it from here; the web stylesheet carries the same values as CSS custom properties
(`css_custom_properties()`, kept identical to `web/static/rootmap/app.css` by a test).

Why these colours (docs/palette.md shows them; decision 0016):

- **Severity reads as warmth.** The four bands of every 0-100 scale share one ramp from
  pale green (fine) through amber and orange to a dark burnt orange (most concern), so a
  lay reader sees "more colour, more concern" without a legend. Lightness falls at every
  step, so the order survives greyscale printing and each common colour-vision
  deficiency (a test simulates deuteranopia, protanopia and tritanopia and requires a
  CIEDE2000 difference of at least 12 and an L* step of at least 7.5 between adjacent
  bands).
- **A strength is blue**, not a deeper "typical": it is a different kind of news.
- **Phases are cool pastels** (blue, violet, teal, green, grey): where to start is not an
  alarm, so no phase uses a red, orange or amber.
- **Text on a fill** uses the ink listed beside it, with a contrast ratio of at least 4.5:1.
- Colour never carries meaning alone: every coloured mark also says its band in words.

Lines that must be told apart (domains over time) use the Okabe-Ito palette plus distinct
markers and dash patterns.
"""

from __future__ import annotations

from typing import Final

# Band names of each 0-100 scale, least concern first. Position n of every scale shares
# severity colour n, so "high" risk looks like a "moderate" functioning band: both are
# the third of four steps of concern.
FUNCTIONING_BANDS: Final = ("typical", "mild", "moderate", "severe")
RISK_BANDS: Final = ("low", "moderate", "high", "very_high")
RELATIONAL_BANDS: Final = ("strong", "adequate", "limited", "impoverished")
RESERVE_BANDS: Final = ("strong", "adequate", "strained", "depleted")
SCALES: Final[dict[str, tuple[str, ...]]] = {
    "index": FUNCTIONING_BANDS,
    "risk": RISK_BANDS,
    "relational": RELATIONAL_BANDS,
    "reserve": RESERVE_BANDS,
}

# The severity ramp, least concern first: (fill, ink on it, what it means).
SEVERITY: Final[tuple[tuple[str, str, str], ...]] = (
    ("#e5f5e0", "#1a1a1a", "no concern: typical for age, low risk, strong"),
    ("#fdd15c", "#1a1a1a", "some concern: mild, moderate risk, adequate"),
    ("#e8802a", "#1a1a1a", "clear concern: moderate, high risk, limited, strained"),
    ("#b2400b", "#ffffff", "most concern: severe, very high risk, impoverished, depleted"),
)
STRENGTH_FILL: Final = "#6baed6"
STRENGTH_INK: Final = "#1a1a1a"

# Phases of the plan: cool pastels, never an alarm colour. (fill, ink)
PHASE: Final[dict[str, tuple[str, str]]] = {
    "regulate": ("#dfe7f5", "#1f3f73"),
    "relate": ("#ece3f4", "#4b2a73"),
    "reason": ("#dcefee", "#134e4a"),
    "maintain": ("#e5f5e0", "#25552b"),
    "undetermined": ("#eeeeee", "#3d3d3d"),
}

# Change labels: better, about the same, worse (worse borrows the "clear concern" step).
CHANGE: Final[dict[str, tuple[str, str]]] = {
    "improved": ("#e5f5e0", "#25552b"),
    "stable": ("#eeeeee", "#3d3d3d"),
    "declined": ("#fbe3cf", "#7a3206"),
}

UNKNOWN_FILL: Final = "#c8c8c8"
UNKNOWN_INK: Final = "#1a1a1a"
HATCH_BACK: Final = "#ffffff"
HATCH_LINE: Final = "#9a9a9a"
OUTLINE: Final = "#333333"
INK: Final = "#1a1a1a"
MUTED: Final = "#555555"


def band_colours(scale: str, band: str | None) -> tuple[str, str]:
    """(fill, ink) of a band of a scale; unknown when the band is None or not of the scale.

    >>> band_colours("risk", "high")
    ('#e8802a', '#1a1a1a')
    >>> band_colours("index", None)
    ('#c8c8c8', '#1a1a1a')
    """
    bands = SCALES[scale]
    if band not in bands:
        return UNKNOWN_FILL, UNKNOWN_INK
    fill, ink, _meaning = SEVERITY[bands.index(band)]
    return fill, ink


BAND_FILL: Final[dict[str, str]] = {b: s[0] for b, s in zip(FUNCTIONING_BANDS, SEVERITY, strict=True)}
BAND_INK: Final[dict[str, str]] = {b: s[1] for b, s in zip(FUNCTIONING_BANDS, SEVERITY, strict=True)}
RISK_FILL: Final[dict[str, str]] = {b: s[0] for b, s in zip(RISK_BANDS, SEVERITY, strict=True)}
RISK_INK: Final[dict[str, str]] = {b: s[1] for b, s in zip(RISK_BANDS, SEVERITY, strict=True)}
RESERVE_FILL: Final[dict[str, str]] = {b: s[0] for b, s in zip(RESERVE_BANDS, SEVERITY, strict=True)}

# Okabe-Ito colours with a marker and a dash pattern per domain (bottom-up order).
SERIES: Final[tuple[tuple[str, str, str], ...]] = (
    ("#E69F00", "circle", ""),
    ("#0072B2", "square", "6 3"),
    ("#009E73", "triangle", "2 3"),
    ("#CC79A7", "diamond", "10 3 2 3"),
)
ADVERSITY_COLOUR: Final = "#D55E00"
RELATIONAL_COLOUR: Final = "#0072B2"

# Behind chart lines the bands are tinted with the severity ramp, lightened towards
# white so that lines and labels stay legible over them.
_TINTS: Final = ("#f6fbf4", "#fff4d6", "#fbe3cf", "#f2d5c6")
BAND_SHADE: Final[dict[str, str]] = dict(zip(FUNCTIONING_BANDS, _TINTS, strict=True))
RISK_SHADE: Final[dict[str, str]] = dict(zip(RISK_BANDS, _TINTS, strict=True))
RESERVE_SHADE: Final[dict[str, str]] = dict(zip(RESERVE_BANDS, _TINTS, strict=True))

FONT_STACK: Final = "'DejaVu Sans', 'Liberation Sans', Verdana, Arial, sans-serif"


def css_custom_properties() -> str:
    """The palette as CSS custom properties (the block app.css carries verbatim).

    Names: --band-N / --band-N-ink (N = 1 least concern .. 4 most), --band-<band> for
    every band name of every scale, --strength, --phase-<phase>, --change-<label>.
    """
    lines = ["/* Generated from rootmap.render.palette.css_custom_properties(); a test keeps it in sync. */",
             ":root {"]
    for n, (fill, ink, _meaning) in enumerate(SEVERITY, start=1):
        lines.append(f"  --band-{n}: {fill}; --band-{n}-ink: {ink};")
    for scale, bands in SCALES.items():
        names = " ".join(f"--{scale}-{band.replace('_', '-')}: var(--band-{n});"
                         for n, band in enumerate(bands, start=1))
        lines.append(f"  {names}")
    lines.append(f"  --strength: {STRENGTH_FILL}; --strength-ink: {STRENGTH_INK};")
    lines.append(f"  --unknown: {UNKNOWN_FILL}; --unknown-ink: {UNKNOWN_INK};")
    for phase, (fill, ink) in PHASE.items():
        lines.append(f"  --phase-{phase}: {fill}; --phase-{phase}-ink: {ink};")
    for label, (fill, ink) in CHANGE.items():
        lines.append(f"  --change-{label}: {fill}; --change-{label}-ink: {ink};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def swatches_svg() -> str:
    """The palette as an SVG of labelled swatches (docs/palette.svg; a test keeps it in sync)."""
    rows: list[tuple[str, str, str, str]] = [
        (fill, ink, f"Step {n}", meaning) for n, (fill, ink, meaning) in enumerate(SEVERITY, start=1)]
    rows.append((STRENGTH_FILL, STRENGTH_INK, "Strength", "a rating of 5: better than typical for age"))
    rows.append((UNKNOWN_FILL, UNKNOWN_INK, "Unknown", "not rated"))
    rows += [(fill, ink, phase.capitalize(), "phase of the plan (never an alarm colour)")
             for phase, (fill, ink) in PHASE.items()]
    rows += [(fill, ink, label.capitalize(), "change since the previous assessment")
             for label, (fill, ink) in CHANGE.items()]
    height = 30 * len(rows) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{height}" '
             f'viewBox="0 0 760 {height}" font-family="{FONT_STACK}" font-size="13">',
             '<rect width="760" height="100%" fill="#ffffff"/>']
    for n, (fill, ink, name, meaning) in enumerate(rows):
        y = 10 + 30 * n
        parts.append(f'<rect x="10" y="{y}" width="190" height="24" rx="4" fill="{fill}" stroke="{OUTLINE}" '
                     f'stroke-width="0.6"/><text x="20" y="{y + 17}" fill="{ink}" font-weight="bold">'
                     f'{name} {fill}</text><text x="215" y="{y + 17}" fill="{INK}">{meaning}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
