"""People and clients for the web tests of the caseload, clients and households.

Three named users per organisation (an admin, a supervisor, a clinician), a second
clinician, and an outsider from another organisation: the healthchecks pattern.
Import the fixtures into a test module: `from tests.web.org_fixtures import *`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.clients.models import Client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "correct horse battery staple"


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def make_user(org: Organisation | None, username: str, role: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, organisation=org, role=role)


def make_client(org: Organisation, reference: str, *, name: str = "", clinicians: tuple[User, ...] = (),
                birth_date: dt.date = dt.date(2016, 4, 11)) -> Client:
    client = Client.objects.create(organisation=org, reference=reference,
                                   display_name=name or f"Child {reference}", birth_date=birth_date)
    client.clinicians.set(clinicians)
    return client


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside Family Services")


@pytest.fixture
def other_org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Hillside Trust")


@pytest.fixture
def admin(org: Organisation) -> User:
    return make_user(org, "ada", "admin")


@pytest.fixture
def supervisor(org: Organisation) -> User:
    return make_user(org, "sam", "supervisor")


@pytest.fixture
def clinician(org: Organisation) -> User:
    return make_user(org, "cleo", "clinician")


@pytest.fixture
def colleague(org: Organisation) -> User:
    return make_user(org, "colin", "clinician")


@pytest.fixture
def outsider(other_org: Organisation) -> User:
    return make_user(other_org, "otto", "supervisor")


__all__ = [
    "EXAMPLES", "PASSWORD", "admin", "clinician", "colleague", "example", "make_client",
    "make_user", "org", "other_org", "outsider", "supervisor",
]
