"""The record a clinician can trust (issue 9): an assessment too sparsely rated never reads
"Maintain", a signed assessment never changes when the client does, and an ER snapshot's
map and change table agree."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.errors import UndeterminedUnconfirmed
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import (
    assessment_amend,
    assessment_create,
    assessment_finalise,
)
from rootmap.web.audit.models import AuditEntry
from rootmap.web.clients import services as client_services
from rootmap.web.clients.models import Client
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

PASSWORD = "a long enough password 42"
# Born 2021-01-01, 49 months old on 2025-02-03: 29 of the 32 items are expected (not yet
# abstract reasoning, self-reflection or academic skills).
YOUNG = dt.date(2021, 1, 1)
WHEN = dt.date(2025, 2, 3)
EVENT = {"category": "neglect", "onset_months": 2, "end_months": 30, "severity": 3,
         "note": "", "source": "child welfare record"}


@pytest.fixture
def org(db: Any) -> Organisation:
    return Organisation.objects.create(name="Riverside")


@pytest.fixture
def clinician(org: Organisation) -> User:
    return User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")


@pytest.fixture
def child(org: Organisation, clinician: User) -> Client:
    c = Client.objects.create(organisation=org, reference="C-7", display_name="Robin", birth_date=YOUNG,
                              interests=["music"], events=[EVENT])
    c.clinicians.set([clinician])
    return c


@pytest.fixture
def web(clinician: User) -> HttpClient:
    http = HttpClient()
    http.force_login(clinician)
    return http


def draft(client: Client, user: User, kind: str, functioning: dict[str, int], date: dt.date = WHEN) -> Assessment:
    a = assessment_create(client=client, kind=kind, date=date, user=user)
    expected = {k: v for k, v in functioning.items() if k not in
                ("abstract_reasoning", "self_reflection", "academic_skills")}
    a.inputs.update(functioning=expected, relational=dict(RELATIONAL),
                    informants=[{"role": "caregiver", "name": "Kinship carer", "hours": 1.5}],
                    documents=[{"title": "Referral", "source": "school", "date": "2025-01-10"}])
    if kind == "er":
        a.inputs["trigger"] = "placement_change"
    a.save()
    return a


def sha256_of_canonical_json(data: Any) -> str:
    # Written here, not taken from the code under test: sorted keys, no spaces, UTF-8.
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def without_csrf(html: str) -> str:
    """The page without its CSRF tokens, which Django masks afresh on every response."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', html)


# --- A. A near-empty assessment never reads "Maintain" ------------------------------------

def test_an_er_snapshot_with_1_of_29_items_rated_is_undetermined_not_maintain(
    child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    assert len([i for i in a.inputs["functioning"]]) == 1
    with pytest.raises(UndeterminedUnconfirmed) as refused:
        assessment_finalise(assessment=a, user=clinician, password=PASSWORD)
    assert refused.value.field == "confirm_undetermined"
    assert "Not enough has been rated yet to say where to start" in refused.value.message
    assert "Sensory integration, Self-regulation, Relational, Cognitive" in refused.value.message
    stored = Assessment.objects.get(pk=a.pk)
    assert (stored.status, stored.result, stored.snapshot) == ("draft", None, None)  # nothing saved
    assert not AuditEntry.objects.filter(action="finalise").exists()

    with pytest.raises(UndeterminedUnconfirmed) as no_reason:
        assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                            undetermined_reason="   ")
    assert no_reason.value.field == "undetermined_reason"
    assert Assessment.objects.get(pk=a.pk).status == "draft"

    done = assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                               undetermined_reason="Crisis visit; carer could speak for ten minutes")
    done = Assessment.objects.get(pk=done.pk)
    assert done.result["phase"] == "undetermined" and done.result["entry_region"] is None
    assert done.result["plan"]["phases"] == []
    assert done.undetermined_reason == "Crisis visit; carer could speak for ten minutes"
    assert done.snapshot["assessments"][-1]["undetermined_reason"] == done.undetermined_reason
    entry = AuditEntry.objects.get(action="finalise", object_id=str(done.pk))
    assert entry.detail["phase"] == "undetermined"
    assert entry.detail["undetermined_reason"] == done.undetermined_reason


def test_a_reason_with_control_characters_is_refused_by_name(child: Client, clinician: User) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    with pytest.raises(UndeterminedUnconfirmed) as refused:
        assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                            undetermined_reason="bad\x00reason")
    assert refused.value.field == "undetermined_reason"
    assert "control characters" in refused.value.message


def test_the_finalise_page_asks_for_the_confirmation_and_keeps_what_was_typed(
    web: HttpClient, child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    url = reverse("assessment-finalise", args=[a.pk])
    page = web.get(url)
    assert page.status_code == 200
    assert 'name="confirm_undetermined"' in page.text and 'name="undetermined_reason"' in page.text
    assert "Not enough has been rated yet to say where to start" in page.text

    refused = web.post(url, {"password": PASSWORD, "undetermined_reason": "typed but not ticked"})
    assert refused.status_code == 422
    assert "tick the box to confirm" in refused.text
    assert "typed but not ticked" in refused.text  # the reason stays on the page
    assert Assessment.objects.get(pk=a.pk).status == "draft"

    accepted = web.post(url, {"password": PASSWORD, "confirm_undetermined": "yes",
                              "undetermined_reason": "Only sleep could be asked about"})
    assert accepted.status_code == 302
    done = Assessment.objects.get(pk=a.pk)
    assert done.status == "final" and done.undetermined_reason == "Only sleep could be asked about"

    results = web.get(reverse("assessment-results", args=[a.pk])).text
    assert "Not enough has been rated yet to say where to start" in results
    assert "Only sleep could be asked about" in results
    assert "Maintain" not in results and "no region compromised" not in results
    for audience in ("clinician", "family"):
        report = web.get(reverse("assessment-report", args=[a.pk, audience, "html"]))
        assert report.status_code == 200
        text = report.content.decode()
        if audience == "clinician":
            assert "Not enough has been rated yet to say where to start" in text
            assert "Only sleep could be asked about" in text
        else:
            assert "We do not know enough yet to say where to start" in text
    present = web.get(reverse("assessment-present", args=[a.pk]) + "?step=5").text
    assert "We do not know enough yet to say where to start" in present
    assert "Keep doing what works" not in present


def test_a_complete_assessment_is_finalised_without_any_confirmation(
    web: HttpClient, child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "full", dict(FUNCTIONING))
    page = web.get(reverse("assessment-finalise", args=[a.pk]))
    assert 'name="confirm_undetermined"' not in page.text
    done = assessment_finalise(assessment=a, user=clinician, password=PASSWORD)
    assert done.result["phase"] == "regulate" and done.undetermined_reason == ""


def test_the_caseload_shows_an_undetermined_badge_and_filters_by_it(
    web: HttpClient, child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                        undetermined_reason="Crisis visit")
    caseload = web.get(reverse("home")).text
    assert "badge--phase-undetermined" in caseload and "Maintain" not in caseload.split("<table")[-1]
    filtered = web.get(reverse("home") + "?phase=undetermined").text
    assert "Robin" in filtered
    assert "Robin" not in web.get(reverse("home") + "?phase=maintain").text


# --- B. A signed assessment is frozen -----------------------------------------------------

def _pages(web: HttpClient, a: Assessment) -> dict[str, str]:
    pages = {"results": web.get(reverse("assessment-results", args=[a.pk]))}
    for audience in ("clinician", "family"):
        pages[audience] = web.get(reverse("assessment-report", args=[a.pk, audience, "html"]))
    pages["present"] = web.get(reverse("assessment-present", args=[a.pk]) + "?step=1")
    for name, response in pages.items():
        assert response.status_code == 200, name
    return {name: without_csrf(r.content.decode()) for name, r in pages.items()}


def test_a_signed_assessment_reads_the_same_after_the_client_changes(
    web: HttpClient, child: Client, clinician: User
) -> None:
    done = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                               user=clinician, password=PASSWORD)
    before = _pages(web, done)
    assert "Robin" in before["results"] and "Robin" in before["clinician"]

    # Later: the client's name, interests and events change (however they are edited).
    child.refresh_from_db()
    child.display_name = "Robin Renamed"
    child.interests = ["horses", "drawing"]
    child.events = [EVENT, {"category": "physical_abuse", "onset_months": 20, "end_months": None,
                            "severity": 4, "note": "learned after signing", "source": "police"}]
    child.save()

    after = _pages(web, done)
    for name in before:
        assert after[name] == before[name], f"the {name} page changed after signing"
    assert "Renamed" not in after["results"] and "learned after signing" not in after["clinician"]


def test_the_finalise_audit_entry_holds_the_hash_of_the_stored_result(child: Client, clinician: User) -> None:
    done = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                               user=clinician, password=PASSWORD)
    stored = Assessment.objects.get(pk=done.pk)  # as the database gives it back
    entry = AuditEntry.objects.get(action="finalise", object_id=str(done.pk))
    assert entry.detail["result_sha256"] == sha256_of_canonical_json(stored.result)
    assert entry.detail["snapshot_sha256"] == sha256_of_canonical_json(stored.snapshot)
    assert len(entry.detail["result_sha256"]) == 64


def test_the_snapshot_holds_what_the_result_and_reports_read(child: Client, clinician: User) -> None:
    done = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                               user=clinician, password=PASSWORD)
    snapshot = Assessment.objects.get(pk=done.pk).snapshot
    assert snapshot["format"] == "rootmap-case/1"
    assert snapshot["client"] == {"id": "C-7", "birth_date": "2021-01-01", "display_name": "Robin"}
    assert snapshot["interests"] == ["music"] and snapshot["events"] == [EVENT]
    mine = snapshot["assessments"][-1]
    assert mine["id"] == done.reference and mine["instrument_version"] == "1"
    assert mine["informants"] == [{"role": "caregiver", "name": "Kinship carer", "hours": 1.5}]
    assert mine["documents"] == [{"title": "Referral", "source": "school", "date": "2025-01-10"}]


def test_an_amendment_is_signed_with_the_client_as_it_is_then(child: Client, clinician: User) -> None:
    original = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                                   user=clinician, password=PASSWORD)
    late = {"category": "domestic_violence", "onset_months": 10, "end_months": 24, "severity": 3,
            "note": "", "source": "carer"}
    child.refresh_from_db()
    child.events = [EVENT, late]
    child.save()
    amendment = assessment_amend(original=original, user=clinician, reason="An earlier event came to light")
    amendment = assessment_finalise(assessment=amendment, user=clinician, password=PASSWORD)
    assert Assessment.objects.get(pk=amendment.pk).snapshot["events"] == [EVENT, late]
    assert Assessment.objects.get(pk=original.pk).snapshot["events"] == [EVENT]
    assert AuditEntry.objects.filter(action="finalise", object_id=str(amendment.pk)).exists()


def test_an_imported_assessment_is_frozen_too(org: Organisation, clinician: User) -> None:
    from tests.web.org_fixtures import example

    data = example("school-age-foster.json")
    client = client_services.case_file_import(organisation=org, user=clinician, data=data)
    latest = Assessment.objects.filter(client=client).order_by("date", "id").last()
    assert latest is not None and latest.snapshot is not None
    assert latest.snapshot["events"] == data["events"]
    assert [a["id"] for a in latest.snapshot["assessments"]] == [a["id"] for a in data["assessments"]]


# --- C. An ER snapshot's map and change table agree ----------------------------------------

def _deltas(html: str) -> dict[str, int]:
    start = html.index('class="rm-brain-map"')
    svg = html[start:html.index("</svg>", start)]
    return {i: int(d) for i, d in re.findall(r'data-item="([a-z_]+)"[^>]*data-delta="(-?\d+)"', svg)}


def test_an_er_results_page_shows_no_change_in_the_map_when_it_has_no_change_table(
    web: HttpClient, child: Client, clinician: User
) -> None:
    assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING), date=dt.date(2024, 9, 2)),
                        user=clinician, password=PASSWORD)
    better = {k: min(v + 1, 5) for k, v in FUNCTIONING.items()}
    er = assessment_finalise(assessment=draft(child, clinician, "er", better), user=clinician, password=PASSWORD)
    assert er.result["change"] is None
    page = web.get(reverse("assessment-results", args=[er.pk])).text
    assert "No comparison for this kind of assessment" in page
    assert _deltas(page) == {}  # before: every rated cell carried an arrow since A-1


def test_a_follow_up_results_page_shows_the_same_change_in_the_map_and_the_table(
    web: HttpClient, child: Client, clinician: User
) -> None:
    assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING), date=dt.date(2024, 9, 2)),
                        user=clinician, password=PASSWORD)
    better = {k: min(v + 1, 5) for k, v in FUNCTIONING.items()}
    better["fine_motor"] = 1  # down from 3
    follow = assessment_finalise(assessment=draft(child, clinician, "follow_up", better),
                                 user=clinician, password=PASSWORD)
    page = web.get(reverse("assessment-results", args=[follow.pk])).text
    assert "Since the previous assessment" in page
    assert _deltas(page) == follow.result["change"]["previous"]["items"]
    assert set(_deltas(page).values()) == {1, -2}


def test_the_research_export_counts_the_events_an_assessment_was_signed_with(
    child: Client, clinician: User
) -> None:
    from rootmap.web.privacy.services import research_rows

    done = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                               user=clinician, password=PASSWORD)
    child.refresh_from_db()
    child.events = [EVENT, {"category": "bullying", "onset_months": 40, "end_months": None,
                            "severity": 2, "note": "", "source": "school"}]
    child.save()
    rows, _meta = research_rows(k=1)  # k=1: nothing generalised, so the count is shown as is
    [row] = [r for r in rows if r["kind"] == done.kind]
    assert str(row["event_count"]) == "1" and row["event_categories"] == "neglect"


def test_an_assessment_signed_before_snapshots_were_kept_still_shows_its_pages(
    web: HttpClient, child: Client, clinician: User
) -> None:
    # Rows finalised before this change have no snapshot (and can never get one: finalised
    # rows do not change). Their pages read the client as it is now, as they always did.
    signed = assessment_finalise(assessment=draft(child, clinician, "full", dict(FUNCTIONING)),
                                 user=clinician, password=PASSWORD)
    legacy = Assessment.objects.create(
        client=child, reference="A-0", kind="full", date=dt.date(2024, 6, 3), status="final",
        inputs=signed.inputs, result=dict(signed.result, assessment_id="A-0", date="2024-06-03"),
        created_by=clinician, finalised_by=clinician,
        finalised_at=signed.finalised_at)
    assert legacy.snapshot is None
    for url in (reverse("assessment-results", args=[legacy.pk]),
                reverse("assessment-report", args=[legacy.pk, "clinician", "html"]),
                reverse("assessment-present", args=[legacy.pk]) + "?step=1"):
        response = web.get(url)
        assert response.status_code == 200, url
        assert "Robin" in response.content.decode()


def test_the_reason_travels_with_the_case_file_export_and_import(
    org: Organisation, child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                        undetermined_reason="Crisis visit")
    exported = client_services.case_file_for(child)
    assert exported["assessments"][-1]["undetermined_reason"] == "Crisis visit"
    exported["client"]["id"] = "C-8"
    copy = client_services.case_file_import(organisation=org, user=clinician, data=exported)
    imported = Assessment.objects.get(client=copy)
    assert imported.result["phase"] == "undetermined"
    assert imported.undetermined_reason == "Crisis visit"


def test_the_results_page_names_the_short_domains_in_words(
    web: HttpClient, child: Client, clinician: User
) -> None:
    a = draft(child, clinician, "er", {"sleep": 4})
    assessment_finalise(assessment=a, user=clinician, password=PASSWORD, confirm_undetermined=True,
                        undetermined_reason="Crisis visit")
    page = web.get(reverse("assessment-results", args=[a.pk])).text
    assert ("Missing information (too few items rated): Sensory integration, Self-regulation, "
            "Relational, Cognitive.") in page
    assert "sensory_integration" not in page.split("<svg")[0]
