"""Small formatting helpers shared by the SVG and HTML builders.

Every piece of text that reaches markup goes through `esc` (or `attr`), so that text a
user typed (a name, a note, a document title) can never become markup.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from rootmap.core.ages import age_in_words
from rootmap.core.display import number, signed_change

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


def num(value: float | None) -> str:
    """A score for display (the one display rule: half-up, one decimal), an en dash when unknown.

    >>> num(81.25), num(43.75), num(None)
    ('81.3', '43.8', '–')
    """
    return number(value)


def change_text(before: float | None, after: float | None) -> str:
    """The change printed beside two printed values: the difference of what is printed,
    always signed (minus as U+2212), so that '43.8 → 75.0' reads '+31.2', never '+31.3'.

    >>> change_text(43.75, 75.0), change_text(None, 75.0)
    ('+31.2', '–')
    """
    return signed_change(before, after)


def shown(quantity: str, value: float | None) -> str:
    """A printed score tagged with what it is (`data-q`, e.g. 'functioning_index@A-3'), so
    a test can check that every place showing one quantity prints the same string."""
    return f'<span data-q="{esc(quantity)}">{num(value)}</span>'


def shown_change(quantity: str, before_id: str, after_id: str, before: float | None,
                 after: float | None) -> str:
    """A printed change tagged with the two printed values it is the difference of."""
    return (f'<span data-change="{esc(quantity)}" data-from="{esc(before_id)}" data-to="{esc(after_id)}">'
            f"{change_text(before, after)}</span>")


def signed_int(value: int | None) -> str:
    """A change of a whole-number rating, signed (minus as U+2212): '+2', '−1', '0'."""
    if value is None:
        return "–"
    return f"{value:+d}".replace("-", "−") if value else "0"


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
