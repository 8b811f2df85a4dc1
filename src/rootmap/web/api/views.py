"""The API tokens page: make a token (shown once), list yours with their last use, revoke one.

A person manages only their own tokens; another person's token id is 404, as any record
outside what they may see.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from rootmap.web.access import as_pk
from rootmap.web.accounts.models import User
from rootmap.web.accounts.passwords import locked_out, password_matches
from rootmap.web.api import tokens
from rootmap.web.api.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=tokens.MAX_NAME,
                           help_text="What it is for, for example “EHR sync”. The audit log names "
                                     "every record the token reads by this name.")
    scope = forms.ChoiceField(label="Scope", choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ,
                              widget=forms.RadioSelect)
    expires = forms.IntegerField(label="Expires after (days)", required=False, min_value=1,
                                 max_value=tokens.MAX_EXPIRY_DAYS, initial=90,
                                 help_text="Leave empty for a token that does not expire (revoke it when "
                                           "it is no longer needed).")
    # A token acts as its person until revoked, without their second factor: an open
    # session alone (a borrowed laptop, a stolen cookie) must not be enough to make one.
    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput,
                               help_text="The password you sign in with: it confirms that you are making "
                                         "this token.")


@csrf_exempt  # it changes nothing; API clients send no CSRF token
def api_not_found(request: HttpRequest) -> HttpResponse:
    from rootmap.web.api.errors import error_body, json_response

    return json_response(404, error_body(f"No API operation at {request.path_info[:200]}; "
                                         "the operations are listed at /api/v1/openapi.json"))


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    issued = None
    status = 200
    if request.method == "POST":
        if form.is_valid() and not password_matches(request=request, user=user,
                                                    password=form.cleaned_data["password"], step="api token"):
            if locked_out(request):  # as on every page that asks for the password again
                auth_logout(request)
                return HttpResponse(status=429)
            form.add_error("password", "That password is not right: enter the password you sign in with.")
        if form.is_valid():
            try:
                issued = tokens.token_create(user=user, name=form.cleaned_data["name"],
                                             scope=form.cleaned_data["scope"],
                                             expires_days=form.cleaned_data["expires"], request=request)
            except tokens.TokenInputError as error:
                for problem in error.problems:
                    form.add_error(problem.path if problem.path in form.fields else None, problem.message)
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    return render(request, "api/tokens.html", {
        "nav": "tokens", "form": form, "issued": issued, "tokens": tokens.tokens_of(user),
    }, status=status)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    token = ApiToken.objects.filter(pk=as_pk(pk), user=user).first()
    if token is None:
        raise Http404("No such token")
    tokens.token_revoke(token=token, user=user, request=request)
    messages.success(request, f"The token “{token.name}” was revoked: it no longer works.")
    return redirect("api-tokens")
