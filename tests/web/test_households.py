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
from rootmap.web.jobs.models import Job
from tests.web.job_helpers import household_pdf
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


@pytest.fixture(autouse=True)
def job_folder(tmp_path, settings):
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")  # the reports' files, made as jobs


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
    for name in ("household-detail", "household-report", "job-household-report"):
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
    from rootmap.core.results import result_from_json

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
    # By hand: respite 1 -> 4 makes external 100 × (17/6) / 4 = 70.833…, resources
    # (75 + 70.833…) / 2 = 72.916…; challenges 70.416… (the toddler) and 100 × 3/4 × 1.3 = 97.5
    # (15 months, every item 3), demand 83.958…; reserve −11.041… prints "−11.0" (minus U+2212).
    assert abs(expected.reserve - (-11.0417)) < 1e-4
    assert "<td class=\"num\">−11.0</td>" in page


def test_a_what_if_with_a_bad_value_names_the_prospective_child(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-what-if", args=[household.pk]),
                           {"whatif-years": "1", "whatif-behavioural": "7"})
    assert "Prospective child, challenge.behavioural" in response.content.decode()


@pytest.mark.parametrize(("years", "months"), [("-2", "30"), ("1", "-12"), ("0", "12"), ("26", ""), ("", "-1")])
def test_a_what_if_age_outside_years_and_months_is_refused_not_recounted(client, clinician, household,
                                                                          years, months):
    # -2 years and 30 months was worked out as a child "aged 6 months", 1 year and -12
    # months as a newborn: the bounds of "Add a child" hold for the prospective child too.
    client.force_login(clinician)
    response = client.post(reverse("household-what-if", args=[household.pk]),
                           {"whatif-years": years, "whatif-months": months, **{f"whatif-{k}": "3" for k in CHALLENGE}})
    page = response.content.decode()
    assert response.status_code == 200
    assert "cannot be worked out" in page and "age in years (0 to 25) and months (0 to 11)" in page
    assert "aged" not in page


def test_a_what_if_child_of_one_month_is_one_month_old(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-what-if", args=[household.pk]),
                           {"whatif-years": "", "whatif-months": "1", **{f"whatif-{k}": "3" for k in CHALLENGE}})
    assert "aged 1 month:" in response.content.decode()


def test_the_preview_shows_the_estimate_as_typed_without_saving(client, clinician, household):
    client.force_login(clinician)
    response = client.post(reverse("household-preview", args=[household.pk]),
                           _form(household, **{"external-respite_childcare": "4"}))
    assert response.status_code == 200 and 'id="estimate-panel"' in response.content.decode()
    household.refresh_from_db()
    assert household.inputs["external"]["respite_childcare"] == 1


def test_the_household_report_is_a_pdf_of_the_latest_estimate_made_as_a_job(client, clinician, household):
    client.force_login(clinician)
    assert household_pdf(client, household.pk).status_code == 404  # no saved estimate yet
    services.estimate_save(household=household, user=clinician, on=dt.date(2025, 1, 1))
    old = client.get(reverse("household-report", args=[household.pk]))
    assert old.status_code == 302 and old["Location"] == reverse("job-household-report", args=[household.pk])
    pdf = household_pdf(client, household.pk)
    assert pdf.startswith(b"%PDF")
    job = Job.objects.get()
    assert (job.owner_id, job.kind, job.status, job.client_id) == (clinician.pk, "household_report", "done", None)
    assert job.result_name == "household-H-1-2025-01-01.pdf"
    assert "raised from" in _pdf_text(pdf)  # the suggested what-ifs, as in `rootmap report`
    for bad in ("9" * 40, "abc"):
        assert household_pdf(client, household.pk, estimate=bad).status_code == 404
        assert client.post(reverse("job-household-report", args=[household.pk]),
                           {"estimate": bad}).status_code == 404
    assert Job.objects.count() == 1


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


# --- Issue 9: children are linked by the client's id, never by its editable reference ----

def _pdf_text(content: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_reference_renamed_and_given_to_another_client_keeps_the_first_child_and_ratings(
    client, clinician, org, household
):
    milo = case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))
    services.household_child_add_client(household=household, user=clinician, client=milo)
    household.refresh_from_db()
    milo_ratings = dict(household.inputs["children"][-1]["challenge"])
    services.estimate_save(household=household, user=clinician, on=dt.date(2026, 2, 2))

    milo.reference = "C-0102-OLD"
    milo.save()
    usurper = make_client(org, "C-0102", name="Quentin", clinicians=(clinician,),
                          birth_date=dt.date(2024, 1, 5))

    client.force_login(clinician)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Milo" in page and "C-0102-OLD" in page
    assert "Quentin" not in page.split('id="add-client"')[0]  # only offered as a child to add
    household.refresh_from_db()
    assert household.inputs["children"][-1]["challenge"] == milo_ratings
    file = services.household_file(household, on=dt.date(2026, 12, 1))
    milo_age = 12 * (2026 - 2015) + (12 - 11) - 1  # born 8 November 2015, on 1 December 2026
    assert file["children"][-1] == {"age_months": milo_age, "client_id": "C-0102-OLD",
                                    "challenge": milo_ratings}
    text = _pdf_text(household_pdf(client, household.pk))
    assert "Milo (C-0102-OLD)" in " ".join(text.split()), text
    assert "Quentin" not in text
    assert usurper.pk not in Estimate.objects.get(household=household).child_clients


def test_a_client_already_in_the_household_is_refused_even_after_a_rename(clinician, org, household):
    milo = make_client(org, "C-1", name="Milo", clinicians=(clinician,))
    services.household_child_add_client(household=household, user=clinician, client=milo)
    milo.reference = "C-2"
    milo.save()
    with pytest.raises(services.HouseholdInputError, match="already in this household"):
        services.household_child_add_client(household=household, user=clinician, client=milo)


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_references_into_client_ids():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("caregiving", "0002_household_inputs")]
    after = [("caregiving", "0003_households_link_children_by_id")]
    executor = MigrationExecutor(connection)
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "caregiving"]
    executor.migrate(before)
    try:
        apps = executor.loader.project_state([*before, *others]).apps
        Organisation = apps.get_model("accounts", "Organisation")
        Client = apps.get_model("clients", "Client")
        User = apps.get_model("accounts", "User")
        Household = apps.get_model("caregiving", "Household")
        Estimate = apps.get_model("caregiving", "Estimate")
        org = Organisation.objects.create(name="Riverside")
        other = Organisation.objects.create(name="Hillside")
        milo = Client.objects.create(organisation=org, reference="C-1", display_name="Milo",
                                     birth_date=dt.date(2016, 1, 1))
        Client.objects.create(organisation=other, reference="C-1", display_name="Other org's C-1",
                              birth_date=dt.date(2017, 1, 1))
        user = User.objects.create(username="u", organisation=org)
        child = {"client_id": "C-1", "name": "Milo", "age_months": None, "challenge": CHALLENGE}
        gone = {"client_id": "C-404", "name": "", "age_months": None, "challenge": CHALLENGE}
        plain = {"client_id": None, "name": "Toddler", "age_months": 20, "challenge": CHALLENGE}
        h = Household.objects.create(organisation=org, reference="H-1", name="H",
                                     inputs={"children": [child, gone, plain]})
        file = {"children": [{"client_id": "C-1", "age_months": 100, "challenge": CHALLENGE},
                             {"client_id": None, "age_months": 20, "challenge": CHALLENGE}]}
        e = Estimate.objects.create(household=h, date=dt.date(2025, 1, 1), inputs=file, created_by=user)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        apps = executor.loader.project_state([*after, *others]).apps
        children = apps.get_model("caregiving", "Household").objects.get(pk=h.pk).inputs["children"]
        assert [c["client_pk"] for c in children] == [milo.pk, None, None]
        assert "client_id" not in children[0] and children[0]["challenge"] == CHALLENGE
        assert children[1]["name"] == "formerly C-404"  # kept, unlinked, never guessed
        assert children[2]["name"] == "Toddler" and children[2]["age_months"] == 20
        assert apps.get_model("caregiving", "Estimate").objects.get(pk=e.pk).child_clients == [milo.pk, None]
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


# --- Issue 9: every write commits with its audit entry, in its service ------------------

def _writes(household, clinician, supervisor, milo):
    """Each caregiving write, as a call (and the user it is made by)."""
    return {
        "household_create": lambda: services.household_create(
            organisation=household.organisation, user=clinician, name="New", reference="H-new"),
        "household_update": lambda: services.household_update(
            household=household, user=clinician, on=dt.date(2026, 1, 1),
            inputs={**services.household_inputs(household), "caregivers": [{"name": "Kim", "role": "foster"}]}),
        "child_add_client": lambda: services.household_child_add_client(
            household=household, user=clinician, client=milo),
        "child_add_other": lambda: services.household_child_add_other(
            household=household, user=clinician, age_months=40),
        "estimate_save": lambda: services.estimate_save(household=household, user=clinician,
                                                        on=dt.date(2026, 1, 1)),
        "report_download": lambda: services.household_report_download(
            household=household, user=clinician, estimate=Estimate.objects.get(household=household)),
    }


def _state(household):
    from rootmap.web.audit.models import AuditEntry

    return (Household.objects.order_by("id").values_list("id", "inputs")[::1],
            Estimate.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("write", ["household_create", "household_update", "child_add_client",
                                   "child_add_other", "estimate_save", "report_download"])
def test_each_write_commits_with_its_audit_entry_or_not_at_all(write, clinician, supervisor, org,
                                                               household, monkeypatch):
    from rootmap.web.audit import services as audit
    from rootmap.web.audit.models import AuditEntry

    milo = make_client(org, "C-1", name="Milo", clinicians=(clinician,))
    Estimate.objects.create(household=household, date=dt.date(2025, 1, 1), created_by=clinician,
                            inputs=services.household_file(household, on=dt.date(2025, 1, 1)),
                            child_clients=[None])
    calls = _writes(household, clinician, supervisor, milo)
    before = _state(household)

    def failing_after(append):
        def written_then_failing(**kwargs):
            append(**kwargs)  # the entry is written ...
            raise RuntimeError("the disk filled up")  # ... then the transaction fails
        return written_then_failing

    # Views of several children append their entries together (audit_record_each).
    monkeypatch.setattr(services, "audit_record", failing_after(audit.audit_record))
    monkeypatch.setattr(services, "audit_record_each", failing_after(audit.audit_record_each))
    with pytest.raises(RuntimeError):
        calls[write]()
    assert _state(household) == before, "a failed write left a change or an audit entry"

    monkeypatch.undo()
    newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    calls[write]()
    entries = list(AuditEntry.objects.filter(id__gt=newest))
    assert len(entries) == 1 and entries[0].actor == clinician
    assert entries[0].client_id == (milo.pk if write == "child_add_client" else None)


def test_a_write_from_a_stale_copy_of_the_household_loses_no_other_child(clinician, household):
    copies = [Household.objects.get(pk=household.pk) for _ in range(3)]  # three pages open at once
    for n, copy_ in enumerate(copies):
        services.household_child_add_other(household=copy_, user=clinician, age_months=30 + n)
    household.refresh_from_db()
    assert [c["age_months"] for c in household.inputs["children"]] == [20, 30, 31, 32]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_household_keep_every_child_and_one_entry_each():
    import threading

    from django.db import connection, connections

    from rootmap.web.accounts.models import Organisation, User
    from rootmap.web.audit.models import AuditEntry
    from rootmap.web.audit.services import audit_verify

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database (SQLite serialises writes itself)")
    org = Organisation.objects.create(name="Riverside")
    user = User.objects.create_user(username="cleo", password="x" * 12, organisation=org, role="clinician")
    household = services.household_create(organisation=org, user=user, name="H", reference="H-1")
    start = threading.Barrier(8)
    errors = []

    def write(n):
        try:
            stale = Household.objects.get(pk=household.pk)
            start.wait()
            services.household_child_add_other(household=stale, user=user, age_months=n)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    household.refresh_from_db()
    assert sorted(c["age_months"] for c in household.inputs["children"]) == list(range(8))
    assert AuditEntry.objects.filter(object_type="household", action="change").count() == 8
    assert audit_verify().ok


def test_a_saved_change_names_the_client_children_it_changed_or_removed(clinician, org, household):
    from rootmap.web.audit.models import AuditEntry

    milo = make_client(org, "C-1", name="Milo", clinicians=(clinician,))
    ava = make_client(org, "C-2", name="Ava", clinicians=(clinician,))
    for child in (milo, ava):
        services.household_child_add_client(household=household, user=clinician, client=child)
    inputs = services.household_inputs(household)
    inputs["children"][1]["challenge"]["behavioural"] = 3
    del inputs["children"][2]
    services.household_update(household=household, user=clinician, inputs=inputs, on=dt.date(2026, 1, 1))
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "change" and entry.detail == {"clients_changed": [milo.pk],
                                                          "clients_removed": [ava.pk]}


def test_a_page_loaded_before_a_child_was_added_does_not_clear_that_childs_ratings(client, clinician, household):
    page_before = _form(household)  # the page as it was, with one child
    services.household_child_add_other(household=household, user=clinician, age_months=40)
    household.refresh_from_db()
    household.inputs["children"][1]["challenge"] = dict(CHALLENGE)
    household.save()
    client.force_login(clinician)
    response = client.post(reverse("household-save", args=[household.pk]), {**page_before, "internal-commitment": "1"})
    assert response.status_code in (200, 302)
    household.refresh_from_db()
    assert household.inputs["internal"]["commitment"] == 1  # what the stale page typed is saved
    assert household.inputs["children"][1]["challenge"] == CHALLENGE  # and the later child is kept
    assert household.inputs["children"][1]["age_months"] == 40


@pytest.mark.parametrize("count", ["0", "", "x", "999"])
def test_every_caregiver_posted_is_kept_whatever_the_hidden_count_says(client, clinician, household, count):
    # The page's hidden caregiver-count, stale or edited, must not drop a name that was sent.
    form = {**_form(household), "caregiver-count": count,
            "caregiver-1-name": "Rob", "caregiver-1-role": "foster", "caregiver-2-name": "", "caregiver-2-role": ""}
    client.force_login(clinician)
    response = client.post(reverse("household-save", args=[household.pk]), form)
    assert response.status_code in (200, 302)
    household.refresh_from_db()
    assert household.inputs["caregivers"] == [{"name": "Dana", "role": "foster"}, {"name": "Rob", "role": "foster"}]


@pytest.mark.parametrize(("field", "path"), [("caregiver-0-name", "caregivers[0].name"),
                                             ("caregiver-0-role", "caregivers[0].role"),
                                             ("child-0-name", "children[0].name")])
def test_a_name_holding_a_direction_control_is_refused_naming_it(client, clinician, household, field, path):
    # "Bad\u202eName (foster carer)" showed as "Bad(rerac retsof) emaN" in the household list
    # (and in the report's running header): a direction control reverses what follows it.
    client.force_login(clinician)
    response = client.post(reverse("household-save", args=[household.pk]),
                           _form(household, **{field: "Bad\u202eName"}))
    page = response.content.decode()
    assert response.status_code == 200
    assert path in page and "direction control (U+202E)" in page and "Nothing was saved" in page
    household.refresh_from_db()
    assert "\u202e" not in str(household.inputs)


@pytest.mark.parametrize("data", [{"name": "The \u202eLees", "reference": "H-9"},
                                  {"name": "The Lees", "reference": "H-\u20669"},
                                  {"name": "\u200b", "reference": "H-9"}])
def test_a_household_name_or_id_the_list_cannot_show_is_refused(client, clinician, data):
    client.force_login(clinician)
    response = client.post(reverse("household-create"), data)
    assert response.status_code == 200
    assert not Household.objects.filter(reference__startswith="H-").exclude(reference="H-1").exists()
    assert "direction control" in response.content.decode() or "no visible character" in response.content.decode()


def test_another_child_named_with_a_direction_control_is_refused_naming_the_name(client, clinician, household):
    client.force_login(clinician)
    data = _form(household, **{"other-years": "2", "other-months": "6", "other-name": "Sib\u202eling"})
    response = client.post(reverse("household-add-other", args=[household.pk]), data, follow=True)
    page = response.content.decode()
    assert "Name or description: This contains a direction control (U+202E)" in page
    assert "Give the child" not in page
    household.refresh_from_db()
    assert len(household.inputs["children"]) == 1


def test_an_estimate_stored_with_a_direction_control_still_makes_its_report(clinician, household):
    # Refused on saving only: an estimate stored before the check must still parse.
    household.inputs["caregivers"] = [{"name": "Bad\u202eName", "role": "foster"}]
    household.save()
    estimate = services.estimate_save(household=household, user=clinician, on=dt.date(2026, 1, 5))
    pdf = services.household_report_download(household=household, estimate=estimate, user=clinician)
    assert pdf.startswith(b"%PDF")


def test_the_household_list_isolates_caregiver_names_stored_before_the_direction_check(client, clinician, household):
    # A name stored with U+202E before saving refused it reversed the rest of its cell
    # ("Bad(rerac retsof) emaN"); each name and role is its own <bdi>, and the cell wraps.
    household.inputs["caregivers"] = [{"name": "Bad\u202eName", "role": "foster carer"}]
    household.save()
    client.force_login(clinician)
    page = client.get(reverse("household-list")).content.decode()
    assert "<bdi>Bad\u202eName</bdi>" in page and "(<bdi>foster carer</bdi>)" in page
    assert 'class="wrap-anywhere"' in page
