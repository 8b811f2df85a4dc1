"""Two-factor sign-in, required outside demo mode (settings.ROOTMAP_REQUIRE_2FA).

A user who has given a password but no second factor yet is signed in to Django, but may
only reach the pages that finish signing in (verify a code, enrol an authenticator) and
sign out; every other request is sent there. It sits after django-otp's OTPMiddleware,
which tells whether the session's second factor is verified.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from rootmap.web.accounts.signed_out import is_background_endpoint, signed_out_answer

# URL names an unverified user may still reach.
OPEN_BEFORE_SECOND_FACTOR = frozenset({"two-factor-verify", "two-factor-setup", "logout", "login"})


def needs_second_factor(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if not getattr(settings, "ROOTMAP_REQUIRE_2FA", True):
        return False
    if user is None or not user.is_authenticated:
        return False
    # OTPMiddleware gives request.user is_verified(); a user just signed in by
    # django.contrib.auth.login() in this request has not got it yet, nor a second factor.
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified() if callable(is_verified) else False)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_active:
            # A switched-off account's session ends on its next request, whatever the session
            # store kept (Django's backend already refuses it; this does not rely on that).
            from django.contrib.auth import logout

            logout(request)
            if is_background_endpoint(_view_of(request)):
                return signed_out_answer("signed-out")
            return HttpResponseRedirect(reverse("login"))
        if needs_second_factor(request):
            try:
                match = resolve(request.path_info)
                name, view = match.url_name, match.func
            except Resolver404:
                name, view = None, None
            if name not in OPEN_BEFORE_SECOND_FACTOR:
                if is_background_endpoint(view):
                    return signed_out_answer("second-factor")
                return HttpResponseRedirect(second_factor_url(request.user, request.get_full_path()))
        return self.get_response(request)


def _view_of(request: HttpRequest) -> object:
    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def second_factor_url(user, next_url: str | None = None) -> str:
    from django_otp import user_has_device

    target = reverse("two-factor-verify" if user_has_device(user) else "two-factor-setup")
    if next_url:
        target += "?" + urlencode({"next": next_url})
    return target


def client_address(request: HttpRequest) -> str:
    """For django-axes: the address a sign-in came from, as the audit log records it."""
    from rootmap.web.audit.services import client_ip

    return client_ip(request) or ""
