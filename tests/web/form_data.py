"""What a browser would send for a form on a page: every named input, select and textarea.

Tests that post "what the clinician saw, plus what they typed" use this rather than
building the POST by hand, so a field the page renders (or forgets) is sent as it would be.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.forms: list[tuple[dict[str, str], dict[str, list[str]]]] = []
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._option_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.in_form, self.data = True, {}
            self.forms.append((a, self.data))
            return
        if not self.in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(a["name"], []).append(a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self._select_chosen = True
                self.data[self._select] = [value or ""]
            self._option_value = value
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select is not None:
            if not self._select_chosen:
                self.data[self._select] = [self._select_first or ""]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.data[self._textarea] = [text[1:] if text.startswith("\n") else text]
            self._textarea = None


def form_data(html: str, *, containing: str) -> dict[str, Any]:
    """The fields of the page's form that has a field named `containing`, as a browser sends them.

    Single values are strings, repeated names lists, ready for Django's test client.
    """
    reader = _FormReader()
    reader.feed(html)
    for _attrs, data in reader.forms:
        if containing in data:
            return {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    raise AssertionError(f"no form on the page has a field named {containing!r}")
