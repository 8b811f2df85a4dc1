"""Tiny SVG building blocks: text wrapping without a browser, markers, ids.

Rootmap draws its SVG by hand, so nothing here measures real glyphs. Widths are
estimated from DejaVu Sans's average advance (about 0.6 em), which errs on the wide side:
a label that fits by the estimate fits on the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rootmap.render._format import esc

CHAR_EM = 0.6  # average advance of DejaVu Sans, in ems, rounded up


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy word wrap of `text` into lines no wider than `width` at font `size`."""
    per_line = max(int(width / (size * CHAR_EM)), 1)
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > per_line:  # a word longer than a line is split hard
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: per_line - 1] + "-")
            word = word[per_line - 1 :]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def fit(text: str, width: float, sizes: Iterable[float], max_lines: int) -> tuple[float, list[str]]:
    """The largest size at which `text` wraps into `max_lines` lines without hard splits."""
    size = 8.0
    for size in sizes:
        lines = wrap(text, width, size)
        if len(lines) <= max_lines and not any(line.endswith("-") for line in lines):
            return size, lines
    lines = wrap(text, width, size)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1].rstrip() + "…" if len(lines[-1]) > 1 else "…"
    return size, lines


def fit_box(
    text: str, width: float, height: float, sizes: Iterable[float], line_height: float = 1.15
) -> tuple[float, list[str]]:
    """The largest size at which `text` wraps, without hard splits, into `width` x `height`.

    Falls back to the smallest size, cutting the text with an ellipsis to the lines that fit.
    """
    size = 8.0
    for size in sizes:
        lines = wrap(text, width, size)
        fits = len(lines) * size * line_height <= height
        if fits and not any(line.endswith("-") for line in lines):
            return size, lines
    lines = wrap(text, width, size)
    room = max(int(height // (size * line_height)), 1)
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = lines[-1].rstrip("-")[: max(len(lines[-1]) - 2, 1)] + "…"
    return size, lines


def id_prefix(*parts: str) -> str:
    """A stable id prefix, so that several SVGs inlined in one page never share ids."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]
    return f"rm{digest}"


def f(value: float) -> str:
    """A coordinate with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text_lines(
    lines: list[str],
    *,
    x: float,
    y: float,
    size: float,
    fill: str,
    anchor: str = "middle",
    weight: str = "normal",
    line_height: float = 1.2,
    extra: str = "",
) -> str:
    """A <text> with one <tspan> per line (none for a single line); `y` is the first baseline."""
    attrs = f'font-size="{f(size)}" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight != "normal":
        attrs += f' font-weight="{weight}"'
    if len(lines) == 1:  # fewer nodes: WeasyPrint lays out every text node separately
        return f'<text x="{f(x)}" y="{f(y)}" {attrs}{extra}>{esc(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{f(x)}" dy="{0 if i == 0 else f(size * line_height)}">{esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{f(x)}" y="{f(y)}" {attrs}{extra}>{spans}</text>'


def marker(shape: str, x: float, y: float, r: float, colour: str, *, hollow: bool = False) -> str:
    """A data marker; shapes differ so that series stay apart without colour."""
    fill = "#ffffff" if hollow else colour
    common = f'fill="{fill}" stroke="{colour}" stroke-width="1.6"'
    if shape == "square":
        return f'<rect x="{f(x - r)}" y="{f(y - r)}" width="{f(2 * r)}" height="{f(2 * r)}" {common}/>'
    if shape == "triangle":
        points = f"{f(x)},{f(y - r * 1.2)} {f(x + r * 1.1)},{f(y + r * 0.9)} {f(x - r * 1.1)},{f(y + r * 0.9)}"
        return f'<polygon points="{points}" {common}/>'
    if shape == "diamond":
        points = f"{f(x)},{f(y - r * 1.3)} {f(x + r * 1.3)},{f(y)} {f(x)},{f(y + r * 1.3)} {f(x - r * 1.3)},{f(y)}"
        return f'<polygon points="{points}" {common}/>'
    return f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" {common}/>'
