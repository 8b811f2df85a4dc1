"""`rootmap user invite|role|deactivate|reset-2fa`: the people of an organisation, for IT
departments. The same services as the administrators' pages, audited with the
operating-system user and host.

    rootmap user invite --organisation NAME --email EMAIL --role clinician [--username U]
    rootmap user role --organisation NAME --username U --role supervisor
    rootmap user deactivate --organisation NAME --email EMAIL [--reassign-to USERNAME]
    rootmap user reset-2fa --organisation NAME --username U
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rootmap.cli._database import add_settings_argument, database_problem, setup_django

ROLES = ("admin", "supervisor", "clinician")


def _who(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisation", required=True, metavar="NAME")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--email", metavar="EMAIL")
    group.add_argument("--username", metavar="U")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    invite = sub.add_parser("invite", help="create an account and mail its set-up link")
    invite.add_argument("--organisation", required=True, metavar="NAME")
    invite.add_argument("--email", required=True, metavar="EMAIL")
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--username", default="", metavar="U", help="default: the email address")
    invite.add_argument("--first-name", default="")
    invite.add_argument("--last-name", default="")
    invite.add_argument("--base-url", default="", metavar="URL", help="default: ROOTMAP_BASE_URL")
    role = sub.add_parser("role", help="set someone's role")
    _who(role)
    role.add_argument("--role", required=True, choices=ROLES)
    deactivate = sub.add_parser("deactivate", help="switch an account off; its sessions end at once")
    _who(deactivate)
    deactivate.add_argument("--reassign-to", metavar="USERNAME",
                            help="move their caseload to this colleague first")
    reset = sub.add_parser("reset-2fa", help="remove someone's authenticator: they enrol again at next sign-in")
    _who(reset)
    for each in (invite, role, deactivate, reset):
        add_settings_argument(each)


class Refused(Exception):
    pass


def _person(organisation: Any, *, email: str | None = None, username: str | None = None) -> Any:
    from rootmap.web.accounts.models import User

    people = User.objects.filter(organisation=organisation)
    found = (people.filter(email__iexact=email) if email else people.filter(username__iexact=username)).first()
    if found is None:
        raise Refused(f"{'email' if email else 'username'}: nobody in {organisation.name!r} "
                      f"has {'the email' if email else 'the user name'} {email or username!r}")
    return found


def run(args: argparse.Namespace) -> int:
    setup_django(args)
    from django.db import DatabaseError

    from rootmap.web.accounts.people import PeopleRefused
    from rootmap.web.accounts.services import ResetRefused

    try:
        print(_run(args))
    except DatabaseError as error:
        print(f"rootmap user {args.action}: {database_problem(error)}", file=sys.stderr)
        return 2
    except PeopleRefused as refused:
        print(f"rootmap user {args.action}: {refused.field}: {refused}", file=sys.stderr)
        return 2
    except (Refused, ResetRefused) as refused:
        print(f"rootmap user {args.action}: {refused}", file=sys.stderr)
        return 2
    return 0


def _run(args: argparse.Namespace) -> str:
    from rootmap.web.accounts import people
    from rootmap.web.accounts.services import authenticator_reset
    from rootmap.web.audit.services import command_line_actor

    try:
        organisation = people.organisation_by_name(args.organisation)
    except people.PeopleRefused as refused:
        raise Refused(f"organisation: {refused}") from None
    actor = people.Actor(command_line=command_line_actor())
    if args.action == "invite":
        from rootmap.cli.init import base_url_or_exit

        base = base_url_or_exit("user invite", args.base_url)
        try:
            person, link = people.person_invite(organisation=organisation, email=args.email, role=args.role,
                                                username=args.username, first_name=args.first_name,
                                                last_name=args.last_name, actor=actor, base_url=base)
        except people.MailNotSent as not_sent:
            # The account is made: the link can still be given by hand.
            from rootmap.web.accounts.models import User
            from rootmap.web.accounts.tokens import set_up_link

            print(f"rootmap user invite: {not_sent}", file=sys.stderr)
            person = User.objects.get(email__iexact=args.email.strip())
            return f"Invited {person.username}; give them this link by hand:\n{set_up_link(person, base_url=base)}"
        return (f"Invited {person.username} ({person.get_role_display().lower()}); the set-up link went to "
                f"{person.email}:\n{link}")
    person = _person(organisation, email=args.email, username=args.username)
    if args.action == "role":
        people.role_set(person=person, role=args.role, actor=actor)
        return f"{person.username} is now {person.get_role_display().lower()}."
    if args.action == "deactivate":
        to = _person(organisation, username=args.reassign_to) if args.reassign_to else None
        moved, ended = people.person_deactivate(person=person, actor=actor, reassign_to=to)
        left = person.caseload.count()
        lines = [f"{person.username} is switched off; {ended} open session(s) ended."]
        if to is not None:
            lines.append(f"{moved} client(s) moved to {to.username}.")
        if left:
            lines.append(f"{left} client(s) are still on their caseload: move them with --reassign-to.")
        return "\n".join(lines)
    ended = authenticator_reset(user=person, by=None, request=None, command_line=actor.command_line)
    return (f"{person.username}'s authenticator is removed ({ended} session(s) ended); "
            "they set up a new one at their next sign-in.")
