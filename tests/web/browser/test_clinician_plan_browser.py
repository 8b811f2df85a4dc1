"""The clinician's plan in a real browser (decision 0023): accept, edit, decline and add on
the plan page without JavaScript tricks, see a refused save name its field, sign, and find
the plan with its departures in the results and the clinician report. The plan page passes
axe-core and the Content-Security-Policy, empty, refused and saved."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create
from tests.web.browser.conftest import browser_sign_in
from tests.web.browser.test_journey import PASSWORD, check_page
from tests.web.sample_ratings import FUNCTIONING, RELATIONAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_accepts_edits_declines_and_adds_and_the_report_says_so(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    from rootmap.web.clients.models import Client

    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    child = Client.objects.create(organisation=org, reference="C-0421", display_name="Robin",
                                  birth_date=dt.date(2016, 4, 11), interests=["music"])
    child.clinicians.set([clinician])
    a = assessment_create(client=child, kind="full", date=dt.date(2025, 2, 3), user=clinician)
    a.inputs.update(functioning=dict(FUNCTIONING), relational=dict(RELATIONAL))
    a.save()

    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{a.pk}/")
    page.get_by_role("link", name="The clinician's plan").click()
    page.wait_for_url(re.compile(r"/plan/$"))
    assert "Not yet reviewed by the clinician" in page.inner_text("main")
    check_page(page, screenshot_dir, "40-plan-empty")

    page.select_option("#f-decisions-music-decision", "accept")
    page.fill("#f-decisions-music-goal", "Sings along at bedtime")
    page.select_option("#f-decisions-sensory-diet-decision", "edit")
    page.click('[data-activity="sensory_diet"] summary')  # the changes fold away until wanted
    page.select_option("#f-decisions-sensory-diet-setting", "school")
    page.fill("#f-decisions-sensory-diet-dose-times", "3")
    page.select_option("#f-decisions-sensory-diet-dose-per", "day")
    page.fill("#f-decisions-sensory-diet-reason", "The school OT can run it")
    page.select_option("#f-decisions-breathing-mindfulness-decision", "decline")  # no reason yet
    page.select_option("#f-added-0-catalogue-id", "own")
    page.fill("#f-added-0-name", "Swimming club")
    page.select_option("#f-added-0-delivered-by", "caregiver")
    page.select_option("#f-added-0-setting", "community")
    page.fill("#f-added-0-dose-times", "1")
    page.select_option("#f-added-0-dose-per", "week")
    page.fill("#f-review-date", "2025-05-01")
    page.locator(".actions").get_by_role("button", name="Save the plan").click()
    page.wait_for_selector("#err-f-decisions-breathing-mindfulness-reason")
    assert "is required for a declined activity: say why" in page.inner_text("main")
    assert page.input_value("#f-added-0-name") == "Swimming club"  # kept as typed
    assert "clinician_plan" not in Assessment.objects.get(pk=a.pk).inputs  # nothing half-saved
    check_page(page, screenshot_dir, "41-plan-refused")

    page.fill("#f-decisions-breathing-mindfulness-reason", "Breath focus raised panic in session")
    page.locator(".actions").get_by_role("button", name="Save the plan").click()
    page.wait_for_selector("text=Plan saved at")
    saved = page.inner_text(".plan-summary")
    assert "Edited" in saved and "Declined" in saved and "Added by the clinician" in saved
    assert "Swimming club" in saved
    check_page(page, screenshot_dir, "42-plan-saved")

    page.get_by_role("button", name="Save and go to finalise…").click()
    page.wait_for_url(re.compile(r"/finalise/$"))
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Finalise and lock").click()
    page.wait_for_url(re.compile(r"/results/$"))
    results = page.inner_text("main")
    assert "The clinician's plan" in results and "Breath focus raised panic in session" in results

    report = page.request.get(f"{live_server.url}/assessments/{a.pk}/report/clinician/html/")
    assert report.status == 200
    text = report.text()
    assert "data-plan-activity='sensory_diet' data-status='edited'" in text
    assert "Changed dose 3 times a day" in text and "The school OT can run it" in text
    assert "data-plan-activity='breathing_mindfulness' data-status='declined'" in text
    assert "Swimming club" in text
