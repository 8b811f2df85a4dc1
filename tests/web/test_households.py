"""Caregiving households: children, pre-filled challenge, estimates, history, what-if."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rootmap.core.caregiving import score_household
from rootmap.core.case import parse_household
from rootmap.web.caregiving import services
from rootmap.web.caregiving.models import Estimate, Household
from rootmap.web.clients.services import case_file_import
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example, make_client

RESOURCES = {
    "internal": {"health_energy": 3, "emotional_regulation": 3, "trauma_resolution": 3,
                 "caregiving_skills": 3, "flexibility_patience": 2, "commitment": 4},
    "external": {"co_caregiver_support": 3, "family_friends": 2, "respite_childcare": 1,
                 "financial_housing": 3, "professional_support": 3, "community_faith": 2},
}
CHALLENGE = {"behavioural": 1, "emotional_regulation": 2, "medical_physical": 2,
             "developmental_learning": 2, "sleep_feeding": 3, "supervision_safety": 3}


@pytest.fixture
def household(org, clinician):
    h = services.household_create(organisation=org, user=clinician, name="Dana and Rob", reference="H-1")
    h.inputs = copy.deepcopy({
        "caregivers": [{"name": "Dana", "role": "foster"}], **RESOURCES,
        "children": [{"client_pk": None, "name": "Toddler", "age_months": 20, "challenge": CHALLENGE}],
    })
    h.save()
    return h


def _form(household, **extra):
    """The household page's form as a browser posts it, from the stored inputs."""
    inputs = services.household_inputs(household)
    data = {"caregiver-count": str(len(inputs["caregivers"]))}
    for n, c in enumerate(inputs["caregivers"]):
        data[f"caregiver-{n}-name"], data[f"caregiver-{n}-role"] = c["name"], c["role"]
    for group in ("internal", "external"):
        for item, value in inputs[group].items():
            data[f"{group}-{item}"] = "" if value is None else str(value)
    for n, child in enumerate(inputs["children"]):
        if child["client_pk"] is None:
            data[f"child-{n}-age_months"] = str(child["age_months"])
            data[f"child-{n}-name"] = child["name"]
        for item, value in child["challenge"].items():
            data[f"child-{n}-{item}"] = "" if value is None else str(value)
    data.update(extra)
    return data


def test_households_belong_to_the_organisation(client, clinician, outsider, household):
    client.force_login(clinician)
    assert client.get(reverse("household-detail", args=[household.pk])).status_code == 200
    assert "Dana and Rob" in client.get(reverse("household-list")).content.decode()
    client.force_login(outsider)
    assert "Dana and Rob" not in client.get(reverse("household-list")).content.decode()
    for name in ("household-detail", "household-report"):
        assert client.get(reverse(name, args=[household.pk])).status_code == 404
    for name in ("household-save", "household-what-if", "household-preview", "household-add-other"):
        assert client.post(reverse(name, args=[household.pk]), _form(household)).status_code == 404


def test_creating_a_household(client, clinician):
    client.force_login(clinician)
    response = client.post(reverse("household-create"), {"name": "The Lees", "reference": "H-9"})
    created = Household.objects.get(reference="H-9")
    assert response["Location"] == reverse("household-detail", args=[created.pk])


def test_a_client_child_gets_a_challenge_pre_filled_from_their_latest_assessment(
    client, clinician, org, household
):
    from rootmap.core.caregiving import prefill_challenge
    from rootmap.web.assessments.scoring import result_from_json

    milo = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    client.force_login(clinician)
    response = client.post(reverse("household-add-client", args=[household.pk]),
                           _form(household, client=str(milo.pk)))
    assert response.status_code == 302
    household.refresh_from_db()
    child = household.inputs["children"][-1]
    latest = milo.assessments.get(reference="A-3")
    assert child["client_pk"] == milo.pk and child["prefilled_from"] == "A-3"
    expected = prefill_challenge(result_from_json(latest.result))
    assert {k: v for k, v in child["challenge"].items()} == expected
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Pre-filled from assessment A-3" in page


def test_a_client_outside_the_users_caseload_cannot_be_added(client, clinician, colleague, org, household):
    theirs = make_client(org, "C-7", clinicians=(colleague,))
    client.force_login(clinician)
    response = client.post(reverse("household-add-client", args=[household.pk]), {"client": str(theirs.pk)})
    assert response.status_code == 404


def test_another_child_is_added_by_age_keeping_what_was_typed(client, clinician, household):
    client.force_login(clinician)
    data = _form(household, **{"internal-health_energy": "1", "other-years": "2", "other-months": "6",
                               "other-name": "Sibling"})
    client.post(reverse("household-add-other", args=[household.pk]), data)
    household.refresh_from_db()
    assert household.inputs["internal"]["health_energy"] == 1
    assert household.inputs["children"][-1]["age_months"] == 30
    assert household.inputs["children"][-1]["name"] == "Sibling"


def test_saving_an_estimate_stores_the_household_file_and_its_result(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-save", args=[household.pk]), _form(household, estimate="1"))
    assert response.status_code == 302
    estimate = Estimate.objects.get(household=household)
    expected = score_household(parse_household(estimate.inputs)).to_dict()
    assert estimate.result == expected and estimate.result["reserve"] is not None
    assert estimate.created_by == clinician
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Estimate history" in page and f"{expected['reserve']:.1f}" in page
    listing = client.get(reverse("household-list")).content.decode()
    assert f"{expected['reserve']:.1f}" in listing and expected["reserve_band"].capitalize() in listing


def test_the_estimate_history_keeps_every_dated_estimate(clinician, household):
    services.estimate_save(household=household, user=clinician, on=dt.date(2025, 1, 1))
    household.inputs["external"]["respite_childcare"] = 4
    household.save()
    services.estimate_save(household=household, user=clinician, on=dt.date(2025, 6, 1))
    reserves = [e.result["reserve"] for e in household.estimates.order_by("date")]
    assert len(reserves) == 2 and reserves[1] > reserves[0]


def test_a_bad_rating_is_refused_naming_the_path_and_keeping_what_was_typed(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-save", args=[household.pk]),
                           _form(household, **{"external-family_friends": "9", "caregiver-0-name": "Dana R."}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "external.family_friends" in page and "Nothing was saved" in page
    assert 'value="Dana R."' in page
    household.refresh_from_db()
    assert household.inputs["caregivers"][0]["name"] == "Dana"


def test_the_what_if_saves_nothing(client, clinician, household):
    services.estimate_save(household=household, user=clinician, on=dt.date(2025, 1, 1))
    before = (Household.objects.get(pk=household.pk).inputs, Estimate.objects.count())
    client.force_login(clinician)
    data = {"whatif-years": "1", "whatif-months": "3", **{f"whatif-{k}": "3" for k in CHALLENGE},
            "raise-0-item": "respite_childcare", "raise-0-value": "4"}
    response = client.post(reverse("household-what-if", args=[household.pk]), data,
                           headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and "not saved" in page and "What if" in page
    assert (Household.objects.get(pk=household.pk).inputs, Estimate.objects.count()) == before

    base = parse_household(services.household_file(household, on=timezone.localdate()))
    from rootmap.core.caregiving import what_if
    expected = what_if(base, add_children=[{"age_months": 15, "challenge": dict.fromkeys(CHALLENGE, 3)}],
                       raise_resources={"respite_childcare": 4})
    assert f"{expected.reserve:.1f}" in page


def test_a_what_if_with_a_bad_value_names_the_prospective_child(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-what-if", args=[household.pk]),
                           {"whatif-years": "1", "whatif-behavioural": "7"})
    assert "Prospective child, challenge.behavioural" in response.content.decode()


def test_the_preview_shows_the_estimate_as_typed_without_saving(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-preview", args=[household.pk]),
                           _form(household, **{"external-respite_childcare": "4"}))
    assert response.status_code == 200 and 'id="estimate-panel"' in response.content.decode()
    household.refresh_from_db()
    assert household.inputs["external"]["respite_childcare"] == 1


def test_the_household_report_is_a_pdf_of_the_latest_estimate(client, clinician, household):
    client.force_login(clinician)
    assert client.get(reverse("household-report", args=[household.pk])).status_code == 404
    services.estimate_save(household=household, user=clinician, on=dt.date(2025, 1, 1))
    response = client.get(reverse("household-report", args=[household.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "raised from" in text  # the suggested what-ifs, as in `rootmap report`
    for bad in ("9" * 40, "abc"):
        assert client.get(reverse("household-report", args=[household.pk]), {"estimate": bad}).status_code == 404


def test_the_household_list_runs_the_same_queries_for_3_and_30_households(client, clinician, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        h = services.household_create(organisation=org, user=clinician, name=f"Home {n}", reference=f"H-{n}")
        h.inputs = copy.deepcopy({"caregivers": [], **RESOURCES, "children": []})
        h.save()
        services.estimate_save(household=h, user=clinician, on=dt.date(2025, 1, 1))

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("household-list")).status_code == 200
        return len(captured)

    client.force_login(clinician)
    for n in range(3):
        add(n)
    few = count()
    for n in range(3, 30):
        add(n)
    assert count() == few
