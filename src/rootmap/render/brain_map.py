"""The brain map: an upside-down triangle of four bands, one cell per item.

Cortex at the top (widest), brainstem at the bottom, so the drawing reads as the brain
organises: bottom-up. Each cell is coloured by its item's band, carries its label and
rating as text, and has a `<title>` for screen readers. Items not expected at the
client's age are hatched; items expected but not rated are grey. When the result carries
a change since the previous assessment (a follow-up), each cell also shows the change in
rating, taken from that stored comparison, so the map and the change table of the same
result never disagree; a result without one (a full assessment, an ER snapshot) has no
arrows.

>>> svg = brain_map_svg(instrument=load_instrument("1"), result=result)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

from rootmap.core.coverage import item_expected
from rootmap.core.results import AssessmentResult, Comparison
from rootmap.instruments.family_words import load_family_words
from rootmap.instruments.model import Instrument
from rootmap.render import palette as pal
from rootmap.render._format import esc, long_date, num, signed_int
from rootmap.render._labels import item_label, undetermined_text

__all__ = ["brain_map_svg"]
from rootmap.render._svg import f, fit_box, id_prefix, text_lines, text_width, wrap

# Cells per row in each band, top band first. The bands narrow towards the brainstem,
# so lower bands hold fewer cells per row and more rows.
_ROWS: dict[str, tuple[int, ...]] = {
    "cortex": (4, 4),
    "limbic": (4, 4),
    "diencephalon": (3, 3, 2),
    "brainstem": (2, 2, 2, 2),
}
_TOP_ORDER = ("cortex", "limbic", "diencephalon", "brainstem")

_WIDTH = 750
_TOP = 50.0
_ROW_H = 50.0
_TOP_W = 550.0
_BOTTOM_W = 176.0
_CX = 290.0
_LABEL_X = 580.0
_LABEL_W = _WIDTH - _LABEL_X - 4

# Clinicians see the band names of the clinical model; families the family words' bands.
_CLINICIAN_BAND = {
    "typical": "typical (4–5)",
    "mild": "mild (3)",
    "moderate": "moderate (2)",
    "severe": "severe (0–1)",
}


@dataclass(frozen=True, slots=True)
class _Cell:
    item_id: str
    label: str
    state: str  # a band id, "unknown" or "not_expected"
    rating: int | None
    delta: int | None


def _since(result: AssessmentResult) -> Comparison | None:
    """What the map's arrows compare with: the result's own change since the previous one."""
    return result.change.previous if result.change is not None else None


def _cells(
    instrument: Instrument, result: AssessmentResult, previous: Comparison | None, family: bool
) -> dict[str, list[_Cell]]:
    by_region: dict[str, list[_Cell]] = {r: [] for r in _ROWS}
    for item in instrument.functioning_items:
        expected = item_expected(item, result.age_months)
        rating = result.ratings.get(item.id) if expected else None
        if not expected:
            state = "not_expected"
        elif rating is None:
            state = "unknown"
        else:
            state = instrument.item_bands[rating]
        # The comparison lists items rated in both assessments only.
        delta = previous.items.get(item.id) if previous is not None and rating is not None else None
        label = item_label(instrument, item.id, family=family)
        by_region[item.region].append(_Cell(item.id, label, state, rating, delta))
    return by_region


def _half_width(y: float, height: float) -> float:
    return (_TOP_W - (_TOP_W - _BOTTOM_W) * (y - _TOP) / height) / 2


def _rating_text(instrument: Instrument, cell: _Cell, family: bool) -> str:
    if cell.state == "not_expected":
        return "not expected yet"
    if cell.rating is None:
        return "not known yet" if family else "not rated"
    if cell.rating >= instrument.strength_rating:
        text = "★ strength" if family else f"{cell.rating} ★ strength"
    else:
        text = (load_family_words(instrument.version).bands[cell.state]
                if family else f"{cell.rating} · {cell.state}")
    if cell.delta and family:
        text += "  ▲" if cell.delta > 0 else "  ▼"
    elif cell.delta:
        text += f"  {'▲' if cell.delta > 0 else '▼'}{signed_int(cell.delta)}"
    return text


def _cell_title(instrument: Instrument, cell: _Cell, previous: Comparison | None, family: bool) -> str:
    if family:  # what a screen reader says to a family: the same plain words as the cell
        return f"{cell.label}: {_rating_text(instrument, cell, family=True)}"
    if cell.state == "not_expected":
        return f"{cell.label}: not expected yet at this age"
    if cell.rating is None:
        return f"{cell.label}: not rated"
    scale = instrument.functioning_scale.get(cell.rating, "")
    text = f"{cell.label}: rated {cell.rating} of 5 ({scale}), band {cell.state}"
    if previous is not None:
        if cell.delta is not None:
            before = cell.rating - cell.delta
            if cell.delta == 0:
                text += f"; unchanged since {previous.assessment_id}"
            else:
                word = "up" if cell.delta > 0 else "down"
                text += f"; {word} {abs(cell.delta)} from {before} at {previous.assessment_id}"
        else:
            text += f"; not rated at {previous.assessment_id}"
    return text


def _region_label(
    instrument: Instrument, result: AssessmentResult, region_id: str, family: bool
) -> list[tuple[str, float, str]]:
    """Lines (text, size, weight) of one band's label."""
    region = next(r for r in instrument.regions if r.id == region_id)
    domain = result.domains.get(region.domain)
    if family:
        # Plain area names only: a family map never shows region or domain names.
        lines = [(load_family_words(instrument.version).regions[region_id], 11.5, "bold")]
        if domain is not None and domain.status == "insufficient":
            lines.append(("not known enough yet", 9.5, "normal"))
    else:
        lines = [(region.label, 11.5, "bold"), (region.domain_label, 10.0, "normal")]
        if domain is None or domain.status == "not_expected":
            lines.append(("not expected at this age", 9.5, "normal"))
        elif domain.status == "insufficient" or domain.index is None:
            lines.append(("too few items rated", 9.5, "normal"))
        else:
            lines.append((f"index {num(domain.index)} · {domain.band}", 10.0, "normal"))
    if result.entry_region == region_id:
        lines.append(("◀ start here" if family else "◀ entry region", 10.0, "bold"))
    return lines


def brain_map_svg(
    *,
    instrument: Instrument,
    result: AssessmentResult,
    family: bool = False,
) -> str:
    """The brain map of one assessment as a standalone SVG document (UTF-8 text).

    When `result.change` is set, each cell also shows the change in its rating since the
    previous assessment, as the change table does. `family=True` uses plain words in the
    band labels and the legend. An undetermined start is said under the title.
    """
    previous = _since(result)
    prefix = id_prefix(result.assessment_id, previous.assessment_id if previous else "")
    hatch = f"{prefix}-hatch"
    cells = _cells(instrument, result, previous, family)
    rows_total = sum(len(rows) for rows in _ROWS.values())
    height = rows_total * _ROW_H
    bottom = _TOP + height
    parts: list[str] = []

    row = 0
    band_edges: list[float] = []
    for region_id in _TOP_ORDER:
        region_cells = cells[region_id]
        band_top = _TOP + row * _ROW_H
        parts.append(f'<g class="rm-band" data-region="{region_id}">')
        index = 0
        for count in _ROWS[region_id]:
            y0 = _TOP + row * _ROW_H
            y1 = y0 + _ROW_H
            h0, h1 = _half_width(y0, height), _half_width(y1, height)
            for j in range(count):
                if index >= len(region_cells):
                    break
                cell = region_cells[index]
                index += 1
                xa0 = _CX - h0 + 2 * h0 * j / count
                xb0 = _CX - h0 + 2 * h0 * (j + 1) / count
                xa1 = _CX - h1 + 2 * h1 * j / count
                xb1 = _CX - h1 + 2 * h1 * (j + 1) / count
                parts.append(_cell_svg(instrument, cell, previous, family, hatch,
                                       (xa0, xb0, xa1, xb1, y0, y1)))
            row += 1
        parts.append("</g>")
        band_edges.append(band_top)
        label_lines = _region_label(instrument, result, region_id, family)
        band_mid = (band_top + _TOP + row * _ROW_H) / 2
        label_lines = [(line, size, weight) for text, size, weight in label_lines
                       for line in wrap(text, _LABEL_W, size)]
        block = sum(size * 1.25 for _t, size, _w in label_lines)
        y = band_mid - block / 2 + label_lines[0][1]
        edge_x = _CX + _half_width(band_mid, height)
        parts.append(
            f'<line x1="{f(edge_x + 4)}" y1="{f(band_mid)}" x2="{f(_LABEL_X - 6)}" '
            f'y2="{f(band_mid)}" stroke="{pal.MUTED}" stroke-width="0.8" stroke-dasharray="2 2"/>'
        )
        for text, size, weight in label_lines:
            parts.append(text_lines([text], x=_LABEL_X, y=y, size=size, fill=pal.INK,
                                    anchor="start", weight=weight))
            y += size * 1.25

    # Band boundaries and the outline, drawn over the cells.
    for edge in band_edges[1:]:
        h = _half_width(edge, height)
        parts.append(f'<line x1="{f(_CX - h)}" y1="{f(edge)}" x2="{f(_CX + h)}" y2="{f(edge)}" '
                     f'stroke="{pal.OUTLINE}" stroke-width="2.5"/>')
    ht, hb = _half_width(_TOP, height), _half_width(bottom, height)
    parts.append(
        f'<polygon points="{f(_CX - ht)},{f(_TOP)} {f(_CX + ht)},{f(_TOP)} {f(_CX + hb)},{f(bottom)} '
        f'{f(_CX - hb)},{f(bottom)}" fill="none" stroke="{pal.OUTLINE}" stroke-width="2.5"/>'
    )

    legend, legend_h = _legend(instrument, hatch, family, previous, bottom + 22)
    total_h = bottom + 22 + legend_h
    title = (f"{'The brain map' if family else 'Brain map'}, {result.assessment_id}, {long_date(result.date)}")
    notice = undetermined_text(instrument, result, family=family) if result.phase == "undetermined" else ""
    if family:
        desc = ("Each box is one thing we looked at, from the body basics at the bottom to thinking "
                "and learning at the top, coloured by how it is going: pale green doing well for age, "
                "yellow, orange and dark orange harder step by step, blue with a star a real strength, "
                "grey not known yet, hatched not expected yet at this age.")
    else:
        desc = ("Cells are this assessment's current-functioning items, bottom-up from brainstem "
                "to cortex, coloured by band: typical, mild, moderate, severe; blue is a strength, "
                "grey is not rated, hatched is not expected yet at this age.")
    if previous is not None and family:
        desc += f" Arrows show what is better or harder than on {long_date(previous.date)}."
    elif previous is not None:
        desc += f" Arrows show the change in rating since {previous.assessment_id}."
    if notice:
        desc += " " + notice
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rm-brain-map" role="group" '
        f'viewBox="0 0 {_WIDTH} {f(total_h)}" width="{_WIDTH}" height="{f(total_h)}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" '
        f'font-family="{esc(pal.FONT_STACK)}">'
        f'<title id="{prefix}-title">{esc(title)}</title>'
        f'<desc id="{prefix}-desc">{esc(desc)}</desc>'
        f'<defs><pattern id="{hatch}" width="7" height="7" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="7" height="7" fill="{pal.HATCH_BACK}"/>'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="{pal.HATCH_LINE}" stroke-width="2.2"/>'
        f"</pattern></defs>"
    )
    heading = text_lines([title], x=20, y=30, size=15, fill=pal.INK, anchor="start", weight="bold")
    if notice:
        # Said on the map itself, so a map shown alone never reads as a finished picture.
        heading += ('<g class="rm-undetermined">'
                    + text_lines([notice.split(".")[0] + "."], x=20, y=46, size=10.5, fill=pal.INK,
                                 anchor="start", weight="bold")
                    + "</g>")
    return head + heading + "".join(parts) + legend + "</svg>"


def _cell_svg(
    instrument: Instrument,
    cell: _Cell,
    previous: Comparison | None,
    family: bool,
    hatch: str,
    geometry: tuple[float, float, float, float, float, float],
) -> str:
    xa0, xb0, xa1, xb1, y0, y1 = geometry
    if cell.state == "not_expected":
        fill, ink = f"url(#{hatch})", pal.INK
    elif cell.state == "unknown":
        fill, ink = pal.UNKNOWN_FILL, pal.UNKNOWN_INK
    elif cell.rating is not None and cell.rating >= instrument.strength_rating:
        fill, ink = pal.STRENGTH_FILL, pal.STRENGTH_INK  # a strength is not just "typical"
    else:
        fill, ink = pal.BAND_FILL[cell.state], pal.BAND_INK[cell.state]
    width = min(xb0 - xa0, xb1 - xa1) - 10
    rating = _rating_text(instrument, cell, family)
    rating_size = next((s for s in (9.5, 8.5) if text_width(rating, s) <= width), 7.5)
    size, lines = fit_box(cell.label, width, y1 - y0 - 6 - rating_size * 1.2,
                          (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0))
    block = len(lines) * size * 1.15 + rating_size * 1.2
    cx = (xa0 + xb0 + xa1 + xb1) / 4
    y = (y0 + y1) / 2 - block / 2 + size * 0.9
    rating_y = y + len(lines) * size * 1.15 + rating_size * 0.15
    if cell.state == "not_expected":  # text over hatching needs a backing to stay legible
        back_w = max(text_width(line, size) for line in [*lines, rating]) + 6
        backing = (f'<rect x="{f(cx - back_w / 2)}" y="{f(y - size)}" width="{f(back_w)}" '
                   f'height="{f(block + 4)}" fill="#ffffff" fill-opacity="0.85"/>')
    else:
        backing = ""
    rating_attr = "" if cell.rating is None else f' data-rating="{cell.rating}"'
    delta_attr = "" if cell.delta is None else f' data-delta="{cell.delta}"'
    return (
        f'<g class="rm-cell" role="img" data-item="{esc(cell.item_id)}" data-state="{cell.state}"'
        f"{rating_attr}{delta_attr}>"
        f"<title>{esc(_cell_title(instrument, cell, previous, family))}</title>"
        f'<polygon points="{f(xa0)},{f(y0)} {f(xb0)},{f(y0)} {f(xb1)},{f(y1)} {f(xa1)},{f(y1)}" '
        f'fill="{fill}" stroke="#ffffff" stroke-width="1.5"/>'
        f"{backing}"
        + text_lines(lines, x=cx, y=y, size=size, fill=ink, weight="bold", line_height=1.15)
        + text_lines([rating], x=cx, y=rating_y, size=rating_size, fill=ink)
        + "</g>"
    )


def _legend(
    instrument: Instrument,
    hatch: str,
    family: bool,
    previous: Comparison | None,
    top: float,
) -> tuple[str, float]:
    words: dict[str, str] = dict(load_family_words(instrument.version).bands) if family else _CLINICIAN_BAND
    entries: list[tuple[str, str, str]] = [
        (pal.BAND_FILL[band], pal.BAND_INK[band], words[band]) for band in pal.BAND_FILL
    ]
    entries.append((pal.STRENGTH_FILL, pal.STRENGTH_INK,
                    "★ a real strength" if family else "★ strength (5)"))
    entries.append((pal.UNKNOWN_FILL, pal.INK, "not known yet" if family else "not rated"))
    entries.append((f"url(#{hatch})", pal.INK, "not expected yet at this age"))
    parts = [text_lines(["What the colours mean" if family else "Legend"], x=20, y=top + 4,
                        size=10.5, fill=pal.INK, anchor="start", weight="bold")]
    x, y = 20.0, top + 14
    for fill, _ink, label in entries:
        needed = 24 + text_width(label, 10) + 18
        if x + needed > _WIDTH - 10:
            x, y = 20.0, y + 24
        parts.append(f'<rect x="{f(x)}" y="{f(y)}" width="18" height="14" fill="{fill}" '
                     f'stroke="{pal.OUTLINE}" stroke-width="0.8"/>')
        parts.append(text_lines([label], x=x + 24, y=y + 11, size=10, fill=pal.INK, anchor="start"))
        x += needed
    if previous is not None:
        y += 24
        if family:
            note = f"▲ better than last time ({long_date(previous.date)}), ▼ harder than last time"
        else:
            note = (f"▲ better, ▼ harder than at {previous.assessment_id} "
                    f"({long_date(previous.date)}); the number is the change in rating")
        parts.append(text_lines([note], x=20, y=y + 11, size=10, fill=pal.INK, anchor="start"))
    return "".join(parts), y + 24 - top
