"""The document shell shared by every report: head, inline stylesheet, running header
and footer (so that every PDF page says who, when, which assessment, and whose model)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from rootmap.core.bands import band_word
from rootmap.render import palette as pal
from rootmap.render._format import esc


@cache
def stylesheet() -> str:
    return resources.files("rootmap.render").joinpath("report.css").read_text("utf-8")


def chip(scale: str, band: str | None) -> str:
    """A band name on its colour; the name is always written, colour only repeats it."""
    fill, ink = pal.band_colours(scale, band)
    # The one band wording (core), lower case inside a sentence-like chip.
    word = "unknown" if band is None else band_word(band).lower()
    return (f'<span class="rm-band" data-scale="{esc(scale)}" data-band="{esc(band or "unknown")}" '
            f'style="background:{fill};color:{ink}">{esc(word)}</span>')


def strength_chip() -> str:
    """A strength (an item rated 5) on its own colour, as the map shows it."""
    return (f'<span class="rm-band" data-band="strength" style="background:{pal.STRENGTH_FILL};'
            f'color:{pal.STRENGTH_INK}">★ strength</span>')


def document(*, title: str, header: str, footer: str, body: str, lang: str = "en",
             body_class: str = "") -> str:
    """A complete HTML document. `header`, `footer` and `body` are markup already escaped."""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="Rootmap">'
        f"<title>{esc(title)}</title><style>{stylesheet()}</style></head>"
        f'<body class="{body_class}">'
        # Every report is a confidential record about a child: said on every page.
        f'<div class="rm-header"><b class="rm-confidential">Confidential</b> · {header}</div>'
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
