"""Template filter for the clinician's notes: the small markup of rootmap.render.markup."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from rootmap.render.markup import notes_html

register = template.Library()


@register.filter
def notes_markup(text: str) -> SafeString:
    # Safe: notes_html escapes the whole text before it writes any tag of its own.
    return mark_safe(notes_html(str(text or "")))
