"""`{% events_panel client %}`: the client's adverse events, and rows to add several, on
any page (the assessment entry page includes it with one line)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from rootmap.web.clients.events_panel import events_panel as build_panel

register = template.Library()


@register.inclusion_tag("clients/_events_panel.html", takes_context=True)
def events_panel(context: Any, client: Any) -> dict[str, Any]:
    request = context.get("request")
    here = request.get_full_path() if request is not None else ""
    return {
        "panel": build_panel(client, today=timezone.localdate(),
                             action_url=reverse("client-events", args=[client.pk]), return_to=here),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
