"""The clinician's journey in a real browser, from sign-in to a follow-up, and a placement what-if.

Each main page is screenshotted (to $ROOTMAP_SCREENSHOTS) and checked with axe-core:
no serious or critical accessibility violation, and no Content-Security-Policy violation.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"
BIRTH = "2016-04-11"
# The first (full) assessment: 121 months old, so childhood is reached and adolescence not.
FULL_DATE = dt.date(2026, 5, 20)

HISTORY = {"perinatal": (3, 1), "infancy": (2, 1), "early_childhood": (3, 2), "childhood": (2, 3)}


def status_id(field: str) -> str:
    return "#status-" + field.replace(".", "-").replace("_", "-")


def rate(page: Any, field: str, value: int) -> None:
    page.check(f'input[name="{field}"][value="{value}"]')


def wait_saved(page: Any, field: str) -> None:
    """Autosaves run one after another: when the last field says Saved, all of them are."""
    page.wait_for_selector(f"{status_id(field)} .save-status--ok")


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def check_page(page: Any, folder: Path, name: str) -> None:
    """Screenshot, accessibility and CSP checks of one main page."""
    shoot(page, folder, name)
    violations = axe_violations(page)
    assert not violations, f"{name}: axe found " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations)
    assert not page.csp.violations, f"{name}: CSP violations: {page.csp.violations}"


def complete_and_finalise(page: Any, folder: Path, *, functioning: dict[str, int], history: bool,
                          label: str) -> None:
    if history:
        for period, (adversity, relational) in HISTORY.items():
            rate(page, f"history.{period}.adversity", adversity)
            rate(page, f"history.{period}.relational_health", relational)
    for item, value in functioning.items():
        rate(page, f"functioning.{item}", value)
    for item, value in RELATIONAL.items():
        rate(page, f"relational.{item}", value)
    wait_saved(page, f"relational.{list(RELATIONAL)[-1]}")
    page.get_by_role("button", name="Review and finalise…").click()
    page.wait_for_url(re.compile(r"/finalise/$"))
    shoot(page, folder, f"{label}-finalise")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Finalise and lock").click()
    page.wait_for_url(re.compile(r"/results/$"))


def test_a_clinician_assesses_a_child_and_follows_up(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org,
                                         role="clinician", first_name="Cleo", last_name="Hart")

    # Sign in: the caseload dashboard.
    browser_sign_in(page, live_server, clinician, PASSWORD)
    check_page(page, screenshot_dir, "01-dashboard")

    # Add a client.
    page.goto(f"{live_server.url}/clients/new/")
    page.fill("#id_display_name", "Milo")
    page.fill("#id_reference", "C-0102")
    page.fill("#id_birth_date", BIRTH)
    page.get_by_role("button", name="Add client").click()
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    client_url = page.url
    check_page(page, screenshot_dir, "02-client")

    # Start a full assessment.
    page.get_by_role("link", name="New full assessment").click()
    page.fill("#id_date", FULL_DATE.isoformat())
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    check_page(page, screenshot_dir, "03-entry")

    # Half of the answers, then a reload: every answer is still there.
    for period, (adversity, relational) in HISTORY.items():
        rate(page, f"history.{period}.adversity", adversity)
        rate(page, f"history.{period}.relational_health", relational)
    first_half = dict(list(FUNCTIONING.items())[:16])
    for item, value in first_half.items():
        rate(page, f"functioning.{item}", value)
    page.fill("#f-interests", "music, dogs, drawing")
    wait_saved(page, "interests")
    wait_saved(page, "functioning.self_soothing")
    page.reload()
    for period, (adversity, relational) in HISTORY.items():
        assert page.is_checked(f'input[name="history.{period}.adversity"][value="{adversity}"]')
        assert page.is_checked(f'input[name="history.{period}.relational_health"][value="{relational}"]')
    for item, value in first_half.items():
        assert page.is_checked(f'input[name="functioning.{item}"][value="{value}"]'), item
    assert page.input_value("#f-interests") == "music, dogs, drawing"

    # An invalid value is shown beside its field.
    page.fill("#f-date", "2035-01-01")
    page.locator("#f-date").dispatch_event("change")
    page.wait_for_selector("#status-date .save-status--error")
    assert "in the future" in page.inner_text("#status-date")
    page.fill("#f-date", FULL_DATE.isoformat())
    page.locator("#f-date").dispatch_event("change")
    wait_saved(page, "date")

    # Informants and documents.
    page.get_by_role("button", name="Add informant").click()
    page.wait_for_selector("#f-informants-0-role")
    page.select_option("#f-informants-0-role", "caregiver")
    wait_saved(page, "informants.0.role")
    page.fill("#f-informants-0-name", "Jo Baker")
    page.fill("#f-informants-0-hours", "2.5")
    wait_saved(page, "informants.0.hours")
    with page.expect_navigation():  # Enter saves the draft (and never removes a row)
        page.press("#f-informants-0-name", "Enter")
    assert page.input_value("#f-informants-0-role") == "caregiver"
    page.get_by_role("button", name="Add document").click()
    page.wait_for_selector("#f-documents-0-title")
    page.fill("#f-documents-0-title", "Placement history")
    page.fill("#f-documents-0-source", "agency")
    wait_saved(page, "documents.0.source")

    complete_and_finalise(page, screenshot_dir, functioning=FUNCTIONING, history=False, label="04-full")
    # (history was rated above; the rest of the items are rated by complete_and_finalise)
    full = Assessment.objects.get(kind="full")
    assert full.status == "final" and full.inputs["functioning"] == FUNCTIONING
    assert full.inputs["informants"] == [{"role": "caregiver", "name": "Jo Baker", "description": "",
                                          "hours": 2.5}]
    assert page.locator("svg.rm-brain-map").is_visible()
    check_page(page, screenshot_dir, "05-results")

    # The clinician report as PDF: made as a job (in-process here), offered on the job's page.
    results_page = page.url
    page.get_by_role("button", name="Clinician report (PDF)").first.click()
    page.wait_for_url("**/jobs/*/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download rootmap-.*-clinician\.pdf$")).click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    page.goto(results_page)

    # The presentation, one screen at a time, by keyboard.
    results_url = page.url
    page.get_by_role("link", name="Present to the family").click()
    page.wait_for_selector("#present-title")
    check_page(page, screenshot_dir, "06-present-1")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#present[data-step='2']")
    assert page.locator("#present svg.rm-brain-map").is_visible()
    check_page(page, screenshot_dir, "07-present-2")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#present[data-step='3']")
    shoot(page, screenshot_dir, "08-present-3")
    total = int(page.get_attribute("#present", "data-total") or 0)
    for step in range(4, total + 1):
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f"#present[data-step='{step}']")
        shoot(page, screenshot_dir, f"08-present-{step}")
    assert page.get_by_role("heading", name="Next steps").is_visible()
    page.goto(results_url)

    # A follow-up: history carried forward, only functioning and relationships asked again.
    page.goto(client_url)
    page.get_by_role("link", name="New follow-up").click()
    # Rated afresh here; starting from the previous ratings is tests/web/browser/test_fast_entry_browser.py's.
    page.get_by_label("Start from the previous ratings").uncheck()
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    # Carried periods are folded away: only what changed needs entering.
    perinatal = page.locator("details.period--folded summary").first
    assert "carried forward (adversity 3 severe; relational health 1 poor)" in perinatal.inner_text()
    childhood = page.locator("details.period--folded").filter(has_text="Childhood (4 to 12 years)")
    childhood.locator("summary").click()
    rate(page, "history.childhood.adversity", 1)
    wait_saved(page, "history.childhood.adversity")
    check_page(page, screenshot_dir, "09-follow-up-entry")
    better = {item: min(value + 2, 5) for item, value in FUNCTIONING.items()}
    complete_and_finalise(page, screenshot_dir, functioning=better, history=False, label="10-follow-up")
    follow_up = Assessment.objects.get(kind="follow_up")
    assert follow_up.status == "final" and follow_up.inputs["history"] == {"childhood": {"adversity": 1}}
    # Every rating typed reached the database before signing (nothing lost to a save in flight).
    assert follow_up.inputs["functioning"] == better
    assert page.get_by_role("heading", name=re.compile("Since the previous assessment")).is_visible()
    assert page.locator("#change-h ~ *").get_by_text("Improved").first.is_visible()
    check_page(page, screenshot_dir, "11-follow-up-results")



INTERNAL = ("health_energy", "emotional_regulation", "trauma_resolution", "caregiving_skills",
            "flexibility_patience", "commitment")
EXTERNAL = ("co_caregiver_support", "family_friends", "respite_childcare", "financial_housing",
            "professional_support", "community_faith")

CHALLENGE = ("behavioural", "emotional_regulation", "medical_physical", "developmental_learning",
             "sleep_feeding", "supervision_safety")


def test_a_clinician_weighs_a_placement_in_a_foster_household(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    """Its own test (it ended the journey before): a client signed with a full assessment
    and a follow-up, imported as a case file, then the household page in the browser."""
    import json

    from rootmap.web.clients.services import case_file_import

    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org,
                                         role="clinician", first_name="Cleo", last_name="Hart")
    case = json.loads((Path(__file__).parents[3] / "examples" / "school-age-foster.json").read_text())
    case["client"].update(id="C-0102", display_name="Milo")
    case_file_import(organisation=org, user=clinician, data=case)
    latest = case["assessments"][-1]["id"]
    browser_sign_in(page, live_server, clinician, PASSWORD)
    household_what_if(page, live_server, screenshot_dir, prefilled_from=latest)


def household_what_if(page: Any, live_server: Any, folder: Path, *, prefilled_from: str) -> None:
    """A foster home: its resources, Milo added (challenge pre-filled), then a what-if."""
    page.goto(f"{live_server.url}/households/")
    page.get_by_role("link", name="New household").click()
    page.fill("#id_name", "Dana and Rob (foster)")
    page.fill("#id_reference", "H-0201")
    page.get_by_role("button", name="Add household").click()
    page.wait_for_url(re.compile(r"/households/\d+/$"))
    for item in INTERNAL:
        page.select_option(f"#internal-{item}", "3")
    for item in EXTERNAL:
        page.select_option(f"#external-{item}", "2")
    with page.expect_navigation():
        page.get_by_role("button", name="Save changes").click()
    page.select_option("#add-client", label="Milo (C-0102)")
    with page.expect_navigation():
        page.get_by_role("button", name="Add client").click()
    page.wait_for_load_state("networkidle")  # no preview of the household still on its way
    assert page.locator("fieldset.child").get_by_text(f"Pre-filled from assessment {prefilled_from}").is_visible()
    # What if a two-year-old joined the home too?
    page.fill("#whatif-years", "2")
    for item in CHALLENGE:
        page.select_option(f"#whatif-{item}", "2")
    page.wait_for_load_state("networkidle")
    with page.expect_response(re.compile(r"/what-if/")):
        page.get_by_role("button", name="Show what-if").click()
    page.wait_for_selector("#what-if-result table")
    result = page.inner_text("#what-if-result")
    assert "What if" in result and "Change in reserve" in result, (
        result, page.eval_on_selector_all("select", "els => els.map(e => e.name + '=' + e.value).join(' ')"))
    check_page(page, folder, "12-household-what-if")


def test_a_rapid_snapshot_after_a_placement_change(live_server: Any, page: Any, screenshot_dir: Path) -> None:
    from rootmap.web.clients.models import Client

    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    client = Client.objects.create(organisation=org, reference="C-0311", display_name="Ava",
                                   birth_date=dt.date(2010, 3, 2))
    client.clinicians.set([clinician])
    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/clients/{client.pk}/assessments/new/er/")
    page.select_option("#id_trigger", "placement_change")
    page.get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    assert page.locator("#history").count() == 0  # no developmental history in a snapshot
    assert page.input_value("#f-trigger") == "placement_change"
    check_page(page, screenshot_dir, "20-er-entry")
    complete_and_finalise(page, screenshot_dir, functioning=FUNCTIONING, history=False, label="21-er")
    assert page.get_by_text("abridged").first.is_visible()
    assert page.locator("svg.rm-brain-map").is_visible()
    check_page(page, screenshot_dir, "22-er-results")
