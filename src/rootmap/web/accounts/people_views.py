"""The people of an organisation, for its administrators: who has an authenticator, and
the reset of one (a lost or compromised phone). Anyone else gets 404, as for any record
outside their scope; a user of another organisation is 404 too."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.access import as_pk, can_administer
from rootmap.web.accounts.models import User
from rootmap.web.accounts.passwords import locked_out, password_matches
from rootmap.web.accounts.services import ResetRefused, authenticator_reset


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    username: str
    role: str
    active: bool
    enrolled: bool
    is_self: bool


def _people_of(admin: User) -> list[PersonRow]:
    enrolled = set(TOTPDevice.objects.filter(user__organisation_id=admin.organisation_id, confirmed=True)
                   .values_list("user_id", flat=True))
    people = User.objects.filter(organisation_id=admin.organisation_id).order_by(
        "last_name", "first_name", "username")
    return [
        PersonRow(u.pk, str(u), u.username, u.get_role_display(), u.is_active, u.pk in enrolled, u.pk == admin.pk)
        for u in people
    ]


def _person_for(admin: User, pk: object) -> User:
    if not can_administer(admin):
        raise Http404("No such page")
    person = User.objects.filter(pk=as_pk(pk), organisation_id=admin.organisation_id).first()
    if person is None:
        raise Http404("No such person")
    return person


@login_required
@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    return render(request, "accounts/people.html", {"people": _people_of(request.user), "nav": "people"})


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def authenticator_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request.user, pk)
    error = ""
    if request.method == "POST":
        # The administrator's own password again: a reset opens the account to a new phone.
        if not password_matches(request=request, user=request.user,
                                password=request.POST.get("password", ""), step="authenticator reset"):
            if locked_out(request):
                # As at the finalise step: signed out, and django-axes' middleware answers
                # with the lockout page (429).
                auth_logout(request)
                return HttpResponse(status=429)
            error = "That password is not right: enter the password you sign in with."
        else:
            try:
                authenticator_reset(user=person, by=request.user, request=request)
            except ResetRefused as refused:
                error = str(refused)
            else:
                messages.success(request, f"{person}'s authenticator is reset: they set up a new one "
                                          "the next time they sign in.")
                return redirect("people-list")
    return render(request, "accounts/authenticator_reset.html", {
        "person": person, "error": error, "nav": "people",
        "is_self": person.pk == request.user.pk,
    }, status=422 if error else 200)
