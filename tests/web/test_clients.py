"""Clients: who sees whom, creating and editing, case-file import and export, events."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse

from rootmap.core.case import parse_case
from rootmap.core.problems import CaseFileError
from rootmap.web.assessments.models import Assessment
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients import services
from rootmap.web.clients.models import Client
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_client
from tests.web.page_text import page_text


@pytest.fixture
def clients_of_org(org, clinician, colleague):
    mine = make_client(org, "C-1", name="Ada", clinicians=(clinician,))
    theirs = make_client(org, "C-2", name="Bo", clinicians=(colleague,))
    nobodys = make_client(org, "C-3", name="Cy")
    return mine, theirs, nobodys


@pytest.fixture
def foreign_client(other_org):
    return make_client(other_org, "X-1", name="Xan")


# --- Who sees whom ------------------------------------------------------------------------

def test_a_clinician_sees_only_their_own_caseload(client, clinician, clients_of_org, foreign_client):
    mine, theirs, nobodys = clients_of_org
    client.force_login(clinician)
    page = page_text(client.get(reverse("home")).content.decode())
    assert "Ada" in page and "Bo" not in page and "Cy" not in page and "Xan" not in page
    assert client.get(reverse("client-detail", args=[mine.pk])).status_code == 200
    for other in (theirs, nobodys, foreign_client):
        assert client.get(reverse("client-detail", args=[other.pk])).status_code == 404
        assert client.get(reverse("client-export", args=[other.pk])).status_code == 404
        assert client.get(reverse("client-edit", args=[other.pk])).status_code == 404
        assert client.get(reverse("client-events", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_a_supervisor_or_admin_sees_the_whole_organisation_and_nothing_else(
    request, client, role, clients_of_org, foreign_client
):
    client.force_login(request.getfixturevalue(role))
    page = page_text(client.get(reverse("home")).content.decode())
    assert "Ada" in page and "Bo" in page and "Cy" in page and "Xan" not in page
    for own in clients_of_org:
        assert client.get(reverse("client-detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("client-detail", args=[foreign_client.pk])).status_code == 404
    assert client.get(reverse("client-export", args=[foreign_client.pk])).status_code == 404


def test_viewing_a_client_is_audited(client, clinician, clients_of_org):
    client.force_login(clinician)
    client.get(reverse("client-detail", args=[clients_of_org[0].pk]))
    entry = AuditEntry.objects.filter(action="view").latest("id")
    assert entry.client_id == clients_of_org[0].pk and entry.actor == clinician


# --- Create and edit ----------------------------------------------------------------------

def _details(**over):
    data = {"display_name": "Noor", "reference": "C-9", "birth_date": "2019-03-04",
            "interests": "music, dogs"}
    data.update(over)
    return data


def test_a_clinician_who_adds_a_client_carries_them(client, clinician):
    client.force_login(clinician)
    response = client.post(reverse("client-create"), _details())
    created = Client.objects.get(reference="C-9")
    assert response.status_code == 302
    assert list(created.clinicians.all()) == [clinician]
    assert created.interests == ["music", "dogs"]
    assert AuditEntry.objects.filter(action="create", client_id=created.pk).exists()


def test_it_rejects_a_reference_already_used_and_keeps_what_was_typed(client, clinician, clients_of_org):
    client.force_login(clinician)
    response = client.post(reverse("client-create"), _details(reference="C-2"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "C-2 is already used by another client" in page
    assert 'value="Noor"' in page  # the clinician's typing is not lost
    assert Client.objects.filter(display_name="Noor").count() == 0


def test_it_rejects_a_missing_birth_date_naming_the_field(client, clinician):
    client.force_login(clinician)
    page = client.post(reverse("client-create"), _details(birth_date="")).content.decode()
    assert "This field is required" in page and "Birth date" in page


@pytest.mark.parametrize(("typed", "said"), [
    ("3018-05-01", "3018-05-01 is in the future; expected a date up to today"),
    ("1018-05-01", "1018-05-01 is more than 120 years ago; expected the child&#x27;s birth date"),
])
def test_a_birth_date_in_the_future_or_centuries_ago_is_refused_and_the_typing_kept(client, clinician, typed, said):
    client.force_login(clinician)
    response = client.post(reverse("client-create"), _details(birth_date=typed))
    page = response.content.decode()
    assert response.status_code == 200 and said in page
    assert 'value="Noor"' in page
    assert not Client.objects.filter(display_name="Noor").exists()


@pytest.mark.parametrize(("field", "typed", "said"), [
    # A name and id of one zero-width space were a caseload row with nothing to click; a
    # right-to-left override in the name reversed the rest of every line showing it
    # ("Amira \u202e" · 128 months old read "dlo shtnom 821").
    ("display_name", "\u200b", "has no visible character"),
    ("reference", "\u200b\u200d", "has no visible character"),
    ("display_name", "Amira \u202e", "contains a direction control (U+202E)"),
    ("reference", "C-\u2067-1", "contains a direction control (U+2067)"),
])
def test_a_name_or_id_that_shows_nothing_or_turns_the_text_after_it_is_refused(client, clinician, field, typed,
                                                                                 said):
    client.force_login(clinician)
    response = client.post(reverse("client-create"), _details(**{field: typed}))
    assert response.status_code == 200 and said in response.content.decode()
    assert Client.objects.count() == 0
    case = example("school-age-foster.json")
    case["client"]["id" if field == "reference" else field] = typed
    with pytest.raises(CaseFileError, match=re.escape(said)):
        parse_case(case)


def test_names_in_any_script_are_names(client, clinician):
    client.force_login(clinician)
    for n, name in enumerate(["أميرة", "נועה", "Zoë 😀", "李小龙"]):
        client.post(reverse("client-create"), _details(display_name=name, reference=f"C-{n}"))
    assert Client.objects.count() == 4


def test_a_supervisor_assigns_only_clinicians_of_their_organisation(
    client, supervisor, clinician, outsider, clients_of_org
):
    client.force_login(supervisor)
    nobodys = clients_of_org[2]
    form_page = client.get(reverse("client-edit", args=[nobodys.pk])).content.decode()
    assert "cleo" in form_page and "otto" not in form_page
    response = client.post(reverse("client-edit", args=[nobodys.pk]),
                           _details(reference="C-3", clinicians=[outsider.pk]))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(reverse("client-edit", args=[nobodys.pk]), _details(reference="C-3", clinicians=[clinician.pk]))
    assert list(Client.objects.get(pk=nobodys.pk).clinicians.all()) == [clinician]


def test_a_clinician_cannot_change_the_caseload_assignment(client, clinician, colleague, clients_of_org):
    client.force_login(clinician)
    mine = clients_of_org[0]
    client.post(reverse("client-edit", args=[mine.pk]), _details(reference="C-1", clinicians=[colleague.pk]))
    assert list(Client.objects.get(pk=mine.pk).clinicians.all()) == [clinician]
    assert Client.objects.get(pk=mine.pk).display_name == "Noor"


# --- Case files ---------------------------------------------------------------------------

def _upload(client, data, name="case.json"):
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(reverse("client-import"), {"case_file": upload})


@pytest.mark.parametrize("name", ["school-age-foster.json", "toddler-kinship.json", "adolescent-er.json"])
def test_an_example_case_file_round_trips_through_import_and_export(client, clinician, name):
    original = example(name)
    client.force_login(clinician)
    response = _upload(client, original)
    imported = Client.objects.get(reference=original["client"]["id"])
    assert response.status_code == 302 and response["Location"] == reverse("client-detail", args=[imported.pk])

    assessments = list(imported.assessments.order_by("date"))
    assert [a.reference for a in assessments] == [a["id"] for a in original["assessments"]]
    assert all(a.status == "final" and a.result and a.result["phase"] for a in assessments)

    exported = client.get(reverse("client-export", args=[imported.pk]))
    assert exported["Content-Disposition"].startswith("attachment;")
    assert parse_case(json.loads(exported.content)) == parse_case(original)
    assert AuditEntry.objects.filter(action="export", client_id=imported.pk).exists()
    assert AuditEntry.objects.filter(action="import", client_id=imported.pk).exists()


def test_stored_scores_equal_what_the_core_computes(org, clinician):
    from rootmap.core.scoring import score_history

    original = example("school-age-foster.json")
    imported = services.case_file_import(organisation=org, user=clinician, data=original)
    expected = {r.assessment_id: r.to_dict() for r in score_history(parse_case(original))}
    for a in imported.assessments.all():
        stored = {k: v for k, v in a.result.items() if k in expected[a.reference]}
        assert stored == json.loads(json.dumps(expected[a.reference]))


def test_a_bad_case_file_lists_every_problem_and_stores_nothing(client, clinician):
    bad = example("school-age-foster.json")
    bad["assessments"][0]["functioning"]["sleep"] = 7
    bad["assessments"][1]["relational"]["nonsense_item"] = 2
    client.force_login(clinician)
    response = _upload(client, bad)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "assessments[0].functioning.sleep" in page and "maximum 5" in page
    assert "assessments[1].relational.nonsense_item" in page
    assert Client.objects.count() == 0 and Assessment.objects.count() == 0


def test_a_file_that_is_not_json_is_refused_with_a_clear_message(client, clinician):
    client.force_login(clinician)
    response = _upload(client, b"{not json")
    assert response.status_code == 200
    assert "not valid JSON" in response.content.decode()
    assert Client.objects.count() == 0


def test_importing_a_client_id_already_used_is_refused(client, clinician, org):
    services.case_file_import(organisation=org, user=clinician, data=example("toddler-kinship.json"))
    client.force_login(clinician)
    page = _upload(client, example("toddler-kinship.json")).content.decode()
    assert "client.id" in page and "already a client" in page
    assert Client.objects.count() == 1


def test_an_export_leaves_out_drafts_and_amended_originals(org, clinician):
    imported = services.case_file_import(organisation=org, user=clinician,
                                         data=example("school-age-foster.json"))
    first = imported.assessments.get(reference="A-1")
    Assessment.objects.create(client=imported, reference="A-1b", kind="full", date=first.date,
                              status="final", inputs=first.inputs, result=first.result,
                              created_by=clinician, amends=first, amendment_reason="typo")
    Assessment.objects.create(client=imported, reference="D-1", kind="follow_up",
                              date=dt.date(2026, 3, 1), created_by=clinician)
    ids = [a["id"] for a in services.case_file_for(imported)["assessments"]]
    assert ids == ["A-1b", "A-2", "A-3"]
    with_drafts = [a["id"] for a in services.case_file_for(imported, include_drafts=True)["assessments"]]
    assert with_drafts == ["A-1b", "A-2", "A-3", "D-1"]


# --- Adverse events -----------------------------------------------------------------------

def _events_post(events):
    """New-event rows as the events page posts them, ages given in months (0 years)."""
    data = {"events-TOTAL_FORMS": str(len(events)), "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0", "events-MAX_NUM_FORMS": "1000"}
    for n, event in enumerate(events):
        for key, value in event.items():
            if key in ("onset_months", "end_months"):
                if value is not None:
                    years, months = divmod(value, 12) if value >= 0 else (0, value)
                    part = key.split("_")[0]
                    data[f"events-{n}-{part}_age_years"] = str(years)
                    data[f"events-{n}-{part}_age_months"] = str(months)
            else:
                data[f"events-{n}-{key}"] = "" if value is None else str(value)
    return data


def test_events_are_saved_and_finalised_scores_stay_as_signed(client, clinician, org):
    imported = services.case_file_import(organisation=org, user=clinician,
                                         data=example("toddler-kinship.json"))
    signed = imported.assessments.get().result
    client.force_login(clinician)
    events = [{"category": "neglect", "onset_months": 0, "end_months": 10, "severity": 4,
               "note": "", "source": "record"}]
    before = list(imported.events)
    response = client.post(reverse("client-events", args=[imported.pk]), _events_post(events))
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.events == [*before, {"category": "neglect", "onset_months": 0, "end_months": 10,
                                         "severity": 4, "note": "", "source": "record"}]
    assert imported.assessments.get().result == signed
    assert AuditEntry.objects.filter(action="change", client_id=imported.pk).exists()


def test_the_birth_date_is_fixed_once_an_assessment_is_finalised(client, supervisor, org, clinician):
    imported = services.case_file_import(organisation=org, user=clinician,
                                         data=example("toddler-kinship.json"))
    born = imported.birth_date
    client.force_login(supervisor)
    page = client.get(reverse("client-edit", args=[imported.pk])).content.decode()
    assert "Fixed: finalised assessments were scored at this birth date" in page
    client.post(reverse("client-edit", args=[imported.pk]), _details(
        reference=imported.reference, birth_date="2020-01-01"))
    imported.refresh_from_db()
    assert imported.birth_date == born and imported.display_name == "Noor"
    with pytest.raises(services.ClientInputError, match="cannot change once an assessment is finalised"):
        services.client_update(client=imported, user=supervisor, reference=imported.reference,
                               display_name="Noor", birth_date=dt.date(2020, 1, 1))


@pytest.mark.parametrize(("field", "value", "born_days_ago", "said"), [
    ("functioning.abstract_reasoning", "3", 540, "Abstract reasoning (expected from 84 months)"),
    ("history.childhood.adversity", "2", 540, "history for Childhood (4 to 12 years) (not reached"),
    ("functioning.sleep", "3", 5, "is before the client&#x27;s birth date"),
])
def test_a_birth_date_that_a_drafts_ratings_no_longer_fit_is_refused_naming_them(client, clinician, field, value,
                                                                                   born_days_ago, said):
    # A draft rated at 10 years kept its abstract reasoning when the child was made 18
    # months old: hidden on the entry page, refused when signing, and no way to clear it.
    from django.utils import timezone

    from rootmap.web.assessments.services import assessment_create, assessment_save_field

    today = timezone.localdate()
    mine = make_client(clinician.organisation, "C-9", name="Noor", clinicians=(clinician,))
    dated = today - dt.timedelta(days=10)
    draft = assessment_create(client=mine, user=clinician, kind="full", date=dated)
    assessment_save_field(assessment=draft, user=clinician, field=field, value=value, revision=draft.revision)
    client.force_login(clinician)
    born = today - dt.timedelta(days=born_days_ago)
    response = client.post(reverse("client-edit", args=[mine.pk]), _details(birth_date=born.isoformat()))
    page = response.content.decode()
    assert response.status_code == 200
    assert f"draft {draft.reference} of {dated.isoformat()}" in page and said in page
    mine.refresh_from_db()
    assert mine.birth_date == dt.date(2016, 4, 11)
    client.post(reverse("client-edit", args=[mine.pk]), _details(birth_date="2016-05-11"))
    assert Client.objects.get(pk=mine.pk).birth_date == dt.date(2016, 5, 11)  # nothing conflicts: saved


def test_an_event_ending_before_it_begins_is_refused_naming_the_path(client, clinician, clients_of_org):
    client.force_login(clinician)
    mine = clients_of_org[0]
    events = [{"category": "neglect", "onset_months": 20, "end_months": 10, "severity": 2}]
    response = client.post(reverse("client-events", args=[mine.pk]), _events_post(events))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Row 1, End: 10 months is before the onset, 20 months" in page
    mine.refresh_from_db()
    assert mine.events == []


def test_the_service_refuses_a_caseload_outside_the_organisation_or_not_clinical(org, supervisor, outsider, admin):
    for wrong, message in ((outsider, "works for another organisation"), (admin, "is not a clinician")):
        with pytest.raises(services.ClientInputError, match=message):
            services.client_create(organisation=org, user=supervisor, reference="C-5", display_name="Eve",
                                   birth_date=dt.date(2018, 1, 1), clinicians=[wrong])
    assert not Client.objects.filter(reference="C-5").exists()


def test_the_client_page_words_event_timing_as_the_events_page_does(client, org, clinician):
    child = make_client(org, "C-0300", clinicians=(clinician,))
    child.events = [
        {"category": "prenatal_stress", "onset_months": -9, "end_months": 0, "severity": 2, "note": "", "source": ""},
        {"category": "placement_change", "onset_months": 72, "end_months": 73, "severity": 3, "note": "",
         "source": ""},
        {"category": "neglect", "onset_months": 30, "end_months": None, "severity": 3, "note": "", "source": ""},
    ]
    child.save()
    client.force_login(clinician)
    page = client.get(reverse("client-detail", args=[child.pk])).content.decode()
    events = page[page.index('id="events-heading"'):]
    for words in ("9 months before birth", "6 years (72 months)", "one-off", "2 years 6 months (30 months)",
                  "ongoing"):
        assert words in events, words
    assert "From (months)" not in events
