"""People and roles (issue 13): invitations by a set-up link that is signed, single-use and
expiring; roles; teams; a leaver's caseload and deactivation; the reset of an
authenticator; the command line's `rootmap user`; supervisors reading their teams' audit
log. Mail crosses a real SMTP server (tests/mail.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.cli import main as rootmap
from rootmap.web.accounts.models import Team, User
from rootmap.web.accounts.people import (
    Actor,
    PeopleRefused,
    caseload_reassign,
    person_deactivate,
    person_invite,
    role_set,
    team_save,
)
from rootmap.web.accounts.tokens import SetUpTokenGenerator, set_up_tokens
from rootmap.web.audit.models import AuditEntry
from rootmap.web.audit.services import audit_record
from rootmap.web.jobs.models import OutgoingMail
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import PASSWORD, make_client

NEW_PASSWORD = "a long and private passphrase"


def _signed_in(user: User) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _path(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


# --- The set-up link -------------------------------------------------------------------------

def test_an_invitation_mails_a_link_and_a_sentence_only(smtp_server, admin: User,
                                                        django_capture_on_commit_callbacks) -> None:
    http = _signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):  # the mail is queued once the invitation commits
        answer = http.post("/people/invite/", {"email": "nia@example.org", "role": "clinician",
                                               "first_name": "Nia", "last_name": "Okafor"})
    assert answer.status_code == 302 and answer["Location"] == "/people/"
    mail = smtp_server.wait_for(to="nia@example.org")
    queued = OutgoingMail.objects.get()
    assert (queued.purpose, queued.status, queued.attempts, queued.body) == ("invitation", "sent", 1, "")
    assert mail.subject == "Your Rootmap account"
    assert len(mail.links) == 1 and "/welcome/" in mail.links[0]
    body_without_link = mail.body.replace(mail.links[0], "")
    for private in ("Riverside", "Nia", "Okafor", "ada", "clinician"):
        assert private not in body_without_link
    nia = User.objects.get(email="nia@example.org")
    assert (nia.organisation_id, nia.role, nia.username, nia.has_usable_password()) == (
        admin.organisation_id, "clinician", "nia@example.org", False)
    assert AuditEntry.objects.filter(action="invite", object_id=str(nia.pk), actor=admin).count() == 1


def test_the_link_sets_a_password_once_then_sends_to_enrolment(settings, admin: User) -> None:
    settings.ROOTMAP_REQUIRE_2FA = True
    nia, link = person_invite(organisation=admin.organisation, email="nia@example.org", role="clinician",
                              actor=Actor(user=admin), base_url="https://rootmap.example.org")
    assert link.startswith("https://rootmap.example.org/welcome/")
    http = HttpClient()
    page = http.get(_path(link))
    assert page.status_code == 200 and b"nia@example.org" in page.content
    weak = http.post(_path(link), {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and b"too short" in weak.content
    saved = http.post(_path(link), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302 and saved["Location"] == "/sign-in/authenticator/"
    nia.refresh_from_db()
    assert nia.check_password(NEW_PASSWORD)
    # Signed in with the password only: everything but enrolment sends there.
    assert http.get("/clients/")["Location"].startswith("/sign-in/authenticator/")
    again = HttpClient().get(_path(link))
    assert b"This link does not work any more" in again.content


def test_the_link_expires_after_seven_days() -> None:
    class Later(SetUpTokenGenerator):
        def __init__(self, days: float) -> None:
            super().__init__()
            self.days = days

        def _now(self) -> dt.datetime:
            return super()._now() + dt.timedelta(days=self.days)

    person = User(pk=41, username="x", password="!unusable", email="x@example.org")
    token = set_up_tokens.make_token(person)
    assert Later(6.9).check_token(person, token) is True
    assert Later(7.1).check_token(person, token) is False
    # Neither a password-reset token nor a token for someone else opens it.
    from django.contrib.auth.tokens import default_token_generator

    assert set_up_tokens.check_token(person, default_token_generator.make_token(person)) is False
    other = User(pk=42, username="y", password="!unusable", email="y@example.org")
    assert set_up_tokens.check_token(other, token) is False


def test_inviting_again_voids_the_earlier_link_and_deactivation_voids_any(
        smtp_server, admin: User, django_capture_on_commit_callbacks) -> None:
    http = _signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        http.post("/people/invite/", {"email": "nia@example.org", "role": "clinician"})
    first = _path(smtp_server.wait_for(to="nia@example.org").links[0])
    nia = User.objects.get(email="nia@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        http.post(f"/people/{nia.pk}/invite-again/")
    second = _path(smtp_server.wait_for(to="nia@example.org", count=2).links[0])
    assert first != second
    assert b"does not work" in HttpClient().get(first).content
    assert b"Welcome to Rootmap" in HttpClient().get(second).content
    person_deactivate(person=nia, actor=Actor(user=admin))
    assert b"does not work" in HttpClient().get(second).content


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"email": "not an address", "role": "clinician"}, "email", "Enter an email address"),
    ({"email": "a@example.org", "role": "boss"}, "role", "Choose administrator, supervisor or clinician"),
    ({"email": "a@example.org", "role": "clinician", "username": "has space"}, "username",
     "letters, digits and @ . + - _ only"),
])
def test_a_bad_invitation_names_the_field_and_saves_nothing(admin: User, data, field, says) -> None:
    answer = _signed_in(admin).post("/people/invite/", data)
    assert answer.status_code == 422
    assert says in answer.content.decode()
    assert User.objects.count() == 1 and not AuditEntry.objects.filter(action="invite").exists()


def test_an_email_in_use_is_refused(admin: User, clinician: User) -> None:
    clinician.email = "cleo@example.org"
    clinician.save()
    answer = _signed_in(admin).post("/people/invite/", {"email": "CLEO@example.org", "role": "clinician"})
    assert answer.status_code == 422 and b"already belongs to an account" in answer.content


# --- Roles, teams, leavers -----------------------------------------------------------------

def test_a_role_change_is_audited_and_the_last_administrator_stays(admin: User, clinician: User) -> None:
    answer = _signed_in(admin).post(f"/people/{clinician.pk}/role/", {"role": "supervisor"})
    assert answer.status_code == 302
    clinician.refresh_from_db()
    assert clinician.role == "supervisor"
    entry = AuditEntry.objects.get(action="change", object_id=str(clinician.pk))
    assert entry.detail["role"] == {"from": "clinician", "to": "supervisor"} and entry.actor == admin
    own = _signed_in(admin).post(f"/people/{admin.pk}/role/", {"role": "clinician"})
    assert own.status_code == 422 and b"cannot change your own role" in own.content
    with pytest.raises(PeopleRefused, match="only administrator"):
        role_set(person=admin, role="clinician", actor=Actor())


def test_an_administrator_acts_in_their_own_organisation_only(admin: User, outsider: User) -> None:
    for path in (f"/people/{outsider.pk}/", f"/people/{outsider.pk}/deactivate/"):
        assert _signed_in(admin).get(path).status_code == 404
    assert _signed_in(admin).post(f"/people/{outsider.pk}/role/", {"role": "clinician"}).status_code == 404
    with pytest.raises(PeopleRefused, match="same organisation"):
        role_set(person=outsider, role="clinician", actor=Actor(user=admin))
    with pytest.raises(PeopleRefused, match="same organisation"):
        person_deactivate(person=outsider, actor=Actor(user=admin))
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.role == "supervisor"


def test_teams_hold_supervisors_and_clinicians_of_the_organisation(admin: User, supervisor: User,
                                                                   clinician: User, outsider: User) -> None:
    answer = _signed_in(admin).post("/teams/", {"name": "North", "supervisors": [supervisor.pk],
                                                "members": [clinician.pk]})
    assert answer.status_code == 302
    team = Team.objects.get(name="North")
    assert list(team.supervisors.all()) == [supervisor] and list(team.members.all()) == [clinician]
    refused = _signed_in(admin).post("/teams/", {"name": "South", "members": [outsider.pk]})
    assert refused.status_code == 422 and b"Choose clinicians from the list" in refused.content
    with pytest.raises(PeopleRefused, match="not supervisors"):
        team_save(organisation=admin.organisation, name="East", supervisors=[clinician], members=[],
                  actor=Actor(user=admin))
    duplicate = _signed_in(admin).post("/teams/", {"name": "north"})
    assert duplicate.status_code == 422 and b"a team called" in duplicate.content
    assert Team.objects.count() == 1


def test_a_leaver_is_switched_off_their_sessions_end_and_their_clients_move(
        admin: User, clinician: User, colleague: User) -> None:
    first = make_client(admin.organisation, "C-1", clinicians=(clinician,))
    second = make_client(admin.organisation, "C-2", clinicians=(clinician, colleague))
    audit_record(action="view", user=clinician, obj=first)
    leaver = _signed_in(clinician)
    assert leaver.get("/clients/").status_code == 200

    page = _signed_in(admin)
    wrong = page.post(f"/people/{clinician.pk}/deactivate/", {"password": "wrong", "reassign_to": colleague.pk})
    assert wrong.status_code == 422 and b"password is not right" in wrong.content
    clinician.refresh_from_db()
    assert clinician.is_active
    done = page.post(f"/people/{clinician.pk}/deactivate/", {"password": PASSWORD, "reassign_to": colleague.pk})
    assert done.status_code == 302

    clinician.refresh_from_db()
    assert clinician.is_active is False
    assert set(first.clinicians.all()) == {colleague} and set(second.clinicians.all()) == {colleague}
    # The open session is gone from the store and the next request is signed out.
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(clinician.pk)]
    assert leaver.get("/clients/")["Location"].startswith("/sign-in/")
    # History keeps the name.
    assert AuditEntry.objects.filter(actor=clinician, actor_name="cleo").exists()
    moves = AuditEntry.objects.filter(action="change", detail__caseload__from="cleo")
    assert sorted(moves.values_list("client_id", flat=True)) == sorted([first.pk, second.pk])
    switched = AuditEntry.objects.get(action="change", detail__account="switched off")
    assert switched.detail["clients_moved"] == 2 and switched.detail["sessions_ended"] == 1
    with pytest.raises(PeopleRefused, match="active colleague"):
        caseload_reassign(person=colleague, to=clinician, actor=Actor(user=admin))


def test_a_deactivated_account_cannot_sign_in(admin: User, clinician: User) -> None:
    person_deactivate(person=clinician, actor=Actor(user=admin))
    answer = HttpClient().post("/sign-in/", {"username": "cleo", "password": PASSWORD})
    assert answer.status_code == 200 and b"do not match an active account" in answer.content


# --- Supervisors read their teams' audit log -------------------------------------------------

def test_a_supervisor_reads_the_audit_entries_of_their_teams_clients_only(
        admin: User, supervisor: User, clinician: User, colleague: User, outsider: User) -> None:
    team = Team.objects.create(organisation=admin.organisation, name="North")
    team.supervisors.add(supervisor)
    team.members.add(clinician)
    theirs = make_client(admin.organisation, "T-100", name="Teamchild", clinicians=(clinician,))
    others = make_client(admin.organisation, "O-200", name="Otherchild", clinicians=(colleague,))
    foreign = make_client(outsider.organisation, "F-300", name="Farchild", clinicians=(outsider,))
    audit_record(action="view", user=clinician, obj=theirs, detail={"page": "client T-100"})
    audit_record(action="view", user=colleague, obj=others, detail={"page": "client O-200"})
    audit_record(action="view", user=outsider, obj=foreign, detail={"page": "client F-300"})
    audit_record(action="sign_in", user=colleague)

    text = _signed_in(supervisor).get("/audit/").content.decode()
    assert "client T-100" in text
    assert "client O-200" not in text and "client F-300" not in text
    filtered = _signed_in(supervisor).get("/audit/?client=O-200").content.decode()
    assert "client O-200" not in filtered
    everything = _signed_in(admin).get("/audit/").content.decode()
    assert "client T-100" in everything and "client O-200" in everything and "client F-300" not in everything
    assert _signed_in(clinician).get("/audit/").status_code == 404


# --- The command line ------------------------------------------------------------------------

def test_rootmap_user_invite_role_deactivate_and_reset(smtp_server, capsys, admin: User, colleague: User,
                                                       django_capture_on_commit_callbacks) -> None:
    org = admin.organisation.name
    with django_capture_on_commit_callbacks(execute=True):
        assert rootmap(["user", "invite", "--organisation", org, "--email", "nia@example.org",
                        "--role", "clinician", "--base-url", "https://rootmap.example.org"]) == 0
    printed = capsys.readouterr().out
    mail = smtp_server.wait_for(to="nia@example.org")
    assert mail.links[0] in printed and mail.links[0].startswith("https://rootmap.example.org/welcome/")
    entry = AuditEntry.objects.get(action="invite")
    assert entry.actor is None and entry.detail["via"] == "command line" and "@" in entry.actor_name

    with pytest.raises(SystemExit) as refused:
        rootmap(["user", "role", "--organisation", org, "--email", "nia@example.org", "--role", "boss"])
    assert refused.value.code == 2 and "invalid choice: 'boss'" in capsys.readouterr().err
    assert rootmap(["user", "role", "--organisation", org, "--username", "nia@example.org",
                    "--role", "supervisor"]) == 0
    assert User.objects.get(username="nia@example.org").role == "supervisor"

    TOTPDevice.objects.create(user=colleague, name="phone", confirmed=True)
    session = _signed_in(colleague)
    stored = session.session
    stored[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=colleague).persistent_id
    stored.save()
    assert rootmap(["user", "reset-2fa", "--organisation", org, "--username", "colin"]) == 0
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert session.get("/clients/")["Location"].startswith("/sign-in/")

    capsys.readouterr()
    assert rootmap(["user", "deactivate", "--organisation", org, "--username", "nobody"]) == 2
    assert "nobody in 'Riverside Family Services' has the user name 'nobody'" in capsys.readouterr().err
    assert rootmap(["user", "deactivate", "--organisation", "Nowhere", "--username", "colin"]) == 2
    assert rootmap(["user", "deactivate", "--organisation", org, "--username", "colin"]) == 0
    assert User.objects.get(username="colin").is_active is False


def test_switching_off_ends_sessions_in_a_cached_session_store_too(settings, admin: User, clinician: User) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    from django.contrib.sessions.backends.cached_db import SessionStore

    leaver = _signed_in(clinician)
    key = leaver.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(session_key=key).load().get("_auth_user_id") == str(clinician.pk)
    person_deactivate(person=clinician, actor=Actor(user=admin))
    from django.core.cache import caches

    assert caches[settings.SESSION_CACHE_ALIAS].get(SessionStore.cache_key_prefix + key) is None
    assert not Session.objects.filter(session_key=key).exists()


def test_a_mail_server_that_is_down_is_retried_then_shown_failed_with_send_again(
        settings, admin: User, django_capture_on_commit_callbacks) -> None:
    from tests.mail import free_port, start_smtp_server, use_email_url

    settings.ROOTMAP_MAIL_RETRIES = 2
    use_email_url(settings, f"smtp://127.0.0.1:{free_port()}?timeout=2")  # nothing listens there
    http = _signed_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = http.post("/people/invite/", {"email": "nia@example.org", "role": "clinician"})
    assert answer.status_code == 302
    nia = User.objects.get(email="nia@example.org")
    assert AuditEntry.objects.filter(action="invite", object_id=str(nia.pk)).count() == 1  # the account stays
    mail = OutgoingMail.objects.get()
    # Tried once and retried twice (on the embedded default the retries follow at once), then given up.
    assert (mail.status, mail.attempts, mail.body) == ("failed", 3, "")
    assert mail.error.startswith("Could not be sent after 3 attempts (ConnectionRefusedError")
    page = http.get("/people/").content.decode()
    assert "The invitation mail could not be sent:" in page and "Could not be sent after 3 attempts" in page
    assert f'action="/people/{nia.pk}/invite-again/"' in page and ">Send again</button>" in page

    # The mail server is back: "send again" sends a new link and the page stops saying it failed.
    server = start_smtp_server()
    try:
        use_email_url(settings, server.url)
        with django_capture_on_commit_callbacks(execute=True):
            http.post(f"/people/{nia.pk}/invite-again/")
        assert "/welcome/" in server.wait_for(to="nia@example.org").links[0]
    finally:
        server.controller.stop()
    assert "could not be sent" not in http.get("/people/").content.decode()

    # A password reset with the server down: the same page as ever, the failure on its row.
    use_email_url(settings, f"smtp://127.0.0.1:{free_port()}?timeout=2")
    User.objects.filter(pk=admin.pk).update(email="ada@example.org")
    forgot = HttpClient().post("/sign-in/forgot/", {"email": "ada@example.org"})
    assert forgot.status_code == 302 and forgot["Location"] == "/sign-in/forgot/sent/"
    reset = OutgoingMail.objects.get(purpose="password_reset")
    assert (reset.status, reset.attempts, reset.recipient_id) == ("failed", 3, admin.pk)
