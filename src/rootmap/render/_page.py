"""The document shell shared by every report: head, inline stylesheet, running header
and footer (so that every PDF page says who, when, which assessment, and whose model)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from rootmap.render import palette as pal
from rootmap.render._format import esc

# Bands of each scale, lightest (best) first: chips reuse the map's sequential palette.
_SCALES: dict[str, tuple[str, ...]] = {
    "index": ("typical", "mild", "moderate", "severe"),
    "risk": ("low", "moderate", "high", "very_high"),
    "relational": ("strong", "adequate", "limited", "impoverished"),
    "reserve": ("strong", "adequate", "strained", "depleted"),
}
_RAMP = tuple(pal.BAND_FILL.values())
_RAMP_INK = tuple(pal.BAND_INK.values())


@cache
def stylesheet() -> str:
    return resources.files("rootmap.render").joinpath("report.css").read_text("utf-8")


def chip(scale: str, band: str | None) -> str:
    """A band name on its colour; the name is always written, colour only repeats it."""
    if band is None:
        return '<span class="rm-band" style="background:#e0e0e0">unknown</span>'
    bands = _SCALES[scale]
    position = bands.index(band) if band in bands else -1
    if position < 0:
        return f'<span class="rm-band">{esc(band)}</span>'
    return (f'<span class="rm-band" style="background:{_RAMP[position]};color:{_RAMP_INK[position]}">'
            f"{esc(band.replace('_', ' '))}</span>")


def document(*, title: str, header: str, footer: str, body: str, lang: str = "en",
             body_class: str = "") -> str:
    """A complete HTML document. `header`, `footer` and `body` are markup already escaped."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="Rootmap">'
        f"<title>{esc(title)}</title><style>{stylesheet()}</style></head>"
        f'<body class="{body_class}">'
        f'<div class="rm-header">{header}</div>'
        f'<div class="rm-footer">{footer}</div>'
        f"<main>{body}</main></body></html>\n"
    )


def model_line(version: str) -> str:
    return (f"Scores and plan from Rootmap's own clinical model (version {esc(version)}). "
            "A structured aid to clinical judgement, not a diagnosis.")


def table(widths: tuple[int, ...], head: str, rows: str, css_class: str = "") -> str:
    """A table with fixed column widths (per cent): fixed layout keeps PDF rendering fast,
    because WeasyPrint need not measure every cell's content to size the columns."""
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    cls = f' class="{css_class}"' if css_class else ""
    return f"<table{cls}><colgroup>{cols}</colgroup><thead>{head}</thead><tbody>{rows}</tbody></table>"


def colgroup(*widths: int) -> str:
    """Column widths in per cent for a fixed-layout table (see `table`)."""
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"
