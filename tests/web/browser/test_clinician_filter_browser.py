"""The dashboard's clinician filter in a real browser (decision 0031): an administrator types
part of a clinician's name and presses Enter, with and without JavaScript; the page lists
only what matched, filters by the one match, and passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from tests.web.browser.conftest import axe_violations, browser_sign_in
from tests.web.org_fixtures import make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough password 42"


def _world() -> User:
    org = Organisation.objects.create(name="Filter Org")
    admin = User.objects.create_user(username="ada", password=PASSWORD, organisation=org, role="admin")
    names = [("Maya", "Okafor"), ("Mark", "Olsen"), ("Ruth", "Lind")]
    for n, (first, last) in enumerate(names):
        person = User.objects.create_user(username=f"c{n}", password=PASSWORD, organisation=org, role="clinician",
                                          first_name=first, last_name=last)
        make_client(org, f"C-{n}", name=f"Child of {first}", clinicians=(person,))
    return admin


def _options(page: Any) -> list[str]:
    return [o.strip() for o in page.locator("#clinician option").all_inner_texts()]


@pytest.mark.parametrize("javascript", [True, False])
def test_an_admin_finds_a_clinician_by_name_and_filters_by_her(live_server: Any, browser: Any,
                                                               javascript: bool) -> None:
    admin = _world()
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        browser_sign_in(page, live_server, admin, PASSWORD)
        page.goto(f"{live_server.url}/clients/")
        assert _options(page) == ["Anyone", "Nobody (unassigned)"]
        if javascript:
            assert not axe_violations(page)
        page.get_by_label("Find a clinician").fill("o")  # Okafor, Olsen: two match
        with page.expect_navigation():
            page.get_by_label("Find a clinician").press("Enter")
        assert _options(page) == ["Anyone", "Maya Okafor", "Mark Olsen", "Nobody (unassigned)"]
        assert "2 clinicians match" in page.inner_text("form.filters")
        assert page.get_by_text("Child of Ruth").count() == 1  # not filtered yet
        page.get_by_label("Find a clinician").fill("okaf")
        with page.expect_navigation():
            page.get_by_label("Find a clinician").press("Enter")
        assert page.locator("#clinician").input_value() != ""
        assert page.get_by_label("Clinician", exact=True).evaluate("s => s.selectedOptions[0].text") == "Maya Okafor"
        main = page.inner_text("#caseload")
        assert "Child of Maya" in main and "Child of Mark" not in main and "Child of Ruth" not in main
        if javascript:
            assert not axe_violations(page)
    finally:
        context.close()
