"""Sign-in, sign-out and failed sign-in go to the audit log (Django's auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from rootmap.web.audit.services import audit_record


def on_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="sign_in", request=request, user=user, detail={"step": "password"})


def on_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action="sign_out", request=request, user=user)


def on_sign_in_failed(sender: Any, credentials: dict[str, Any], request: Any = None,
                      **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    # The organisation of the account tried, so its administrators see attacks on it.
    known = get_user_model().objects.filter(username=username.replace("\x00", "")).first()
    audit_record(
        action="sign_in_failed", request=request, user=None,
        organisation_id=known.organisation_id if known else None,
        # "password" at sign-in; another page that re-asks the password names itself
        # (rootmap.web.accounts.passwords), e.g. "finalise".
        detail={"username": username,
                "step": getattr(request, "rootmap_password_step", None) or "password",
                "locked_out": bool(getattr(request, "axes_locked_out", False))},
    )
