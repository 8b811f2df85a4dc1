"""The set-up link of an invitation or of `rootmap init`: choose a password, then (signed
in with it) enrol an authenticator on the usual enrolment page."""

from __future__ import annotations

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from rootmap.web.access import as_pk
from rootmap.web.accounts.middleware import needs_second_factor, second_factor_url
from rootmap.web.accounts.models import User
from rootmap.web.accounts.tokens import set_up_tokens
from rootmap.web.audit.services import audit_record


def _person(uidb64: str, token: str) -> User | None:
    try:
        pk = as_pk(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    person = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    if person is None or person.has_usable_password() or not set_up_tokens.check_token(person, token):
        return None
    return person


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    person = _person(uidb64, token)
    if person is None:
        return render(request, "accounts/welcome.html", {"validlink": False})
    form = SetPasswordForm(person, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()  # the new hash voids the link
            audit_record(action="change", request=request, user=person, obj=person,
                         organisation_id=person.organisation_id,
                         detail={"password": "chosen through the set-up link"})
        if request.user.is_authenticated:
            auth_logout(request)  # someone else was signed in in this browser
        auth_login(request, person, backend="django.contrib.auth.backends.ModelBackend")
        if needs_second_factor(request):
            return HttpResponseRedirect(second_factor_url(person))
        return HttpResponseRedirect("/")
    return render(request, "accounts/welcome.html", {"validlink": True, "form": form, "person": person})
