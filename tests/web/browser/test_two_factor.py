"""Two-factor sign-in in a real browser: enrol an authenticator from the QR page, then
sign in with a code; the strict Content-Security-Policy stays on throughout."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import override_settings
from django_otp.oath import totp

from rootmap.web.accounts.models import Organisation, User
from tests.web.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long and private passphrase"


def _code(secret_text: str, *, steps_ahead: int = 0) -> str:
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, 30, 0, 6, steps_ahead):06d}"


def _password_step(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "nia")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


@override_settings(ROOTMAP_REQUIRE_2FA=True)
def test_a_clinician_enrols_an_authenticator_then_signs_in_with_a_code(page: Any, live_server: Any) -> None:
    org = Organisation.objects.create(name="Riverside Family Services")
    User.objects.create_user(username="nia", password=PASSWORD, organisation=org, role="clinician")

    _password_step(page, live_server)
    assert page.url.startswith(f"{live_server.url}/sign-in/authenticator/")
    assert page.locator("figure.qr-code svg").count() == 1
    page.goto(f"{live_server.url}/clients/")  # nothing else is open before the second step
    assert "/sign-in/authenticator/" in page.url
    assert axe_violations(page) == []

    secret = page.locator("code").inner_text()
    page.fill("#id_code", _code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm and continue").click()
    assert "/sign-in/" not in page.url and page.get_by_role("button", name="Sign out").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    _password_step(page, live_server)
    assert page.url.startswith(f"{live_server.url}/sign-in/code/")
    page.fill("#id_code", "000000")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "not right or has expired" in page.inner_text("main")
    assert page.locator("#id_code").get_attribute("autocomplete") == "one-time-code"
    page.wait_for_timeout(1500)  # a wrong code makes the next try wait a second
    # The enrolment used this 30-second step's code; a code is good once, so use the next.
    page.fill("#id_code", _code(secret, steps_ahead=1))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "/sign-in/" not in page.url, page.inner_text("main")[:300]
    assert page.csp.violations == []  # type: ignore[attr-defined]
