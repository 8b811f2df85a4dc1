"""Charts drawn as plain SVG: developmental risk by period, domain indices over time.

No chart needs a browser or a plotting library: coordinates are computed here, and every
value is also written as text beside its mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rootmap.core.bands import risk_band
from rootmap.core.results import AssessmentResult, HouseholdResult
from rootmap.instruments.model import Instrument
from rootmap.render import palette as pal
from rootmap.render._format import esc, long_date, num
from rootmap.render._svg import f, id_prefix, marker, text_lines, wrap

_W = 760


def _svg_open(prefix: str, title: str, desc: str, width: float, height: float, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {f(width)} {f(height)}" width="{f(width)}" height="{f(height)}" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{esc(pal.FONT_STACK)}">'
        f'<title id="{prefix}-title">{esc(title)}</title><desc id="{prefix}-desc">{esc(desc)}</desc>'
    )


def _shaded_bands(
    *, x0: float, x1: float, y_of: Callable[[float], float], edges: Sequence[tuple[str, float, float, str]]
) -> str:
    """Horizontal bands (name, low, high, fill) with the name written at the right."""
    parts = []
    for name, low, high, fill in edges:
        top, bottom = y_of(high), y_of(low)
        parts.append(f'<rect x="{f(x0)}" y="{f(top)}" width="{f(x1 - x0)}" height="{f(bottom - top)}" '
                     f'fill="{fill}"/>')
        parts.append(text_lines([name], x=x1 + 6, y=(top + bottom) / 2 + 3.5, size=9.5,
                                fill=pal.MUTED, anchor="start"))
    return "".join(parts)


def _y_axis(*, x: float, y_of: Callable[[float], float], ticks: Sequence[float], x1: float, labels: bool = True) -> str:
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{f(x)}" y1="{f(y)}" x2="{f(x1)}" y2="{f(y)}" stroke="#bbbbbb" '
                     f'stroke-width="0.6"/>')
        if labels:
            parts.append(text_lines([f"{tick:g}"], x=x - 6, y=y + 3.5, size=9.5, fill=pal.MUTED,
                                    anchor="end"))
    return "".join(parts)


def risk_chart_svg(*, instrument: Instrument, result: AssessmentResult) -> str:
    """Developmental risk per period (bars) with adversity and relational health beneath.

    Periods not yet reached are labelled so; a reached period without a risk (a rating
    unknown) says which rating is missing.
    """
    prefix = id_prefix("risk", result.assessment_id)
    left, right = 64.0, _W - 120.0
    top, bottom = 46.0, 250.0  # risk panel
    low_top, low_bottom = 300.0, 390.0  # adversity / relational-health panel
    height = 470.0
    periods = instrument.periods
    slot = (right - left) / len(periods)

    def y_risk(value: float) -> float:
        return bottom - (bottom - top) * value / 100

    def y_scale(value: float) -> float:
        return low_bottom - (low_bottom - low_top) * value / 4

    bounds = [0.0] + [b.below for b in instrument.risk_bands if b.below is not None] + [100.0]
    edges = [(band.band.replace("_", " "), bounds[i], bounds[i + 1], pal.RISK_SHADE[band.band])
             for i, band in enumerate(instrument.risk_bands)]
    parts = [_shaded_bands(x0=left, x1=right, y_of=y_risk, edges=edges)]
    parts.append(_y_axis(x=left, y_of=y_risk, ticks=(0, 25, 50, 75, 100), x1=right))
    parts.append(text_lines(["Risk (0–100)"], x=14, y=(top + bottom) / 2, size=10, fill=pal.INK,
                            extra=f' transform="rotate(-90 14 {f((top + bottom) / 2)})"'))

    adversity_points: list[tuple[float, float, bool]] = []
    relational_points: list[tuple[float, float]] = []
    for i, period in enumerate(periods):
        cx = left + slot * (i + 0.5)
        reached = result.age_months >= period.start
        label_lines = wrap(period.label, slot - 8, 9.5)
        parts.append(text_lines(label_lines, x=cx, y=bottom + 14, size=9.5, fill=pal.INK))
        if not reached:
            parts.append(text_lines(["not reached"], x=cx, y=bottom - 10, size=9.5, fill=pal.MUTED))
            continue
        risk = result.period_risk.get(period.id)
        history = result.history.get(period.id, {})
        adversity = history.get("adversity")
        derived = period.id in result.derived_adversity
        if adversity is None and derived:
            adversity = result.derived_adversity[period.id]
        relational = history.get("relational_health")
        if risk is None:
            missing = [name for name, value in (("adversity", adversity), ("relational health", relational))
                       if value is None]
            note = ["no risk:", f"{' and '.join(missing) or 'rating'} unknown"]
            parts.append(text_lines(note, x=cx, y=bottom - 22, size=9, fill=pal.MUTED))
        else:
            band = risk_band(instrument, risk) or "low"  # a known risk always has a band
            bar_w = min(slot * 0.5, 60)
            bar_title = f"{period.label}: risk {num(risk)} ({band.replace('_', ' ')})"
            y = y_risk(risk)
            parts.append(
                f'<rect class="rm-risk-bar" data-period="{period.id}" data-risk="{risk:.4f}" '
                f'x="{f(cx - bar_w / 2)}" y="{f(y)}" width="{f(bar_w)}" height="{f(bottom - y)}" '
                f'fill="{pal.RISK_FILL[band]}" stroke="{pal.OUTLINE}" stroke-width="1">'
                f"<title>{esc(bar_title)}</title></rect>"
            )
            weight = "bold" if period.id == result.peak_period else "normal"
            label_w = len(num(risk)) * 10.5 * 0.62 + 6
            parts.append(f'<rect x="{f(cx - label_w / 2)}" y="{f(y - 17)}" width="{f(label_w)}" height="14" '
                         f'fill="#ffffff" fill-opacity="0.9"/>')
            parts.append(text_lines([num(risk)], x=cx, y=y - 5, size=10.5, fill=pal.INK, weight=weight))
        if adversity is not None:
            adversity_points.append((cx, adversity, derived and history.get("adversity") is None))
        if relational is not None:
            relational_points.append((cx, relational))
        for value, dx in ((adversity, -14), (relational, 14)):
            if value is None:
                parts.append(text_lines(["?"], x=cx + dx, y=y_scale(2) + 4, size=11, fill=pal.MUTED))

    if result.developmental_risk is not None:
        y = y_risk(result.developmental_risk)
        parts.append(f'<line x1="{f(left)}" y1="{f(y)}" x2="{f(right)}" y2="{f(y)}" stroke="{pal.INK}" '
                     f'stroke-width="1.4" stroke-dasharray="7 4"/>')
        overall = f"overall {num(result.developmental_risk)}"
        overall_w = len(overall) * 10 * 0.62 + 6
        parts.append(f'<rect x="{f(right - 4 - overall_w)}" y="{f(y - 16)}" width="{f(overall_w)}" '
                     f'height="13" fill="#ffffff" fill-opacity="0.9"/>')
        parts.append(text_lines([overall], x=right - 4, y=y - 5, size=10, fill=pal.INK, anchor="end",
                                weight="bold"))
    parts.append(f'<line x1="{f(left)}" y1="{f(bottom)}" x2="{f(right)}" y2="{f(bottom)}" '
                 f'stroke="{pal.OUTLINE}" stroke-width="1.2"/>')

    # Lower panel: the two history ratings on their 0-4 scales.
    parts.append(_y_axis(x=left, y_of=y_scale, ticks=(0, 1, 2, 3, 4), x1=right))
    parts.append(text_lines(["Rating (0–4)"], x=14, y=(low_top + low_bottom) / 2, size=10, fill=pal.INK,
                            extra=f' transform="rotate(-90 14 {f((low_top + low_bottom) / 2)})"'))
    parts.append(_series_line([(x - 14, v) for x, v, _d in adversity_points], y_scale,
                              pal.ADVERSITY_COLOUR, ""))
    parts.append(_series_line([(x + 14, v) for x, v in relational_points], y_scale,
                              pal.RELATIONAL_COLOUR, "5 3"))
    for x, level, derived_only in adversity_points:
        parts.append(marker("square", x - 14, y_scale(level), 4.5, pal.ADVERSITY_COLOUR, hollow=derived_only))
        parts.append(text_lines([f"{level:g}"], x=x - 24, y=y_scale(level) + 3.5, size=9,
                                fill=pal.INK, anchor="end"))
    for x, level in relational_points:
        parts.append(marker("circle", x + 14, y_scale(level), 4.5, pal.RELATIONAL_COLOUR))
        parts.append(text_lines([f"{level:g}"], x=x + 24, y=y_scale(level) + 3.5, size=9,
                                fill=pal.INK, anchor="start"))

    legend_y = 428.0
    parts.append(marker("square", left + 6, legend_y - 4, 4.5, pal.ADVERSITY_COLOUR))
    parts.append(text_lines(["adversity (0 none – 4 extreme)"], x=left + 16, y=legend_y, size=9.5,
                            fill=pal.INK, anchor="start"))
    parts.append(marker("square", left + 6, legend_y + 14, 4.5, pal.ADVERSITY_COLOUR, hollow=True))
    parts.append(text_lines(["adversity derived from events"], x=left + 16, y=legend_y + 18, size=9.5,
                            fill=pal.INK, anchor="start"))
    parts.append(marker("circle", left + 266, legend_y - 4, 4.5, pal.RELATIONAL_COLOUR))
    parts.append(text_lines(["relational health (0 poverty – 4 rich)"], x=left + 276, y=legend_y,
                            size=9.5, fill=pal.INK, anchor="start"))
    parts.append(f'<line x1="{f(left + 258)}" y1="{f(legend_y + 14)}" x2="{f(left + 274)}" '
                 f'y2="{f(legend_y + 14)}" stroke="{pal.INK}" stroke-width="1.4" stroke-dasharray="4 2"/>')
    parts.append(text_lines(["overall developmental risk (weighted by timing)"], x=left + 280,
                            y=legend_y + 18, size=9.5, fill=pal.INK, anchor="start"))

    title = f"Developmental risk by period, {result.assessment_id}"
    if result.developmental_risk is not None:
        desc = (f"Overall developmental risk {num(result.developmental_risk)}"
                f" ({(result.risk_band or '').replace('_', ' ')}). ")
    else:
        desc = "No overall developmental risk: no period has both ratings. "
    desc += "; ".join(f"{p.label}: {num(result.period_risk[p.id])}" for p in periods
                      if p.id in result.period_risk)
    head = _svg_open(prefix, title, desc, _W, height, "rm-chart rm-risk-chart")
    heading = text_lines([title], x=14, y=24, size=14, fill=pal.INK, anchor="start", weight="bold")
    return head + heading + "".join(parts) + "</svg>"


def _series_line(points: Sequence[tuple[float, float]], y_of: Callable[[float], float], colour: str, dash: str) -> str:
    """A polyline through consecutive points (gaps are left where the caller split runs)."""
    if len(points) < 2:
        return ""
    coords = " ".join(f"{f(x)},{f(y_of(v))}" for x, v in points)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'


def domains_over_time_svg(*, instrument: Instrument, results: Sequence[AssessmentResult]) -> str:
    """Each domain's index across assessments (oldest first), over the shaded index bands."""
    prefix = id_prefix("domains", *(r.assessment_id for r in results))
    left, right = 64.0, _W - 120.0
    top, bottom = 46.0, 286.0
    height = 400.0

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / 100

    bounds = [b.at_least for b in instrument.index_bands]
    edges = []
    upper = 100.0
    for band, low in zip(instrument.index_bands, bounds, strict=True):
        low_value = 0.0 if low is None else low
        edges.append((band.band, low_value, upper, pal.BAND_SHADE[band.band]))
        upper = low_value
    parts = [_shaded_bands(x0=left, x1=right, y_of=y_of, edges=edges)]
    parts.append(_y_axis(x=left, y_of=y_of, ticks=(0, 25, 50, 75, 100), x1=right))
    parts.append(text_lines(["Index (0–100)"], x=14, y=(top + bottom) / 2, size=10, fill=pal.INK,
                            extra=f' transform="rotate(-90 14 {f((top + bottom) / 2)})"'))
    count = max(len(results), 1)
    slot = (right - left) / count
    xs = [left + slot * (i + 0.5) for i in range(len(results))]
    for x, result in zip(xs, results, strict=True):
        parts.append(f'<line x1="{f(x)}" y1="{f(top)}" x2="{f(x)}" y2="{f(bottom)}" stroke="#bbbbbb" '
                     f'stroke-width="0.6"/>')
        label = [result.assessment_id, long_date(result.date)]
        if result.kind != "full":
            label.append({"follow_up": "follow-up", "er": "ER snapshot"}.get(result.kind, result.kind))
        parts.append(text_lines([_clip(t, slot) for t in label], x=x, y=bottom + 15, size=9.5,
                                fill=pal.INK))

    for (colour, shape, dash), region in zip(pal.SERIES, instrument.regions, strict=False):
        domain = region.domain
        runs: list[list[tuple[float, float]]] = [[]]
        for x, result in zip(xs, results, strict=True):
            known = result.domains.get(domain)
            if known is None or known.index is None:
                runs.append([])
                continue
            runs[-1].append((x, known.index))
        for run in runs:
            parts.append(_series_line(run, y_of, colour, dash))
        for run in runs:
            for x, value in run:
                parts.append(
                    f'<g class="rm-point" data-domain="{domain}" data-index="{value:.4f}">'
                    f"<title>{esc(f'{region.domain_label}: {num(value)}')}</title>"
                    + marker(shape, x, y_of(value), 4.5, colour) + "</g>"
                )
    legend_y = bottom + 68
    x = left
    for (colour, shape, dash), region in zip(pal.SERIES, instrument.regions, strict=False):
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{f(x)}" y1="{f(legend_y - 4)}" x2="{f(x + 26)}" y2="{f(legend_y - 4)}" '
                     f'stroke="{colour}" stroke-width="2"{dash_attr}/>')
        parts.append(marker(shape, x + 13, legend_y - 4, 4.0, colour))
        parts.append(text_lines([region.domain_label], x=x + 32, y=legend_y, size=9.5, fill=pal.INK,
                                anchor="start"))
        x += 40 + len(region.domain_label) * 9.5 * 0.6 + 12
    if not results:
        parts.append(text_lines(["No scored assessments"], x=(left + right) / 2, y=(top + bottom) / 2,
                                size=11, fill=pal.MUTED))
    title = "Domain indices over time"
    desc = " ".join(
        f"{r.assessment_id} ({r.date}): "
        + ", ".join(f"{reg.domain_label} {num(r.domains[reg.domain].index)}"
                    for reg in instrument.regions if reg.domain in r.domains) + "."
        for r in results
    )
    head = _svg_open(prefix, title, desc, _W, height, "rm-chart rm-domains-chart")
    heading = text_lines([title], x=14, y=24, size=14, fill=pal.INK, anchor="start", weight="bold")
    return head + heading + "".join(parts) + "</svg>"


def _clip(text: str, width: float) -> str:
    limit = max(int((width - 4) / (9.5 * 0.6)), 3)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def reserve_chart_svg(
    *,
    instrument: Instrument,
    result: HouseholdResult,
    what_ifs: Sequence[tuple[str, HouseholdResult]] = (),
) -> str:
    """The caregiving reserve now and under each what-if, over the shaded reserve bands."""
    rows = [("Now", result), *what_ifs]
    prefix = id_prefix("reserve", *(label for label, _r in rows))
    label_w, right = 230.0, _W - 90.0
    top, row_h = 46.0, 30.0
    bottom = top + row_h * len(rows)
    values = [r.reserve for _l, r in rows if r.reserve is not None]
    low = min([-50.0, *(v - 10 for v in values)])
    high = max([50.0, *(v + 10 for v in values)])
    low, high = 25 * (low // 25), 25 * -(-high // 25)

    def x_of(value: float) -> float:
        return label_w + (right - label_w) * (value - low) / (high - low)

    bands = instrument.caregiver.reserve_bands
    parts: list[str] = []
    upper = high
    for band in bands:
        lower = low if band.at_least is None else max(band.at_least, low)
        if lower < upper:
            parts.append(f'<rect x="{f(x_of(lower))}" y="{f(top)}" width="{f(x_of(upper) - x_of(lower))}" '
                         f'height="{f(bottom - top)}" fill="{pal.RESERVE_SHADE[band.band]}"/>')
            parts.append(text_lines([band.band], x=(x_of(lower) + x_of(upper)) / 2, y=bottom + 30,
                                    size=9.5, fill=pal.MUTED))
        upper = lower
    tick = low
    while tick <= high:
        parts.append(f'<line x1="{f(x_of(tick))}" y1="{f(top)}" x2="{f(x_of(tick))}" y2="{f(bottom)}" '
                     f'stroke="#bbbbbb" stroke-width="0.6"/>')
        parts.append(text_lines([f"{tick:g}"], x=x_of(tick), y=bottom + 14, size=9.5, fill=pal.MUTED))
        tick += 25
    for n, (label, row) in enumerate(rows):
        y = top + row_h * n
        parts.append(text_lines(wrap(label, label_w - 12, 9.5)[:2], x=label_w - 8, y=y + 13, size=9.5,
                                fill=pal.INK, anchor="end", line_height=1.1))
        if row.reserve is None:
            parts.append(text_lines(["unknown: too few items rated"], x=x_of(0) + 6, y=y + 19,
                                    size=9.5, fill=pal.MUTED, anchor="start"))
            continue
        x0, x1 = sorted((x_of(0), x_of(row.reserve)))
        fill = pal.BAND_FILL[("typical", "mild", "moderate", "severe")[
            [b.band for b in bands].index(row.reserve_band) if row.reserve_band in [b.band for b in bands] else 3]]
        parts.append(f'<rect class="rm-reserve-bar" data-reserve="{row.reserve:.4f}" x="{f(x0)}" '
                     f'y="{f(y + 6)}" width="{f(max(x1 - x0, 1))}" height="{f(row_h - 12)}" '
                     f'fill="{fill}" stroke="{pal.OUTLINE}" stroke-width="1"/>')
        value_x = x1 + 5 if row.reserve >= 0 else x0 - 5
        parts.append(text_lines([num(row.reserve)], x=value_x, y=y + 19, size=10, fill=pal.INK,
                                anchor="start" if row.reserve >= 0 else "end", weight="bold"))
    parts.append(f'<line x1="{f(x_of(0))}" y1="{f(top - 4)}" x2="{f(x_of(0))}" y2="{f(bottom + 4)}" '
                 f'stroke="{pal.OUTLINE}" stroke-width="1.4"/>')
    height = bottom + 44
    title = "Caregiving reserve (resources minus demand)"
    desc = "; ".join(f"{label}: {num(r.reserve)}" for label, r in rows)
    head = _svg_open(prefix, title, desc, _W, height, "rm-chart rm-reserve-chart")
    heading = text_lines([title], x=14, y=24, size=14, fill=pal.INK, anchor="start", weight="bold")
    return head + heading + "".join(parts) + "</svg>"
