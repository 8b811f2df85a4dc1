"""At 390 px (a phone) no page is wider than the screen: wide tables scroll inside their own
box, and forms with long options shrink. Found by using the demo on a phone-sized window:
the visually hidden labels of table action links (absolutely positioned) escaped the table's
scroller and a fieldset grew to its longest <option>, so whole pages panned sideways."""

from __future__ import annotations

from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.api.tokens import token_create
from rootmap.web.caregiving.models import Household
from rootmap.web.clients.services import case_file_import
from tests.web.browser.conftest import browser_sign_in
from tests.web.org_fixtures import example

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long enough password 42"
PHONE = 390


def test_no_page_is_wider_than_a_phone(live_server: Any, page: Any) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    admin = User.objects.create_user(username="ada", password=PASSWORD, organisation=org, role="admin")
    milo = case_file_import(organisation=org, user=admin, data=example("school-age-foster.json"))
    token_create(user=admin, name="spreadsheet sync", scope="read", expires_days=30)
    data = example("foster-household.json")
    household = Household.objects.create(
        organisation=org, reference="H-1", name="Dana and Rob (foster home)",
        inputs={"caregivers": data["caregivers"], "internal": data["internal"], "external": data["external"],
                "children": data["children"]})
    page.set_viewport_size({"width": PHONE, "height": 800})
    browser_sign_in(page, live_server, admin, PASSWORD)
    too_wide = {}
    for path in (f"/clients/{milo.pk}/", f"/clients/{milo.pk}/events/", "/account/api-tokens/",
                 "/clients/import-csv/", "/people/", f"/households/{household.pk}/", "/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            too_wide[path] = width
    assert too_wide == {}
