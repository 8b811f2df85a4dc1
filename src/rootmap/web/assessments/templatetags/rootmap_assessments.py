"""Small display filters for the assessment pages."""

from django import template

from rootmap.web.assessments.view_models.common import BAND_TONE

register = template.Library()


@register.filter
def tone(band: str | None) -> str:
    """The badge colour of a band or change label (ok, info, warn, bad)."""
    return BAND_TONE.get(band or "", "info")


@register.filter
def band_text(band: str | None) -> str:
    return (band or "").replace("_", " ").capitalize()


@register.filter
def in_sentence(label: str) -> str:
    """A kind's label inside a sentence: only its first letter lowered, so "(ER)" stays upper case."""
    return label[:1].lower() + label[1:]
