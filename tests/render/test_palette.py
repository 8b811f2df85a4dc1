"""The one semantic palette: severity reads as severity, survives colour-blindness, and
the web stylesheet carries the same values (issue 11, decision 0016)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from coloraide import Color

from rootmap.render import palette as pal

APP_CSS = Path(__file__).resolve().parents[2] / "src/rootmap/web/static/rootmap/app.css"
# Thresholds stated in decision 0016: adjacent severity steps differ by CIEDE2000 >= 12 and
# by L* >= 7.5 for normal vision and simulated deuteranopia, protanopia and tritanopia
# (full severity, Brettel/Viénot as coloraide implements them).
MIN_DELTA_E = 12.0
MIN_LIGHTNESS_STEP = 7.5
VISIONS = (None, "deutan", "protan", "tritan")


def seen(hex_colour: str, vision: str | None) -> Color:
    colour = Color(hex_colour)
    return colour.filter(vision) if vision else colour


def lightness(colour: Color) -> float:
    return float(colour.convert("lab-d65")["lightness"])


def contrast(a: str, b: str) -> float:
    la, lb = sorted((Color(a).luminance(), Color(b).luminance()), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("vision", VISIONS)
def test_adjacent_severity_steps_stay_apart_for_every_colour_vision(vision: str | None) -> None:
    fills = [fill for fill, _ink, _meaning in pal.SEVERITY]
    for lighter, darker in itertools.pairwise(fills):
        a, b = seen(lighter, vision), seen(darker, vision)
        assert a.delta_e(b, method="2000") >= MIN_DELTA_E, (vision, lighter, darker)
        # Darker at every step: more concern is more colour, also in greyscale.
        assert lightness(a) - lightness(b) >= MIN_LIGHTNESS_STEP, (vision, lighter, darker)


@pytest.mark.parametrize("vision", VISIONS)
def test_a_strength_is_distinct_from_typical_and_from_every_concern(vision: str | None) -> None:
    strength = seen(pal.STRENGTH_FILL, vision)
    for fill, _ink, _meaning in pal.SEVERITY:
        assert strength.delta_e(seen(fill, vision), method="2000") >= MIN_DELTA_E, (vision, fill)


def test_text_on_every_fill_has_a_contrast_of_at_least_4_5() -> None:
    pairs = [(fill, ink) for fill, ink, _m in pal.SEVERITY]
    pairs += [(pal.STRENGTH_FILL, pal.STRENGTH_INK), (pal.UNKNOWN_FILL, pal.UNKNOWN_INK)]
    pairs += list(pal.PHASE.values()) + list(pal.CHANGE.values())
    for fill, ink in pairs:
        assert contrast(fill, ink) >= 4.5, (fill, ink)


def alarm(hex_colour: str) -> bool:
    """Red, orange, amber or yellow with enough chroma to read as a warning."""
    _lightness, chroma, hue = Color(hex_colour).convert("lch-d65").coords()
    return chroma >= 12 and (hue <= 100 or hue >= 330)


def test_no_phase_is_shown_in_an_alarm_colour() -> None:
    for phase, (fill, ink) in pal.PHASE.items():
        assert not alarm(fill) and not alarm(ink), phase
    # The check itself can fail: the concern steps of the severity ramp are alarm colours.
    assert [alarm(fill) for fill, _i, _m in pal.SEVERITY] == [False, True, True, True]


def test_high_risk_is_an_orange_never_teal() -> None:
    fill, _ink = pal.band_colours("risk", "high")
    _l, chroma, hue = Color(fill).convert("lch-d65").coords()
    assert 30 <= hue <= 80 and chroma > 40  # orange
    teal = Color("#41b6c4").convert("lch-d65")["hue"]
    assert abs(hue - teal) > 90


def test_every_scale_shares_the_severity_steps() -> None:
    assert pal.band_colours("index", "moderate") == pal.band_colours("risk", "high") \
        == pal.band_colours("relational", "limited") == pal.band_colours("reserve", "strained")
    assert pal.band_colours("index", "typical")[0] == "#e5f5e0"
    assert pal.band_colours("risk", "very_high")[0] == "#b2400b"
    assert pal.band_colours("index", "very_high") == (pal.UNKNOWN_FILL, pal.UNKNOWN_INK)


def test_the_web_stylesheet_carries_the_palette_verbatim() -> None:
    css = APP_CSS.read_text("utf-8")
    assert pal.css_custom_properties() in css
    # Badges take their colours from the custom properties, not from hex values of their own.
    for rule in re.findall(r"\.badge--(?:band-\d|strength|phase-\w+|improved|stable|declined)\s*\{[^}]*\}", css):
        assert "#" not in rule.split("border")[0], rule


def test_the_palette_page_shows_every_colour_with_its_meaning() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs/palette.md").read_text("utf-8")
    colours = [f for f, _i, _m in pal.SEVERITY] + [pal.STRENGTH_FILL, pal.UNKNOWN_FILL]
    colours += [fill for fill, _ink in pal.PHASE.values()]
    for colour in colours:
        assert colour in page, colour


def test_the_swatches_picture_is_the_palette_of_the_code() -> None:
    svg = (Path(__file__).resolve().parents[2] / "docs/palette.svg").read_text("utf-8")
    assert svg == pal.swatches_svg()
