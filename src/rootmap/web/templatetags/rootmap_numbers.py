"""The one display number in templates: `{{ value|number }}`, `{{ before|signed_change:after }}`.

Both are direct calls into `rootmap.core.display` (decision 0014), so a page prints the
strings its PDF and the command line print. Django's `floatformat` is not used: it is a
second rounding rule (and prints "-" rather than the minus sign U+2212).
"""

from __future__ import annotations

from django import template

from rootmap.core import display

register = template.Library()


@register.filter
def number(value: float | str | None) -> str:
    """A score, resource, demand or reserve: half-up, one decimal; "–" when unknown.

    A template variable that does not resolve arrives as "" (Django's string_if_invalid):
    that is unknown too, not an error on the page."""
    return display.number(None if value == "" else value)


@register.filter
def signed_change(before: float | str | None, after: float | str | None) -> str:
    """The change from `before` to `after` as printed beside them: "+31.2", "−3.0", "0.0"."""
    return display.signed_change(None if before == "" else before, None if after == "" else after)
