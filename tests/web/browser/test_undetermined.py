"""Signing a snapshot with almost nothing rated, in a real browser: the finalise page asks
for a confirmation and a reason, and the results say plainly that nobody can say where to
start. Both pages pass axe-core and the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.services import assessment_create, assessment_save_field
from tests.web.browser.conftest import browser_sign_in
from tests.web.browser.test_journey import PASSWORD, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_undetermined_snapshot_is_signed_only_with_a_confirmation(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    from rootmap.web.clients.models import Client

    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    child = Client.objects.create(organisation=org, reference="C-0420", display_name="Noor",
                                  birth_date=dt.date(2021, 1, 1))
    child.clinicians.set([clinician])
    a = assessment_create(client=child, kind="er", date=dt.date(2025, 2, 3), user=clinician)
    for field, value in (("trigger", "placement_change"), ("functioning.sleep", "4")):
        a = assessment_save_field(assessment=a, user=clinician, field=field, value=value, revision=a.revision)

    browser_sign_in(page, live_server, clinician, PASSWORD)
    page.goto(f"{live_server.url}/assessments/{a.pk}/finalise/")
    assert "Not enough has been rated yet to say where to start" in page.inner_text("main")
    check_page(page, screenshot_dir, "30-undetermined-finalise")

    page.fill("#id_undetermined_reason", "Crisis visit: only sleep could be asked about")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Finalise and lock").click()
    page.wait_for_selector("#err-confirm-undetermined")
    assert page.input_value("#id_undetermined_reason") == "Crisis visit: only sleep could be asked about"
    assert Assessment.objects.get(pk=a.pk).status == "draft"
    check_page(page, screenshot_dir, "31-undetermined-refused")

    page.check('input[name="confirm_undetermined"]')
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Finalise and lock").click()
    page.wait_for_url(re.compile(r"/results/$"))
    main = page.inner_text("main")
    assert "Not enough has been rated yet to say where to start" in main
    assert "Crisis visit: only sleep could be asked about" in main
    assert "Maintain" not in main
    check_page(page, screenshot_dir, "32-undetermined-results")
