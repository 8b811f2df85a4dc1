"""The people of an organisation, for its administrators: invitations, roles, teams, a
leaver's caseload and deactivation, and the reset of an authenticator (a lost or
compromised phone). Anyone else gets 404, as for any record outside their scope; a user or
team of another organisation is 404 too. The rules live in accounts.people."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.access import as_pk, can_administer
from rootmap.web.accounts.models import Team, User
from rootmap.web.accounts.passwords import locked_out, password_matches
from rootmap.web.accounts.people import (
    Actor,
    MailNotSent,
    PeopleRefused,
    invite_again,
    person_deactivate,
    person_invite,
    role_set,
    team_save,
)
from rootmap.web.accounts.people_forms import DeactivateForm, InviteForm, RoleForm, TeamForm
from rootmap.web.accounts.services import ResetRefused, authenticator_reset
from rootmap.web.clients.models import Client
from rootmap.web.keyset import KeysetPage, keyset_page


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    username: str
    role: str
    active: bool
    enrolled: bool
    is_self: bool
    invited: bool  # has not chosen a password yet
    caseload: int
    mail_failed: str = ""  # why their latest invitation mail could not be sent


PEOPLE_PAGE = 50
PEOPLE_ORDER = ("last_name", "first_name", "username", "id")


def _people_of(admin: User, *, after: object = None, before: object = None) -> tuple[list[PersonRow], KeysetPage]:
    """One keyset page of the organisation's people (index user_org_name_idx), with their
    caseload size counted for the page's rows only, never for the whole organisation."""
    from rootmap.web.jobs.mail import invitation_mail_failures

    caseload = (Client.clinicians.through.objects.filter(user_id=OuterRef("pk")).order_by()
                .values("user_id").annotate(n=Count("client_id")).values("n"))
    people = User.objects.filter(organisation_id=admin.organisation_id).annotate(
        clients=Coalesce(Subquery(caseload), 0))
    page = keyset_page(people, order=PEOPLE_ORDER, size=PEOPLE_PAGE, after=after, before=before)
    pks = [u.pk for u in page.object_list]
    failed = invitation_mail_failures(admin.organisation_id, recipients=pks)
    enrolled = set(TOTPDevice.objects.filter(user_id__in=pks, confirmed=True).values_list("user_id", flat=True))
    rows = [
        PersonRow(u.pk, str(u), u.username, u.get_role_display(), u.is_active, u.pk in enrolled,
                  u.pk == admin.pk, not u.has_usable_password(), u.clients,
                  failed[u.pk].error if u.pk in failed and not u.has_usable_password() else "")
        for u in page.object_list
    ]
    return rows, page


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
    people, page = _people_of(request.user, after=request.GET.get("after"), before=request.GET.get("before"))
    return render(request, "accounts/people.html", {"people": people, "page": page, "nav": "people"})


def _base_url(request: HttpRequest) -> str:
    return settings.ROOTMAP_BASE_URL or request.build_absolute_uri("/").rstrip("/")


def _admin_actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, request=request)


def _refusal_on(form: forms.Form, refused: PeopleRefused) -> None:
    form.add_error(refused.field if refused.field in form.fields else None, str(refused))


def _mail_said(person: User, what: str) -> str:
    """"Invitation sent to" once the mail went (the embedded default), else "... queued for"."""
    from rootmap.web.jobs.mail import last_invitation_mail

    mail = last_invitation_mail(person)
    return f"{what} sent to" if mail is not None and mail.status == "sent" else f"{what} queued for"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def people_invite(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person, _link = person_invite(
                organisation=request.user.organisation, email=data["email"], role=data["role"],
                username=data["username"], first_name=data["first_name"], last_name=data["last_name"],
                actor=_admin_actor(request), base_url=_base_url(request))
        except PeopleRefused as refused:
            _refusal_on(form, refused)
        except MailNotSent as not_sent:
            messages.error(request, str(not_sent))
            return redirect("people-list")
        else:
            messages.success(request, f"{_mail_said(person, 'Invitation')} {person.email}: the link works once, "
                                      "for seven days.")
            return redirect("people-list")
    return render(request, "accounts/invite.html", {"form": form, "nav": "people"},
                  status=422 if form.errors else 200)


def _person_page(request: HttpRequest, person: User, *, role_form: RoleForm | None = None,
                 status: int = 200) -> HttpResponse:
    return render(request, "accounts/person.html", {
        "person": person, "nav": "people", "is_self": person.pk == request.user.pk,
        "role_form": role_form or RoleForm(initial={"role": person.role}),
        "invited": not person.has_usable_password(),
        "enrolled": TOTPDevice.objects.filter(user=person, confirmed=True).exists(),
        "caseload": person.caseload.count(),
        "teams": list(person.teams.all()), "supervised": list(person.supervised_teams.all()),
    }, status=status)


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_page(request, _person_for(request.user, pk))


@login_required
@require_POST
def person_role(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request.user, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            role_set(person=person, role=form.cleaned_data["role"], actor=_admin_actor(request))
        except PeopleRefused as refused:
            _refusal_on(form, refused)
        else:
            messages.success(request, f"{person} is now {person.get_role_display().lower()}.")
            return redirect("person-detail", pk=person.pk)
    return _person_page(request, person, role_form=form, status=422)


@login_required
@require_POST
def person_invite_again(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request.user, pk)
    try:
        invite_again(person=person, actor=_admin_actor(request), base_url=_base_url(request))
    except (PeopleRefused, MailNotSent) as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{_mail_said(person, 'A new invitation')} {person.email}; the earlier link "
                                  "no longer works.")
    return redirect("person-detail", pk=person.pk)


@sensitive_post_parameters("password")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person_for(request.user, pk)
    colleagues = User.objects.filter(organisation_id=person.organisation_id, is_active=True,
                                     role__in=[User.Role.CLINICIAN, User.Role.SUPERVISOR]
                                     ).exclude(pk=person.pk).order_by("username")
    form = DeactivateForm(request.POST if request.method == "POST" else None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        if not password_matches(request=request, user=request.user, password=form.cleaned_data["password"],
                                step="deactivate"):
            if locked_out(request):
                auth_logout(request)
                return HttpResponse(status=429)
            form.add_error("password", "That password is not right: enter the password you sign in with.")
        else:
            try:
                moved, _ended = person_deactivate(person=person, actor=_admin_actor(request),
                                                  reassign_to=form.cleaned_data["reassign_to"])
            except PeopleRefused as refused:
                _refusal_on(form, refused)
            else:
                moved_text = f" {moved} client(s) moved to {form.cleaned_data['reassign_to']}." if moved else ""
                messages.success(request, f"{person}'s account is switched off and their sessions have ended."
                                          + moved_text)
                return redirect("people-list")
    return render(request, "accounts/deactivate.html", {
        "person": person, "form": form, "nav": "people", "caseload": person.caseload.count(),
        "is_self": person.pk == request.user.pk,
    }, status=422 if form.errors else 200)


def _team_for(admin: User, pk: object) -> Team:
    if not can_administer(admin):
        raise Http404("No such page")
    team = Team.objects.filter(pk=as_pk(pk), organisation_id=admin.organisation_id).first()
    if team is None:
        raise Http404("No such team")
    return team


def _team_save(request: HttpRequest, form: TeamForm, team: Team | None) -> Team | None:
    if not form.is_valid():
        return None
    try:
        return team_save(organisation=request.user.organisation, name=form.cleaned_data["name"],
                         supervisors=list(form.cleaned_data["supervisors"]),
                         members=list(form.cleaned_data["members"]), actor=_admin_actor(request), team=team)
    except PeopleRefused as refused:
        _refusal_on(form, refused)
        return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    if not can_administer(request.user):
        raise Http404("No such page")
    form = TeamForm(request.POST if request.method == "POST" else None,
                    organisation_id=request.user.organisation_id)
    if request.method == "POST" and (saved := _team_save(request, form, None)) is not None:
        messages.success(request, f"Team {saved.name} is saved.")
        return redirect("team-list")
    teams = Team.objects.filter(organisation_id=request.user.organisation_id).prefetch_related(
        "supervisors", "members")
    return render(request, "accounts/teams.html", {"teams": teams, "form": form, "nav": "people"},
                  status=422 if form.errors else 200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team_for(request.user, pk)
    initial = {"name": team.name, "supervisors": list(team.supervisors.all()), "members": list(team.members.all())}
    form = TeamForm(request.POST if request.method == "POST" else None, initial=initial,
                    organisation_id=request.user.organisation_id)
    if request.method == "POST" and _team_save(request, form, team) is not None:
        messages.success(request, f"Team {form.cleaned_data['name']} is saved.")
        return redirect("team-list")
    return render(request, "accounts/team.html", {"team": team, "form": form, "nav": "people"},
                  status=422 if form.errors else 200)


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
