"""Autosave endpoints answer a signed-out request with 401, never with the sign-in page.

A page's script posts to them in the background. A redirect to the sign-in page would be
followed by the browser and arrive as a 200 HTML page, which a script cannot tell from a
save; a 401 with a small JSON body says plainly that nothing was saved and why.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

MESSAGES = {
    "signed-out": "Not saved: you are signed out. Sign in again to save.",
    "second-factor": "Not saved: finish signing in (the code from your authenticator) to save.",
}


def signed_out_answer(reason: str) -> HttpResponse:
    response = JsonResponse({"error": reason, "message": MESSAGES[reason], "sign_in": reverse("login")},
                            status=401)
    # 401 asks for a challenge; this scheme names the application's own sign-in page
    # (a browser shows no password prompt for a scheme it does not know).
    response["WWW-Authenticate"] = 'Session realm="Rootmap"'
    response["Cache-Control"] = "no-store"
    return response


def answers_401_when_signed_out(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like login_required, but a 401 instead of the redirect (the 2FA middleware does the same)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return signed_out_answer("signed-out")
        return view(request, *args, **kwargs)

    wrapper.answers_401_when_signed_out = True  # type: ignore[attr-defined]
    return wrapper


def is_background_endpoint(view: Any) -> bool:
    return bool(getattr(view, "answers_401_when_signed_out", False))
