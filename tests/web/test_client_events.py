"""Adverse events: adding, editing and removing one never touches the others.

The reproduction of issue 9: a client with 13 events (the school-age example) gets one
more through the events page, posted exactly as the browser sends the page's form.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients import services
from tests.web.form_data import form_data
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example

NEW_EVENT = {"category": "bullying", "onset": (8, 3), "end": None, "severity": "2",
             "note": "Named by the school", "source": "school report"}


@pytest.fixture
def milo(org, clinician):
    """The school-age example: 13 events, born 2015-11-08."""
    return services.case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))


def _blank_row_prefix(data: dict[str, Any]) -> str:
    """The prefix of the first row the page offers for a new event (its category unchosen)."""
    for name, value in sorted(data.items()):
        if name.endswith("-category") and value == "":
            return name[: -len("category")]
    raise AssertionError("the page offers no empty row to add an event")


def fill_row(data: dict[str, Any], prefix: str, event: dict[str, Any]) -> None:
    """Type an event into a row, whether the row asks for months or for years and months."""
    data[prefix + "category"] = event["category"]
    for part in ("onset", "end"):
        years_months = event[part]
        if prefix + f"{part}_months" in data:  # a single months field
            months = "" if years_months is None else str(12 * years_months[0] + years_months[1])
            data[prefix + f"{part}_months"] = months
        elif years_months is not None:
            data[prefix + f"{part}_age_years"], data[prefix + f"{part}_age_months"] = map(str, years_months)
    for key in ("severity", "note", "source"):
        data[prefix + key] = event[key]


def test_adding_one_event_to_a_client_with_13_keeps_all_14(client, clinician, milo):
    before = list(milo.events)
    assert len(before) == 13
    client.force_login(clinician)
    url = reverse("client-events", args=[milo.pk])
    data = form_data(client.get(url).content.decode(), containing="events-TOTAL_FORMS")
    fill_row(data, _blank_row_prefix(data), NEW_EVENT)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    milo.refresh_from_db()
    assert len(milo.events) == 14
    assert milo.events[:13] == before
    assert milo.events[13] == {"category": "bullying", "onset_months": 99, "end_months": None,
                               "severity": 2, "note": "Named by the school", "source": "school report"}


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _add_rows(client, milo, rows: list[dict[str, Any]]):
    """Fill the events page's empty rows in order, post the form as the browser would."""
    url = reverse("client-events", args=[milo.pk])
    data = form_data(_page(client, url + f"?rows={max(len(rows), 1)}"), containing="events-TOTAL_FORMS")
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"events-{n}-{key}"] = value
    return client.post(url, data)


def test_several_rows_are_added_at_once_and_empty_rows_are_skipped(client, clinician, milo):
    before = list(milo.events)
    client.force_login(clinician)
    response = _add_rows(client, milo, [
        {"category": "bullying", "onset_age_years": "9", "onset_age_months": "0", "severity": "2"},
        {},  # left empty
        {"category": "separation_or_loss", "onset_age_years": "10", "onset_age_months": "4",
         "end_age_years": "10", "end_age_months": "6", "severity": "3", "source": "caregiver"},
    ])
    assert response.status_code == 302
    milo.refresh_from_db()
    assert milo.events[:13] == before
    assert [(e["category"], e["onset_months"], e["end_months"], e["severity"]) for e in milo.events[13:]] == [
        ("bullying", 108, None, 2), ("separation_or_loss", 124, 126, 3)]
    entry = AuditEntry.objects.filter(action="change", client_id=milo.pk).latest("id")
    assert entry.detail == {"what": "events", "added": 2, "count": 15}
    assert entry.ip_address == "127.0.0.1"  # the request reached the service's audit entry


def test_a_save_with_every_row_empty_adds_nothing_and_says_so(client, clinician, milo):
    client.force_login(clinician)
    response = _add_rows(client, milo, [{}, {}])
    assert response.status_code == 200
    assert "nothing to add" in response.content.decode().lower()
    milo.refresh_from_db()
    assert len(milo.events) == 13


def test_editing_one_event_keeps_every_other_event(client, clinician, milo):
    before = list(milo.events)
    client.force_login(clinician)
    url = reverse("client-event-edit", args=[milo.pk, 5])
    data = form_data(_page(client, url), containing="fingerprint")
    # The form shows the stored event (36 to 72 months) as years and months.
    assert (data["event-onset_age_years"], data["event-onset_age_months"]) == ("3", "0")
    assert (data["event-end_age_years"], data["event-end_age_months"]) == ("6", "0")
    data["event-severity"] = "4"
    data["event-note"] = "Worse than first recorded"
    response = client.post(url, data)
    assert response.status_code == 302
    milo.refresh_from_db()
    assert milo.events[:4] == before[:4] and milo.events[5:] == before[5:]
    assert milo.events[4] == {**before[4], "severity": 4, "note": "Worse than first recorded"}
    entry = AuditEntry.objects.filter(action="change", client_id=milo.pk).latest("id")
    assert entry.detail["what"] == "event" and entry.detail["position"] == 5
    assert entry.detail["before"]["severity"] == before[4]["severity"] and entry.detail["after"]["severity"] == 4


def test_an_edit_of_an_event_changed_meanwhile_is_refused_and_changes_nothing(client, clinician, milo):
    client.force_login(clinician)
    url = reverse("client-event-edit", args=[milo.pk, 2])
    data = form_data(_page(client, url), containing="fingerprint")
    # Someone else changes event 2 in the meantime.
    events = list(milo.events)
    events[1] = {**events[1], "severity": 1}
    services.client_events_update(client=milo, user=clinician, events=events)
    data["event-severity"] = "4"
    response = client.post(url, data)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    milo.refresh_from_db()
    assert milo.events == events


def test_removing_an_event_needs_a_confirmation_and_is_audited(client, clinician, milo):
    before = list(milo.events)
    client.force_login(clinician)
    events_page = _page(client, reverse("client-events", args=[milo.pk]))
    remove_url = reverse("client-event-remove", args=[milo.pk, 3])
    assert f'action="{remove_url}"' in events_page

    # The list's "Remove…" button only asks.
    first_post = client.post(remove_url, {"fingerprint": services.event_fingerprint(before[2])})
    assert first_post.status_code == 200
    confirm_page = first_post.content.decode()
    assert "Remove event 3" in confirm_page and "Remove this event" in confirm_page
    milo.refresh_from_db()
    assert milo.events == before
    assert not AuditEntry.objects.filter(action="delete").exists()

    # Confirming removes that event alone.
    response = client.post(remove_url, form_data(confirm_page, containing="confirm"))
    assert response.status_code == 302
    milo.refresh_from_db()
    assert milo.events == before[:2] + before[3:]
    entry = AuditEntry.objects.get(action="delete", client_id=milo.pk)
    assert entry.actor == clinician
    assert entry.detail == {"what": "event", "position": 3, "count": 12, "event": {
        key: before[2][key] for key in ("category", "onset_months", "end_months", "severity")}}


def test_a_confirmed_removal_of_an_event_that_moved_removes_nothing(client, clinician, milo):
    client.force_login(clinician)
    stale = services.event_fingerprint(milo.events[2])
    services.client_event_remove(client=milo, user=clinician, index=0,
                                 fingerprint=services.event_fingerprint(milo.events[0]))
    milo.refresh_from_db()
    now = list(milo.events)
    response = client.post(reverse("client-event-remove", args=[milo.pk, 3]),
                           {"fingerprint": stale, "confirm": "yes"})
    assert response.status_code == 409
    milo.refresh_from_db()
    assert milo.events == now
    assert AuditEntry.objects.filter(action="delete").count() == 1


def test_an_onset_after_the_clients_current_age_is_refused_naming_row_and_field(client, clinician, milo):
    client.force_login(clinician)
    response = _add_rows(client, milo, [
        {"category": "bullying", "onset_age_years": "9", "onset_age_months": "0", "severity": "2"},
        {"category": "neglect", "onset_age_years": "20", "onset_age_months": "0", "severity": "2"},
    ])
    page = response.content.decode()
    assert response.status_code == 200
    assert "Row 2, Onset: 20 years (240 months) is after the client&#x27;s current age" in page
    milo.refresh_from_db()
    assert len(milo.events) == 13  # the good row is not saved alone either


def test_the_service_refuses_an_onset_after_the_current_age_too(milo, clinician):
    import datetime as dt

    # Born 2015-11-08: on 2020-01-10 the client is 4 years 2 months (50 months) old.
    with pytest.raises(services.ClientInputError, match=r"^events\[0\]\.onset_months: 4 years 3 months \(51 months\) "
                                                        r"is after the client's current age, 4 years 2 months"):
        services.client_events_add(client=milo, user=clinician, today=dt.date(2020, 1, 10), events=[
            {"category": "neglect", "onset_months": 51, "end_months": None, "severity": 2}])
    services.client_events_add(client=milo, user=clinician, today=dt.date(2020, 1, 10), events=[
        {"category": "neglect", "onset_months": 50, "end_months": None, "severity": 2}])
    milo.refresh_from_db()
    assert len(milo.events) == 14


def test_a_one_off_event_ending_at_its_onset_is_accepted(client, clinician, milo):
    client.force_login(clinician)
    response = _add_rows(client, milo, [
        {"category": "disaster_or_accident", "onset_age_years": "7", "onset_age_months": "3",
         "end_age_years": "7", "end_age_months": "3", "severity": "3"},
    ])
    assert response.status_code == 302
    milo.refresh_from_db()
    assert milo.events[-1]["onset_months"] == milo.events[-1]["end_months"] == 87


def test_a_missing_severity_is_refused_and_never_defaulted(client, clinician, milo):
    client.force_login(clinician)
    page = _page(client, reverse("client-events", args=[milo.pk]))
    # The severity list opens on a blank choice: nothing is chosen for the clinician.
    assert form_data(page, containing="events-TOTAL_FORMS")["events-0-severity"] == ""
    response = _add_rows(client, milo, [
        {"category": "bullying", "onset_age_years": "9", "onset_age_months": "0"}])
    assert response.status_code == 200
    assert "Row 1, Severity: Choose a severity" in response.content.decode()
    milo.refresh_from_db()
    assert len(milo.events) == 13


@pytest.mark.parametrize(("typed", "months"), [
    # Born 2015-11-08. Dates follow the age rule: a day of the month before the 8th is a month less.
    ({"onset_date": "2016-02-08"}, 3),
    ({"onset_date": "2016-02-07"}, 2),
    ({"onset_date": "2015-09-01"}, -3),                       # before birth
    ({"onset_age_years": "0", "onset_age_months": "-3"}, -3),  # the same, as an age
    ({"onset_age_years": "4", "onset_age_months": "7"}, 55),
    ({"onset_age_years": "4"}, 48),                           # months left empty: 0
    ({"onset_age_months": "30"}, None),                       # months run 0 to 11: refused
])
def test_onset_can_be_typed_as_an_age_or_a_date(client, clinician, milo, typed, months):
    client.force_login(clinician)
    response = _add_rows(client, milo, [{"category": "neglect", "severity": "2", **typed}])
    milo.refresh_from_db()
    if months is None:
        assert response.status_code == 200 and "Row 1, Onset:" in response.content.decode()
        assert len(milo.events) == 13
    else:
        assert response.status_code == 302
        assert milo.events[-1]["onset_months"] == months


def test_an_end_given_as_a_date_and_an_age_at_once_is_refused(client, clinician, milo):
    client.force_login(clinician)
    response = _add_rows(client, milo, [{"category": "neglect", "severity": "2", "onset_age_years": "2",
                                         "end_age_years": "3", "end_date": "2019-01-01"}])
    assert "Row 1, End: Give the age or the date, not both." in response.content.decode()


# --- Inside the assessment -----------------------------------------------------------------

@pytest.fixture
def draft(milo, clinician):
    import datetime as dt

    from rootmap.web.assessments.models import Assessment

    return Assessment.objects.create(client=milo, reference="A-9", kind="follow_up",
                                     date=dt.date(2026, 11, 20), inputs={}, created_by=clinician)


def test_the_assessment_entry_page_lists_the_events_and_offers_rows_to_add(client, clinician, milo, draft):
    client.force_login(clinician)
    page = _page(client, reverse("assessment-edit", args=[draft.pk]))
    assert 'id="events-panel"' in page
    data = form_data(page, containing="events-TOTAL_FORMS")
    assert data["events-TOTAL_FORMS"] == "3" and data["return_to"] == reverse("assessment-edit", args=[draft.pk])
    assert page.count('class="events-table__actions"') == 13


def test_rows_added_inside_the_assessment_come_back_to_it_without_javascript(client, clinician, milo, draft):
    client.force_login(clinician)
    entry_url = reverse("assessment-edit", args=[draft.pk])
    data = form_data(_page(client, entry_url), containing="events-TOTAL_FORMS")
    data.update({"events-0-category": "bullying", "events-0-onset_date": "2025-09-01", "events-0-severity": "2",
                 "events-2-category": "other", "events-2-onset_age_years": "10", "events-2-severity": "1"})
    response = client.post(reverse("client-events", args=[milo.pk]), data)
    assert response.status_code == 302 and response["Location"] == entry_url + "#events-panel"
    milo.refresh_from_db()
    # 2015-11-08 to 2025-09-01: 12 * 10 + (9 - 11) = 118 months, less one for the day (1 < 8).
    assert [(e["category"], e["onset_months"]) for e in milo.events[13:]] == [("bullying", 117), ("other", 120)]


def test_with_htmx_the_panel_answers_in_place_with_the_new_list_or_the_problems(client, clinician, milo, draft):
    client.force_login(clinician)
    data = form_data(_page(client, reverse("assessment-edit", args=[draft.pk])), containing="events-TOTAL_FORMS")
    url = reverse("client-events", args=[milo.pk])
    refused = client.post(url, {**data, "events-1-category": "neglect", "events-1-onset_age_years": "3"},
                          HTTP_HX_REQUEST="true")
    panel = refused.content.decode()
    assert refused.status_code == 200
    assert 'id="events-panel"' in panel and "<html" not in panel
    assert "Row 2, Severity: Choose a severity" in panel
    assert 'value="3"' in panel  # what was typed is still there
    saved = client.post(url, {**data, "events-1-category": "neglect", "events-1-onset_age_years": "3",
                              "events-1-severity": "3"}, HTTP_HX_REQUEST="true")
    panel = saved.content.decode()
    assert "1 event added; Milo now has 14." in panel
    assert panel.count('class="events-table__actions"') == 14


def test_return_to_only_ever_leads_back_into_the_site(client, clinician, milo):
    client.force_login(clinician)
    data = form_data(_page(client, reverse("client-events", args=[milo.pk])), containing="events-TOTAL_FORMS")
    data.update({"events-0-category": "other", "events-0-onset_age_years": "1", "events-0-severity": "1",
                 "return_to": "https://evil.example/"})
    response = client.post(reverse("client-events", args=[milo.pk]), data)
    assert response["Location"] == reverse("client-events", args=[milo.pk])


# --- Every write and its audit entry commit together ----------------------------------------

class AuditFailed(RuntimeError):
    pass


@pytest.fixture
def audit_fails(monkeypatch):
    """The audit log refuses to write (a full disk, a lost connection): the change must not stay."""
    def refuse(**kwargs: Any) -> None:
        raise AuditFailed(kwargs["action"])

    monkeypatch.setattr(services, "audit_record", refuse)


def test_when_the_audit_entry_fails_no_client_is_created_or_imported(org, clinician, audit_fails):
    import datetime as dt

    from rootmap.web.assessments.models import Assessment
    from rootmap.web.clients.models import Client

    with pytest.raises(AuditFailed):
        services.client_create(organisation=org, user=clinician, reference="C-7", display_name="Ivy",
                               birth_date=dt.date(2019, 1, 1))
    with pytest.raises(AuditFailed):
        services.case_file_import(organisation=org, user=clinician, data=example("toddler-kinship.json"))
    assert Client.objects.count() == 0 and Assessment.objects.count() == 0


def test_when_the_audit_entry_fails_no_event_or_detail_changes(milo, clinician, monkeypatch):
    import datetime as dt

    before = list(milo.events)
    monkeypatch.setattr(services, "audit_record", lambda **kw: (_ for _ in ()).throw(AuditFailed(kw["action"])))
    attempts = [
        lambda: services.client_events_add(client=milo, user=clinician, events=[
            {"category": "other", "onset_months": 5, "end_months": None, "severity": 1}]),
        lambda: services.client_event_edit(client=milo, user=clinician, index=0,
                                           fingerprint=services.event_fingerprint(before[0]),
                                           event={**before[0], "severity": 1}),
        lambda: services.client_event_remove(client=milo, user=clinician, index=0,
                                             fingerprint=services.event_fingerprint(before[0])),
        lambda: services.client_events_update(client=milo, user=clinician, events=[]),
        lambda: services.client_update(client=milo, user=clinician, reference="C-0102", display_name="Changed",
                                       birth_date=milo.birth_date),
        lambda: services.case_file_export(client=milo, user=clinician),
    ]
    for attempt in attempts:
        with pytest.raises(AuditFailed):
            attempt()
    milo.refresh_from_db()
    assert milo.events == before and milo.display_name == "Milo"
    del dt


def test_a_refused_write_leaves_no_audit_entry(org, clinician, milo):
    import datetime as dt

    count = AuditEntry.objects.count()
    refused = [
        lambda: services.client_create(organisation=org, user=clinician, reference="C-0102", display_name="Dup",
                                       birth_date=dt.date(2019, 1, 1)),
        lambda: services.case_file_import(organisation=org, user=clinician, data={"format": "rootmap-case/1"}),
        lambda: services.client_events_add(client=milo, user=clinician, events=[
            {"category": "other", "onset_months": 500, "end_months": None, "severity": 1}]),
        lambda: services.client_events_add(client=milo, user=clinician, events=[
            {"category": "not_a_category", "onset_months": 5, "end_months": None, "severity": 1}]),
        lambda: services.client_event_edit(client=milo, user=clinician, index=0, fingerprint="stale",
                                           event=milo.events[0]),
        lambda: services.client_event_remove(client=milo, user=clinician, index=99, fingerprint="x"),
        lambda: services.client_update(client=milo, user=clinician, reference="C-0102", display_name="Milo",
                                       birth_date=dt.date(2014, 1, 1)),
    ]
    for attempt in refused:
        with pytest.raises(services.ClientInputError):
            attempt()
    assert AuditEntry.objects.count() == count


def test_each_client_write_through_the_pages_has_its_entry_from_the_service(client, clinician, org):
    """The views no longer write entries themselves: each write yields exactly one entry of its kind."""
    import io
    import json

    client.force_login(clinician)
    client.post(reverse("client-create"), {"display_name": "Noor", "reference": "C-9",
                                           "birth_date": "2019-03-04", "interests": ""})
    upload = io.BytesIO(json.dumps(example("toddler-kinship.json")).encode())
    upload.name = "case.json"
    client.post(reverse("client-import"), {"case_file": upload})
    from rootmap.web.clients.models import Client

    poppy = Client.objects.get(reference="C-0101")
    client.get(reverse("client-export", args=[poppy.pk]))
    counts = {action: AuditEntry.objects.filter(action=action).count() for action in ("create", "import", "export")}
    assert counts == {"create": 1, "import": 1, "export": 1}
    assert set(AuditEntry.objects.filter(action__in=counts).values_list("ip_address", flat=True)) == {"127.0.0.1"}


# --- Two saves at once -----------------------------------------------------------------------

WRITERS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_never_lose_each_others_events(org, clinician):
    """Eight clinicians' saves at the same moment: each event is kept, each with its entry."""
    import threading

    from django.db import connection, connections

    from rootmap.web.clients.models import Client

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections: the SQLite test database is in memory, one "
                    "connection at a time; row locks are PostgreSQL's (run with DATABASE_URL)")
    milo = services.case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def save(n: int) -> None:
        try:
            own = Client.objects.get(pk=milo.pk)  # each writer read the page before anyone saved
            start.wait()
            services.client_events_add(client=own, user=clinician, events=[
                {"category": "other", "onset_months": 100 + n, "end_months": None, "severity": 1,
                 "note": f"writer {n}", "source": ""}])
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    milo.refresh_from_db()
    assert len(milo.events) == 13 + WRITERS
    assert sorted(e["note"] for e in milo.events[13:]) == sorted(f"writer {n}" for n in range(WRITERS))
    assert AuditEntry.objects.filter(action="change", client_id=milo.pk).count() == WRITERS


def test_an_edit_that_breaks_the_timing_rules_is_refused_naming_the_event_and_field(client, clinician, milo):
    before = list(milo.events)
    client.force_login(clinician)
    url = reverse("client-event-edit", args=[milo.pk, 6])
    data = form_data(_page(client, url), containing="fingerprint")
    data.update({"event-end_age_years": "1", "event-end_age_months": "0"})  # before its onset at 5 years
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Event 6, End: 12 months is before the onset, 5 years (60 months)" in response.content.decode()
    milo.refresh_from_db()
    assert milo.events == before
