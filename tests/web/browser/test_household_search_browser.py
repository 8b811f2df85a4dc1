"""The household page's client search in a real browser (decision 0027): typing a name asks
the server for the matches and puts them into the "Client" select, which a clinician then
chooses from and adds."""

from __future__ import annotations

from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.caregiving import services as household_services
from rootmap.web.caregiving.models import Household
from tests.web.browser.conftest import browser_sign_in
from tests.web.org_fixtures import make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough password 42"


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_typing_a_name_fills_the_client_select_and_the_child_is_added(live_server: Any, browser: Any,
                                                                      viewport: tuple[int, int]) -> None:
    # The search field sits inside the household form, whose hx-swap="outerHTML" (for the
    # estimate panel) the field inherited: the matches replaced the select itself, loose
    # options spilled over the page and "Add client" added nobody.
    org = Organisation.objects.create(name="Search Org")
    cleo = User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    for n, name in enumerate(["Mira Stone", "Milo Reed", "Tess Lane"]):
        make_client(org, f"C-{n}", name=name, clinicians=(cleo,))
    household = household_services.household_create(organisation=org, user=cleo, name="Dana and Rob",
                                                     reference="H-1")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    try:
        browser_sign_in(page, live_server, cleo, PASSWORD)
        page.goto(f"{live_server.url}/households/{household.pk}/")
        with page.expect_response(lambda r: "/children/search/" in r.url):
            page.locator("#client-q").fill("mi")
        page.wait_for_timeout(200)  # the swap follows the response
        assert page.locator("select#add-client").count() == 1
        options = [o.strip() for o in page.locator("select#add-client option").all_inner_texts()]
        assert options == ["Choose a client…", "Milo Reed (C-1), not yet assessed",
                           "Mira Stone (C-0), not yet assessed"]
        assert page.locator("#add-client ~ option, .add-child > option").count() == 0
        page.locator("select#add-client").select_option(label="Mira Stone (C-0), not yet assessed")
        with page.expect_navigation():
            page.get_by_role("button", name="Add client").click()
        assert "Mira Stone was added" in page.inner_text("main")
        children = Household.objects.get(pk=household.pk).inputs["children"]
        assert [c.get("client_pk") for c in children] == [org.clients.get(reference="C-0").pk]
    finally:
        context.close()
