"""Every check of a password goes through django-axes, whatever page asks for it.

Signing in is not the only place a password is typed: finalising an assessment (the
clinician's signature) and resetting a colleague's authenticator ask for it again. Were
those pages to call `user.check_password()`, anyone holding an open session could guess
the password there without limit. `django.contrib.auth.authenticate()` with the request
runs django-axes' backend first (refused while locked out) and its failure signal counts
the miss, for the same user name and address as the sign-in page.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest

from rootmap.web.accounts.models import User

# Read by the audit log's failed sign-in handler, to say which page the password was typed on.
STEP_ATTRIBUTE = "rootmap_password_step"


def password_matches(*, request: HttpRequest, user: User, password: str, step: str) -> bool:
    """True when `password` is `user`'s; False when it is not or the pair is locked out.

    A lockout sets `request.axes_locked_out`; django-axes' middleware then answers 429.
    """
    if not password:
        return False
    setattr(request, STEP_ATTRIBUTE, step)
    checked = authenticate(request, username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


def locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))
