"""People, clients and assessments for the security tests (issue 6).

Two organisations; in the first an admin, a supervisor, the assigned clinician and a
clinician who is not assigned; in the second a supervisor (the outsider).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.models import Client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


@dataclass
class World:
    org: Organisation
    other_org: Organisation
    admin: User
    supervisor: User
    clinician: User
    colleague: User
    outsider: User
    client: Client
    foreign_client: Client
    draft: Assessment
    final: Assessment
    foreign_final: Assessment
    household: Household
    foreign_household: Household


def make_user(org: Organisation | None, username: str, role: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, organisation=org,
                                    role=role, first_name=username.title())


def make_assessment(client: Client, user: User, reference: str, *, final: bool,
                    date: dt.date = dt.date(2025, 2, 3), inputs: dict | None = None,
                    result: dict | None = None) -> Assessment:
    return Assessment.objects.create(
        client=client, reference=reference, kind="full", date=date,
        status="final" if final else "draft",
        inputs=inputs if inputs is not None else {"functioning": {"sleep": 2}, "relational": {}},
        result=result if result is not None else ({"functioning_index": 50.0} if final else None),
        created_by=user,
        finalised_by=user if final else None,
        finalised_at=timezone.now() if final else None,
    )


def build_world() -> World:
    org = Organisation.objects.create(name="Riverside Family Services")
    other_org = Organisation.objects.create(name="Hillside Trust")
    admin = make_user(org, "ada", "admin")
    supervisor = make_user(org, "sam", "supervisor")
    clinician = make_user(org, "cleo", "clinician")
    colleague = make_user(org, "colin", "clinician")
    outsider = make_user(other_org, "otto", "admin")
    client = Client.objects.create(organisation=org, reference="C-0042", display_name="Sam Example",
                                   birth_date=dt.date(2016, 4, 11))
    client.clinicians.add(clinician)
    foreign_client = Client.objects.create(organisation=other_org, reference="X-1",
                                           display_name="Xan Faraway", birth_date=dt.date(2015, 1, 5))
    draft = make_assessment(client, clinician, "A-2", final=False, date=dt.date(2025, 8, 1))
    final = make_assessment(client, clinician, "A-1", final=True)
    foreign_final = make_assessment(foreign_client, outsider, "A-1", final=True)
    household = Household.objects.create(organisation=org, reference="H-7", name="The Rivers")
    foreign_household = Household.objects.create(organisation=other_org, reference="H-9",
                                                 name="The Hills")
    return World(org, other_org, admin, supervisor, clinician, colleague, outsider, client,
                 foreign_client, draft, final, foreign_final, household, foreign_household)
