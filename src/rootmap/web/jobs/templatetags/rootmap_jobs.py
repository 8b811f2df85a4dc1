"""`{% reminders_sent %}`: the reminders sent to the signed-in user, for the dashboard."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("jobs/_reminders_sent.html", takes_context=True)
def reminders_sent(context: Any) -> dict[str, Any]:
    from rootmap.web.jobs.reminders import reminders_sent_to

    user = context["request"].user
    return {"sent": reminders_sent_to(user, limit=5) if user.is_authenticated else []}
