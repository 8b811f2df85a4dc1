"""Small formatting helpers shared by the SVG and HTML builders.

Every piece of text that reaches markup goes through `esc` (or `attr`), so that text a
user typed (a name, a note, a document title) can never become markup.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from rootmap.core.ages import age_in_words

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(value: object) -> str:
    """Escape any value for HTML or SVG text and attributes (control characters removed).

    >>> esc('<script>"x"</script>')
    '&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
    """
    return html.escape(_CONTROL.sub("", str(value)), quote=True)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def num(value: float | None, digits: int = 1) -> str:
    """A score for display: one decimal by default, an en dash when unknown."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 1) -> str:
    """A change for display, always with its sign (minus as U+2212)."""
    if value is None:
        return "–"
    return f"{value:+.{digits}f}".replace("-", "−")


def long_date(iso: str) -> str:
    """'2025-01-15' -> '15 January 2025' (the ISO text itself when it does not parse)."""
    try:
        day = dt.date.fromisoformat(str(iso)[:10])
    except ValueError:
        return str(iso)
    return f"{day.day} {day.strftime('%B')} {day.year}"


def age_text(months: int | None) -> str:
    """Completed months as words: '9 months', '3 years 2 months'."""
    return "–" if months is None else age_in_words(months)


def humanise(identifier: str) -> str:
    """'caregiver_coaching' -> 'Caregiver coaching' (for ids that have no label)."""
    text = identifier.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
