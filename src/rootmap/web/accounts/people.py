"""Writes about people: an organisation and its first administrator, invitations, roles,
teams, a leaver's caseload and deactivation.

Each write and its audit entry are one transaction. The web pages (an administrator,
`by`) and the command line (`rootmap init`, `rootmap user`: the operating-system user and
host, `command_line`) call the same functions. Refusals raise PeopleRefused naming the
field and what was expected; nothing is half-saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest

from rootmap.web.accounts.models import Organisation, Team, User
from rootmap.web.accounts.services import _end_sessions_of
from rootmap.web.accounts.tokens import SET_UP_DAYS, set_up_link
from rootmap.web.audit.services import CommandLineActor, audit_record
from rootmap.web.clients.models import Client

ROLES = tuple(User.Role.values)
logger = logging.getLogger("rootmap.mail")


class PeopleRefused(ValueError):
    """`field` names what was wrong; `str(error)` says what was expected. `problems` holds
    every (field, message) found when several were checked at once (the first is `field`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.problems: tuple[tuple[str, str], ...] = ((field, message),)

    @classmethod
    def all_of(cls, refusals: Sequence[PeopleRefused]) -> PeopleRefused:
        """One refusal carrying every problem of `refusals` (so they are reported together)."""
        combined = cls(refusals[0].field, str(refusals[0]))
        combined.problems = tuple(p for r in refusals for p in r.problems)
        return combined


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an administrator on a page, or a command run from a shell."""

    user: User | None = None
    request: HttpRequest | None = None
    command_line: CommandLineActor | None = None

    def audit(self, *, action: str, obj: Any, organisation_id: int | None, detail: dict[str, Any],
              client_id: int | None = None) -> None:
        audit_record(action=action, request=self.request, user=self.user, obj=obj, client_id=client_id,
                     organisation_id=organisation_id, detail=detail, command_line=self.command_line)


def _check_admin(actor: Actor, organisation_id: int | None) -> None:
    """A page's administrator acts in their own organisation only (the command line is
    whoever runs the server, and may act in any)."""
    if actor.user is None:
        return
    if actor.user.role != User.Role.ADMIN or actor.user.organisation_id != organisation_id:
        raise PeopleRefused("organisation", "Only an administrator of the same organisation can do this.")


def clean_email(email: str) -> str:
    text = (email or "").strip()
    try:
        validate_email(text)
    except ValidationError:
        raise PeopleRefused("email", f"{text!r} is not an email address (expected name@example.org)") from None
    if len(text) > 254:
        raise PeopleRefused("email", "the email address is longer than 254 characters")
    if User.objects.filter(email__iexact=text).exists():
        raise PeopleRefused("email", f"{text} already belongs to an account (each person has one)")
    return text


def clean_username(username: str, email: str) -> str:
    """The user name typed, or else the email address (lower case)."""
    name = (username or "").strip() or email.lower()
    if len(name) > 150:
        raise PeopleRefused("username", "the user name is longer than 150 characters: choose a shorter one")
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise PeopleRefused("username", f"{name!r}: a user name holds letters, digits and @ . + - _ only") from None
    if User.objects.filter(username__iexact=name).exists():
        raise PeopleRefused("username", f"the user name {name} is taken: choose another")
    return name


def clean_role(role: str) -> str:
    if role not in ROLES:
        raise PeopleRefused("role", f"{role!r} is not a role: expected one of {', '.join(ROLES)}")
    return role


def organisation_by_name(name: str) -> Organisation:
    found = Organisation.objects.filter(name__iexact=(name or "").strip()).first()
    if found is None:
        raise PeopleRefused("organisation", f"there is no organisation called {name!r}")
    return found


def organisation_set_up(*, name: str, admin_email: str, username: str = "",
                        actor: Actor) -> tuple[Organisation, User]:
    """A new organisation and its first administrator, who has no password yet: they choose
    one, and enrol an authenticator, through the set-up link (`set_up_link(user)`)."""
    name = (name or "").strip()
    refusals: list[PeopleRefused] = []  # every problem at once, not one per attempt
    if not name or len(name) > 200:
        refusals.append(PeopleRefused("organisation", "the organisation's name is 1 to 200 characters"))
    with transaction.atomic():
        if name and Organisation.objects.select_for_update().filter(name__iexact=name).exists():
            refusals.append(PeopleRefused("organisation", f"an organisation called {name!r} exists already: "
                                          "choose another name (or invite people into that one)"))
        email = _checked(refusals, clean_email, admin_email)
        # The user name defaults to the email address, so it is checked alone only when typed.
        chosen = (_checked(refusals, clean_username, username, email or "")
                  if email is not None or (username or "").strip() else None)
        if refusals:
            raise PeopleRefused.all_of(refusals)
        assert email is not None and chosen is not None
        organisation = Organisation.objects.create(name=name)
        admin = _new_person(organisation, email=email, username=chosen, role="admin")
        actor.audit(action="create", obj=organisation, organisation_id=organisation.pk,
                    detail={"organisation": name, "first_administrator": admin.username})
        actor.audit(action="invite", obj=admin, organisation_id=organisation.pk,
                    detail={"username": admin.username, "role": "admin", "step": "first administrator"})
    return organisation, admin


def _checked(refusals: list[PeopleRefused], check: Callable[..., str], *args: Any) -> str | None:
    """`check(*args)`, or None with its refusal added to `refusals`."""
    try:
        return check(*args)
    except PeopleRefused as refused:
        refusals.append(refused)
        return None


def _new_person(organisation: Organisation, *, email: str, username: str, role: str,
                first_name: str = "", last_name: str = "") -> User:
    person = User(organisation=organisation, email=email, username=username, role=role,
                  first_name=first_name[:150], last_name=last_name[:150])
    person.set_unusable_password()  # no password until they choose one through the link
    person.save()
    return person


def person_invite(*, organisation: Organisation, email: str, role: str, username: str = "",
                  first_name: str = "", last_name: str = "", actor: Actor, base_url: str = "") -> tuple[User, str]:
    """Create the account, mail the set-up link and return (person, link)."""
    _check_admin(actor, organisation.pk)
    role = clean_role(role)
    with transaction.atomic():
        email = clean_email(email)
        person = _new_person(organisation, email=email, username=clean_username(username, email), role=role,
                             first_name=(first_name or "").strip(), last_name=(last_name or "").strip())
        actor.audit(action="invite", obj=person, organisation_id=organisation.pk,
                    detail={"username": person.username, "role": role})
    link = set_up_link(person, base_url=base_url)
    send_invitation(person, link)
    return person, link


def invite_again(*, person: User, actor: Actor, base_url: str = "") -> str:
    """A new link for someone who has not chosen a password yet; the older link stops working."""
    _check_admin(actor, person.organisation_id)
    if person.has_usable_password():
        raise PeopleRefused("person", f"{person} has chosen a password already: they can reset it by email")
    with transaction.atomic():
        person.set_unusable_password()  # a new unusable hash voids the earlier link
        person.save(update_fields=["password"])
        actor.audit(action="invite", obj=person, organisation_id=person.organisation_id,
                    detail={"username": person.username, "step": "invited again"})
    link = set_up_link(person, base_url=base_url)
    send_invitation(person, link)
    return link


class MailNotSent(Exception):
    """The account is saved and audited, but the mail server refused or could not be reached:
    `str(error)` says so; the link can be given by hand or the invitation sent again."""


def send_invitation(person: User, link: str) -> Any:
    """Queue the invitation mail (rootmap.web.jobs.mail: retried, then recorded as failed).
    On the embedded default it has been tried by the time this returns: a mail that could
    not be sent raises MailNotSent; with a worker it is on its way and the people page says
    what became of it."""
    from rootmap.web.jobs.mail import mail_queue
    from rootmap.web.jobs.models import OutgoingMail

    # A sentence and the link: no organisation, no client, nothing clinical.
    mail = mail_queue(
        to=person.email, subject="Your Rootmap account", purpose=OutgoingMail.Purpose.INVITATION,
        recipient=person,
        body=(f"You are invited to Rootmap: open this link within {SET_UP_DAYS} days to choose a password "
              f"and set up an authenticator app (it works once):\n\n{link}\n"))
    mail.refresh_from_db()
    if mail.status == OutgoingMail.Status.FAILED:
        logger.warning("invitation mail to user %s not sent: %s", person.pk, mail.error)
        raise MailNotSent(f"The invitation mail to {person.email} could not be sent ({mail.error}) "
                          "Send the invitation again, or give the link by hand.")
    return mail


def _active_admins(organisation_id: int | None) -> int:
    return User.objects.filter(organisation_id=organisation_id, role=User.Role.ADMIN, is_active=True).count()


def role_set(*, person: User, role: str, actor: Actor) -> None:
    _check_admin(actor, person.organisation_id)
    role = clean_role(role)
    if actor.user is not None and actor.user.pk == person.pk:
        raise PeopleRefused("role", "You cannot change your own role: ask another administrator.")
    with transaction.atomic():
        # The organisation's administrators are locked: two demotions at once cannot leave none.
        list(User.objects.select_for_update().filter(organisation_id=person.organisation_id, role="admin")
             .values_list("pk", flat=True))
        before = User.objects.get(pk=person.pk).role
        if before == role:
            return
        if before == User.Role.ADMIN and person.is_active and _active_admins(person.organisation_id) == 1:
            raise PeopleRefused("role", f"{person} is the organisation's only administrator: "
                                        "make someone else an administrator first")
        User.objects.filter(pk=person.pk).update(role=role)
        person.role = role
        if role != User.Role.SUPERVISOR:
            for team in person.supervised_teams.all():
                team.supervisors.remove(person)
        actor.audit(action="change", obj=person, organisation_id=person.organisation_id,
                    detail={"username": person.username, "role": {"from": before, "to": role}})


def caseload_reassign(*, person: User, to: User, actor: Actor) -> int:
    """Every client on `person`'s caseload moves to `to`'s (one audit entry per client, so
    each client's history shows who carries them now). Returns how many moved."""
    _check_admin(actor, person.organisation_id)
    if to.organisation_id != person.organisation_id or not to.is_active:
        raise PeopleRefused("reassign_to", "the clients can only move to an active colleague of the same organisation")
    if to.pk == person.pk:
        raise PeopleRefused("reassign_to", "choose someone else to carry the clients")
    moved = 0
    with transaction.atomic():
        for client in Client.objects.filter(clinicians=person).order_by("pk"):
            client.clinicians.remove(person)
            client.clinicians.add(to)
            actor.audit(action="change", obj=client, organisation_id=person.organisation_id,
                        detail={"caseload": {"from": person.username, "to": to.username}})
            moved += 1
    return moved


def person_deactivate(*, person: User, actor: Actor, reassign_to: User | None = None) -> tuple[int, int]:
    """Switch the account off and end its sessions at once; its name stays in the history.
    With `reassign_to`, their caseload moves first. Returns (clients moved, sessions ended)."""
    _check_admin(actor, person.organisation_id)
    if actor.user is not None and actor.user.pk == person.pk:
        raise PeopleRefused("person", "You cannot switch off your own account: ask another administrator.")
    with transaction.atomic():
        list(User.objects.select_for_update().filter(organisation_id=person.organisation_id, role="admin")
             .values_list("pk", flat=True))
        locked = User.objects.select_for_update().get(pk=person.pk)
        if not locked.is_active:
            raise PeopleRefused("person", f"{person}'s account is switched off already")
        if locked.role == User.Role.ADMIN and _active_admins(person.organisation_id) == 1:
            raise PeopleRefused("person", f"{person} is the organisation's only administrator: "
                                          "make someone else an administrator first")
        moved = caseload_reassign(person=person, to=reassign_to, actor=actor) if reassign_to is not None else 0
        left = Client.objects.filter(clinicians=person).count()
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.is_active = False
        ended = _end_sessions_of(person)
        actor.audit(action="change", obj=person, organisation_id=person.organisation_id,
                    detail={"username": person.username, "account": "switched off", "sessions_ended": ended,
                            "clients_moved": moved, "clients_left_on_caseload": left})
    return moved, ended


def team_save(*, organisation: Organisation, name: str, supervisors: list[User], members: list[User],
              actor: Actor, team: Team | None = None) -> Team:
    """Create or change a team: its name, the supervisors who oversee it, its clinicians."""
    _check_admin(actor, organisation.pk)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise PeopleRefused("name", "a team's name is 1 to 120 characters")
    for person in [*supervisors, *members]:
        if person.organisation_id != organisation.pk:
            raise PeopleRefused("members", "a team holds people of its own organisation only")
    wrong = [str(p) for p in supervisors if p.role != User.Role.SUPERVISOR]
    if wrong:
        raise PeopleRefused("supervisors", f"not supervisors: {', '.join(wrong)} (set their role first)")
    with transaction.atomic():
        clash = Team.objects.filter(organisation=organisation, name__iexact=name)
        if team is not None:
            clash = clash.exclude(pk=team.pk)
        if clash.exists():
            raise PeopleRefused("name", f"there is a team called {name!r} already")
        created = team is None
        if team is None:
            team = Team.objects.create(organisation=organisation, name=name)
        else:
            team.name = name
            team.save(update_fields=["name"])
        team.supervisors.set(supervisors)
        team.members.set(members)
        actor.audit(action="create" if created else "change", obj=team, organisation_id=organisation.pk,
                    detail={"team": name, "supervisors": sorted(p.username for p in supervisors),
                            "members": sorted(p.username for p in members)})
    return team
