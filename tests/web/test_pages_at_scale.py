"""Issue 15, the pages' part (decision 0027): the stored follow-up due date, keyset pages,
the household page's client search, and a constant number of queries per page whatever
the number of clients. Runs on SQLite and PostgreSQL; the EXPLAIN checks are in
test_pages_explain.py (PostgreSQL only)."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rootmap.web.accounts.models import User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_amend, assessment_finalise, assessment_save_field
from rootmap.web.caregiving import services as household_services
from rootmap.web.caregiving.models import Household
from rootmap.web.clients import selectors
from rootmap.web.clients.follow_up import store_next_follow_up
from rootmap.web.clients.latest_phase import store_latest_phase
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import, client_update
from rootmap.web.keyset import count_up_to, keyset_page
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_client, make_user
from tests.web.test_assessments import PASSWORD, finalised

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def sam(org, clinician) -> Client:
    """The child of test_assessments' finalising helpers (born 2016-04-11), on cleo's caseload."""
    clinician.set_password(PASSWORD)
    clinician.save()
    return make_client(org, "C-1", name="Sam", clinicians=(clinician,))


def _stored(client: Client) -> dt.date | None:
    return Client.objects.get(pk=client.pk).next_follow_up_due


# --- The stored next follow-up due date ------------------------------------------------

def test_finalising_stores_the_next_due_date_and_an_amendment_moves_it(sam, clinician):
    assert _stored(sam) is None  # nothing scheduled before a full assessment
    full = finalised(sam, clinician, date=dt.date(2025, 2, 3))
    assert _stored(sam) == dt.date(2025, 8, 3)  # 6 months after the first full assessment
    finalised(sam, clinician, kind="follow_up", date=dt.date(2025, 8, 1))
    assert _stored(sam) == dt.date(2026, 2, 3)  # one follow-up done: 12 months after the baseline

    amendment = assessment_amend(original=full, user=clinician, reason="The date was wrong")
    amendment = assessment_save_field(assessment=amendment, user=clinician, field="date", value="2025-03-03",
                                      revision=amendment.revision)
    assert _stored(sam) == dt.date(2026, 2, 3)  # a draft amendment changes nothing yet
    assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD)
    assert _stored(sam) == dt.date(2026, 3, 3)  # the amended baseline + 12 months


def test_a_case_file_import_stores_the_next_due_date(org, clinician):
    # school-age-foster.json: full 2025-01-15, follow-ups 2025-07-16 and 2026-01-20.
    milo = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    assert _stored(milo) == dt.date(2027, 1, 15)  # two follow-ups done: baseline + 24 months


def test_editing_a_client_read_earlier_keeps_the_due_date_stored_meanwhile(org, clinician):
    c = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    stale = Client.objects.get(pk=c.pk)
    Assessment.objects.create(client=c, reference="A-1", kind="full", date=dt.date(2025, 1, 10), status="final",
                              result={"phase": "relate"}, created_by=clinician, finalised_by=clinician)
    store_next_follow_up(c)
    store_latest_phase(c)
    client_update(client=stale, user=clinician, reference="C-1", display_name="Ada B",
                  birth_date=stale.birth_date)
    assert Client.objects.get(pk=c.pk).next_follow_up_due == dt.date(2025, 7, 10)


def test_the_data_migration_fills_existing_clients(org, clinician):
    late = make_client(org, "C-1", name="Late")
    first = Assessment.objects.create(client=late, reference="A-1", kind="full", date=dt.date(2024, 1, 10),
                                      status="final", created_by=clinician)
    Assessment.objects.create(client=late, reference="A-1.1", kind="full", date=dt.date(2024, 2, 10),
                              status="final", created_by=clinician, amends=first)
    Assessment.objects.create(client=late, reference="A-2", kind="follow_up", date=dt.date(2024, 9, 1),
                              status="draft", created_by=clinician)
    fresh = make_client(org, "C-2", name="Fresh")
    migration = importlib.import_module("rootmap.web.clients.migrations.0004_pages_follow_up_fill")
    migration.fill(django_apps, None)
    # The amendment (2024-02-10) replaced the original; the draft does not count.
    assert (_stored(late), _stored(fresh)) == (dt.date(2024, 8, 10), None)


# --- Counts and filters in SQL ---------------------------------------------------------

def _due(org, reference, due, clinician):
    c = make_client(org, reference, name=reference, clinicians=(clinician,))
    Client.objects.filter(pk=c.pk).update(next_follow_up_due=due)
    return c


def test_the_dashboard_counts_and_filters_on_the_stored_date(org, clinician):
    _due(org, "overdue", TODAY - dt.timedelta(days=1), clinician)
    _due(org, "due today", TODAY, clinician)  # not overdue on its day (core.schedule: today > due)
    _due(org, "due in 30", TODAY + dt.timedelta(days=30), clinician)
    _due(org, "due in 31", TODAY + dt.timedelta(days=31), clinician)
    _due(org, "none", None, clinician)
    board = selectors.caseload_dashboard(user=clinician, today=TODAY)
    assert (board.overdue_count, board.due_soon_count) == (1, 2)

    def names(key):
        return [r.client.reference for r in selectors.caseload_dashboard(user=clinician, today=TODAY,
                                                                         follow_up=key).rows]
    assert names("overdue") == ["overdue"]
    assert names("due_soon") == ["due in 30", "due today"]
    assert names("none") == ["none"]


def test_counts_stop_at_their_limit(org, clinician):
    for n in range(7):
        make_client(org, f"C-{n}", clinicians=(clinician,))
    assert count_up_to(Client.objects.all(), 5) == (5, True)
    assert count_up_to(Client.objects.all(), 7) == (7, False)


# --- Keyset pages ----------------------------------------------------------------------

def test_keyset_pages_walk_forward_and_back_through_equal_names(org):
    # Equal names are ordered by id: no row is skipped or shown twice at a page boundary.
    for n in range(23):
        make_client(org, f"C-{n:02}", name=["Ada", "Bo", "Bo", "Cy"][n % 4])
    everyone = list(Client.objects.order_by("display_name", "id").values_list("pk", flat=True))
    seen, after, pages = [], None, []
    while True:
        page = keyset_page(Client.objects.all(), order=("display_name", "id"), size=5, after=after)
        pages.append(page)
        seen += [c.pk for c in page.object_list]
        if not page.has_next:
            break
        after = page.next_after
    assert seen == everyone and len(pages) == 5
    back = keyset_page(Client.objects.all(), order=("display_name", "id"), size=5,
                       before=pages[2].previous_before)
    assert [c.pk for c in back.object_list] == [c.pk for c in pages[1].object_list]
    descending = keyset_page(Client.objects.all(), order=("-display_name", "-id"), size=5, after=everyone[-5])
    assert [c.pk for c in descending.object_list] == everyone[-6::-1][:5]


def test_a_cursor_outside_what_the_user_sees_starts_from_the_first_page(org, other_org, clinician):
    mine = [make_client(org, f"C-{n}", clinicians=(clinician,)) for n in range(3)]
    theirs = make_client(other_org, "X-1", name="Zed")
    board = selectors.caseload_dashboard(user=clinician, today=TODAY, after=str(theirs.pk))
    assert [r.client.pk for r in board.rows] == [c.pk for c in sorted(mine, key=lambda c: (c.display_name, c.pk))]
    assert selectors.caseload_dashboard(user=clinician, today=TODAY, after="99999999999999999999").rows


def test_a_cursor_with_nothing_beyond_it_starts_from_the_first_page(client, org, clinician):
    # ?after= the last client (every client after it reassigned since the link was made),
    # or ?before= the first, was an empty page saying "No clients are on your caseload
    # yet", with no link back to the clients there are.
    mine = sorted((make_client(org, f"C-{n}", clinicians=(clinician,)) for n in range(3)),
                  key=lambda c: (c.display_name, c.pk))
    for cursor in (f"after={mine[-1].pk}", f"before={mine[0].pk}"):
        board = selectors.caseload_dashboard(user=clinician, today=TODAY, **dict([cursor.split("=")]))
        assert [r.client.pk for r in board.rows] == [c.pk for c in mine], cursor
        assert board.page.first_page and not board.page.has_previous
    client.force_login(clinician)
    page = client.get(f"{reverse('home')}?after={mine[-1].pk}").content.decode()
    assert "No clients are on your caseload yet" not in page and mine[0].display_name in page


def test_the_dashboard_links_carry_ids_not_names(client, supervisor, org):
    for n in range(30):
        make_client(org, f"C-{n:02}", name=f"Child {n:02}")
    client.force_login(supervisor)
    page = client.get(reverse("home")).content.decode()
    second = Client.objects.get(reference="C-24").pk
    assert f"after={second}" in page and "Child 24&" not in page
    page2 = client.get(reverse("home") + f"?after={second}").content.decode()
    assert "Child 25" in page2 and "Child 24<" not in page2
    assert f"before={Client.objects.get(reference='C-25').pk}" in page2


# --- The household page's client search ------------------------------------------------

@pytest.fixture
def household(org, clinician) -> Household:
    return household_services.household_create(organisation=org, user=clinician, name="Dana and Rob",
                                               reference="H-1")


def _search(client, household, q=""):
    return client.get(reverse("household-client-search", args=[household.pk]), {"client_q": q})


def test_the_client_search_lists_at_most_20_matches_the_user_may_see(client, org, other_org, clinician,
                                                                   colleague, household):
    for n in range(25):
        make_client(org, f"C-{n:02}", name=f"Mira {n:02}", clinicians=(clinician,))
    make_client(org, "C-99", name="Mira colleague's", clinicians=(colleague,))
    make_client(other_org, "X-1", name="Mira elsewhere")
    client.force_login(clinician)
    options = _search(client, household, "mira").content.decode()
    assert options.count('<option value="') - options.count('<option value=""') == 20
    assert "Mira 00 (C-00), not yet assessed" in options and "Mira 20" not in options
    assert "Only the first 20" in options
    assert "colleague" not in options and "elsewhere" not in options
    assert "Mira 07" in _search(client, household, "07").content.decode()
    assert "No client matches" in _search(client, household, "nobody").content.decode()


def test_a_supervisor_finds_any_client_of_the_organisation_but_none_of_another(client, org, other_org,
                                                                              supervisor, colleague, household):
    make_client(org, "C-1", name="Ivo", clinicians=(colleague,))
    make_client(other_org, "X-1", name="Ivo elsewhere")
    client.force_login(supervisor)
    options = _search(client, household, "ivo").content.decode()
    assert "Ivo (C-1)" in options and "elsewhere" not in options


def test_the_search_of_another_organisations_household_is_not_found(client, outsider, household):
    client.force_login(outsider)
    assert _search(client, household, "a").status_code == 404


def test_without_javascript_the_page_lists_the_matches_and_find_keeps_what_was_typed(
    client, org, clinician, household
):
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    make_client(org, "C-2", name="Bo", clinicians=(clinician,))
    client.force_login(clinician)
    page = client.get(reverse("household-detail", args=[household.pk]), {"client_q": "bo"}).content.decode()
    picker = page[page.index('id="add-client"'):page.index("</select>", page.index('id="add-client"'))]
    assert "Bo (C-2)" in picker and "Ada" not in picker
    response = client.post(reverse("household-add-client", args=[household.pk]),
                           {"find": "1", "client_q": "ad", "caregiver-count": "1", "caregiver-0-name": "Dana",
                            "caregiver-0-role": "foster"})
    assert response.status_code == 302 and response["Location"].endswith("?client_q=ad#add-client")
    household.refresh_from_db()
    assert [c["name"] for c in household.inputs["caregivers"]] == ["Dana"]


def test_a_client_already_in_the_household_is_not_offered(client, org, clinician, household):
    ada = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    household_services.household_child_add_client(household=household, user=clinician, client=ada)
    client.force_login(clinician)
    assert "Ada" not in _search(client, household, "").content.decode()


# --- A constant number of queries per page --------------------------------------------

def _final(c: Client, user: User) -> None:
    Assessment.objects.create(client=c, reference="A-1", kind="full", date=dt.date(2025, 1, 10), status="final",
                              result={"phase": "relate"}, created_by=user, finalised_by=user)
    Assessment.objects.create(client=c, reference="A-2", kind="follow_up", date=dt.date(2025, 7, 10),
                              status="final", result={"phase": "reason"}, created_by=user, finalised_by=user)
    store_next_follow_up(c)
    store_latest_phase(c)


def _grow_to(org, clinician, colleague, n):
    for k in range(Client.objects.filter(organisation=org).count(), n):
        c = make_client(org, f"C-{k:03}", name=f"Child {k:03}", clinicians=(clinician, colleague)[: 1 + k % 2])
        if k % 3:
            _final(c, clinician)
        Household.objects.create(organisation=org, reference=f"H-{k:03}", name=f"Household {k:03}",
                                 inputs={"caregivers": [], "internal": {}, "external": {}, "children": []})
        make_user(org, f"person{k:03}", "clinician")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


PAGES = [
    ("clinician", "home", ""),
    ("supervisor", "home", ""),
    ("admin", "home", ""),
    ("supervisor", "home", "?follow_up=overdue"),
    ("supervisor", "home", "?follow_up=due_soon&phase=reason"),
    ("supervisor", "home", "?phase=unassessed&clinician=unassigned"),
    ("clinician", "household-list", ""),
    ("admin", "household-detail", ""),
    ("clinician", "household-detail", "?client_q=child"),
    ("admin", "household-client-search", "?client_q=child"),
    ("admin", "people-list", ""),
    ("clinician", "job-list", ""),
]


@pytest.mark.parametrize(("role", "name", "query"), PAGES)
def test_a_page_runs_the_same_queries_with_5_and_with_50_clients(request, client, org, clinician, colleague,
                                                                 household, role, name, query):
    user = request.getfixturevalue(role)
    ada = make_client(org, "A-0", name="Ada", clinicians=(clinician,))
    household_services.household_child_add_client(household=household, user=clinician, client=ada)
    client.force_login(user)
    url = reverse(name, args=[household.pk]) if name.startswith("household-") and name != "household-list" \
        else reverse(name)
    _grow_to(org, clinician, colleague, 5)
    few = _queries(client, url + query)
    _grow_to(org, clinician, colleague, 50)
    many = _queries(client, url + query)
    assert few == many


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_the_household_page_runs_the_same_queries_with_1_and_with_4_children_each_audited(
        request, client, org, clinician, household, role):
    from rootmap.web.audit.models import AuditEntry
    from rootmap.web.audit.services import audit_verify

    children = [make_client(org, f"K-{n}", name=f"Kid {n}", clinicians=(clinician,)) for n in range(4)]
    make_client(org, "K-9", name="Kid 9", clinicians=(clinician,))  # still offered by the search
    household_services.household_child_add_client(household=household, user=clinician, client=children[0])
    client.force_login(request.getfixturevalue(role))
    url = reverse("household-detail", args=[household.pk])
    one = _queries(client, url)
    for child in children[1:]:
        household_services.household_child_add_client(household=household, user=clinician, client=child)
    before = AuditEntry.objects.count()
    four = _queries(client, url)
    assert one == four
    # Still one entry per child shown, each naming its child, in the order shown, chained.
    views = list(AuditEntry.objects.order_by("id")[before:])
    assert [e.client_id for e in views] == [c.pk for c in children]
    assert {(e.action, e.object_type, e.object_id) for e in views} == {("view", "household", str(household.pk))}
    assert all(e.detail["children"] == 4 and e.detail["shown"] for e in views)
    assert [e.previous_hash for e in views[1:]] == [e.entry_hash for e in views[:-1]]
    assert audit_verify().ok


@pytest.mark.parametrize(("role", "name"), [("supervisor", "home"), ("clinician", "household-list"),
                                            ("admin", "people-list")])
def test_a_later_page_runs_the_same_queries_as_the_second(client, request, org, clinician, colleague, role, name):
    client.force_login(request.getfixturevalue(role))
    _grow_to(org, clinician, colleague, 120)
    first = client.get(reverse(name))
    after = first.content.decode().split("after=")[1].split('"')[0]
    second = _queries(client, reverse(name) + f"?after={after}")
    later = client.get(reverse(name) + f"?after={after}").content.decode().split("after=")[1].split('"')[0]
    assert _queries(client, reverse(name) + f"?after={later}") == second


# --- Digits that are not 0-9 ------------------------------------------------------------

# "²".isdigit() is True but int("²") raises: each of these answered 500 with a traceback.
NOT_ASCII_DIGITS = ["²", "١٢", "-²"]


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("url_name, parameter", [
    ("home", "after"), ("home", "before"), ("home", "clinician"), ("household-list", "after"),
    ("household-list", "before"), ("people-list", "after"), ("people-list", "before"), ("audit-log", "client"),
])
def test_a_list_page_takes_digits_other_than_0_to_9_as_no_id(client, admin, org, url_name, parameter, value):
    make_client(org, "C-1", name="Nia")
    client.force_login(admin)
    answer = client.get(reverse(url_name), {parameter: value})
    assert answer.status_code == 200


@pytest.mark.parametrize("value", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("field", ["internal-commitment", "caregiver-count"])
def test_a_household_rating_in_other_digits_is_named_not_a_crash(client, clinician, household, field, value):
    client.force_login(clinician)
    before = Household.objects.get(pk=household.pk).inputs
    answer = client.post(reverse("household-save", args=[household.pk]),
                         {field: value, "caregiver-count": "0", **({field: value})})
    assert answer.status_code in (200, 302)
    if field == "internal-commitment":
        assert "Commitment" in answer.content.decode() and answer.status_code == 200
        assert Household.objects.get(pk=household.pk).inputs == before
    answer = client.post(reverse("household-what-if", args=[household.pk]), {"whatif-behavioural": value})
    assert answer.status_code in (200, 302)


def test_the_next_filtered_page_follows_on_when_its_cursor_row_has_left_the_filter(org, clinician):
    # A supervisor works down the overdue list while clinicians sign follow-ups: the last
    # child of page 1 stops being overdue before "Next" is pressed. The next page must go
    # on after that child, not start again at page 1 (every row of it shown twice).
    overdue = [_due(org, f"C-{n:02}", TODAY - dt.timedelta(days=1), clinician) for n in range(30)]
    first = selectors.caseload_dashboard(user=clinician, today=TODAY, follow_up="overdue")
    assert [r.client.pk for r in first.rows] == [c.pk for c in overdue[:25]]
    Client.objects.filter(pk=first.page.next_after).update(next_follow_up_due=TODAY + dt.timedelta(days=180))
    second = selectors.caseload_dashboard(user=clinician, today=TODAY, follow_up="overdue",
                                          after=str(first.page.next_after))
    assert [r.client.pk for r in second.rows] == [c.pk for c in overdue[25:]]
    back = selectors.caseload_dashboard(user=clinician, today=TODAY, follow_up="overdue",
                                        before=str(second.page.previous_before))
    assert [r.client.pk for r in back.rows] == [c.pk for c in overdue[:24]]
