"""The brain map as a list: the same cells, words and colours as the drawing, as HTML text.

On a phone the map's drawing shrinks to a third of its size and its labels become too
small to read; the list beside it says the same thing at the page's own text size, band
by band from the brainstem up (the order the plan works in). Screen readers get it too.
Every word and colour comes from the map's own cell rules (`brain_map._cells`,
`_rating_text`, `_region_label`), so the list and the drawing never disagree.

>>> html = brain_map_list_html(instrument=load_instrument("1"), result=result)  # doctest: +SKIP
"""

from __future__ import annotations

from rootmap.core.results import AssessmentResult
from rootmap.instruments.model import Instrument
from rootmap.render import palette as pal
from rootmap.render._format import esc
from rootmap.render.brain_map import _TOP_ORDER, _Cell, _cells, _rating_text, _region_label, _since

__all__ = ["brain_map_list_html"]


def _swatch(instrument: Instrument, cell: _Cell) -> str:
    """A small square in the cell's fill (SVG attributes, so no inline style is needed)."""
    if cell.state == "not_expected":
        fill, stroke = "#ffffff", pal.MUTED
    elif cell.state == "unknown":
        fill, stroke = pal.UNKNOWN_FILL, pal.OUTLINE
    elif cell.rating is not None and cell.rating >= instrument.strength_rating:
        fill, stroke = pal.STRENGTH_FILL, pal.OUTLINE
    else:
        fill, stroke = pal.BAND_FILL[cell.state], pal.OUTLINE
    dash = ' stroke-dasharray="2 2"' if cell.state == "not_expected" else ""
    return ('<svg class="map-list__swatch" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" '
            f'focusable="false"><rect x="0.5" y="0.5" width="13" height="13" rx="2" fill="{fill}" '
            f'stroke="{stroke}"{dash}/></svg>')


def brain_map_list_html(*, instrument: Instrument, result: AssessmentResult, family: bool = False) -> str:
    """The map's bands, bottom-up, each with its label lines and its items' ratings in words."""
    previous = _since(result)
    cells = _cells(instrument, result, previous, family)
    parts = [f'<div class="map-list" data-assessment="{esc(result.assessment_id)}">']
    for region_id in reversed(_TOP_ORDER):  # brainstem first: the order the plan works in
        lines = _region_label(instrument, result, region_id, family)
        heading, *details = (text for text, _size, _weight in lines)
        detail = f' <span class="map-list__detail">{esc(" · ".join(details))}</span>' if details else ""
        parts.append(f'<section class="map-list__band" data-region="{esc(region_id)}">'
                     f'<h3 class="map-list__heading">{esc(heading)}{detail}</h3><ul>')
        for cell in cells[region_id]:
            parts.append(
                f'<li data-item="{esc(cell.item_id)}" data-state="{esc(cell.state)}">'
                f'{_swatch(instrument, cell)}<span class="map-list__label">{esc(cell.label)}</span> '
                f'<span class="map-list__rating">{esc(_rating_text(instrument, cell, family))}</span></li>')
        parts.append("</ul></section>")
    parts.append("</div>")
    return "".join(parts)
