"""Template context every page needs: demo mode, and who is signed in with what role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def rootmap(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    is_admin = bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "role", None) == "admin"
        and getattr(user, "organisation_id", None) is not None
    )
    return {
        "DEMO_MODE": getattr(settings, "DEMO_MODE", False),
        "user_is_admin": is_admin,
        # Supervisors read the audit log of their teams' clients.
        "user_reads_audit": is_admin or bool(
            user is not None and user.is_authenticated and getattr(user, "role", None) == "supervisor"
            and getattr(user, "organisation_id", None) is not None),
    }
