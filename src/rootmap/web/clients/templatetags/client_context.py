"""The client context where other pages use it (the household page): `{% load client_context %}`.

Only for clients the page already shows (the household page passes the linked children
its viewer may see), so no tag here reaches a client the viewer could not open.
"""

from __future__ import annotations

from typing import Any

from django import template

from rootmap.web.clients.context_display import caregiver_suggestions, household_line

register = template.Library()


@register.filter
def placement_and_legal_status(client: Any) -> str:
    """'Foster care, since 2022-08-15 · legal status: Care or custody order' ('' when unrecorded)."""
    return household_line(getattr(client, "context", None))


@register.simple_tag
def contact_caregivers(child_views: Any) -> list[tuple[str, str]]:
    """(name, relationship) of the caregivers recorded for the household's client children
    the viewer may see (`HouseholdChild.client` is None for the others)."""
    return caregiver_suggestions([c.client for c in child_views if c.client is not None])
