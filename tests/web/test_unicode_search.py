"""Searches ignore case and accents for every letter, the same on SQLite and PostgreSQL (decision 0034).

SQLite's LIKE folds ASCII only, so `icontains` missed "élodie" for "Élodie Ørsted" there;
the three search boxes (dashboard `q`, household `client_q`, clinician `clinician_q`) now
compare folded text in the database on both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from rootmap.web.accounts.models import User
from rootmap.web.caregiving import services as household_services
from rootmap.web.caregiving.selectors import client_matches
from rootmap.web.clients import selectors
from rootmap.web.clients.models import Client
from rootmap.web.search import Folded, fold, holds
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import make_client
from tests.web.page_text import page_text

NAMES = ("Élodie Ørsted", "Łukasz Żółć", "Søren Ærø", "Иван Петров", "Ζωή Παπαδοπούλου", "Ruth Straße",
         "Zoë Müller", "Ada Plain")
# What a clinician types, and whom it finds: in any case, with or without the accents.
SEARCHES = [
    ("élodie", {"Élodie Ørsted"}), ("ÉLODIE", {"Élodie Ørsted"}), ("elodie", {"Élodie Ørsted"}),
    ("ørsted", {"Élodie Ørsted"}), ("ØRSTED", {"Élodie Ørsted"}), ("Élodie", {"Élodie Ørsted"}),
    ("łukasz", {"Łukasz Żółć"}), ("ZÓŁĆ", {"Łukasz Żółć"}), ("zołc", {"Łukasz Żółć"}),
    ("orsted", {"Élodie Ørsted"}), ("zolc", {"Łukasz Żółć"}), ("lukasz", {"Łukasz Żółć"}),
    ("ærø", {"Søren Ærø"}), ("søren", {"Søren Ærø"}), ("soren aero", {"Søren Ærø"}),
    ("иван", {"Иван Петров"}), ("ПЕТРОВ", {"Иван Петров"}),
    ("ζωη", {"Ζωή Παπαδοπούλου"}), ("ΠΑΠΑΔΟΠΟΎΛΟΥ", {"Ζωή Παπαδοπούλου"}),
    ("strasse", {"Ruth Straße"}), ("STRASSE", {"Ruth Straße"}), ("straße", {"Ruth Straße"}),
    ("zoe", {"Zoë Müller"}), ("MULLER", {"Zoë Müller"}), ("müller", {"Zoë Müller"}),
    ("plain", {"Ada Plain"}), ("d", {"Élodie Ørsted", "Ada Plain"}),
    ("r-é", {"Élodie Ørsted"}),  # the reference R-É-1
    ("%", set()), ("_", set()), ("\\", set()), ("xyz", set()),
]


@pytest.fixture
def named(org, clinician):
    for n, name in enumerate(NAMES):
        reference = "R-É-1" if name.startswith("Élodie") else f"R-{n}"
        make_client(org, reference, name=name, clinicians=(clinician,))


def test_the_databases_fold_matches_pythons(db, org):
    from django.db.models import CharField, Value
    make_client(org, "FOLD", name="x")
    for text in [*NAMES, "İstanbul", "ﬁnn", "ΟΔΟΣ", "Ǆemal", "Ångström", "Ñandú"]:
        got = Client.objects.filter(reference="FOLD").annotate(
            f=Folded(Value(text, output_field=CharField()))).values_list("f", flat=True).get()
        assert got == fold(text), (connection.vendor, text)
    assert fold("Élodie Ørsted") == "elodie orsted" and fold("Ruth Straße") == "ruth strasse"
    assert fold("Łukasz Żółć") == "lukasz zolc" and fold("ΟΔΟΣ") == "οδοσ" and fold("Ærø") == "aero"


@pytest.mark.parametrize(("typed", "found"), SEARCHES)
def test_the_dashboard_search_ignores_case_and_accents(clinician, named, typed, found):
    dashboard = selectors.caseload_dashboard(user=clinician, today=dt.date(2026, 12, 6), search=typed)
    assert {c.display_name for c in dashboard.page.object_list} == found


def test_the_dashboard_page_finds_elodie_in_lower_case(client, clinician, named):
    client.force_login(clinician)
    page = page_text(client.get(reverse("home"), {"q": "élodie"}).content.decode())
    assert "Élodie Ørsted" in page and "Ada Plain" not in page
    page = page_text(client.get(reverse("home"), {"q": "ørsted"}).content.decode())
    assert "Élodie Ørsted" in page


@pytest.mark.parametrize(("typed", "found"), SEARCHES)
def test_the_household_client_search_ignores_case_and_accents(clinician, named, typed, found):
    assert {c.display_name for c in client_matches(user=clinician, query=typed)} == found


def test_the_household_page_search_finds_elodie(client, org, clinician, named):
    household = household_services.household_create(organisation=org, user=clinician, name="Home",
                                                     reference="H-1")
    client.force_login(clinician)
    options = client.get(reverse("household-client-search", args=[household.pk]),
                         {"client_q": "ørsted"}).content.decode()
    assert "Élodie Ørsted (R-É-1)" in options and "Ada Plain" not in options


@pytest.mark.parametrize(("typed", "found"), [
    ("élodie", {"elodie"}), ("ØRSTED", {"elodie"}), ("orsted", {"elodie"}), ("łukasz", {"lukasz"}),
    ("zolc", {"lukasz"}), ("иван", {"ivan"}), ("ΠΑΠΑΔΟΠΟΎΛΟΥ", {"zoe"}), ("strasse", {"ruth"}),
    ("RUTH", {"ruth"}), ("xyz", set()),
])
def test_the_clinician_filter_ignores_case_and_accents(org, typed, found):
    for username, first, last in [("elodie", "Élodie", "Ørsted"), ("lukasz", "Łukasz", "Żółć"),
                                  ("ivan", "Иван", "Петров"), ("zoe", "Ζωή", "Παπαδοπούλου"),
                                  ("ruth", "Ruth", "Straße")]:
        User.objects.create_user(username=username, password="x", organisation=org, role="clinician",
                                 first_name=first, last_name=last)
    chosen = selectors.clinician_filter(organisation_id=org.pk, query=typed, clinician="", seen="")
    assert {u.username for u in chosen.choices} == found


def test_the_clinician_filter_page_chooses_her_by_a_lower_case_name(client, admin, org):
    elodie = User.objects.create_user(username="eo", password="x", organisation=org, role="clinician",
                                      first_name="Élodie", last_name="Ørsted")
    make_client(org, "C-1", name="Ada", clinicians=(elodie,))
    make_client(org, "C-2", name="Bo")
    client.force_login(admin)
    page = page_text(client.get(reverse("home"), {"clinician_q": "ørsted", "clinician": ""}).content.decode())
    assert "Ada" in page and "Bo" not in page


def test_a_folded_filter_combines_with_other_lookups(clinician, org, named):
    visible = Client.objects.filter(organisation=org)
    assert visible.filter(holds("display_name", "ELODIE")).count() == 1
    assert visible.exclude(holds("display_name", "ELODIE")).count() == len(NAMES) - 1
