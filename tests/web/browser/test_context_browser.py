"""The client context in a real browser: fields and rows autosave as they are typed (no
Save pressed), survive a reload, a refused row says which row and field, and the page,
the client page and the household page pass axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.models import Client
from rootmap.web.clients.services import case_file_import
from rootmap.web.demo_contexts import with_demo_context
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.org_fixtures import example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"


def no_violations(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert not violations, f"{name}: " + "; ".join(f"{v['id']}: {v['help']} at {v['nodes']}" for v in violations)
    assert not page.csp.violations, page.csp.violations


def saved(page: Any, field_id: str) -> None:
    page.wait_for_selector(f"#status-{field_id} .save-status--ok")


def test_the_context_autosaves_field_by_field_and_row_by_row_and_is_there_after_a_reload(
    live_server: Any, page: Any, screenshot_dir: Path
) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    clinician = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    milo = Client.objects.create(organisation=org, reference="C-0102", display_name="Milo",
                                 birth_date=dt.date(2015, 11, 8))
    milo.clinicians.add(clinician)
    browser_sign_in(page, live_server, clinician, PASSWORD)

    page.goto(f"{live_server.url}/clients/{milo.pk}/context/")
    no_violations(page, screenshot_dir, "context-page")
    page.select_option("#ctx-sex", "male")
    saved(page, "ctx-sex")
    page.select_option("#ctx-gender", "self_described")
    saved(page, "ctx-gender")
    page.fill("#ctx-gender-description", "boy, mostly")
    saved(page, "ctx-gender-description")
    page.fill("#ctx-school", "Brookside Primary School")
    saved(page, "ctx-school")
    # A placement row: the type alone is refused naming the missing start; then it saves.
    page.select_option("#ctx-placement-0-type", "foster")
    page.wait_for_selector("#status-ctx-placement-0-type .save-status--error:has-text('Placement 1, start date')")
    page.fill("#ctx-placement-0-start", "2022-08-15")
    page.locator("#ctx-placement-0-start").dispatch_event("change")
    saved(page, "ctx-placement-0-start")
    # A contact row with a bad email: refused beside the field, then corrected.
    page.fill("#ctx-contact-0-name", "Dana Okafor")
    page.select_option("#ctx-contact-0-kind", "caregiver")
    saved(page, "ctx-contact-0-kind")
    page.fill("#ctx-contact-0-email", "dana-at-example")
    page.wait_for_selector("#status-ctx-contact-0-email .save-status--error:has-text('Contact 1, email')")
    page.fill("#ctx-contact-0-email", "dana@example.org")
    saved(page, "ctx-contact-0-email")
    page.wait_for_selector("#draft-state:has-text('All changes saved')")
    no_violations(page, screenshot_dir, "context-page-saved")

    page.reload()  # what the server has, not what the page was sent
    assert page.input_value("#ctx-sex") == "male"
    assert page.input_value("#ctx-gender-description") == "boy, mostly"
    assert page.input_value("#ctx-placement-0-start") == "2022-08-15"
    assert page.input_value("#ctx-contact-0-email") == "dana@example.org"
    milo.refresh_from_db()
    assert milo.context == {
        "sex": "male", "gender": "self_described", "gender_description": "boy, mostly",
        "school": "Brookside Primary School",
        "placements": [{"type": "foster", "start": "2022-08-15"}],
        "contacts": [{"name": "Dana Okafor", "kind": "caregiver", "email": "dana@example.org"}],
    }
    assert not page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('rootmap.unsent:'))")

    page.goto(f"{live_server.url}/clients/{milo.pk}/")
    assert page.locator("#context").get_by_text("Foster care, since 2022-08-15").is_visible()
    no_violations(page, screenshot_dir, "client-page-context")

    household = Household.objects.create(organisation=org, reference="H-1", name="The Okafors", inputs={
        "caregivers": [], "internal": {}, "external": {},
        "children": [{"client_pk": milo.pk, "name": "", "age_months": None, "challenge": {}}]})
    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert page.get_by_text("Foster care, since 2022-08-15").is_visible()
    no_violations(page, screenshot_dir, "household-contact-caregivers")


def test_the_context_pages_fit_a_phone(live_server: Any, page: Any) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    admin = User.objects.create_user(username="ada", password=PASSWORD, organisation=org, role="admin")
    data = with_demo_context(example("school-age-foster.json"))
    data["client"]["context"]["contacts"][0]["email"] = "a.very.long.address.for.a.foster.mother@example.org"
    milo = case_file_import(organisation=org, user=admin, data=data)
    page.set_viewport_size({"width": 390, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    too_wide = {}
    for path in (f"/clients/{milo.pk}/", f"/clients/{milo.pk}/context/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}
