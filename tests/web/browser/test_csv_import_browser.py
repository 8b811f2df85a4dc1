"""Importing clients from CSV in a real browser: the check lists every row's problems, then the
checked file is imported in one go. The pages pass axe-core and the Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rootmap.web.accounts.models import Organisation, User
from rootmap.web.clients.models import Client
from tests.web.browser.conftest import browser_sign_in
from tests.web.browser.test_journey import PASSWORD, check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = b"reference,display_name,birth_date,interests,clinicians\r\n"


def test_a_csv_is_checked_then_imported(live_server: Any, page: Any, screenshot_dir: Path) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    admin = User.objects.create_user(username="ada", password=PASSWORD, organisation=org, role="admin")
    User.objects.create_user(username="cleo", password=PASSWORD, organisation=org, role="clinician")
    browser_sign_in(page, live_server, admin, PASSWORD)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Import clients from CSV").click()

    bad = HEADER + b"C-1,Ana,2018-02-03,music,cleo\r\nC-2,,2018-13-01,,\r\n"
    page.set_input_files("#csv_file", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": bad}])
    page.get_by_role("button", name="Check the file").click()
    problems = page.inner_text("#problems")
    assert "Nothing was imported." in problems and "is required but missing" in problems
    assert "2018-13-01" in problems
    check_page(page, screenshot_dir, "60-csv-problems")

    good = HEADER + b"C-1,Ana,2018-02-03,music,cleo\r\nC-2,Ben,2018-12-01,,\r\n"
    page.set_input_files("#csv_file", files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": good}])
    page.get_by_role("button", name="Check the file").click()
    assert "All 2 rows passed every check" in page.inner_text("#checked")
    assert not Client.objects.exists()
    check_page(page, screenshot_dir, "61-csv-checked")
    with page.expect_navigation():
        page.get_by_role("button", name="Import 2 clients").click()
    assert "2 clients imported from the CSV file" in page.inner_text("main")
    assert sorted(Client.objects.values_list("reference", flat=True)) == ["C-1", "C-2"]
