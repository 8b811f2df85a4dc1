"""Events in a real browser: five events in five separate saves, three on the events page
and two inside the assessment, and all of them, with the 13 recorded before, in the
case-file export the clinician downloads from the client's page."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.assessments.models import Assessment
from rootmap.web.clients.services import case_file_import
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.org_fixtures import example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"

# (category value, how the onset is typed, the onset in months of age for a child born 2015-11-08)
NEW_EVENTS = [
    ("bullying", {"onset_age_years": "9", "onset_age_months": "2"}, 110),
    ("separation_or_loss", {"onset_date": "2024-03-20"}, 100),      # 8 years 4 months, day 20 >= 8
    ("medical_trauma", {"onset_age_years": "0", "onset_age_months": "-2"}, -2),  # before birth
    ("community_violence", {"onset_date": "2025-01-05"}, 109),      # 9 years 2 months, less one (5 < 8)
    ("disaster_or_accident", {"onset_age_years": "10", "onset_age_months": "0"}, 120),
]


def fill_first_row(page: Any, category: str, onset: dict[str, str], severity: str, note: str) -> None:
    page.select_option("#id_events-0-category", category)
    for field, value in onset.items():
        page.fill(f"#id_events-0-{field}", value)
    page.select_option("#id_events-0-severity", severity)
    page.fill("#id_events-0-note", note)


def no_violations(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: " + "; ".join(f"{v['id']}: {v['help']} at {v['nodes']}" for v in violations)
    assert not page.csp.violations, page.csp.violations


def test_five_events_in_five_saves_are_all_in_the_case_file_export(
    live_server: Any, page: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    original = example("school-age-foster.json")
    milo = case_file_import(organisation=org, user=clinician, data=original)
    draft = Assessment.objects.create(client=milo, reference="A-4", kind="follow_up",
                                      date=dt.date(2026, 11, 20), inputs={}, created_by=clinician)
    browser_sign_in(page, live_server, clinician, PASSWORD)

    # Three saves on the events page, one event each (the panel answers in place).
    page.goto(f"{live_server.url}/clients/{milo.pk}/events/")
    no_violations(page, screenshot_dir, "events-page")
    for n, (category, onset, _months) in enumerate(NEW_EVENTS[:3], start=1):
        fill_first_row(page, category, onset, "2", f"saved in save {n}")
        page.get_by_role("button", name="Add these events").click()
        page.wait_for_selector(f"#events-panel [role=status]:has-text('Milo now has {13 + n}')")
    page.reload()  # what the server has, not what the page was sent
    assert page.locator("#events-panel tbody tr").count() == 16

    # Two more inside the assessment: the panel answers in place (htmx), the page stays.
    page.goto(f"{live_server.url}/assessments/{draft.pk}/")
    panel = page.locator("#events-panel")
    assert panel.locator("tbody tr").count() == 16
    no_violations(page, screenshot_dir, "entry-events-panel")
    for n, (category, onset, _months) in enumerate(NEW_EVENTS[3:], start=4):
        fill_first_row(page, category, onset, "3", f"saved in save {n}")
        page.get_by_role("button", name="Add these events").click()
        page.wait_for_selector(f"#events-panel [role=status]:has-text('Milo now has {13 + n}')")
        assert page.url.endswith(f"/assessments/{draft.pk}/")
    assert page.locator("#events-panel tbody tr").count() == 18
    assert not page.csp.violations, page.csp.violations
    panel.screenshot(path=str(screenshot_dir / "entry-events-panel-only.png"))  # last: it marks the element

    # The case file downloaded from the client's page holds all eighteen.
    page.goto(f"{live_server.url}/clients/{milo.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export case file").click()
    target = tmp_path / "case.json"
    download.value.save_as(target)
    case = json.loads(target.read_text("utf-8"))
    assert case["format"] == "rootmap-case/1"
    assert case["events"][:13] == original["events"]
    added = [(e["category"], e["onset_months"], e["note"]) for e in case["events"][13:]]
    assert added == [(c, months, f"saved in save {n}") for n, (c, _o, months) in enumerate(NEW_EVENTS, start=1)]
    assert all(set(e) == {"category", "onset_months", "end_months", "severity", "note", "source"}
               for e in case["events"])  # exactly the case-file format
    assert re.search(r"case-C-0102\.json$", download.value.suggested_filename)


def test_from_the_assessment_an_event_is_changed_and_one_removed_after_confirming(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    original = example("school-age-foster.json")
    milo = case_file_import(organisation=org, user=clinician, data=original)
    draft = Assessment.objects.create(client=milo, reference="A-4", kind="follow_up",
                                      date=dt.date(2026, 11, 20), inputs={}, created_by=clinician)
    browser_sign_in(page, live_server, clinician, PASSWORD)
    entry_url = f"{live_server.url}/assessments/{draft.pk}/"

    # Change event 4's severity: the edit page, then back to the assessment.
    page.goto(entry_url)
    page.get_by_role("link", name="Edit event 4").click()
    page.wait_for_url(re.compile(r"/events/4/edit/"))
    no_violations(page, screenshot_dir, "event-edit")
    page.select_option("#id_event-severity", "4")
    with page.expect_navigation():
        page.get_by_role("button", name="Save this event").click()
    assert page.url == entry_url + "#events-panel"

    # Remove event 2: the button only asks; the confirmation removes it.
    page.get_by_role("button", name="Remove… event 2").click()
    page.wait_for_selector("text=Remove event 2 of Milo?")
    no_violations(page, screenshot_dir, "event-remove-confirm")
    milo.refresh_from_db()
    assert len(milo.events) == 13
    with page.expect_navigation():
        page.get_by_role("button", name="Remove this event").click()
    assert page.url == entry_url + "#events-panel"
    assert "Event 2 (Caregiver substance use) was removed" in page.inner_text("main")

    milo.refresh_from_db()
    expected = [dict(e) for e in original["events"]]
    expected[3]["severity"] = 4
    del expected[1]
    assert milo.events == expected
