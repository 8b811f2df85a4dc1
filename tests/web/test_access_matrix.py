"""The access matrix: every URL of the application, for every kind of person.

Seven actors: an anonymous visitor; the assigned clinician signed in with a password but
no second factor yet ("unverified"); and, fully signed in, an admin, a supervisor, the
assigned clinician, a clinician of the same organisation who is not assigned
("colleague") and an admin of another organisation ("outsider"). Two-factor sign-in is
on, as in production.

Each row of MATRIX names a URL, a method and what each actor gets. The test walks every
URL pattern of the project, so a new URL without a row fails `test_every_url_has_a_row`.
For every row scoped to a record (client, assessment, household), another organisation's
id and an id that does not exist both give 404 to every signed-in actor, so a guessed id
reveals nothing. No response to anyone holds the other organisation's client.

To add a URL: add a Row below (the helpers `client_scoped`, `org_wide`, `signed_in`,
`admins` give the usual columns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from tests.web.security_fixtures import PASSWORD, example, make_user

ACTORS = ("anonymous", "unverified", "admin", "supervisor", "clinician", "colleague", "outsider")

# What an actor gets.
OK = "200"                    # the page
DONE = "done"                 # the action ran or was refused for its input: 2xx, 3xx, 400, 409, 422
OK_OR_UNAVAILABLE = "200|503"  # a report, or "reports are unavailable on this machine"
NOT_FOUND = "404"             # as if the record did not exist
NOT_ALLOWED = "405"           # wrong method
LOGIN = "login"               # sent to sign in
TWO_FACTOR = "2fa"            # sent to the second sign-in step
REDIRECT = "redirect"         # sent elsewhere, not to sign in
SIGNED_OUT = "401"            # a background (autosave) request: told it is not signed in, no redirect

ORG_MARKERS = ("Milo", "C-0102")            # the first organisation's client
FOREIGN_MARKERS = ("Xanthe", "X-7731")      # the other organisation's client


@dataclass
class World:
    users: dict[str, Any]
    client: Client
    foreign_client: Client
    draft: Assessment
    final: Assessment
    foreign_final: Assessment
    foreign_draft: Assessment
    household: Household
    foreign_household: Household
    team: Any = None
    foreign_team: Any = None


def build_matrix_world() -> World:
    from rootmap.web.accounts.models import Organisation

    org = Organisation.objects.create(name="Riverside Family Services")
    other = Organisation.objects.create(name="Hillside Trust")
    users = {
        "admin": make_user(org, "ada", "admin"),
        "supervisor": make_user(org, "sam", "supervisor"),
        "clinician": make_user(org, "cleo", "clinician"),
        "colleague": make_user(org, "colin", "clinician"),
        "outsider": make_user(other, "otto", "admin"),
    }
    users["unverified"] = users["clinician"]
    client = case_file_import(organisation=org, user=users["clinician"],
                              data=example("school-age-foster.json"))
    foreign_data = example("adolescent-er.json")
    foreign_data["client"].update(id="X-7731", display_name="Xanthe")
    foreign_client = case_file_import(organisation=other, user=users["outsider"], data=foreign_data)
    final = Assessment.objects.filter(client=client, status="final").order_by("-date", "-id").first()
    foreign_final = Assessment.objects.filter(client=foreign_client, status="final").first()

    def draft_of(c: Client, user: Any, reference: str) -> Assessment:
        return Assessment.objects.create(client=c, reference=reference, kind="er",
                                         date=dt.date(2025, 10, 1), inputs={}, created_by=user)

    draft = draft_of(client, users["clinician"], "A-draft")
    foreign_draft = draft_of(foreign_client, users["outsider"], "X-draft")
    household = Household.objects.create(organisation=org, reference="H-7", name="The Rivers")
    foreign_household = Household.objects.create(organisation=other, reference="H-9",
                                                 name="Xanthe's household")
    for h in (household, foreign_household):
        Estimate.objects.create(household=h, date=dt.date(2025, 6, 15),
                                inputs=example("foster-household.json"),
                                created_by=users["admin"] if h is household else users["outsider"])
    for name, user in users.items():
        if name != "unverified":
            TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    from rootmap.web.accounts.models import Team

    team = Team.objects.create(organisation=org, name="North")
    team.supervisors.add(users["supervisor"])
    team.members.add(users["colleague"])
    foreign_team = Team.objects.create(organisation=other, name="Far")
    return World(users, client, foreign_client, draft, final, foreign_final, foreign_draft,
                 household, foreign_household, team, foreign_team)


# --- Columns ------------------------------------------------------------------------------

def _columns(*, anonymous: str = LOGIN, unverified: str = TWO_FACTOR, admin: str, supervisor: str,
             clinician: str, colleague: str, outsider: str) -> dict[str, str]:
    return dict(anonymous=anonymous, unverified=unverified, admin=admin, supervisor=supervisor,
                clinician=clinician, colleague=colleague, outsider=outsider)


def client_scoped(ok: str = OK) -> dict[str, str]:
    """A client's record: the organisation's admins and supervisors and the assigned clinician."""
    return _columns(admin=ok, supervisor=ok, clinician=ok, colleague=NOT_FOUND, outsider=NOT_FOUND)


def org_wide(ok: str = OK) -> dict[str, str]:
    """A record of the organisation that every member may use (households)."""
    return _columns(admin=ok, supervisor=ok, clinician=ok, colleague=ok, outsider=NOT_FOUND)


def signed_in(ok: str = OK) -> dict[str, str]:
    """A page not about one record: everyone signed in (each sees their own organisation)."""
    return _columns(admin=ok, supervisor=ok, clinician=ok, colleague=ok, outsider=ok)


def admins(ok: str = OK) -> dict[str, str]:
    """Administrators only, each of their own organisation."""
    return _columns(admin=ok, supervisor=NOT_FOUND, clinician=NOT_FOUND, colleague=NOT_FOUND,
                    outsider=ok)


def reviewers(ok: str = OK) -> dict[str, str]:
    """Supervisor review (decision 0022): the organisation's supervisors and administrators."""
    return _columns(admin=ok, supervisor=ok, clinician=NOT_FOUND, colleague=NOT_FOUND, outsider=NOT_FOUND)


def everyone(value: str) -> dict[str, str]:
    return {actor: value for actor in ACTORS}


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    expect: dict[str, str]
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    # The keyword naming the record, and which of the other organisation's records to try.
    scope: tuple[str, Callable[[World], int]] | None = None
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    query: str = ""
    note: str = field(default="", compare=False)


def _client(w: World) -> dict[str, Any]:
    return {"pk": w.client.pk}


def _draft(w: World) -> dict[str, Any]:
    return {"pk": w.draft.pk}


def _final(w: World) -> dict[str, Any]:
    return {"pk": w.final.pk}


def _household(w: World) -> dict[str, Any]:
    return {"pk": w.household.pk}


def _first_event(w: World) -> dict[str, Any]:
    return {"pk": w.client.pk, "position": 1}


def _first_event_fingerprint(w: World) -> str:
    from rootmap.web.clients.services import event_fingerprint

    return event_fingerprint(w.client.events[0])


def _clinician_job(w: World) -> dict[str, Any]:
    """A job the assigned clinician asked for: only its owner may see it."""
    from rootmap.web.jobs.models import Job

    job = Job.objects.filter(owner=w.users["clinician"]).first() or Job.objects.create(
        owner=w.users["clinician"], organisation_id=w.client.organisation_id, kind="report",
        params={"assessment": w.final.pk, "audience": "family"}, client_id=w.client.pk)
    return {"pk": job.pk}


def _draft_document(w: World) -> dict[str, Any]:
    from tests.web.sources_fixtures import with_file

    if not (w.draft.inputs or {}).get("documents"):
        with_file(w.draft)
    return {"pk": w.draft.pk, "index": 0}


def _draft_file(w: World) -> dict[str, Any]:
    from tests.web.sources_fixtures import with_file

    documents = (w.draft.inputs or {}).get("documents") or []
    sha = documents[0]["file"]["sha256"] if documents and documents[0].get("file") else with_file(w.draft)
    return {"pk": w.draft.pk, "sha256": sha}


def _png_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.web.sources_fixtures import png_bytes

    return SimpleUploadedFile("scan.png", png_bytes("navy"), content_type="image/png")


owner_only = _columns(admin=NOT_FOUND, supervisor=NOT_FOUND, clinician=OK, colleague=NOT_FOUND,
                      outsider=NOT_FOUND)
def _token_of(user: Any) -> Any:
    from rootmap.web.api.models import ApiToken

    token, _ = ApiToken.objects.get_or_create(user=user, name="matrix", defaults={
        "scope": "read", "prefix": "rm_matrix", "digest": f"matrix-{user.pk}"})
    return token


def _clinician_token(w: World) -> dict[str, Any]:
    return {"pk": _token_of(w.users["clinician"]).pk}


FOREIGN_CLIENT = ("pk", lambda w: w.foreign_client.pk)
FOREIGN_DRAFT = ("pk", lambda w: w.foreign_draft.pk)
FOREIGN_FINAL = ("pk", lambda w: w.foreign_final.pk)
FOREIGN_HOUSEHOLD = ("pk", lambda w: w.foreign_household.pk)
FOREIGN_PERSON = ("pk", lambda w: w.users["outsider"].pk)
FOREIGN_TEAM = ("pk", lambda w: w.foreign_team.pk)


def _colleague(w: World) -> dict[str, Any]:
    return {"pk": w.users["colleague"].pk}


def _team(w: World) -> dict[str, Any]:
    return {"pk": w.team.pk}

signed_in_redirect = {**signed_in(REDIRECT), "anonymous": OK, "unverified": TWO_FACTOR}


def open_to_all(ok: str = OK) -> dict[str, str]:
    """A page anyone may open, signed in or not (a password-only session finishes signing in first)."""
    return {**signed_in(ok), "anonymous": ok, "unverified": TWO_FACTOR}


def _reset_link(w: World) -> dict[str, Any]:
    return {"uidb64": "MQ", "token": "not-a-token"}


MATRIX: list[Row] = [
    # Sign-in and sign-out.
    Row("login", "GET", signed_in_redirect),
    Row("login", "POST", signed_in_redirect, data=lambda w: {"username": "nobody", "password": "x"}),
    Row("two-factor-verify", "GET", {**signed_in(REDIRECT), "unverified": OK}),
    Row("two-factor-verify", "POST", {**signed_in(REDIRECT), "unverified": DONE},
        data=lambda w: {"code": "000000"}),
    Row("two-factor-setup", "GET", signed_in(REDIRECT),
        note="an enrolled user is sent to the code step, never to a second enrolment"),
    Row("two-factor-setup", "POST", signed_in(REDIRECT), data=lambda w: {"code": "000000"}),
    Row("logout", "GET", everyone(NOT_ALLOWED)),
    Row("logout", "POST", everyone(LOGIN)),  # signed out, back to the sign-in page
    # Password reset by email: the same answer whether or not the address has an account.
    Row("password-reset", "GET", open_to_all()),
    Row("password-reset", "POST", open_to_all(REDIRECT), data=lambda w: {"email": "cleo@example.org"}),
    Row("password-reset-sent", "GET", open_to_all()),
    Row("password-reset-confirm", "GET", open_to_all(), _reset_link, note="a link that does not work"),
    Row("password-reset-confirm", "POST", open_to_all(), _reset_link),
    Row("password-reset-complete", "GET", open_to_all()),
    # Caseload and clients.
    Row("home", "GET", signed_in()),
    Row("client-list", "GET", signed_in()),
    Row("client-create", "GET", signed_in()),
    Row("client-create", "POST", signed_in(DONE)),
    Row("client-import", "GET", signed_in()),
    Row("client-import", "POST", signed_in(DONE)),
    # CSV: clinicians and administrators import clients; every member exports what they see.
    Row("clients-csv-import", "GET", {**signed_in(), "supervisor": NOT_FOUND}),
    Row("clients-csv-import", "POST", {**signed_in(DONE), "supervisor": NOT_FOUND}),
    Row("csv-export", "GET", signed_in(), lambda w: {"what": "results"}),
    Row("csv-export", "GET", signed_in(), lambda w: {"what": "caseload"}),
    Row("csv-export", "GET", signed_in(), lambda w: {"what": "estimates"}),
    Row("client-detail", "GET", client_scoped(), _client, FOREIGN_CLIENT),
    Row("client-edit", "GET", client_scoped(), _client, FOREIGN_CLIENT),
    Row("client-edit", "POST", client_scoped(DONE), _client, FOREIGN_CLIENT),
    Row("client-events", "GET", client_scoped(), _client, FOREIGN_CLIENT),
    Row("client-events", "POST", client_scoped(DONE), _client, FOREIGN_CLIENT),
    Row("client-event-edit", "GET", client_scoped(), _first_event, FOREIGN_CLIENT),
    Row("client-event-edit", "POST", client_scoped(DONE), _first_event, FOREIGN_CLIENT),
    Row("client-event-remove", "GET", client_scoped(), _first_event, FOREIGN_CLIENT),
    Row("client-event-remove", "POST", client_scoped(DONE), _first_event, FOREIGN_CLIENT,
        note="without confirm=yes: the confirmation page"),
    Row("client-event-remove", "POST", client_scoped(DONE), _first_event, FOREIGN_CLIENT,
        data=lambda w: {"confirm": "yes", "fingerprint": _first_event_fingerprint(w)},
        note="confirmed: the event is removed"),
    Row("client-export", "GET", client_scoped(), _client, FOREIGN_CLIENT),
    Row("client-context", "GET", client_scoped(), _client, FOREIGN_CLIENT),
    Row("client-context", "POST", client_scoped(DONE), _client, FOREIGN_CLIENT,
        data=lambda w: {"revision": "0", "school": "Brookside Primary"}),
    Row("client-context-field", "GET", {**client_scoped(NOT_ALLOWED), "colleague": NOT_ALLOWED,
                                        "outsider": NOT_ALLOWED, "anonymous": SIGNED_OUT,
                                        "unverified": SIGNED_OUT}, _client),
    Row("client-context-field", "POST", {**client_scoped(DONE), "anonymous": SIGNED_OUT, "unverified": SIGNED_OUT},
        _client, FOREIGN_CLIENT, data=lambda w: {"_field": "school", "school": "Brookside Primary", "revision": "0"},
        note="autosave of the client context: 401 rather than a redirect, like the assessment's"),
    # Assessments.
    Row("assessment-new", "GET", client_scoped(),
        lambda w: {"client_id": w.client.pk, "kind": "full"},
        ("client_id", lambda w: w.foreign_client.pk)),
    Row("assessment-new", "POST", client_scoped(DONE),
        lambda w: {"client_id": w.client.pk, "kind": "er"},
        ("client_id", lambda w: w.foreign_client.pk), data=lambda w: {"date": "2025-11-01"}),
    Row("assessment-edit", "GET", client_scoped(), _draft, FOREIGN_DRAFT),
    Row("assessment-edit", "POST", client_scoped(DONE), _draft, FOREIGN_DRAFT),
    Row("assessment-field", "GET", {**client_scoped(NOT_ALLOWED), "colleague": NOT_ALLOWED,
                                    "outsider": NOT_ALLOWED, "anonymous": SIGNED_OUT,
                                    "unverified": SIGNED_OUT}, _draft),
    Row("assessment-field", "POST", {**client_scoped(DONE), "anonymous": SIGNED_OUT, "unverified": SIGNED_OUT},
        _draft, FOREIGN_DRAFT,
        data=lambda w: {"_field": "functioning.sleep", "functioning.sleep": "2",
                        "revision": w.draft.revision},
        note="autosave: a script cannot tell a redirect to the sign-in page from a save"),
    Row("assessment-finalise", "GET", client_scoped(), _draft, FOREIGN_DRAFT),
    Row("assessment-finalise", "POST", client_scoped(DONE), _draft, FOREIGN_DRAFT,
        data=lambda w: {"password": "wrong"}),
    Row("assessment-amend", "GET", client_scoped(), _final, FOREIGN_FINAL),
    Row("assessment-amend", "POST", client_scoped(DONE), _final, FOREIGN_FINAL, data=lambda w: {}),
    Row("assessment-plan", "GET", client_scoped(), _draft, FOREIGN_DRAFT),
    Row("assessment-plan", "GET", client_scoped(), _final, FOREIGN_FINAL, note="the plan as signed"),
    Row("assessment-plan", "POST", client_scoped(DONE), _draft, FOREIGN_DRAFT,
        data=lambda w: {"goals": "Calmer evenings", "revision": w.draft.revision}),
    Row("assessment-plan", "POST", client_scoped(DONE), _final, FOREIGN_FINAL,
        data=lambda w: {"goals": "Changed after signing"}, note="refused: a signed plan changes by amendment"),
    Row("assessment-results", "GET", client_scoped(), _final, FOREIGN_FINAL),
    Row("assessment-present", "GET", client_scoped(), _final, FOREIGN_FINAL),
    Row("assessment-report", "GET", client_scoped(OK_OR_UNAVAILABLE),
        lambda w: {"pk": w.final.pk, "audience": "family", "fmt": "html"}, FOREIGN_FINAL),
    # Supervisor review (decision 0022): whoever sees a signed assessment may submit it; the
    # organisation's supervisors and admins review it; the queue is theirs (the outsider
    # admin sees its own organisation's, empty, queue).
    Row("assessment-review-submit", "POST", client_scoped(DONE), _final, FOREIGN_FINAL),
    Row("assessment-review", "GET", reviewers(), _final, FOREIGN_FINAL),
    Row("assessment-review", "POST", reviewers(DONE), _final, FOREIGN_FINAL,
        data=lambda w: {"action": "comment", "comment": "Please look at sleep again"}),
    Row("review-queue", "GET", {**admins(), "supervisor": OK}),
    # Sources (rootmap.web.sources): rows in place, documents' files; an outsider gets 404.
    Row("source-rows", "POST", client_scoped(DONE), lambda w: {"pk": w.draft.pk, "section": "informants"},
        FOREIGN_DRAFT, data=lambda w: {"action": "add:informants", "revision": w.draft.revision}),
    Row("document-file-upload", "POST", client_scoped(DONE), _draft_document, FOREIGN_DRAFT,
        data=lambda w: {"upload": _png_upload()}),
    Row("document-file-remove", "POST", client_scoped(DONE), _draft_document, FOREIGN_DRAFT),
    Row("document-file-download", "GET", client_scoped(), _draft_file, FOREIGN_DRAFT,
        note="the file a draft's document row names"),
    # Background jobs: a report as a job, an import of many files; a job is its owner's only.
    Row("job-report", "GET", client_scoped(), lambda w: {"pk": w.final.pk, "audience": "family"},
        FOREIGN_FINAL),
    Row("job-report", "POST", client_scoped(DONE), lambda w: {"pk": w.final.pk, "audience": "family"},
        FOREIGN_FINAL),
    Row("job-list", "GET", signed_in()),
    Row("job-detail", "GET", owner_only, _clinician_job),
    Row("job-status", "GET", owner_only, _clinician_job),
    Row("job-download", "GET", {**owner_only, "clinician": REDIRECT}, _clinician_job,
        note="no file yet: back to the job's page"),
    Row("job-backup", "POST", {**signed_in(NOT_FOUND), "anonymous": LOGIN, "unverified": TWO_FACTOR},
        note="the whole database: the installation's superuser only"),
    Row("job-import", "GET", signed_in()),
    Row("job-import", "POST", signed_in(DONE)),
    Row("reminder-settings", "GET", signed_in()),
    Row("reminder-settings", "POST", signed_in(DONE), data=lambda w: {"frequency": "weekly"}),
    # Households (every member of the organisation may weigh placements).
    Row("household-list", "GET", signed_in()),
    Row("household-create", "GET", signed_in()),
    Row("household-create", "POST", signed_in(DONE)),
    Row("household-detail", "GET", org_wide(), _household, FOREIGN_HOUSEHOLD),
    Row("household-save", "GET", {**org_wide(NOT_ALLOWED), "outsider": NOT_ALLOWED}, _household),
    Row("household-save", "POST", org_wide(DONE), _household, FOREIGN_HOUSEHOLD),
    Row("household-preview", "POST", org_wide(DONE), _household, FOREIGN_HOUSEHOLD),
    Row("household-add-client", "POST", {**org_wide(DONE), "colleague": NOT_FOUND}, _household,
        FOREIGN_HOUSEHOLD, data=lambda w: {"client": w.client.pk},
        note="the household is the organisation's, the client only their clinicians'"),
    Row("household-add-client", "POST", org_wide(NOT_FOUND), _household,
        data=lambda w: {"client": w.foreign_client.pk},
        note="another organisation's client, guessed into the form"),
    Row("household-client-search", "GET", org_wide(), _household, FOREIGN_HOUSEHOLD, query="?client_q=X",
        note="the picker's matches: names within the viewer's caseload or organisation only"),
    Row("household-add-other", "POST", org_wide(DONE), _household, FOREIGN_HOUSEHOLD,
        data=lambda w: {"age_months": "30"}),
    Row("household-what-if", "POST", org_wide(DONE), _household, FOREIGN_HOUSEHOLD),
    Row("household-share", "GET", {**org_wide(NOT_ALLOWED), "outsider": NOT_ALLOWED}, _household),
    Row("household-share", "POST", {**org_wide(DONE), "clinician": NOT_FOUND, "colleague": NOT_FOUND},
        _household, FOREIGN_HOUSEHOLD, data=lambda w: {"share": w.client.pk},
        note="sharing a child's ratings beyond their caseload is a supervisor's or admin's decision"),
    Row("household-report", "GET", org_wide(REDIRECT), _household, FOREIGN_HOUSEHOLD,
        note="the old address of the PDF: it leads to the job that makes it"),
    Row("job-household-report", "GET", org_wide(), _household, FOREIGN_HOUSEHOLD),
    Row("job-household-report", "POST", org_wide(DONE), _household, FOREIGN_HOUSEHOLD),
    # Personal API tokens: each person manages their own; another person's token is 404.
    # (The API itself, /api/v1/..., is walked path by path in tests/web/api/test_api_access.py.)
    Row("api-tokens", "GET", signed_in()),
    Row("api-tokens", "POST", signed_in(DONE), data=lambda w: {"name": "EHR sync", "scope": "read",
                                                               "password": PASSWORD}),
    Row("api-token-revoke", "GET", {**signed_in(NOT_ALLOWED)}, _clinician_token),
    Row("api-token-revoke", "POST", {**client_scoped(NOT_FOUND), "clinician": DONE}, _clinician_token,
        ("pk", lambda w: _token_of(w.users["outsider"]).pk)),
    # Administration.
    Row("audit-log", "GET", {**admins(), "supervisor": OK},
        note="a supervisor sees their teams' clients' entries only (tests/web/test_people.py)"),
    Row("research-export", "GET", admins()),
    Row("research-export", "POST", admins()),
    Row("job-research-export", "POST", admins(DONE)),
    # People and the reset of an authenticator: administrators, their own organisation only.
    Row("people-list", "GET", admins()),
    Row("authenticator-reset", "GET", {**admins(), "outsider": NOT_FOUND},
        lambda w: {"pk": w.users["colleague"].pk}, ("pk", lambda w: w.users["outsider"].pk)),
    Row("authenticator-reset", "POST", {**admins(DONE), "outsider": NOT_FOUND},
        lambda w: {"pk": w.users["colleague"].pk}, ("pk", lambda w: w.users["outsider"].pk),
        data=lambda w: {"password": "not the password"}),
    # Invitations, roles, leavers, teams: administrators, their own organisation only.
    Row("people-invite", "GET", admins()),
    Row("people-invite", "POST", admins(DONE),
        data=lambda w: {"email": "new.person@example.org", "role": "clinician"}),
    Row("person-detail", "GET", {**admins(), "outsider": NOT_FOUND}, _colleague, FOREIGN_PERSON),
    Row("person-role", "POST", {**admins(DONE), "outsider": NOT_FOUND}, _colleague, FOREIGN_PERSON,
        data=lambda w: {"role": "supervisor"}),
    Row("person-invite-again", "POST", {**admins(DONE), "outsider": NOT_FOUND}, _colleague, FOREIGN_PERSON),
    Row("person-deactivate", "GET", {**admins(), "outsider": NOT_FOUND}, _colleague, FOREIGN_PERSON),
    Row("person-deactivate", "POST", {**admins(DONE), "outsider": NOT_FOUND}, _colleague, FOREIGN_PERSON,
        data=lambda w: {"password": "not the password"}),
    Row("team-list", "GET", admins()),
    Row("team-list", "POST", admins(DONE), data=lambda w: {"name": "South"}),
    Row("team-edit", "GET", {**admins(), "outsider": NOT_FOUND}, _team, FOREIGN_TEAM),
    Row("team-edit", "POST", {**admins(DONE), "outsider": NOT_FOUND}, _team, FOREIGN_TEAM,
        data=lambda w: {"name": "North and East"}),
    # The set-up link of an invitation: anyone holding it (here, one that does not work).
    Row("welcome", "GET", open_to_all(), _reset_link),
    Row("welcome", "POST", open_to_all(), _reset_link,
        data=lambda w: {"new_password1": "x", "new_password2": "x"}),
]


# --- Running a row --------------------------------------------------------------------------

def _browser_for(world: World, actor: str) -> HttpClient:
    browser = HttpClient()
    if actor == "anonymous":
        return browser
    user = world.users[actor]
    browser.force_login(user)
    if actor != "unverified":
        session = browser.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
    return browser


def _request(browser: HttpClient, row: Row, url: str, world: World):
    if row.method == "GET":
        return browser.get(url + row.query)
    return browser.post(url + row.query, row.data(world))


def _outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        location = response["Location"]
        path = location.split("?", 1)[0]
        if path in (reverse("two-factor-verify"), reverse("two-factor-setup")):
            return TWO_FACTOR
        if path == reverse("login"):
            return LOGIN
        return REDIRECT
    return str(status)


def _matches(outcome: str, expected: str) -> bool:
    if expected == DONE:
        return outcome == REDIRECT or outcome in ("200", "201", "204", "400", "409", "422")
    return outcome in expected.split("|")


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if not any(t in kind for t in ("html", "json", "csv", "text")):
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", "replace")


def _row_id(row: Row) -> str:
    return f"{row.method} {row.name}"


@pytest.mark.django_db
@override_settings(ROOTMAP_REQUIRE_2FA=True)
@pytest.mark.parametrize("row", MATRIX, ids=_row_id)
def test_each_actor_gets_exactly_what_they_should(row: Row) -> None:
    world = build_matrix_world()
    url = reverse(row.name, kwargs=row.kwargs(world))
    failures = []
    for actor in ACTORS:
        # A fresh world for each actor would be purer; rolling back one action per actor
        # keeps it fast and keeps one actor's write from changing what the next one sees.
        from django.db import transaction

        sid = transaction.savepoint()
        response = _request(_browser_for(world, actor), row, url, world)
        outcome = _outcome(response)
        if not _matches(outcome, row.expect[actor]):
            failures.append(f"{actor}: expected {row.expect[actor]}, got {outcome}")
        # Nothing the application answers may be kept by a browser or proxy cache.
        if "no-store" not in response.get("Cache-Control", ""):
            failures.append(f"{actor}: Cache-Control is {response.get('Cache-Control')!r}, not no-store")
        text = _text(response)
        leaked = FOREIGN_MARKERS if actor != "outsider" else ORG_MARKERS
        for marker in leaked:
            if marker in text:
                failures.append(f"{actor}: the response shows another organisation's {marker!r}")
        transaction.savepoint_rollback(sid)
    assert not failures, f"{row.method} {url}:\n" + "\n".join(failures)


SCOPED = [row for row in MATRIX if row.scope is not None]


@pytest.mark.django_db
@override_settings(ROOTMAP_REQUIRE_2FA=True)
@pytest.mark.parametrize("row", SCOPED, ids=_row_id)
def test_guessed_ids_reveal_nothing(row: Row) -> None:
    world = build_matrix_world()
    keyword, foreign = row.scope
    model = {"client_id": Client}.get(keyword)
    real = row.kwargs(world)
    for label, value in (("another organisation's", foreign(world)), ("a non-existent", 10**9)):
        url = reverse(row.name, kwargs={**real, keyword: value})
        for actor in ("admin", "supervisor", "clinician", "colleague", "outsider"):
            if actor == "outsider" and label == "another organisation's":
                continue  # for the outsider, that is their own record
            response = _request(_browser_for(world, actor), row, url, world)
            assert response.status_code == 404, (
                f"{actor} {row.method} {url} ({label} id): {response.status_code}, not 404")
        anonymous = _request(HttpClient(), row, url, world)
        assert _outcome(anonymous) == row.expect["anonymous"]
    del model


METHODS = ("GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
URL_NAMES = sorted({row.name for row in MATRIX})


@pytest.mark.django_db
@override_settings(ROOTMAP_REQUIRE_2FA=True)
@pytest.mark.parametrize("name", URL_NAMES)
def test_methods_a_url_does_not_handle_are_405_and_audit_nothing(name: str) -> None:
    """Every method without a row is refused before any view runs (or, for a visitor not
    signed in, sent to sign in): no page, and not one audit entry."""
    from rootmap.web.audit.models import AuditEntry

    world = build_matrix_world()
    rows = [row for row in MATRIX if row.name == name]
    url = reverse(name, kwargs=rows[0].kwargs(world))
    handled = {row.method for row in rows}
    failures = []
    for method in METHODS:
        if method in handled:
            continue
        for actor in ("anonymous", "admin", "clinician"):
            browser = _browser_for(world, actor)  # its force_login is audited: count after
            before = AuditEntry.objects.count()
            response = browser.generic(method, url)
            outcome = _outcome(response)
            allowed = {"405", LOGIN} if actor == "anonymous" and method in ("GET", "POST") else {"405"}
            if outcome not in allowed:
                failures.append(f"{actor} {method}: expected 405, got {outcome}")
            if AuditEntry.objects.count() != before:
                failures.append(f"{actor} {method}: wrote an audit entry")
    assert not failures, f"{url}:\n" + "\n".join(failures)


def _all_url_names(patterns, prefix: str = "") -> list[tuple[str | None, str]]:
    found: list[tuple[str | None, str]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "api":
            continue  # the REST API: every OpenAPI path is walked in tests/web/api/test_api_access.py
        if isinstance(pattern, URLResolver):
            found += _all_url_names(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((pattern.name, prefix + str(pattern.pattern)))
    return found


def test_every_url_has_a_row() -> None:
    urls = _all_url_names(get_resolver().url_patterns)
    unnamed = [route for name, route in urls if not name]
    assert not unnamed, f"URL patterns without a name (name them, then add rows): {unnamed}"
    covered = {row.name for row in MATRIX}
    missing = sorted({name for name, _ in urls} - covered)
    assert not missing, f"URLs without a row in the access matrix: {missing}"


def test_every_row_names_a_url_that_exists() -> None:
    names = {name for name, _ in _all_url_names(get_resolver().url_patterns)}
    stale = sorted({row.name for row in MATRIX} - names)
    assert not stale, f"rows for URLs that no longer exist: {stale}"


def test_every_row_says_what_every_actor_gets() -> None:
    for row in MATRIX:
        assert set(row.expect) == set(ACTORS), _row_id(row)


INLINE = [
    (r"<script(?![^>]*\bsrc=)[^>]*>", "an inline <script>"),
    (r"<style[\s>]", "a <style> element"),
    (r"\sstyle\s*=", "a style= attribute"),
    (r"\son[a-z]+\s*=", "an on...= event handler attribute"),
    (r"javascript:", "a javascript: URL"),
]


@pytest.mark.django_db
@override_settings(ROOTMAP_REQUIRE_2FA=True)
@pytest.mark.parametrize("row", [r for r in MATRIX if r.method == "GET"], ids=_row_id)
def test_no_page_needs_what_the_content_security_policy_forbids(row: Row) -> None:
    """The policy forbids inline script and style; a page that has them is broken in a browser."""
    import re

    world = build_matrix_world()
    for actor in ("anonymous", "unverified", "admin"):
        url = reverse(row.name, kwargs=row.kwargs(world))
        response = _request(_browser_for(world, actor), row, url, world)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        if response.get("Content-Disposition", "").startswith("attachment"):
            continue  # a self-contained file opened from disk, not a page under this policy
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "script-src 'self'" in policy
        html = _text(response)
        for pattern, what in INLINE:
            match = re.search(pattern, html, flags=re.IGNORECASE)
            context = html[max(0, match.start() - 80):match.end() + 80] if match else ""
            assert match is None, f"{row.name} ({actor}) has {what}: {context!r}"
