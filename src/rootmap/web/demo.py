"""Demo data for `rootmap demo`: an organisation, its people, example clients and a household.

Idempotent: running it again finds what is there and adds only what is missing; the
demo users' password is set each time (to the one given, or a new random one).

>>> summary = demo_load(password="a demo password")
>>> summary.usernames
('admin', 'supervisor', 'clinician', 'clinician2')
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from django.db import transaction

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.caregiving.services import estimate_save
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from rootmap.web.demo_contexts import with_demo_context
from rootmap.web.demo_notes import demo_pending_review, with_demo_notes
from rootmap.web.sources.demo import demo_sources

ORGANISATION = "Demo Family Services"
USERS = (
    ("admin", User.Role.ADMIN, "Avery", "Admin"),
    ("supervisor", User.Role.SUPERVISOR, "Sasha", "Supervisor"),
    ("clinician", User.Role.CLINICIAN, "Casey", "Clinician"),
    # A second clinician carries one client alone, so that the caseload rule is visible:
    # `clinician` does not see that client; `supervisor` and `admin` do.
    ("clinician2", User.Role.CLINICIAN, "Jordan", "Second-Clinician"),
)
SECOND_CLINICIANS_CLIENT = "adolescent-er.json"
HOUSEHOLD_FILE = "foster-household.json"
HOUSEHOLD_NAME = "Dana and Rob (foster home)"
# The demo's clinician's plan (decision 0023), on the latest assessment of this file: partly
# reviewed, so the pages and reports show accepted, edited, declined, added and not yet
# reviewed activities. Kept here, not in the example file, which other tests read as it is.
PLAN_FILE = "school-age-foster.json"
DEMO_PLAN: dict[str, Any] = {
    "decisions": {
        "caregiver_coaching": {"decision": "accept", "goal": "Foster carers name Milo's early signs of stress"},
        "music": {"decision": "edit", "reason": "Milo's school runs a lunchtime drumming and singing group",
                  "setting": "school", "delivered_by": "teacher", "dose": {"times": 3, "per": "week", "minutes": 20},
                  "goal": "Joins the group without leaving early"},
        "emdr": {"decision": "decline", "reason": "Not while contact arrangements are being changed; "
                                                  "revisit at the next review"},
    },
    "added": [{"name": "Swimming club", "delivered_by": "caregiver", "setting": "community",
               "dose": {"times": 1, "per": "week", "minutes": 45}, "goal": "Enjoys a weekly club with peers",
               "reason": "Milo asked to go with his foster brother"}],
    "goals": "Calmer evenings and mornings at home; settled at school after lunch.",
    "review_date": "2026-04-20",
}


def _with_demo_plan(name: str, data: dict[str, Any]) -> dict[str, Any]:
    if name != PLAN_FILE or not data.get("assessments"):
        return data
    latest = {**data["assessments"][-1], "clinician_plan": DEMO_PLAN}
    return {**data, "assessments": [*data["assessments"][:-1], latest]}


@dataclass
class DemoSummary:
    organisation: Organisation
    password: str
    password_generated: bool
    usernames: tuple[str, ...]
    clients_added: list[str] = field(default_factory=list)
    household_added: bool = False


def demo_files() -> dict[str, Any]:
    """The example files shipped in the package, by file name."""
    folder = resources.files("rootmap.web.demo_data")
    return {
        entry.name: json.loads(entry.read_text("utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def _users(organisation: Organisation, password: str) -> dict[str, User]:
    users = {}
    for username, role, first, last in USERS:
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"organisation": organisation, "role": role, "first_name": first, "last_name": last},
        )
        user.organisation, user.role, user.is_active = organisation, role, True
        user.set_password(password)
        user.save()
        users[username] = user
    return users


def _household_inputs(data: dict[str, Any], clients: dict[str, Client]) -> dict[str, Any]:
    children = []
    for n, child in enumerate(data.get("children", [])):
        client = clients.get(child.get("client_id") or "")
        # Linked by primary key: a reference can change hands (decision 0011).
        children.append({
            "client_pk": client.pk if client else None,
            "name": "" if client else ("Toddler in respite care" if n == 1 else "Birth child"),
            "age_months": None if client else child["age_months"],
            "challenge": dict(child.get("challenge", {})),
            "challenge_shared": False,
        })
    return {"caregivers": data.get("caregivers", []), "internal": data.get("internal", {}),
            "external": data.get("external", {}), "children": children}


def demo_load(*, password: str | None = None, command_line: Any = None) -> DemoSummary:
    """Create (or complete) the demo organisation. Returns what was done and the password.
    Each client imported is an `import` entry of the audit log, with `command_line`
    (audit.services.CommandLineActor) naming who ran `rootmap demo`."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    files = demo_files()
    with transaction.atomic():
        organisation, _ = Organisation.objects.get_or_create(name=ORGANISATION)
        users = _users(organisation, password)
        summary = DemoSummary(organisation, password, generated, tuple(u for u, *_ in USERS))
        for name, data in files.items():
            if data.get("format") != "rootmap-case/1":
                continue
            if Client.objects.filter(organisation=organisation, reference=data["client"]["id"]).exists():
                continue
            author = users["clinician2" if name == SECOND_CLINICIANS_CLIENT else "clinician"]
            client = case_file_import(organisation=organisation, user=author,
                                      data=_with_demo_plan(name, with_demo_notes(name, with_demo_context(
                                          demo_sources(data)))),
                                      command_line=command_line,
                                      detail={"import": "demo case file", "file": name})
            summary.clients_added.append(client.display_name)

        household_data = files[HOUSEHOLD_FILE]
        household, created = Household.objects.get_or_create(
            organisation=organisation, reference=household_data["id"],
            defaults={"name": HOUSEHOLD_NAME},
        )
        if created:
            clients = {c.reference: c for c in Client.objects.filter(organisation=organisation)}
            household.inputs = _household_inputs(household_data, clients)
            household.save()
            summary.household_added = True
        if not Estimate.objects.filter(household=household).exists():
            estimate_save(household=household, user=users["clinician"],
                          on=dt.date.fromisoformat(household_data["date"]))
        demo_pending_review(organisation, users["clinician"])  # a formulation and a pending review
    return summary
