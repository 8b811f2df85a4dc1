"""Sign-in in two steps: a password (refused while locked out), then a code from an
authenticator app; enrolment of that app on first sign-in; sign-out."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.accounts.forms import CodeForm, SignInForm
from rootmap.web.accounts.middleware import needs_second_factor, second_factor_url
from rootmap.web.accounts.services import EnrolmentClosed, totp_device_confirm, totp_device_pending
from rootmap.web.audit.services import audit_record

TOO_MANY = ("Too many wrong codes in a row: wait a little (each wrong code doubles the wait), "
            "then enter the code your authenticator app shows at that moment.")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        if needs_second_factor(request):
            return HttpResponseRedirect(second_factor_url(request.user, _next_url(request)))
        return HttpResponseRedirect(_next_url(request))
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # authenticate() ran inside the form, through django-axes, with the request.
        auth_login(request, form.get_user())
        if needs_second_factor(request):
            return HttpResponseRedirect(second_factor_url(request.user, _next_url(request)))
        return HttpResponseRedirect(_next_url(request))
    return render(request, "accounts/sign_in.html", {"form": form, "next": _next_url(request)})


def _finish_second_factor(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    request.session.cycle_key()  # a new session id at the moment of full privilege
    otp_login(request, device)
    audit_record(action="sign_in", request=request, detail={"step": "second factor"})
    return HttpResponseRedirect(_next_url(request))


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("id").first()
    if device is None:
        return HttpResponseRedirect(second_factor_url(request.user, _next_url(request)))
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", TOO_MANY)
        elif device.verify_token(form.cleaned_data["code"]):
            return _finish_second_factor(request, device)
        else:
            audit_record(action="sign_in_failed", request=request,
                         detail={"step": "second factor"})
            form.add_error("code", "That code is not right or has expired. Enter the code "
                                   "your authenticator app shows now.")
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    if user_has_device(request.user):
        # Replacing an enrolled authenticator is an administrator's job, not a way in.
        return HttpResponseRedirect(second_factor_url(request.user, _next_url(request))
                                    if not request.user.is_verified() else _next_url(request))
    # This session's own secret: another session with the same password sees another.
    device = totp_device_pending(user=request.user, session=request.session)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            form.add_error("code", TOO_MANY)
        elif device.verify_token(form.cleaned_data["code"]):
            try:
                totp_device_confirm(device=device, request=request)
            except EnrolmentClosed:
                # Another session enrolled first: this key is void; sign in with that one.
                return HttpResponseRedirect(second_factor_url(request.user, _next_url(request)))
            return _finish_second_factor(request, device)
        else:
            form.add_error("code", "That code is not right. Check that the app shows Rootmap "
                                   "and enter the code it shows now.")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)
    secret = _base32(device)
    return render(request, "accounts/setup.html", {
        "form": form, "qr_svg": qr_svg, "secret": secret, "next": _next_url(request),
    })


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


class SignOutView(auth_views.LogoutView):
    """Sign-out by POST only (Django's rule), so a link or image cannot sign anyone out."""


sign_out = SignOutView.as_view()
