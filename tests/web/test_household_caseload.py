"""Households keep the caseload rule (issue 10, decision 0011).

Three named users: Cleo, the clinician who has Milo on her caseload (the owner); Colin,
a clinician of the same organisation who does not (the colleague); Otto, a supervisor
of another organisation (the outsider). Sam, a supervisor, shares ratings. The household
is the organisation's, so Colin may weigh placements with it, but he must never learn
Milo's name, reference, exact age, assessment or ratings from its page, its report or a
what-if, and every view that exposed Milo is in Milo's audit trail.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from rootmap.core.caregiving import score_household
from rootmap.core.case import parse_household
from rootmap.web.audit.models import AuditEntry
from rootmap.web.caregiving import services
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.services import case_file_import
from tests.web.job_helpers import household_pdf
from tests.web.org_fixtures import *  # noqa: F403
from tests.web.org_fixtures import example

RESOURCES = {
    "internal": {"health_energy": 3, "emotional_regulation": 3, "trauma_resolution": 3,
                 "caregiving_skills": 3, "flexibility_patience": 2, "commitment": 4},
    "external": {"co_caregiver_support": 3, "family_friends": 2, "respite_childcare": 1,
                 "financial_housing": 3, "professional_support": 3, "community_faith": 2},
}
TODDLER = {"behavioural": 1, "emotional_regulation": 2, "medical_physical": 2,
           "developmental_learning": 2, "sleep_feeding": 3, "supervision_safety": 3}
# Milo's ratings as his clinician confirmed them: a pattern of values that the page would
# only show in his rating fields (never 4, which nothing else in the household has).
MILO = {"behavioural": 4, "emotional_regulation": 4, "medical_physical": 0,
        "developmental_learning": 4, "sleep_feeding": 1, "supervision_safety": 4}
SECRETS = ("Milo", "C-0102", "A-3", "Pre-filled from")  # his name, reference, assessment


@pytest.fixture(autouse=True)
def job_folder(tmp_path, settings):
    settings.ROOTMAP_JOB_DIR = str(tmp_path / "jobs")  # the reports' files, made as jobs


@pytest.fixture
def milo(org, clinician):
    return case_file_import(organisation=org, user=clinician, data=example("school-age-foster.json"))


@pytest.fixture
def household(org, clinician, milo):
    h = services.household_create(organisation=org, user=clinician, name="Dana and Rob", reference="H-1")
    h.inputs = copy.deepcopy({"caregivers": [{"name": "Dana", "role": "foster"}], **RESOURCES,
                              "children": [{"client_pk": None, "name": "Toddler", "age_months": 20,
                                            "challenge": TODDLER}]})
    h.save()
    services.household_child_add_client(household=h, user=clinician, client=milo)
    h.refresh_from_db()
    h.inputs["children"][1]["challenge"] = dict(MILO)
    h.save()
    services.estimate_save(household=h, user=clinician, on=timezone.localdate())
    return h


def _years(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def _entries_since(newest: int):
    return list(AuditEntry.objects.filter(id__gt=newest).order_by("id"))


def _newest() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _full_demand(household: Household) -> float:
    """The demand with every child counted, from the estimator core on the stored inputs."""
    data = services.household_file(household, on=timezone.localdate())
    return score_household(parse_household(data)).demand


def _shown_ratings(page: str) -> bool:
    """Whether Milo's ratings appear: his rating fields or the read-only list of shared ratings."""
    return 'name="child-1-' in page or "<dd>4</dd>" in page


# --- The page ---------------------------------------------------------------------------

def test_the_owner_sees_their_client_named_with_ratings(client, clinician, household, milo):
    client.force_login(clinician)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "Milo" in page and "C-0102" in page and "Pre-filled from assessment A-3" in page
    assert 'name="child-1-behavioural"' in page


def test_a_colleague_sees_a_child_by_age_in_years_without_name_reference_or_ratings(
    client, colleague, household, milo
):
    client.force_login(colleague)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    for secret in SECRETS:
        assert secret not in page, secret
    assert not _shown_ratings(page)
    assert f"A child, age {_years(milo.birth_date, timezone.localdate())}" in page
    # Milo is not offered to Colin to add, and his page is not linked.
    assert reverse("client-detail", args=[milo.pk]) not in page
    # Hidden, his challenge still counts: the demand shown is the whole household's.
    assert f"{_full_demand(household):.1f} (half the sum" in page


def test_shared_ratings_are_shown_to_a_colleague_but_never_the_name(client, colleague, supervisor,
                                                                     household, milo):
    client.force_login(supervisor)
    client.post(reverse("household-share", args=[household.pk]), {"share": str(milo.pk)})
    client.force_login(colleague)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    for secret in SECRETS:
        assert secret not in page, secret
    assert "A supervisor shared their challenge ratings" in page
    assert page.count("<dd>4</dd>") == 4  # behavioural, regulation, learning, supervision
    assert 'name="child-1-' not in page  # shown, not editable


def test_a_colleague_saving_the_household_cannot_change_or_remove_an_unseen_child(
    client, colleague, household
):
    before = copy.deepcopy(household.inputs["children"][1])
    client.force_login(colleague)
    data = {"caregiver-count": "1", "caregiver-0-name": "Dana", "caregiver-0-role": "foster",
            **{f"{g}-{k}": str(v) for g in ("internal", "external") for k, v in RESOURCES[g].items()},
            **{f"child-0-{k}": str(v) for k, v in TODDLER.items()}, "child-0-age_months": "20",
            # forged: fields for the child the page did not show
            "child-1-remove": "on", **{f"child-1-{k}": "0" for k in MILO}}
    response = client.post(reverse("household-save", args=[household.pk]), data)
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.inputs["children"][1] == before


# --- The report and the what-if ---------------------------------------------------------

def test_the_report_names_only_the_children_the_reader_may_see(client, clinician, colleague, supervisor,
                                                              household, milo):
    client.force_login(clinician)
    owner_text = _pdf_text(household_pdf(client, household.pk))
    assert "Milo (C-0102)" in owner_text and "not shared" not in owner_text

    client.force_login(colleague)
    text = _pdf_text(household_pdf(client, household.pk))
    for secret in SECRETS:
        assert secret not in text, secret
    years = _years(milo.birth_date, timezone.localdate())
    assert f"A child, age {years}" in text and "not shared: outside your caseload" in text
    assert f"{household.estimates.get().result['demand']:.1f}" in text  # still counted

    client.force_login(supervisor)
    client.post(reverse("household-share", args=[household.pk]), {"share": str(milo.pk)})
    client.force_login(colleague)
    shared = _pdf_text(household_pdf(client, household.pk))
    assert "not shared" not in shared and "Milo" not in shared and "C-0102" not in shared


def test_the_what_if_shows_no_unseen_child(client, colleague, household):
    client.force_login(colleague)
    response = client.post(reverse("household-what-if", args=[household.pk]),
                           {"whatif-years": "2", **{f"whatif-{k}": "2" for k in TODDLER}})
    page = response.content.decode()
    assert response.status_code == 200 and "Change in reserve" in page
    for secret in SECRETS:
        assert secret not in page, secret


def test_the_outsider_gets_nothing_of_the_household(client, outsider, household):
    client.force_login(outsider)
    assert client.get(reverse("household-detail", args=[household.pk])).status_code == 404
    assert household_pdf(client, household.pk).status_code == 404
    assert client.post(reverse("household-what-if", args=[household.pk]), {"whatif-years": "2"}).status_code == 404
    assert client.post(reverse("household-share", args=[household.pk]), {"share": "1"}).status_code == 404


# --- Audit: every view that exposed a child is in that child's trail --------------------

@pytest.mark.parametrize("user, shown", [("clinician", "named"), ("colleague", "anonymous, ratings hidden")])
def test_every_household_view_is_audited_with_each_client_child(request, client, household, milo,
                                                               user, shown):
    viewer = request.getfixturevalue(user)
    client.force_login(viewer)
    views = {
        "page": lambda: client.get(reverse("household-detail", args=[household.pk])),
        "report": lambda: household_pdf(client, household.pk),  # a job: its own entries are the job's
        "what_if": lambda: client.post(reverse("household-what-if", args=[household.pk]),
                                       {"whatif-years": "2", **{f"whatif-{k}": "2" for k in TODDLER}}),
    }
    for view, call in views.items():
        newest = _newest()
        answer = call()
        assert answer.startswith(b"%PDF") if isinstance(answer, bytes) else answer.status_code == 200
        entries = [e for e in _entries_since(newest) if e.object_type != "job"]
        if view == "report":  # its job page comes first: a view of the household that shows no child
            pages = [e for e in entries if e.action == "view"]
            assert len(pages) == 1 and pages[0].detail.get("page") == "household report job", entries
            entries = [e for e in entries if e.action != "view"]
        assert len(entries) == 1, (view, entries)  # one client child in this household
        entry = entries[0]
        assert entry.client_id == milo.pk and entry.actor == viewer
        assert entry.object_type == "household" and entry.object_id == str(household.pk)
        assert entry.detail["view"] == view and entry.detail["shown"] == shown
        assert entry.detail["children"] == 2 and entry.action == ("download" if view == "report" else "view")
    trail = AuditEntry.objects.filter(client_id=milo.pk, actor=viewer, object_type="household")
    assert {e.detail.get("view") for e in trail} >= {"page", "report", "what_if"}


def test_a_household_without_client_children_is_one_entry(client, colleague, org):
    h = services.household_create(organisation=org, user=colleague, name="Lees", reference="H-2")
    client.force_login(colleague)
    newest = _newest()
    client.get(reverse("household-detail", args=[h.pk]))
    [entry] = _entries_since(newest)
    assert entry.client_id is None and entry.object_id == str(h.pk) and entry.detail["view"] == "page"


# --- Sharing ----------------------------------------------------------------------------

def test_only_a_supervisor_or_admin_shares_and_sharing_is_audited(client, clinician, supervisor, admin,
                                                                   household, milo):
    client.force_login(clinician)
    assert client.post(reverse("household-share", args=[household.pk]),
                       {"share": str(milo.pk)}).status_code == 404
    household.refresh_from_db()
    assert household.inputs["children"][1]["challenge_shared"] is False

    for sharer, key, value in ((supervisor, "share", True), (admin, "unshare", False)):
        client.force_login(sharer)
        newest = _newest()
        response = client.post(reverse("household-share", args=[household.pk]), {key: str(milo.pk)})
        assert response.status_code == 302
        household.refresh_from_db()
        assert household.inputs["children"][1]["challenge_shared"] is value
        [entry] = _entries_since(newest)
        assert entry.action == "change" and entry.client_id == milo.pk and entry.actor == sharer
        assert entry.detail == {"challenge_shared": value}


def test_sharing_a_client_who_is_not_in_the_household_changes_nothing(client, supervisor, household, org):
    from tests.web.org_fixtures import make_client

    stranger = make_client(org, "C-9")
    client.force_login(supervisor)
    household.refresh_from_db()
    before = copy.deepcopy(household.inputs)
    newest = _newest()
    response = client.post(reverse("household-share", args=[household.pk]), {"share": str(stranger.pk)})
    assert response.status_code == 302 and not _entries_since(newest)
    household.refresh_from_db()
    assert household.inputs == before
    page = client.get(response["Location"]).content.decode()
    assert "not a child of this household" in page
