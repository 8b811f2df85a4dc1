"""Small display filters for the assessment pages.

Numbers, band colours and the sentences that explain a number come from the renderer
(`rootmap.render`), which the reports use too, so a page and its PDF print the same.
"""

from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from rootmap.core.bands import band_word
from rootmap.core.family import ISOLATE_END, ISOLATE_START
from rootmap.instruments import load_instrument
from rootmap.instruments.catalogue import load_catalogue
from rootmap.render import explain
from rootmap.render import palette as pal
from rootmap.render._format import change_text, num

register = template.Library()

# Which band scale each headline quantity uses.
_SCALE = {"developmental_risk": "risk", "functioning_index": "index", "relational_health": "relational",
          "index": "index", "risk": "risk", "relational": "relational", "reserve": "reserve"}


@register.filter
def severity(band: str | None, scale: str) -> str:
    """The badge class of a band on a scale: 'band-1' (least concern) .. 'band-4' (most).

    `scale` is a scale ('index', 'risk', 'relational', 'reserve') or a headline key."""
    bands = pal.SCALES.get(_SCALE.get(scale, scale), ())
    return f"band-{bands.index(band) + 1}" if band in bands else "info"


@register.filter
def rating_severity(rating: int | None) -> str:
    """The badge class of an item rating (the item bands of the clinical model)."""
    if rating is None:
        return "info"
    if rating >= 5:
        return "strength"
    return {4: "band-1", 3: "band-2", 2: "band-3"}.get(rating, "band-4")


@register.filter
def number(value: float | None) -> str:
    """A score as every page and report prints it: half-up, one decimal."""
    return num(value)


@register.filter
def change_of(row: Any) -> str:
    """A change row's change: the difference of its printed before and after values (a row
    is a dict or a view-model dataclass with `before` and `after`)."""
    def value(name: str) -> float | None:
        return row.get(name) if isinstance(row, dict) else getattr(row, name, None)

    return change_text(value("before"), value("after"))


@register.simple_tag
def scale_note(version: str, quantity: str) -> str:
    """'0–100, higher is better. Bands: ...' for a headline quantity or 'domain_index'."""
    return explain.scale_note(load_instrument(version), quantity)


@register.simple_tag
def score_note(version: str) -> str:
    return explain.score_note(load_catalogue(version), load_instrument(version))


@register.simple_tag
def change_note(version: str) -> str:
    return explain.change_note(load_instrument(version))


@register.filter
def band_text(band: str | None) -> str:
    """A band's words (the one wording, rootmap.core.bands.band_word)."""
    return band_word(band)


@register.filter
def in_sentence(label: str) -> str:
    """A kind's label inside a sentence: only its first letter lowered, so "(ER)" stays upper case."""
    return label[:1].lower() + label[1:]


@register.filter
def family_html(text: str) -> str:
    """A family sentence: escaped, its typed text (isolated by core) inside <bdi>."""
    # Escaped first; only <bdi> is added around what core isolated.
    return mark_safe(
        conditional_escape(text).replace(ISOLATE_START, "<bdi>").replace(ISOLATE_END, "</bdi>"))
