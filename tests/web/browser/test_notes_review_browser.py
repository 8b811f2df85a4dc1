"""Notes and supervisor review in a real browser: the formulation and a per-item comment
autosave from the entry page; the results, review and queue pages pass axe-core and the
Content-Security-Policy, and a supervisor co-signs with their password (decision 0022)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_models import CoSignature
from rootmap.web.assessments.services import assessment_create, assessment_finalise
from tests.web.browser.conftest import browser_sign_in
from tests.web.browser.test_journey import PASSWORD, check_page, wait_saved
from tests.web.test_assessments import BIRTH, FIRST, full_inputs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORMULATION = "Her alarm system fires at the smallest change of routine."


def test_notes_autosave_and_a_supervisor_cosigns(live_server: Any, page: Any, screenshot_dir: Path) -> None:
    from rootmap.web.clients.models import Client

    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician",
                                         first_name="Cleo", last_name="Carter")
    supervisor = User.objects.create_user(username="sam", password=PASSWORD, organisation=org, role="supervisor",
                                          first_name="Sam", last_name="Sutherland")
    child = Client.objects.create(organisation=org, reference="C-0420", display_name="Ruby", birth_date=BIRTH)
    child.clinicians.set([clinician])
    a = assessment_create(client=child, kind="full", date=FIRST, user=clinician)
    a.inputs = full_inputs()
    a.save()

    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{a.pk}/")
    page.fill("#f-notes-formulation", FORMULATION + "\n\n- routine first")
    page.fill("#f-notes-family-summary", "Keep evenings calm.")
    page.locator("#f-functioning-sleep details.item-comment summary").click()
    page.fill("#f-notes-items-functioning-sleep", "Falls asleep only with the light on.")
    wait_saved(page, "notes.items.functioning.sleep")
    wait_saved(page, "notes.formulation")
    check_page(page, screenshot_dir, "40-notes-entry")
    stored = Assessment.objects.get(pk=a.pk).inputs["notes"]
    assert stored["formulation"].startswith(FORMULATION)
    assert stored["items"] == {"functioning.sleep": "Falls asleep only with the light on."}

    a = assessment_finalise(assessment=Assessment.objects.get(pk=a.pk), user=clinician, password=PASSWORD)
    page.goto(f"{live_server.url}/assessments/{a.pk}/results/")
    assert FORMULATION in page.inner_text("#notes")
    page.get_by_role("button", name="Submit for supervisor review").click()
    page.wait_for_url(re.compile(r"/results/$"))
    assert "Waiting for review" in page.inner_text("#review")
    check_page(page, screenshot_dir, "41-notes-results")

    page.context.clear_cookies()
    browser_sign_in(page, live_server, supervisor, PASSWORD)
    page.goto(f"{live_server.url}/reviews/")
    check_page(page, screenshot_dir, "42-review-queue")
    page.get_by_role("link", name=re.compile(r"Review A-1")).click()
    page.wait_for_url(re.compile(r"/review/$"))
    check_page(page, screenshot_dir, "43-review")
    page.fill("#id_comment", "Please look at sleep again.")
    page.get_by_role("button", name="Save comment").click()
    page.wait_for_url(re.compile(r"/review/$"))
    page.fill("#id_password", "not my password")
    page.get_by_role("button", name="Co-sign").click()
    page.wait_for_selector("#err-password")
    check_page(page, screenshot_dir, "44-review-refused")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Co-sign").click()
    page.wait_for_url(re.compile(r"/results/$"))
    assert "Co-signed" in page.inner_text("#review")
    assert CoSignature.objects.get().signer == supervisor
