"""The small markup of the clinician's notes, turned into safe HTML.

What a clinician types is escaped first, whole: no tag, attribute or link a user typed
ever reaches a page or a PDF (a `<script>`, an `onclick=` or a `javascript:` link is shown
as the characters typed). Only then are a few plain-text conventions turned into markup
that this module writes itself:

- a blank line starts a new paragraph; a single line break stays a line break;
- a paragraph whose lines all start with "- " or "* " is a bullet list;
- *words* are emphasised and **words** are strong.

This is simpler than sanitising HTML (nothing to allow-list, nothing to keep up with) and
is the whole markup a formulation needs (decision 0022).

>>> notes_html("Sleeps *badly*.\\n\\n- wakes at 3\\n- nightmares")
'<p dir="auto">Sleeps <em>badly</em>.</p><ul dir="auto"><li>wakes at 3</li><li>nightmares</li></ul>'
>>> notes_html('<script>alert(1)</script>')
'<p dir="auto">&lt;script&gt;alert(1)&lt;/script&gt;</p>'
"""

from __future__ import annotations

import re
from html import escape

_BLOCKS = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*[-*]\s+")
# A marked span never contains its own marker ("**" inside **...**, any "*" inside *...*):
# so each try stops at the next marker, and a 20,000-character note of "**a " or " *a"
# renders in milliseconds rather than seconds (an unbounded lazy span tried every later
# marker from every earlier one).
_STRONG = re.compile(r"\*\*(?=\S)((?:(?!\*\*).)+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![*\w])")


def _inline(text: str) -> str:
    """One line, escaped, with emphasis marks turned into <strong>/<em>."""
    out = escape(text, quote=True)
    out = _STRONG.sub(r"<strong>\1</strong>", out)
    return _EM.sub(r"<em>\1</em>", out)


def notes_html(text: str) -> str:
    """A note as HTML paragraphs and lists; '' for an empty note."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    parts: list[str] = []
    for block in _BLOCKS.split(text):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in lines)
            parts.append(f'<ul dir="auto">{items}</ul>')
        else:
            parts.append('<p dir="auto">' + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(parts)


def notes_text(text: str) -> str:
    """A note as one escaped line (for a table cell): line breaks become spaces."""
    return escape(" ".join((text or "").split()), quote=True)
