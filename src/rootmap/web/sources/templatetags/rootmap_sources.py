"""Template words for sources: a file's media type and how an old free-text role is read."""

from __future__ import annotations

from typing import Any

from django import template

from rootmap.core.sources import role_label, role_of
from rootmap.web.sources.content import MEDIA_TYPES

register = template.Library()


@register.filter
def media_word(media_type: str) -> str:
    return MEDIA_TYPES.get(media_type, "file")


@register.filter
def role_word(text: str, instrument: Any) -> str:
    return role_label(instrument, role_of(instrument, str(text))[0]).lower()


@register.inclusion_tag("sources/_hours.html", takes_context=True)
def hours_section(context: Any, assessment: Any) -> dict[str, Any]:
    from rootmap.web.sources.view_models import hours_fields

    fields, total = hours_fields(assessment, context.get("values") or {}, context.get("errors") or {})
    return {"hours_fields": fields, "hours_total": total, "field_url": context.get("field_url", "")}


@register.inclusion_tag("sources/_section.html", takes_context=True)
def source_rows(context: Any, section: str) -> dict[str, Any]:
    from rootmap.web.sources.services import max_bytes

    page = context["page"]
    return {"assessment": context["assessment"], "page": page, "section": section, "rows": page.rows[section],
            "noun": "informant" if section == "informants" else "document", "revision": context.get("revision"),
            "max_mb": max_bytes() // 1_048_576, "field_url": context.get("field_url", "")}


