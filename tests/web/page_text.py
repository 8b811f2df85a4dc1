"""What a page says, without its markup: for asserting that a name is *not* shown.

A page carries random tokens in its attributes (the CSRF token in `hx-headers` and hidden
fields, CSP nonces), and a short test name ("Bo", "Cy") turns up in one now and then: a
test that says "Bo is not on the page" must read the text a person sees, not the tokens.
"""

from __future__ import annotations

import html
import re

_HIDDEN = re.compile(r"<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def page_text(markup: str) -> str:
    """The page's text content: scripts, styles and every tag (with its attributes) removed."""
    return html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", markup)))
