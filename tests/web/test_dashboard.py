"""The caseload dashboard: latest assessment, phase, follow-ups, filters, and its cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rootmap.web.accounts.models import User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients import selectors
from rootmap.web.clients.follow_up import store_next_follow_up
from rootmap.web.clients.latest_phase import store_latest_phase
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import make_client
from tests.web.page_text import page_text


def _final(client, user, kind, date, phase, reference):
    row = Assessment.objects.create(
        client=client, reference=reference, kind=kind, date=date, status="final",
        result={"phase": phase}, created_by=user, finalised_by=user,
    )
    store_next_follow_up(client)  # what the finalise service does in its transaction
    store_latest_phase(client)
    return row


def _populate(org, user, count):
    for n in range(count):
        c = make_client(org, f"C-{n:03}", name=f"Child {n:03}", clinicians=(user,))
        _final(c, user, "full", dt.date(2025, 1, 10), "regulate", "A-1")
        _final(c, user, "follow_up", dt.date(2025, 7, 10), "relate", "A-2")


def _queries_for_dashboard(client, url=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url or reverse("home"))
    assert response.status_code == 200
    return len(captured.captured_queries), response


@pytest.mark.parametrize("role", ["clinician", "supervisor"])
def test_the_number_of_queries_does_not_grow_with_the_number_of_clients(request, client, org, role):
    user = request.getfixturevalue(role)
    clinician = request.getfixturevalue("clinician")
    client.force_login(user)
    _populate(org, clinician, 3)
    few, _ = _queries_for_dashboard(client)
    for n in range(3, 30):
        c = make_client(org, f"C-{n:03}", name=f"Child {n:03}", clinicians=(clinician,))
        _final(c, clinician, "full", dt.date(2025, 1, 10), "reason", "A-1")
    many, response = _queries_for_dashboard(client)
    assert few == many
    assert response.content.decode().count("/clients/") >= 25
    filtered, _ = _queries_for_dashboard(client, reverse("home") + "?follow_up=overdue&phase=reason&q=Child")
    assert filtered == many


def test_it_shows_the_latest_assessment_phase_and_follow_up(client, clinician, org):
    c = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    _final(c, clinician, "full", dt.date(2025, 1, 10), "regulate", "A-1")
    _final(c, clinician, "follow_up", dt.date(2025, 7, 10), "relate", "A-2")
    client.force_login(clinician)
    page = client.get(reverse("home")).content.decode()
    assert "Follow-up assessment" in page and "10 Jul 2025" in page
    assert "Relate" in page
    assert "10 Jan 2026" in page  # 12 months after the first full assessment


def test_an_amended_assessment_is_replaced_by_its_amendment(client, clinician, org):
    c = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    first = _final(c, clinician, "full", dt.date(2025, 1, 10), "regulate", "A-1")
    Assessment.objects.create(client=c, reference="A-1a", kind="full", date=dt.date(2025, 1, 10),
                              status="final", result={"phase": "reason"}, created_by=clinician,
                              amends=first)
    store_next_follow_up(c)
    store_latest_phase(c)
    rows = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 3, 1)).rows
    assert [(r.client.reference, r.phase) for r in rows] == [("C-1", "reason")]


def test_follow_ups_overdue_and_due_soon_are_counted_and_filtered(client, clinician, org):
    late = make_client(org, "C-1", name="Late", clinicians=(clinician,))
    _final(late, clinician, "full", dt.date(2024, 1, 10), "regulate", "A-1")
    soon = make_client(org, "C-2", name="Soon", clinicians=(clinician,))
    _final(soon, clinician, "full", dt.date(2025, 3, 20), "relate", "A-1")
    make_client(org, "C-3", name="Fresh", clinicians=(clinician,))
    dashboard = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 9, 1))
    assert (dashboard.overdue_count, dashboard.due_soon_count) == (1, 1)
    overdue = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 9, 1), follow_up="overdue")
    assert [r.client.display_name for r in overdue.rows] == ["Late"]
    due = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 9, 1), follow_up="due_soon")
    assert [r.client.display_name for r in due.rows] == ["Soon"]
    none = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 9, 1), follow_up="none")
    assert [r.client.display_name for r in none.rows] == ["Fresh"]


def test_drafts_do_not_count_as_the_latest_assessment(clinician, org):
    c = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    Assessment.objects.create(client=c, reference="D-1", kind="full", date=dt.date(2025, 1, 10),
                              created_by=clinician)
    row = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 3, 1)).rows[0]
    assert row.latest_id is None and row.phase is None


def test_lists_paginate_by_25(clinician, org):
    for n in range(30):
        make_client(org, f"C-{n:03}", clinicians=(clinician,))
    first = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 3, 1))
    second = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 3, 1),
                                          after=first.page.next_after)
    assert (len(first.rows), len(second.rows), first.total_visible) == (25, 5, 30)
    assert second.page.next_after is None and second.page.previous_before == second.rows[0].client.pk
    back = selectors.caseload_dashboard(user=clinician, today=dt.date(2025, 3, 1),
                                        before=second.page.previous_before)
    assert [r.client.pk for r in back.rows] == [r.client.pk for r in first.rows]
    assert back.page.first_page and not back.page.has_previous


def test_a_supervisor_filters_by_clinician_and_sees_who_is_unassigned(supervisor, clinician, colleague, org):
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    make_client(org, "C-2", name="Bo", clinicians=(colleague,))
    make_client(org, "C-3", name="Cy")
    today = dt.date(2025, 3, 1)
    assert [r.client.display_name for r in selectors.caseload_dashboard(
        user=supervisor, today=today, clinician=str(colleague.pk)).rows] == ["Bo"]
    assert [r.client.display_name for r in selectors.caseload_dashboard(
        user=supervisor, today=today, clinician="unassigned").rows] == ["Cy"]


def test_the_htmx_filter_returns_only_the_table(client, clinician, org):
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    client.force_login(clinician)
    response = client.get(reverse("home") + "?q=Ad", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'id="caseload"' in page and "Ada" in page and "<html" not in page


def _options(page: str) -> list[str]:
    """The clinician select's options' labels, in order."""
    select = page.split('<select id="clinician" name="clinician"', 1)[1].split("</select>", 1)[0]
    return [o.split(">", 1)[1].split("<", 1)[0] for o in select.split("<option")[1:]]


def _chosen(page: str) -> str:
    select = page.split('<select id="clinician" name="clinician"', 1)[1].split("</select>", 1)[0]
    options = select.split("<option")[1:]
    chosen = [o for o in options if " selected>" in o] or options[:1]  # none selected: the first shows
    assert len(chosen) == 1
    return chosen[0].split(">", 1)[1].split("<", 1)[0]


def test_an_admins_clinician_filter_lists_no_clinician_until_a_name_is_typed(client, admin, clinician, org):
    for n in range(30):  # an organisation's staff: none of them in the page until asked for
        User.objects.create_user(username=f"staff{n:02}", password="x", organisation=org, role="clinician",
                                 first_name="Pat", last_name=f"Surname{n:02}")
    client.force_login(admin)
    page = client.get(reverse("client-list")).content.decode()
    assert _options(page) == ["Anyone", "Nobody (unassigned)"]
    assert "staff" not in page and "Surname" not in page
    assert '<label for="clinician-q">Find a clinician</label>' in page and 'id="clinician-q"' in page


def test_a_name_one_clinician_matches_filters_by_her_at_once(client, supervisor, clinician, colleague, org):
    clinician.first_name, clinician.last_name = "Cleo", "Marsh"
    clinician.save()
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    make_client(org, "C-2", name="Bo", clinicians=(colleague,))
    client.force_login(supervisor)
    page = client.get(reverse("home") + "?clinician_q=marsh&clinician=").content.decode()
    assert "Ada" in page_text(page) and "Bo" not in page_text(page)
    assert _options(page) == ["Anyone", "Cleo Marsh", "Nobody (unassigned)"] and _chosen(page) == "Cleo Marsh"
    assert "One clinician matches “marsh”" in page
    # Choosing "Anyone" afterwards (the page says which name it showed) is respected.
    page = client.get(reverse("home") + "?clinician_q=marsh&clinician_seen=marsh&clinician=").content.decode()
    assert "Ada" in page and "Bo" in page and _chosen(page) == "Anyone"


def test_a_name_several_clinicians_match_offers_them_and_filters_by_none(client, admin, clinician, colleague, org):
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    make_client(org, "C-2", name="Bo", clinicians=(colleague,))
    make_client(org, "C-3", name="Cy")
    client.force_login(admin)
    page = client.get(reverse("home") + "?clinician_q=c").content.decode()  # cleo and colin
    assert _options(page) == ["Anyone", "cleo", "colin", "Nobody (unassigned)"] and _chosen(page) == "Anyone"
    assert all(name in page for name in ("Ada", "Bo", "Cy")) and "2 clinicians match “c”: choose one" in page
    page = client.get(reverse("home") + f"?clinician_q=c&clinician_seen=c&clinician={colleague.pk}").content.decode()
    assert "Bo" in page_text(page) and "Ada" not in page_text(page) and "Cy" not in page_text(page)
    assert _chosen(page) == "colin"
    page = client.get(reverse("home") + "?clinician_q=nobody-by-this-name").content.decode()
    assert _options(page) == ["Anyone", "Nobody (unassigned)"] and "No clinician matches" in page


def test_a_link_that_filters_by_clinician_id_still_works_and_names_her(client, admin, clinician, colleague, org,
                                                                       other_org):
    make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    make_client(org, "C-2", name="Bo", clinicians=(colleague,))
    make_client(org, "C-3", name="Cy")
    client.force_login(admin)
    page = client.get(reverse("home") + f"?clinician={colleague.pk}").content.decode()
    assert "Bo" in page_text(page) and "Ada" not in page_text(page)
    assert _options(page) == ["Anyone", "colin", "Nobody (unassigned)"]
    assert _chosen(page) == "colin"
    page = client.get(reverse("home") + "?clinician=unassigned").content.decode()
    assert "Cy" in page_text(page) and "Ada" not in page_text(page) and _chosen(page) == "Nobody (unassigned)"
    # Another organisation's clinician is not offered, and her id filters to nobody.
    stranger = User.objects.create_user(username="stranger", password="x", organisation=other_org, role="clinician")
    make_client(other_org, "X-1", name="Xena", clinicians=(stranger,))
    page = client.get(reverse("home") + f"?clinician={stranger.pk}").content.decode()
    assert "stranger" not in page_text(page) and "Xena" not in page_text(page) and "Ada" not in page_text(page)
    for bad in ("x" * 500, "12345678901234567890123", "-1", "é%"):
        assert client.get(reverse("home"), {"clinician": bad, "clinician_q": bad}).status_code == 200


def test_the_clinician_matches_stop_at_their_limit(admin, org):
    for n in range(selectors.CLINICIAN_MATCHES + 5):
        User.objects.create_user(username=f"staff{n:02}", password="x", organisation=org, role="clinician",
                                 last_name=f"Surname{n:02}")
    User.objects.create_user(username="staff-gone", password="x", organisation=org, role="clinician",
                             is_active=False)
    User.objects.create_user(username="staff-admin", password="x", organisation=org, role="admin")
    found = selectors.clinician_filter(organisation_id=org.pk, query="staff")
    assert len(found.choices) == 20 and found.more and found.chosen == ""
    chosen = User.objects.get(username="staff24")  # beyond the 20 shown: still offered, first
    again = selectors.clinician_filter(organisation_id=org.pk, query="staff", seen="staff", clinician=str(chosen.pk))
    assert again.choices[0] == chosen and len(again.choices) == 21 and again.chosen == str(chosen.pk)
    assert [u.last_name for u in found.choices] == [f"Surname{n:02}" for n in range(20)]
    with CaptureQueriesContext(connection) as captured:
        assert selectors.clinician_filter(organisation_id=org.pk).choices == []
    assert len(captured.captured_queries) == 0


def test_a_search_longer_than_any_name_shows_the_caseload_page_not_a_500(client, clinician, org):
    # 60,000 characters made SQLite refuse the LIKE pattern ("pattern too complex"): a 500.
    make_client(org, "C-001", name="Child 001", clinicians=(clinician,))
    client.force_login(clinician)
    response = client.get(reverse("home"), {"q": "C" * 60000})
    assert response.status_code == 200
    assert "No client matches these filters." in page_text(response.content.decode())
    assert 'value="' + "C" * 120 + '"' in response.content.decode()
    assert 'maxlength="120"' in response.content.decode()
